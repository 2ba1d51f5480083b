package client_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
)

// loseFirstAnswer sends every request but drops the first answer, as a network that fails after the server
// has done the work; it records the keys it saw.
type loseFirstAnswer struct {
	base http.RoundTripper
	sent atomic.Int32
	keys []string
}

func (l *loseFirstAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	l.keys = append(l.keys, r.Header.Get("Idempotency-Key"))
	resp, err := l.base.RoundTrip(r)
	if l.sent.Add(1) == 1 && err == nil {
		_ = resp.Body.Close()
		return nil, errors.New("connection reset by peer")
	}
	return resp, err
}

// TestIdempotencyKeysMakeALostAnswerSafeToRetry creates a task whose first answer is lost: the transport sends
// it again with the same key, the server answers the first attempt's task again, and one task exists.
func TestIdempotencyKeysMakeALostAnswerSafeToRetry(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})
	acct := inst.Register(t)
	rid := apptest.CreateResidence(t, inst, acct, "Home")
	lossy := &loseFirstAnswer{base: inst.Client.Transport}
	c, err := client.NewClient(inst.API, client.BearerToken(acct.Token),
		client.WithIdempotencyKeys(&http.Client{Transport: lossy}))
	require.NoError(t, err)

	res, err := c.CreateTask(context.Background(), &client.TaskCreate{ResidenceID: rid, Title: client.NewOptString("Gutters")},
		client.CreateTaskParams{})
	require.NoError(t, err)
	task, ok := res.(*client.Task)
	require.True(t, ok, "%T %+v", res, res)
	require.Len(t, lossy.keys, 2, "sent twice")
	require.NotEmpty(t, lossy.keys[0])
	require.Equal(t, lossy.keys[0], lossy.keys[1], "the retry carries the first attempt's key")
	var n int64
	apptest.DBQueryRow(t, inst, `SELECT count(*) FROM tasks WHERE residence_id = $1`, []any{rid}, &n)
	require.Equal(t, int64(1), n)
	require.Equal(t, "Gutters", task.Title)

	// A read is never given a key.
	lossy.keys = nil
	_, err = c.ListResidences(context.Background())
	require.NoError(t, err)
	require.Equal(t, []string{""}, lossy.keys)
}
