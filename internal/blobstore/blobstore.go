// Package blobstore keeps uploaded files in blob storage behind gocloud.dev/blob: a directory (fileblob) in
// development, S3 (s3blob) in production and memory (memblob) in tests. Keys are generated here from random
// bytes, never from anything a client sends, and every write streams through a SHA-256 hasher, so the caller
// learns the size and digest of what was stored without holding it in memory.
package blobstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/url"
	"time"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// URLs
	_ "gocloud.dev/blob/memblob"  // mem:// URLs
	_ "gocloud.dev/blob/s3blob"   // s3:// URLs
	"gocloud.dev/gcerrors"
)

// Store is a bucket of blobs. It is safe for concurrent use.
type Store struct {
	bucket *blob.Bucket
}

// Object is one blob as a listing reports it.
type Object struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// Open opens the bucket at rawURL:
//   - file:///absolute/dir: a directory, created if missing. Unless the URL says otherwise, temporary files
//     are written next to their final name (so the rename that completes a write never crosses file
//     systems) and no metadata sidecar files are written (the database keeps the metadata).
//   - s3://bucket?region=eu-central-1: an S3 bucket, with credentials from the usual AWS sources
//     (environment, shared config, instance role); endpoint=… and use_path_style=true reach S3-compatible
//     stores.
//   - mem://: a bucket in memory, for tests.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("error parsing file storage URL: %w", err)
	}
	switch u.Scheme {
	case "file":
		q := u.Query()
		for k, v := range map[string]string{"create_dir": "true", "no_tmp_dir": "true", "metadata": "skip"} {
			if !q.Has(k) {
				q.Set(k, v)
			}
		}
		u.RawQuery = q.Encode()
	case "s3", "mem":
	default:
		return nil, fmt.Errorf("error opening file storage: unsupported scheme %q (want file, s3 or mem)", u.Scheme)
	}
	b, err := blob.OpenBucket(ctx, u.String())
	if err != nil {
		return nil, fmt.Errorf("error opening file storage %s://%s: %w", u.Scheme, u.Host, err)
	}
	return &Store{bucket: b}, nil
}

// New wraps an open bucket; Close closes it.
func New(b *blob.Bucket) *Store { return &Store{bucket: b} }

// Close releases the bucket.
func (s *Store) Close() error {
	if err := s.bucket.Close(); err != nil {
		return fmt.Errorf("error closing file storage: %w", err)
	}
	return nil
}

// NewKey returns a fresh key under prefix: prefix/<year>/<32 random hex digits>. The year keeps listings
// and directories of a file bucket small; the random part makes keys unguessable and collision-free.
func NewKey(prefix string, now time.Time) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails; it crashes the program instead
	return fmt.Sprintf("%s/%04d/%s", prefix, now.UTC().Year(), hex.EncodeToString(b[:]))
}

// uploadPartSize and uploadConcurrency bound what an S3 upload buffers: one part of S3's minimum size at a
// time, instead of the SDK's default of five 8 MiB parts (which would hold a whole 25 MiB file in memory).
// Other drivers write as they go.
const (
	uploadPartSize    = 5 << 20
	uploadConcurrency = 1
)

// Put streams r into a new blob at key and returns its size and hex SHA-256. If reading r or writing fails,
// the write is aborted, so no partial blob remains, and the error (r's error wrapped, when r failed) is
// returned.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, contentType string) (size int64, sha256hex string, err error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.bucket.NewWriter(wctx, key, &blob.WriterOptions{ContentType: contentType,
		BufferSize: uploadPartSize, MaxConcurrency: uploadConcurrency})
	if err != nil {
		return 0, "", fmt.Errorf("error opening blob %s for writing: %w", key, err)
	}
	h := sha256.New()
	n, err := io.Copy(w, io.TeeReader(r, h))
	if err != nil {
		cancel() // a cancelled writer discards what it has written
		_ = w.Close()
		return 0, "", fmt.Errorf("error writing blob %s: %w", key, err)
	}
	if err := w.Close(); err != nil {
		return 0, "", fmt.Errorf("error completing blob %s: %w", key, err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// NewRangeReader opens length bytes of the blob at key from offset (length < 0: to the end). The caller
// closes the reader. A missing blob is an error for which IsNotFound is true.
func (s *Store) NewRangeReader(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	r, err := s.bucket.NewRangeReader(ctx, key, offset, length, nil)
	if err != nil {
		return nil, fmt.Errorf("error opening blob %s: %w", key, err)
	}
	return r, nil
}

// Open opens the whole blob at key; the caller closes it.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	return s.NewRangeReader(ctx, key, 0, -1)
}

// Exists reports whether a blob is stored at key.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	ok, err := s.bucket.Exists(ctx, key)
	if err != nil {
		return false, fmt.Errorf("error checking blob %s: %w", key, err)
	}
	return ok, nil
}

// Delete removes the blob at key. Deleting a blob that does not exist succeeds, so deletes can be retried.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.bucket.Delete(ctx, key); err != nil && !IsNotFound(err) {
		return fmt.Errorf("error deleting blob %s: %w", key, err)
	}
	return nil
}

// List yields every blob whose key starts with prefix, in key order, fetching them page by page. It stops
// at the first error, which it yields with a zero Object.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[Object, error] {
	return func(yield func(Object, error) bool) {
		it := s.bucket.List(&blob.ListOptions{Prefix: prefix})
		for {
			o, err := it.Next(ctx)
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				yield(Object{}, fmt.Errorf("error listing blobs under %q: %w", prefix, err))
				return
			}
			if o.IsDir {
				continue
			}
			if !yield(Object{Key: o.Key, Size: o.Size, ModTime: o.ModTime}, nil) {
				return
			}
		}
	}
}

// IsNotFound reports whether err says a blob does not exist.
func IsNotFound(err error) bool { return gcerrors.Code(err) == gcerrors.NotFound }
