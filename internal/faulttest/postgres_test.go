package faulttest

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/testdb"
	"github.com/homekeep/homekeep/internal/testwait"
)

// Margins for a busy 2-core CI machine: generous, but each still fails a server that waits for the fault
// instead of its deadline.
const (
	// answerMargin is how much later than its deadline an answer may come (scheduling, the client's own work).
	answerMargin = 1500 * time.Millisecond
	// recoverWithin is how soon after a fault is removed requests must succeed again.
	recoverWithin = 5 * time.Second
)

// postgresBehindProxy starts an API process whose only way to its (fresh) database is a Toxiproxy, with a
// request deadline of deadline and a pool of maxConns, and a signed-in user whose token is warm (so a read
// needs only its data statement).
func postgresBehindProxy(t *testing.T, deadline time.Duration, maxConns int32) (*Proxy, *apptest.Instance, apptest.Account) {
	t.Helper()
	proxy, viaProxy := StartFor(t, "postgres", testdb.New(t))
	inst := apptest.Start(t, apptest.Options{NoSeed: true, DatabaseURL: viaProxy, Configure: func(c *config.Config) {
		c.RequestTimeout = deadline
		c.DBMinConns, c.DBMaxConns = 2, maxConns
	}})
	acct := inst.Register(t)
	apptest.Me(t, inst, acct.Token)
	return proxy, inst, acct
}

func residences(token string) apptest.Request {
	return apptest.Request{Method: http.MethodGet, Path: "/residences", Token: token}
}

// requireUnavailable checks a 503 is in the spec's shape, says when to retry and does not leak pgx's text.
func requireUnavailable(t *testing.T, r apptest.Response) {
	t.Helper()
	require.Equal(t, http.StatusServiceUnavailable, r.Status, "%s", r.Body)
	require.NotEmpty(t, r.Header.Get("Retry-After"), "a 503 says when to retry")
	require.Equal(t, "unavailable", r.Err(t).Error.Code)
	for _, leak := range []string{"pgx", "pgconn", "timeout:", "context deadline", "reset by peer", "127.0.0.1"} {
		require.NotContains(t, string(r.Body), leak, "the cause stays in the log")
	}
}

// PostgreSQL slower than the request deadline: every request answers 503 within the deadline, and its
// connection goes back to the pool (or is closed), so after 100 such requests no connection is held and the
// next requests are served as soon as PostgreSQL is fast again, without a restart.
func TestPostgresSlowerThanTheDeadlineAnswers503AndKeepsThePool(t *testing.T) {
	t.Parallel()
	const (
		deadline = time.Second
		latency  = 2500 * time.Millisecond // every answer from PostgreSQL comes this late: far past the deadline
		requests = 100
		maxConns = 4
	)
	proxy, inst, acct := postgresBehindProxy(t, deadline, maxConns)
	require.Equal(t, http.StatusOK, inst.Do(t, residences(acct.Token)).Status)

	proxy.Add(t, Latency(int(latency.Milliseconds())))
	fault := newTally("slow PostgreSQL")
	// Many more concurrent requests than connections: most wait for a connection, and the deadline must end
	// that wait too.
	hammer(fault, inst, requests, 50, func(int) apptest.Request { return residences(acct.Token) })
	t.Log(fault)
	fault.requireNo500(t)
	require.Equal(t, requests, fault.count(http.StatusServiceUnavailable), "every request during the fault: %s", fault)
	require.LessOrEqual(t, fault.slowest, deadline+answerMargin, "answers come within the deadline, not PostgreSQL's latency")
	requireUnavailable(t, inst.Do(t, residences(acct.Token)))

	// Every request has answered, and no connection stays out of the pool. A connection the pool opened for
	// a waiting request is prepared when that request releases it (dbpool's preparer: one or two round trips,
	// each latency long) before it is idle again; every other one is back, or closed, at once.
	answered := time.Now()
	testwait.Until(t, 2*latency+answerMargin, func() bool { return poolGauge(t, inst, "acquired_conns") == 0 },
		"connections still acquired after every request answered")
	t.Logf("no connection acquired %v after the last answer; pool: %d conns of %d", time.Since(answered).Round(time.Millisecond),
		poolGauge(t, inst, "conns"), maxConns)
	require.LessOrEqual(t, poolGauge(t, inst, "conns"), maxConns)

	proxy.Remove(t, "latency")
	after := newTally("after the fault")
	took := recoverTime(t, after, inst, residences(acct.Token), recoverWithin)
	hammer(after, inst, 20, 2, func(int) apptest.Request { return residences(acct.Token) })
	t.Logf("%s; recovered in %v", after, took.Round(time.Millisecond))
	after.requireNo500(t)
	testwait.Until(t, 2*time.Second, func() bool { return poolGauge(t, inst, "acquired_conns") == 0 },
		"connections still acquired after the requests after the fault")
	require.LessOrEqual(t, poolGauge(t, inst, "conns"), maxConns)
	require.Equal(t, 20, after.count(http.StatusOK)-1, "every request after recovery succeeds: %s", after)
	require.Less(t, after.slowest, deadline+answerMargin)
}

// A connection reset in the middle of a query (a pooled connection whose peer vanished, a new connection
// reset during its start-up): reads and writes answer 503, not 500, and the server recovers by itself once
// connections survive again.
func TestPostgresResetMidQueryAnswers503ThenRecovers(t *testing.T) {
	t.Parallel()
	const deadline = 2 * time.Second
	proxy, inst, acct := postgresBehindProxy(t, deadline, 4)
	require.Equal(t, http.StatusOK, inst.Do(t, residences(acct.Token)).Status)

	proxy.Add(t, ResetPeer())
	fault := newTally("connections reset")
	hammer(fault, inst, 40, 4, func(i int) apptest.Request {
		if i%4 == 3 {
			return apptest.Request{Method: http.MethodPost, Path: "/residences", Token: acct.Token,
				Body: map[string]any{"name": "Reset"}}
		}
		return residences(acct.Token)
	})
	t.Log(fault)
	fault.requireNo500(t)
	require.Equal(t, 40, fault.count(http.StatusServiceUnavailable), "every request during the fault: %s", fault)
	require.LessOrEqual(t, fault.slowest, deadline+answerMargin)
	requireUnavailable(t, inst.Do(t, residences(acct.Token)))

	proxy.Remove(t, "reset")
	after := newTally("after the fault")
	took := recoverTime(t, after, inst, residences(acct.Token), recoverWithin)
	hammer(after, inst, 20, 2, func(i int) apptest.Request {
		if i%4 == 3 {
			return apptest.Request{Method: http.MethodPost, Path: "/residences", Token: acct.Token,
				Body: map[string]any{"name": "After"}}
		}
		return residences(acct.Token)
	})
	t.Logf("%s; recovered in %v", after, took.Round(time.Millisecond))
	after.requireNo500(t)
	require.Equal(t, 20, after.count(http.StatusOK)+after.count(http.StatusCreated)-1,
		"every request after recovery succeeds: %s", after)
	require.Less(t, took, recoverWithin)
}
