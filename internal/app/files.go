package app

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/homekeep/homekeep/internal/blobstore"
)

// fileDeleteTimeout bounds deleting files after a request is answered or refused; a file left behind is the
// periodic cleanup's.
const fileDeleteTimeout = time.Minute

// DeleteFiles deletes files whose rows are gone (or never came to be), a few at a time, and logs the ones
// it could not delete: those are left to the periodic cleanup. It runs even when the request's context has
// ended, because the rows are already gone.
func DeleteFiles(ctx context.Context, files *blobstore.Store, log *slog.Logger, keys ...string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fileDeleteTimeout)
	defer cancel()
	const workers = 8
	next := make(chan string)
	var wg sync.WaitGroup
	for range min(workers, len(keys)) {
		wg.Go(func() {
			for key := range next {
				if err := files.Delete(ctx, key); err != nil {
					log.WarnContext(ctx, "could not delete a document file; the periodic cleanup will",
						"key", key, "error", err)
				}
			}
		})
	}
	for _, key := range keys {
		next <- key
	}
	close(next)
	wg.Wait()
}
