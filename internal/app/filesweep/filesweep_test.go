package filesweep_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/app/filesweep"
	"github.com/homekeep/homekeep/internal/blobstore"
	"github.com/homekeep/homekeep/internal/testdb"
)

// testBundle is a migrated database with one residence and a file store in a directory of the test's own.
type testBundle struct {
	pool        *pgxpool.Pool
	store       *blobstore.Store
	dir         string
	residenceID int64
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	ctx := context.Background()
	b := &testBundle{pool: testdb.Pool(t), dir: filepath.Join(t.TempDir(), "files")}
	var err error
	b.store, err = blobstore.Open(ctx, "file://"+b.dir)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, b.store.Close()) })
	require.NoError(t, b.pool.QueryRow(ctx, `WITH u AS (
		INSERT INTO users (email, password_hash) VALUES ('owner@example.com', 'x') RETURNING id)
		INSERT INTO residences (owner_id, name) SELECT id, 'Home' FROM u RETURNING id`).Scan(&b.residenceID))
	return b
}

// put stores a file at key, last written at modTime, and returns the key.
func (b *testBundle) put(t *testing.T, key string, modTime time.Time) string {
	t.Helper()
	_, _, err := b.store.Put(context.Background(), key, bytes.NewReader([]byte("%PDF-1.4 test")), "application/pdf")
	require.NoError(t, err)
	require.NoError(t, os.Chtimes(filepath.Join(b.dir, filepath.FromSlash(key)), modTime, modTime))
	return key
}

// document inserts a document row that names key.
func (b *testBundle) document(t *testing.T, key string) {
	t.Helper()
	_, err := b.pool.Exec(context.Background(),
		"INSERT INTO documents (residence_id, title, storage_key) VALUES ($1, 'Manual', $2)", b.residenceID, key)
	require.NoError(t, err)
}

// stored lists the keys of the files in the store's directory.
func (b *testBundle) stored(t *testing.T) []string {
	t.Helper()
	var keys []string
	err := filepath.WalkDir(b.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(b.dir, path)
			keys = append(keys, filepath.ToSlash(rel))
		}
		return nil
	})
	require.NoError(t, err)
	return keys
}

func TestCleanOrphans(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("DeletesOnlyOldFilesNoDocumentNames", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		twoDaysAgo := time.Now().Add(-48 * time.Hour)
		referenced := b.put(t, blobstore.NewKey(filesweep.DocumentPrefix, time.Now()), twoDaysAgo)
		b.document(t, referenced)
		oldOrphan := b.put(t, blobstore.NewKey(filesweep.DocumentPrefix, time.Now()), twoDaysAgo)
		freshOrphan := b.put(t, blobstore.NewKey(filesweep.DocumentPrefix, time.Now()), time.Now())
		outside := b.put(t, "exports/old.zip", twoDaysAgo)

		n, err := filesweep.CleanOrphans(ctx, b.pool, b.store, filesweep.OrphanAge, time.Now())
		require.NoError(t, err)
		require.Equal(t, 1, n, "one file deleted")
		require.ElementsMatch(t, []string{referenced, freshOrphan, outside}, b.stored(t),
			"the old orphan (%s) is deleted; the referenced file, the fresh orphan and files outside %s/ stay",
			oldOrphan, filesweep.DocumentPrefix)

		n, err = filesweep.CleanOrphans(ctx, b.pool, b.store, filesweep.OrphanAge, time.Now().Add(48*time.Hour))
		require.NoError(t, err)
		require.Equal(t, 1, n, "a day later the other orphan goes too")
		require.ElementsMatch(t, []string{referenced, outside}, b.stored(t), "files of documents are never deleted")
	})

	t.Run("ChecksKeysInBatches", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		old := time.Now().Add(-48 * time.Hour)
		const files = 1001 // two full batches of 500 and one more key
		var kept []string
		require.NoError(t, os.MkdirAll(filepath.Join(b.dir, filesweep.DocumentPrefix, "2020"), 0o755))
		for i := range files {
			// Written directly (the store reads plain files): a thousand Puts would slow the test down.
			key := fmt.Sprintf("%s/2020/%04d", filesweep.DocumentPrefix, i)
			path := filepath.Join(b.dir, filepath.FromSlash(key))
			require.NoError(t, os.WriteFile(path, []byte("x"), 0o600))
			require.NoError(t, os.Chtimes(path, old, old))
			if i%300 == 0 { // named keys in each full batch; the last, partial batch is one orphan
				b.document(t, key)
				kept = append(kept, key)
			}
		}
		n, err := filesweep.CleanOrphans(ctx, b.pool, b.store, filesweep.OrphanAge, time.Now())
		require.NoError(t, err)
		require.Equal(t, files-len(kept), n, "every orphan in every batch is deleted")
		require.ElementsMatch(t, kept, b.stored(t), "the files of documents stay, whichever batch they were in")
	})
}
