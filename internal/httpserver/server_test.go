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

func TestBodyLimitRuleDeadline(t *testing.T) {
	t.Parallel()
	read := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			w.WriteHeader(http.StatusRequestTimeout)
			return
		}
		_, _ = io.WriteString(w, "read it all")
	})
	h := BodyLimit(1<<20, BodyLimitRule{Method: http.MethodPut, Path: "/slow", Limit: 1 << 20, Deadline: 5 * time.Second})(read)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		_ = Serve(ctx, ln, h, Timeouts{Read: 200 * time.Millisecond, Write: time.Second, Idle: time.Second,
			Shutdown: time.Second}, discardLogger())
	}()
	send := func(path string) (int, error) {
		pr, pw := io.Pipe()
		go func() {
			_, _ = pw.Write([]byte("first half "))
			// The pause is what is under test: a body slower than the server's read timeout, which runs on
			// the wall clock, so no signal can stand in for it.
			time.Sleep(500 * time.Millisecond)
			_, _ = pw.Write([]byte("second half"))
			_ = pw.Close()
		}()
		req, _ := http.NewRequest(http.MethodPut, "http://"+ln.Addr().String()+path, pr)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		return resp.StatusCode, nil
	}
	status, err := send("/slow")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, "a file route gets its own, longer deadline")
	status, err = send("/other")
	if err == nil {
		require.NotEqual(t, http.StatusOK, status, "other routes keep the server's read timeout")
	}
}
