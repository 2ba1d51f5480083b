package httpserver

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestServe(t *testing.T) {
	t.Parallel()

	t.Run("DrainsInFlightRequestOnShutdown", func(t *testing.T) {
		t.Parallel()
		started, release := make(chan struct{}), make(chan struct{})
		h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			close(started)
			<-release
			_, _ = io.WriteString(w, "finished")
		})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() {
			served <- Serve(ctx, ln, h, Timeouts{Read: time.Second, Write: 5 * time.Second, Idle: time.Second,
				Shutdown: 5 * time.Second}, discardLogger())
		}()

		type result struct {
			body string
			err  error
		}
		got := make(chan result, 1)
		go func() {
			resp, err := http.Get("http://" + ln.Addr().String() + "/")
			if err != nil {
				got <- result{err: err}
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			got <- result{string(b), err}
		}()
		<-started
		cancel() // SIGTERM arrives while the request is in flight

		require.Eventually(t, func() bool {
			c, err := net.DialTimeout("tcp", ln.Addr().String(), 100*time.Millisecond)
			if err == nil {
				c.Close()
			}
			return err != nil
		}, 2*time.Second, 5*time.Millisecond, "the listener must close at once so no new request starts")
		select {
		case err := <-served:
			t.Fatalf("Serve returned %v before the in-flight request finished", err)
		default:
		}

		close(release)
		r := <-got
		require.NoError(t, r.err)
		require.Equal(t, "finished", r.body, "the in-flight request completes")
		require.NoError(t, <-served)
	})

	t.Run("GivesUpAfterShutdownTimeout", func(t *testing.T) {
		t.Parallel()
		started, release := make(chan struct{}), make(chan struct{})
		defer close(release)
		h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { close(started); <-release })
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() {
			served <- Serve(ctx, ln, h, Timeouts{Read: time.Second, Write: 5 * time.Second, Idle: time.Second,
				Shutdown: 50 * time.Millisecond}, discardLogger())
		}()
		go func() {
			resp, err := http.Get("http://" + ln.Addr().String() + "/")
			if err == nil {
				resp.Body.Close()
			}
		}()
		<-started
		cancel()
		err = <-served
		require.ErrorIs(t, err, context.DeadlineExceeded, "a stuck request must not hold shutdown forever")
	})
}
