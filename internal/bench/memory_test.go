package bench

import (
	"context"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
)

// memorySample is how many users are authenticated again to count those still in process.
const memorySample = 1000

// memoryPhase has memoryUsers distinct users authenticate once each: against a Homekeep process with Valkey
// for its RSS, and against an instance without Valkey, where every tier is in process, to count how many
// users the in-process cache still holds afterwards.
func (b *bench) memoryPhase(t *testing.T, env *benchEnv) {
	users := b.mode.memoryUsers
	if users > env.others {
		seedHouseholds(t, env.directURL, env.others+1, users, false)
	}
	def, err := config.Load(func(string) (string, bool) { return "", false })
	require.NoError(t, err)
	mem := &Memory{Users: users, UserCache: int(def.UserCacheSize)}
	defer func() {
		b.mu.Lock()
		b.res.Memory = mem
		b.mu.Unlock()
	}()

	bins := buildServers(t)
	_, prefix := apptest.SharedValkey(t)
	proc := startHomekeep(t, bins.homekeep, homekeepSettings(env, FreeAddr(t), prefix, true))
	mem.WithValkey = authenticateAll(t, proc, users)
	proc.Stop(t)
	t.Logf("with Valkey: RSS %v, peak %.1f MiB", mem.WithValkey.Steps, mem.WithValkey.PeakRSSMiB)

	inst := apptest.Start(t, apptest.Options{DatabaseURL: env.directURL, NoSeed: true})
	l := Load{Concurrency: 16, Duration: 10 * time.Minute, Total: int64(users),
		Request: func(n int64) (*http.Request, string, error) {
			return authed(http.MethodGet, inst.API+"/auth/me", otherToken(int(n)+1), "")
		}}
	lc := l.Client()
	res := l.Run(context.Background(), lc)
	lc.CloseIdleConnections()
	require.Zero(t, res.Errors, res.FirstError)

	hc := newHTTPClient()
	defer hc.CloseIdleConnections()
	sample := min(memorySample, users)
	for _, i := range rand.Perm(users)[:sample] {
		before := inst.Stmts.Snapshot()
		req, _, err := authed(http.MethodGet, inst.API+"/auth/me", otherToken(i+1), "")
		require.NoError(t, err)
		resp, err := hc.Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusOK, resp.StatusCode)
		if inst.Stmts.RoundTrips(before) > 0 {
			mem.SampleMisses++
		}
	}
	mem.Sample = sample
	mem.EstimatedResident = users - users*mem.SampleMisses/sample
	t.Logf("without Valkey: %d of %d sampled users cost a statement: about %d users in process (cap %d)",
		mem.SampleMisses, sample, mem.EstimatedResident, mem.UserCache)
}

// authenticateAll sends one GET /api/auth/me for each of users 1..users (tokens no process has seen), in four
// steps, reading the process's RSS after each.
func authenticateAll(t *testing.T, proc *Process, users int) *MemoryRun {
	t.Helper()
	run := &MemoryRun{StartRSSMiB: float64(proc.Stats(t).RSSKiB) / 1024}
	require.NoError(t, ResetPeakRSS(proc.Pid()))
	step := users / 4
	var done int64
	start := time.Now()
	for from := 0; from < users; from += step {
		l := Load{Concurrency: 16, Duration: 10 * time.Minute, Total: int64(min(step, users-from)),
			Request: func(n int64) (*http.Request, string, error) {
				return authed(http.MethodGet, proc.URL+"/api/auth/me", otherToken(from+int(n)+1), "")
			}}
		lc := l.Client()
		res := l.Run(context.Background(), lc)
		lc.CloseIdleConnections()
		done += res.Requests
		run.Errors += res.Errors
		run.Steps = append(run.Steps, MemoryStep{Users: from + int(res.Requests),
			RSSMiB: float64(proc.Stats(t).RSSKiB) / 1024})
	}
	run.RPS = float64(done) / time.Since(start).Seconds()
	run.PeakRSSMiB = float64(proc.Stats(t).PeakRSSKiB) / 1024
	return run
}
