package idempotency

import (
	"bytes"
	"context"
	"encoding/json"
	"hash"
	"io"
	"net/http"
	"slices"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// state is a keyed request as Wrap and Middleware share it.
type state struct {
	keys []string
	w    http.ResponseWriter
	body hash.Hash // the raw body, as the server reads it
	// set by Middleware:
	replay    *stored
	open      *open
	userID    int64
	operation string
	hash      []byte
}

type stateKey struct{}

func stateFrom(ctx context.Context) *state {
	st, _ := ctx.Value(stateKey{}).(*state)
	return st
}

// Wrap returns next (the API server) with keyed POSTs made idempotent; see the package doc. A request without
// the header goes to next untouched.
func (k *Keys) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		keys, keyed := r.Header[Header]
		if !keyed || r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		st := &state{keys: keys, w: w, body: newBodyHash()}
		if r.Body != nil {
			r.Body = &teeBody{ReadCloser: r.Body, h: st.body}
		}
		before := w.Header().Clone()
		rec := &recorder{ResponseWriter: w, st: st}
		defer func() {
			if st.open != nil { // the handler panicked: nothing commits
				st.open.rollback(r.Context())
				st.open.tx.RolledBack(r.Context())
			}
		}()
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), stateKey{}, st)))
		switch {
		case st.replay != nil:
			writeStored(w, st.replay)
		case st.open != nil:
			k.finish(r.Context(), w, st, rec, before)
		}
	})
}

// finish commits a keyed request's work with its response when the response is a success, rolls it back
// otherwise, and only then sends the response.
func (k *Keys) finish(ctx context.Context, w http.ResponseWriter, st *state, rec *recorder, before http.Header) {
	o := st.open
	st.open = nil
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	if status < 200 || status > 299 {
		o.rollback(ctx)
		o.tx.RolledBack(ctx)
		w.WriteHeader(status)
		_, _ = w.Write(rec.buf.Bytes())
		return
	}
	set := setHeaders(w.Header(), before)
	headers, err := json.Marshal(set)
	if err == nil {
		err = o.commit(ctx, &dbsqlc.IdempotencyKeyStoreParams{UserID: st.userID, Key: st.keys[0], Operation: st.operation,
			RequestHash: st.hash, ResponseStatus: int32(status), ResponseHeaders: headers, ResponseBody: rec.buf.Bytes()}) //nolint:gosec // G115: an HTTP status
	} else {
		o.rollback(ctx)
	}
	if err != nil {
		o.tx.RolledBack(ctx)
		k.logFailure(ctx, "a keyed request's work was rolled back: its response could not be stored", err)
		for name := range set {
			w.Header().Del(name)
		}
		// Nothing was written (the transaction rolled back), so a retry with the same key is safe: 503 with
		// Retry-After says so, whatever failed (a constraint checked at commit, a lost connection).
		e := apierror.New(http.StatusServiceUnavailable, apierror.CodeUnavailable,
			"the request's work could not be saved and was undone; retry with the same Idempotency-Key")
		e.Cause = err
		apierror.Write(w, e)
		return
	}
	o.tx.Committed(ctx)
	w.WriteHeader(status)
	_, _ = w.Write(rec.buf.Bytes())
}

// setHeaders returns the headers of h that the API set (those not already in before, as the router's
// middleware set them for every response).
func setHeaders(h, before http.Header) http.Header {
	out := http.Header{}
	for name, values := range h {
		if !slices.Equal(before[name], values) {
			out[name] = values
		}
	}
	return out
}

// writeStored sends a stored response, marked as replayed.
func writeStored(w http.ResponseWriter, s *stored) {
	h := w.Header()
	for name, values := range s.header {
		h[name] = values
	}
	h.Set(ReplayedHeader, "true")
	w.WriteHeader(s.status)
	_, _ = w.Write(s.body)
}

// recorder holds back the response of a request whose work runs in a transaction (Middleware opened one
// before anything was written); any other response passes through.
type recorder struct {
	http.ResponseWriter
	st        *state
	decided   bool
	buffering bool
	status    int
	buf       bytes.Buffer
}

func (r *recorder) decide() bool {
	if !r.decided {
		r.decided, r.buffering = true, r.st.open != nil
	}
	return r.buffering
}

func (r *recorder) WriteHeader(status int) {
	if !r.decide() {
		r.ResponseWriter.WriteHeader(status)
		return
	}
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if !r.decide() {
		return r.ResponseWriter.Write(p)
	}
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.buf.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// teeBody hashes what is read of a body.
type teeBody struct {
	io.ReadCloser
	h hash.Hash
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.ReadCloser.Read(p)
	_, _ = t.h.Write(p[:n])
	return n, err
}
