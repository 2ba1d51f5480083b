// Package filesweep deletes document files that no document names: what the request path could not clean
// up, such as a file written by a process that died before inserting its row. It runs in the background of
// every server (Run), never on a request; several processes may sweep at once, since deleting a file twice
// is harmless.
package filesweep

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/homekeep/homekeep/internal/blobstore"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/periodic"
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

// Run runs CleanOrphans (with OrphanAge) after first, then every interval, until ctx
// ends. A failed pass is logged and retried at the next interval. Several processes may run it at once:
// deleting a file twice is harmless.
func Run(ctx context.Context, pool *pgxpool.Pool, files *blobstore.Store, log *slog.Logger, first, interval time.Duration) {
	periodic.Run(ctx, first, func(ctx context.Context) time.Duration {
		n, err := CleanOrphans(ctx, pool, files, OrphanAge, time.Now())
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("orphaned file cleanup failed; retrying at the next interval", "deleted", n, "error", err)
		case n > 0:
			log.Info("orphaned files deleted", "count", n)
		}
		return interval
	})
}
