package httpserver

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"
)

// conns tracks the server's connections and their states (http.Server.ConnState), so that a drain can wait
// until no connection may still carry a request before calling Shutdown: net/http's Shutdown closes idle
// connections however recently they became idle, and a request it finishes reading once Shutdown has begun
// is dropped with its connection, unanswered.
type conns struct {
	mu sync.Mutex
	m  map[net.Conn]connState
}

// connState is a connection's state and when it entered it.
type connState struct {
	state http.ConnState
	since time.Time
}

func newConns() *conns { return &conns{m: make(map[net.Conn]connState)} }

// hook is the server's ConnState.
func (cs *conns) hook(c net.Conn, s http.ConnState) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	switch s {
	case http.StateClosed, http.StateHijacked:
		delete(cs.m, c)
	default:
		cs.m[c] = connState{state: s, since: time.Now()}
	}
}

// settled reports whether no connection may still bring a request worth waiting for: none is reading or
// answering one, none accepted less than grace ago is still to send its first, and every idle one has been
// idle since before the drain began (its client has not used it since) or for grace at least.
func (cs *conns) settled(drainStart time.Time, grace time.Duration) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	now := time.Now()
	for _, st := range cs.m {
		switch st.state {
		case http.StateActive:
			return false
		case http.StateNew:
			if now.Sub(st.since) < grace {
				return false
			}
		case http.StateIdle:
			if !st.since.Before(drainStart) && now.Sub(st.since) < grace {
				return false
			}
		}
	}
	return true
}

// settle waits until settled, or until ctx ends.
func (cs *conns) settle(ctx context.Context, drainStart time.Time, grace time.Duration) {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cs.settled(drainStart, grace) {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// closeUnused closes the connections that never brought a request (still StateNew once settled: accepted at
// least the grace ago). net/http's Shutdown counts such a connection as busy for its first 5 s, so a client
// that opened one and sent nothing (Go's transport dials ahead of need) would hold Shutdown past its timeout.
func (cs *conns) closeUnused() {
	cs.mu.Lock()
	var unused []net.Conn
	for c, st := range cs.m {
		if st.state == http.StateNew {
			unused = append(unused, c)
		}
	}
	cs.mu.Unlock()
	for _, c := range unused {
		_ = c.Close() // the server's goroutine for it sees the close and ends the connection
	}
}

// onceCloseListener closes its listener once; ServeDraining closes it before Shutdown would.
type onceCloseListener struct {
	net.Listener
	once sync.Once
	err  error
}

func (l *onceCloseListener) Close() error {
	l.once.Do(func() { l.err = l.Listener.Close() })
	return l.err
}
