package dbpool

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Warm returns once the pool holds at least n open connections and each has answered a ping, so the first
// request after a deploy pays no TCP, TLS or authentication handshake. With n == 0 it pings one connection,
// so a successful Warm always means the database is reachable.
//
// stmts are the hot statements to prepare on each warm connection (none behind a transaction pooler).
//
// The pool opens its MinConns connections in parallel in the background as soon as it is created; Warm waits
// for those rather than opening duplicates, and opens the missing ones itself (in parallel) if the background
// attempt failed, so that a failure returns the real connection error.
func Warm(ctx context.Context, pool *pgxpool.Pool, n int, stmts ...string) error {
	if n <= 0 {
		if err := pool.Ping(ctx); err != nil {
			return fmt.Errorf("error pinging database: %w", err)
		}
		return nil
	}
	if err := waitOpen(ctx, pool, n); err != nil {
		return err
	}
	conns := pool.AcquireAllIdle(ctx)
	defer func() {
		for _, c := range conns {
			c.Release()
		}
		// With hot statements the pool hands a released connection back from a goroutine (AfterRelease);
		// wait for them, so that the pool is really full when Warm returns.
		waitIdle(ctx, pool, len(conns))
	}()
	plan := pool.Config().ConnConfig.RuntimeParams["plan_cache_mode"] == PlanCacheGeneric
	errs := make([]error, len(conns))
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			if errs[i] = c.Ping(ctx); errs[i] == nil && len(stmts) > 0 {
				prepare(ctx, c.Conn(), stmts, plan) // after migrations, so every hot statement now prepares
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("error pinging pooled connections: %w", err)
	}
	return nil
}

// waitIdle waits (briefly, polling) until n connections are idle or ctx ends.
func waitIdle(ctx context.Context, pool *pgxpool.Pool, n int) {
	deadline := time.Now().Add(time.Second)
	for int(pool.Stat().IdleConns()) < n && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(100 * time.Microsecond)
	}
}

// waitOpen waits until n connections are open. When the pool's background creation has finished (or
// failed) without reaching n, or stalls, it holds n connections at once, which makes the pool open the missing
// ones in parallel and surfaces the real connection error.
func waitOpen(ctx context.Context, pool *pgxpool.Pool, n int) error {
	const poll = 2 * time.Millisecond
	start := time.Now()
	for {
		st := pool.Stat()
		open := int(st.IdleConns() + st.AcquiredConns())
		if open >= n {
			return nil
		}
		idleBackground := st.ConstructingConns() == 0 && time.Since(start) > 50*time.Millisecond
		if idleBackground || time.Since(start) > 2*time.Second {
			return openMissing(ctx, pool, n)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("error waiting for %d database connections (%d open): %w", n, open, ctx.Err())
		case <-time.After(poll):
		}
	}
}

// openMissing holds k connections at once, which makes the pool open the missing ones in parallel, and
// returns the first connection error: the attempts go to the same server and fail alike, so one says it all.
func openMissing(ctx context.Context, pool *pgxpool.Pool, k int) error {
	conns := make([]*pgxpool.Conn, k)
	errs := make([]error, k)
	var wg sync.WaitGroup
	for i := range k {
		wg.Go(func() { conns[i], errs[i] = pool.Acquire(ctx) })
	}
	wg.Wait()
	for _, c := range conns {
		if c != nil {
			c.Release()
		}
	}
	failed := 0
	var first error
	for _, err := range errs {
		if err != nil {
			failed++
			if first == nil {
				first = err
			}
		}
	}
	if first != nil {
		return fmt.Errorf("error opening database connections (%d of %d failed): %w", failed, k, first)
	}
	return nil
}
