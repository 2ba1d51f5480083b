package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLoadCountsRequestsErrorsAndKinds(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	l := Load{Concurrency: 4, Duration: time.Minute, Total: 100,
		Request: func(n int64) (*http.Request, string, error) {
			if n%2 == 1 {
				req, err := http.NewRequest(http.MethodGet, srv.URL+"/fail", nil)
				return req, "fail", err
			}
			req, err := http.NewRequest(http.MethodGet, srv.URL+"/ok", nil)
			return req, "ok", err
		}}
	hc := l.Client()
	defer hc.CloseIdleConnections()
	res := l.Run(context.Background(), hc)
	require.EqualValues(t, 100, res.Requests)
	require.EqualValues(t, 50, res.Errors)
	require.Contains(t, res.FirstError, "status 500")
	require.EqualValues(t, 50, res.Kinds["ok"].Requests)
	require.Zero(t, res.Kinds["ok"].Errors)
	require.EqualValues(t, 50, res.Kinds["fail"].Errors)
}

func TestLoadAcceptsTheStatusesOKAllows(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNotModified)
	}))
	defer srv.Close()
	l := Load{Concurrency: 2, Duration: time.Minute, Total: 10,
		OK: func(s int) bool { return s == http.StatusNotModified },
		Request: func(int64) (*http.Request, string, error) {
			req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
			return req, "", err
		}}
	res := l.Run(context.Background(), l.Client())
	require.EqualValues(t, 10, res.Requests)
	require.Zero(t, res.Errors, res.FirstError)
	require.Nil(t, res.Kinds, "one kind is not split")
}
