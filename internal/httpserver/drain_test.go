package httpserver

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestReadinessSaysDrainingWithoutProbing(t *testing.T) {
	t.Parallel()
	var probed atomic.Int64
	probe := func(context.Context) error { probed.Add(1); return nil }
	rd := NewReadiness(probe, probe)
	rd.MarkReady()
	rd.MarkDraining()
	rec := httptest.NewRecorder()
	rd.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	var body readyBody
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	require.Equal(t, "draining", body.Status)
	require.Zero(t, probed.Load(), "a stopping process does not wait on its database to say so")
	require.True(t, rd.Ready(), "the API still serves while draining")
}

// gatedListener holds Accept while its gate is closed, so connections queue in the kernel as they do when
// the server is too busy to accept them. It hands its socket on, as a *net.TCPListener does.
type gatedListener struct {
	net.Listener
	open chan struct{}
}

func (l *gatedListener) Accept() (net.Conn, error) {
	<-l.open
	return l.Listener.Accept()
}

func (l *gatedListener) SyscallConn() (syscall.RawConn, error) {
	return l.Listener.(syscall.Conn).SyscallConn()
}

// TestServeDrainingAnswersTheAcceptQueue: connections the kernel completed but the server had not accepted
// yet when it stops are accepted and answered, not reset by the listener's close, and a connection attempted
// once the drain has closed the door is not completed (its SYN is dropped; it is refused later).
func TestServeDrainingAnswersTheAcceptQueue(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("the accept queue is emptied on Linux only")
	}
	inner, err := Listen(context.Background(), "127.0.0.1:0")
	require.NoError(t, err)
	ln := &gatedListener{Listener: inner, open: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- ServeDraining(ctx, ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "answered")
		}), Timeouts{Read: time.Second, Write: time.Second, Idle: time.Second, Shutdown: 5 * time.Second}, Drain{}, discardLogger())
	}()

	// Five clients connect and send while the server accepts nothing: their connections wait in the queue.
	const queued = 5
	type answer struct {
		status string
		err    error
	}
	answers := make(chan answer, queued)
	for i := range queued {
		c, err := net.Dial("tcp", inner.Addr().String())
		require.NoError(t, err, "the kernel completes the handshake")
		_, err = fmt.Fprintf(c, "GET /%d HTTP/1.1\r\nHost: test\r\n\r\n", i)
		require.NoError(t, err)
		go func() {
			defer c.Close()
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				answers <- answer{err: err}
				return
			}
			resp.Body.Close()
			answers <- answer{status: resp.Status}
		}()
	}
	cancel() // SIGTERM, no delay: straight to closing the listener
	// Once the door is shut a new connection is not completed: its SYN is dropped, so the dial times out.
	require.Eventually(t, func() bool {
		c, err := net.DialTimeout("tcp", inner.Addr().String(), 100*time.Millisecond)
		if err == nil {
			c.Close()
			return false
		}
		var ne net.Error
		return errors.As(err, &ne) && ne.Timeout()
	}, 2*time.Second, time.Millisecond, "new handshakes are not completed once the drain closes the door")
	close(ln.open) // the busy server gets round to accepting

	for range queued {
		a := <-answers
		require.NoError(t, a.err, "a queued connection is answered, not reset")
		require.Equal(t, "200 OK", a.status)
	}
	require.NoError(t, <-served)
	_, err = net.DialTimeout("tcp", inner.Addr().String(), time.Second)
	require.Error(t, err, "closed once the queue is empty")
}

// TestServeDrainingHurries: during a long pre-stop delay the listener stays open and answers with
// Connection: close; Hurry (a second signal) closes it at once.
func TestServeDrainingHurries(t *testing.T) {
	t.Parallel()
	ln, err := Listen(context.Background(), "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	hurry := make(chan struct{})
	var drained atomic.Bool
	served := make(chan error, 1)
	go func() {
		served <- ServeDraining(ctx, ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "ok")
		}), Timeouts{Read: time.Second, Write: time.Second, Idle: time.Second, Shutdown: 5 * time.Second},
			Drain{Delay: time.Minute, Hurry: hurry, OnDrain: func() { drained.Store(true) }}, discardLogger())
	}()
	// get reports whether the answer said Connection: close.
	get := func() (bool, error) {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			return false, err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.Close, nil
	}
	closing, err := get()
	require.NoError(t, err)
	require.False(t, closing, "kept alive before the signal")

	cancel()
	require.Eventually(t, drained.Load, time.Second, time.Millisecond, "OnDrain runs at the signal")
	closing, err = get()
	require.NoError(t, err, "still answering during the delay")
	require.True(t, closing, "with Connection: close")

	start := time.Now()
	close(hurry)
	select {
	case err := <-served:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Hurry did not cut the minute's delay short")
	}
	t.Logf("stopped %v after Hurry", time.Since(start))
}

// TestServeDrainingClosesConnectionsThatNeverSentARequest: a client that connected and sent nothing (Go's
// transport dials ahead of need) does not hold the drain: net/http's Shutdown alone would wait 5 s for such a
// connection and run out its timeout, failing the stop.
func TestServeDrainingClosesConnectionsThatNeverSentARequest(t *testing.T) {
	t.Parallel()
	ln, err := Listen(context.Background(), "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- ServeDraining(ctx, ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "ok")
		}), Timeouts{Read: 10 * time.Second, Write: time.Second, Idle: time.Minute, Shutdown: 4 * time.Second},
			Drain{}, discardLogger())
	}()
	silent, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer silent.Close()
	time.Sleep(100 * time.Millisecond) // accepted by the server, which waits for its request

	start := time.Now()
	cancel()
	select {
	case err := <-served:
		require.NoError(t, err, "the stop must not run out its timeout")
	case <-time.After(10 * time.Second):
		t.Fatal("the drain did not end")
	}
	elapsed := time.Since(start)
	require.Less(t, elapsed, 3*time.Second, "closed after the grace, not after Shutdown's 5 s")
	_ = silent.SetReadDeadline(time.Now().Add(time.Second))
	_, err = silent.Read(make([]byte, 1))
	require.Error(t, err, "the silent connection was closed by the server")
	t.Logf("stopped %v after the signal", elapsed)
}
