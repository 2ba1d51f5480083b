package blobstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// openDir opens a file store in a new directory (which Open must create) and returns it with the directory.
func openDir(t *testing.T) (*Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "files")
	s, err := Open(context.Background(), "file://"+dir)
	require.NoError(t, err, "opening a file store")
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s, dir
}

// files lists the regular files under dir, relative to it.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

// failingReader yields data, then fails.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestOpen(t *testing.T) {
	t.Parallel()
	t.Run("CreatesTheDirectory", func(t *testing.T) {
		t.Parallel()
		_, dir := openDir(t)
		info, err := os.Stat(dir)
		require.NoError(t, err, "Open must create the directory")
		require.True(t, info.IsDir())
	})
	t.Run("OpensMemory", func(t *testing.T) {
		t.Parallel()
		s, err := Open(context.Background(), "mem://")
		require.NoError(t, err)
		require.NoError(t, s.Close())
	})
	t.Run("OpensS3", func(t *testing.T) {
		t.Parallel()
		// Opening builds the client only; nothing is sent until the first operation.
		s, err := Open(context.Background(), "s3://homekeep-files?region=eu-central-1")
		require.NoError(t, err)
		require.NoError(t, s.Close())
	})
	t.Run("RejectsUnknownScheme", func(t *testing.T) {
		t.Parallel()
		_, err := Open(context.Background(), "ftp://files.example.com/x")
		require.ErrorContains(t, err, `unsupported scheme "ftp"`)
	})
}

func TestNewKey(t *testing.T) {
	t.Parallel()
	now := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	a, b := NewKey("documents", now), NewKey("documents", now)
	require.Regexp(t, regexp.MustCompile(`^documents/2031/[0-9a-f]{32}$`), a)
	require.NotEqual(t, a, b, "keys are random")
}

func TestStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	content := []byte("%PDF-1.4 hello, blob storage")
	sum := sha256.Sum256(content)

	t.Run("PutStoresAndReportsSizeAndDigest", func(t *testing.T) {
		t.Parallel()
		s, dir := openDir(t)
		key := NewKey("documents", time.Now())
		n, digest, err := s.Put(ctx, key, bytes.NewReader(content), "application/pdf")
		require.NoError(t, err)
		require.Equal(t, int64(len(content)), n)
		require.Equal(t, hex.EncodeToString(sum[:]), digest)
		require.Equal(t, []string{key}, files(t, dir), "one file, no sidecar or temporary file")

		r, err := s.Open(ctx, key)
		require.NoError(t, err)
		got, err := io.ReadAll(r)
		require.NoError(t, err)
		require.NoError(t, r.Close())
		require.Equal(t, content, got)
	})
	t.Run("RangeReaderReadsTheRange", func(t *testing.T) {
		t.Parallel()
		s, _ := openDir(t)
		key := NewKey("documents", time.Now())
		_, _, err := s.Put(ctx, key, bytes.NewReader(content), "application/pdf")
		require.NoError(t, err)
		r, err := s.NewRangeReader(ctx, key, 9, 5)
		require.NoError(t, err)
		got, err := io.ReadAll(r)
		require.NoError(t, err)
		require.NoError(t, r.Close())
		require.Equal(t, "hello", string(got))
	})
	t.Run("FailedReadLeavesNoBlob", func(t *testing.T) {
		t.Parallel()
		s, dir := openDir(t)
		key := NewKey("documents", time.Now())
		boom := errors.New("client went away")
		_, _, err := s.Put(ctx, key, &failingReader{data: content, err: boom}, "application/pdf")
		require.ErrorIs(t, err, boom, "the reader's error is returned, wrapped")
		require.Empty(t, files(t, dir), "an aborted write leaves neither the blob nor a temporary file")
		ok, err := s.Exists(ctx, key)
		require.NoError(t, err)
		require.False(t, ok)
	})
	t.Run("DeleteRemovesAndToleratesMissing", func(t *testing.T) {
		t.Parallel()
		s, dir := openDir(t)
		key := NewKey("documents", time.Now())
		_, _, err := s.Put(ctx, key, bytes.NewReader(content), "application/pdf")
		require.NoError(t, err)
		require.NoError(t, s.Delete(ctx, key))
		require.Empty(t, files(t, dir))
		require.NoError(t, s.Delete(ctx, key), "deleting again succeeds")
		_, err = s.Open(ctx, key)
		require.True(t, IsNotFound(err), "reading a deleted blob: got %v", err)
	})
	t.Run("ListYieldsBlobsUnderPrefix", func(t *testing.T) {
		t.Parallel()
		s, _ := openDir(t)
		var want []string
		for range 3 {
			key := NewKey("documents", time.Now())
			_, _, err := s.Put(ctx, key, bytes.NewReader(content), "application/pdf")
			require.NoError(t, err)
			want = append(want, key)
		}
		_, _, err := s.Put(ctx, "other/x", strings.NewReader("x"), "text/plain")
		require.NoError(t, err)
		var got []string
		for o, err := range s.List(ctx, "documents/") {
			require.NoError(t, err)
			require.Equal(t, int64(len(content)), o.Size)
			require.WithinDuration(t, time.Now(), o.ModTime, time.Minute)
			got = append(got, o.Key)
		}
		require.ElementsMatch(t, want, got, "only the blobs under the prefix")
	})
}
