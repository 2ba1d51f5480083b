// Package filesweep deletes document files that no document names: what the request path could not clean
// up, such as a file written by a process that died before inserting its row. It runs as an hourly river
// job (package jobs), in one process at a time, never on a request; two sweeps that did overlap would be
// harmless, since deleting a file twice is.
package filesweep

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/homekeep/homekeep/internal/blobstore"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// DocumentPrefix is where document files live in storage; the request handlers store every document file
// under it and the sweep looks only under it.
const DocumentPrefix = "documents"

// OrphanAge is how long a document file without a row is left alone before the cleanup deletes it:
// far longer than any upload takes between writing the file and inserting the row that names it.
const OrphanAge = 24 * time.Hour

// cleanupBatch is how many listed keys one query checks against the documents.
const cleanupBatch = 500

// CleanOrphans runs one cleanup pass: it lists the files under documents/ last written before
// now − age and deletes those no document names. Such files are what the request path could not clean up:
// a process that died between writing a file and inserting its row, or between deleting a row and its
// file, or a delete that failed. Each batch of keys is checked in one query. It returns how many files it
// deleted, and stops at the first error.
func CleanOrphans(ctx context.Context, pool *pgxpool.Pool, files *blobstore.Store, age time.Duration, now time.Time) (int, error) {
	q := dbsqlc.New()
	cutoff := now.Add(-age)
	deleted := 0
	batch := make([]string, 0, cleanupBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		named, err := q.DocumentStorageKeysIn(ctx, pool, batch)
		if err != nil {
			return fmt.Errorf("error checking stored files against documents: %w", err)
		}
		keep := make(map[string]bool, len(named))
		for _, k := range named {
			keep[k] = true
		}
		for _, k := range batch {
			if keep[k] {
				continue
			}
			if err := files.Delete(ctx, k); err != nil {
				return err
			}
			deleted++
		}
		batch = batch[:0]
		return nil
	}
	for o, err := range files.List(ctx, DocumentPrefix+"/") {
		if err != nil {
			return deleted, err
		}
		if !o.ModTime.Before(cutoff) {
			continue
		}
		batch = append(batch, o.Key)
		if len(batch) == cleanupBatch {
			if err := flush(); err != nil {
				return deleted, err
			}
		}
	}
	return deleted, flush()
}
