package faulttest

import (
	"maps"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/testdb"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

// Valkey black-holed (it accepts connections and never answers, unlike a stopped Valkey, which refuses them
// at once): requests go on from PostgreSQL within the Valkey deadline, /readyz says degraded, and a token
// revoked during the outage is refused by every process, during the outage and after Valkey returns with the
// data it had (which still maps the token to its user).
func TestValkeyBlackHoledServesFromPostgresAndNeverAStaleToken(t *testing.T) {
	t.Parallel()
	const valkeyDeadline = time.Second
	dbURL := testdb.New(t)
	valkeyURL, prefix := apptest.SharedValkey(t)
	proxy, viaProxy := StartFor(t, "valkey", valkeyURL)
	opts := apptest.Options{NoSeed: true, DatabaseURL: dbURL, ValkeyURL: viaProxy, KeyPrefix: prefix,
		Configure: func(c *config.Config) { c.ValkeyTimeout = valkeyDeadline; c.RequestTimeout = 10 * time.Second }}
	a := apptest.Start(t, opts)
	b := apptest.Start(t, opts)
	procs := map[string]*apptest.Instance{"A": a, "B": b}

	acct := a.Register(t)
	kept := acct.Token // another token of the same user, never revoked
	login := apptest.Post("/auth/login", map[string]any{"email": acct.Email, "password": apptest.TestPassword})
	var doomed string
	{
		r := a.Do(t, login)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var body struct {
			Token string `json:"token"`
		}
		r.JSON(t, &body)
		doomed = body.Token
	}
	// Both processes hold both tokens warm: in Valkey, and in their client-side caches.
	for _, inst := range procs {
		apptest.Warm(t, inst, kept)
		apptest.Warm(t, inst, doomed)
		require.Equal(t, "ready", readiness(inst))
	}
	me := func(token string) apptest.Request {
		return apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: token}
	}

	proxy.Add(t, BlackHole("upstream"))
	proxy.Add(t, BlackHole("downstream"))
	outage := time.Now()

	// From the first instant of the outage, A serves the kept token and a read that needs PostgreSQL, while
	// the other token is revoked through it at once, before any process can have noticed that Valkey
	// stopped answering.
	// A's readiness is watched from the start (B's is not yet: its probe would ask Valkey on B's behalf).
	degradedA := watchReadiness(map[string]*apptest.Instance{"A": a}, "degraded", outage, 10*time.Second)
	during := newTally("kept token and a PostgreSQL read during the outage")
	var traffic sync.WaitGroup
	busy := make(chan struct{})
	traffic.Go(func() {
		for {
			select {
			case <-busy:
				return
			default:
			}
			during.send(a, me(kept))
			during.send(a, residences(kept))
		}
	})
	revoked := newTally("logout through A")
	r := revoked.send(a, apptest.Request{Method: http.MethodPost, Path: "/auth/logout", Token: doomed})
	require.Equal(t, http.StatusNoContent, r.Status, "logout succeeds without Valkey: %s", r.Body)
	revokedAt := time.Since(outage)

	// Right after the logout, B, which has sent nothing to Valkey since the outage began: it has answered
	// the token from its client-side cache, which needs no network, so nothing but its connection being
	// closed for want of an answer tells it that Valkey can no longer invalidate that copy.
	cached := newTally("revoked token on B right after the logout")
	for start := time.Now(); time.Since(start) < time.Second; {
		cached.send(b, me(doomed))
	}
	close(busy)
	traffic.Wait()

	// Then, on both processes for a while: the kept token and reads go on, the revoked token never works,
	// and readiness says degraded.
	degradedB := watchReadiness(map[string]*apptest.Instance{"B": b}, "degraded", outage, 10*time.Second)
	stale := newTally("revoked token during the outage")
	phase := time.Now()
	for _, inst := range procs {
		traffic.Go(func() {
			for time.Since(phase) < 2*time.Second {
				during.send(inst, me(kept))
				during.send(inst, residences(kept))
				stale.send(inst, me(doomed))
			}
		})
	}
	traffic.Wait()
	degradedAfter := degradedA()
	maps.Copy(degradedAfter, degradedB())
	t.Logf("%s (answered %v into the outage); %s; %s; %s; /readyz degraded %v into the outage", revoked,
		revokedAt.Round(time.Millisecond), cached, during, stale, degradedAfter)
	for _, tl := range []*tally{revoked, cached, during, stale} {
		tl.requireNo500(t)
	}
	require.Zero(t, cached.count(http.StatusOK), "B never serves the revoked token from its client-side cache: %s", cached)
	require.Zero(t, stale.count(http.StatusOK), "the revoked token is refused on every process: %s", stale)
	require.Equal(t, stale.total(), stale.count(http.StatusUnauthorized), "%s", stale)
	require.Zero(t, during.failures(), "requests go on from PostgreSQL: %s", during)
	// A request waits for at most one Valkey call to time out: the calls after it skip Valkey for a second.
	require.LessOrEqual(t, during.slowest, valkeyDeadline+answerMargin, "%s", during)
	// The logout waits for its tombstone's write to time out, and then until every process must have noticed
	// the outage and dropped its client-side copies.
	require.LessOrEqual(t, revoked.slowest, valkeyDeadline+valkeyconn.StaleBound+answerMargin, "%s", revoked)
	require.Len(t, degradedAfter, 2, "both processes report degraded during the outage: %v", degradedAfter)

	// Valkey returns with its data: it still maps the revoked token to its user until a tombstone lands.
	proxy.Remove(t, "blackhole_upstream")
	proxy.Remove(t, "blackhole_downstream")
	back := time.Now()
	ready := watchReadiness(procs, "ready", back, 10*time.Second)
	after, staleAfter := newTally("kept token after Valkey returned"), newTally("revoked token after Valkey returned")
	for _, inst := range procs {
		traffic.Go(func() {
			for time.Since(back) < 3*time.Second {
				after.send(inst, me(kept))
				staleAfter.send(inst, me(doomed))
			}
		})
	}
	traffic.Wait()
	readyAfter := ready()
	t.Logf("%s; %s; /readyz ready %v after Valkey returned", after, staleAfter, readyAfter)
	after.requireNo500(t)
	staleAfter.requireNo500(t)
	require.Zero(t, after.failures(), "%s", after)
	require.Zero(t, staleAfter.count(http.StatusOK), "no process serves the revoked token once Valkey is back: %s", staleAfter)
	require.Len(t, readyAfter, 2, "both processes are ready again: %v", readyAfter)
	for name, took := range readyAfter {
		require.Less(t, took, recoverWithin, "%s ready again", name)
	}

	// Once recovered, both processes serve the kept token from their caches again, without SQL.
	for _, inst := range procs {
		apptest.Warm(t, inst, kept)
		require.Equal(t, http.StatusUnauthorized, apptest.Me(t, inst, doomed).Status)
	}
}
