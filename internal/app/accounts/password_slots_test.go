package accounts

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestPasswordHashingIsBoundedByCores: hashes beyond the slots (one per core) wait instead of each taking
// their MemoryKiB at once, and a caller that gives up while waiting gets its context's error.
func TestPasswordHashingIsBoundedByCores(t *testing.T) {
	t.Parallel()
	p, err := newPasswords(PasswordParams{MemoryKiB: 64, Iterations: 1})
	require.NoError(t, err)
	for range cap(p.slots) {
		require.NoError(t, p.acquire(context.Background())) // every slot busy
	}

	done := make(chan error, 1)
	go func() {
		_, err := p.hash(context.Background(), "correct horse battery staple")
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("a hash ran while every slot was busy (err %v)", err)
	case <-time.After(50 * time.Millisecond):
	}
	p.release()
	require.NoError(t, <-done, "the waiting hash runs once a slot is free")

	for len(p.slots) < cap(p.slots) {
		require.NoError(t, p.acquire(context.Background())) // every slot busy again
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err = p.check(ctx, "pw", "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
	require.True(t, errors.Is(err, context.Canceled), "a caller that finds no slot gives up with its context: %v", err)
}
