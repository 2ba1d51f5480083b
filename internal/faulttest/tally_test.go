package faulttest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// tally counts the answers of one phase of a fault test: statuses, requests that got no HTTP answer at all,
// and the slowest answer.
type tally struct {
	name string

	mu        sync.Mutex
	status    map[int]int
	noAnswer  int
	slowest   time.Duration
	firstFail string
}

func newTally(name string) *tally { return &tally{name: name, status: map[int]int{}} }

// send sends req to inst (from any goroutine) and counts the answer; it returns the response.
func (tl *tally) send(inst *apptest.Instance, req apptest.Request) apptest.Response {
	start := time.Now()
	r, err := apptest.TryDo(inst, req)
	took := time.Since(start)
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.slowest = max(tl.slowest, took)
	if err != nil {
		tl.noAnswer++
		if tl.firstFail == "" {
			tl.firstFail = fmt.Sprintf("%s %s: %v", req.Method, req.Path, err)
		}
		return r
	}
	tl.status[r.Status]++
	if r.Status >= 300 && tl.firstFail == "" {
		tl.firstFail = fmt.Sprintf("%s %s: %d %s", req.Method, req.Path, r.Status, r.Body)
	}
	return r
}

// count returns how many answers had status.
func (tl *tally) count(status int) int {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return tl.status[status]
}

// total returns how many requests were sent.
func (tl *tally) total() int {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	n := tl.noAnswer
	for _, c := range tl.status {
		n += c
	}
	return n
}

// failures returns how many requests got no answer or an answer other than 2xx.
func (tl *tally) failures() int {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	n := tl.noAnswer
	for s, c := range tl.status {
		if s >= 300 {
			n += c
		}
	}
	return n
}

// String is the phase's numbers for the test log.
func (tl *tally) String() string {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	codes := make([]int, 0, len(tl.status))
	for s := range tl.status {
		codes = append(codes, s)
	}
	sort.Ints(codes)
	parts := make([]string, 0, len(codes))
	for _, s := range codes {
		parts = append(parts, fmt.Sprintf("%d×%d", tl.status[s], s))
	}
	return fmt.Sprintf("%s: %s, no answer %d, slowest %v", tl.name, strings.Join(parts, " "), tl.noAnswer,
		tl.slowest.Round(time.Millisecond))
}

// requireNo500 fails the test if any answer was a 5xx other than 503, or if a request got no answer.
func (tl *tally) requireNo500(t *testing.T) {
	t.Helper()
	tl.mu.Lock()
	defer tl.mu.Unlock()
	for s, c := range tl.status {
		if s >= 500 && s != http.StatusServiceUnavailable {
			require.Zerof(t, c, "%s: %d answers with status %d (first failure: %s)", tl.name, c, s, tl.firstFail)
		}
	}
	require.Zerof(t, tl.noAnswer, "%s: requests without an answer (first: %s)", tl.name, tl.firstFail)
}

// hammer sends req to inst from workers goroutines, n requests in all, and returns when all are answered.
func hammer(tl *tally, inst *apptest.Instance, n, workers int, req func(i int) apptest.Request) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				tl.send(inst, req(i))
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// recoverTime polls req every 25 ms after a fault was removed until it answers 2xx, and returns how long that
// took; the failed polls are counted in tl. It fails the test after within.
func recoverTime(t *testing.T, tl *tally, inst *apptest.Instance, req apptest.Request, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		r := tl.send(inst, req)
		if r.Status >= 200 && r.Status < 300 {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("%s: not recovered after %v: %s", tl.name, within, tl)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// poolGauge reads one of the API pool's gauges (acquired_conns, conns, ...) from the instance's /metrics.
func poolGauge(t *testing.T, inst *apptest.Instance, name string) int {
	t.Helper()
	resp, err := http.Get(inst.URL + "/metrics") //nolint:noctx // a test's scrape of a local server
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	want := `homekeep_db_pool_` + name + `{pool="api"} `
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), want); ok {
			f, err := strconv.ParseFloat(v, 64)
			require.NoError(t, err)
			return int(f)
		}
	}
	require.NoError(t, sc.Err())
	t.Fatalf("no %s in /metrics", strings.TrimSpace(want))
	return 0
}

// readiness returns the status /readyz reports ("ready", "degraded", ...), or what went wrong asking; it
// does not fail the test, so goroutines may call it.
func readiness(inst *apptest.Instance) string {
	resp, err := http.Get(inst.URL + "/readyz") //nolint:noctx // a test's probe of a local server
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return err.Error()
	}
	return body.Status
}

// watchReadiness polls each process's /readyz every 25 ms from now on, for at most within after since, and
// returns a function that waits for the polls to end and says how long after since each process first
// reported want (a process that never did is missing).
func watchReadiness(procs map[string]*apptest.Instance, want string, since time.Time, within time.Duration) func() map[string]time.Duration {
	var (
		mu  sync.Mutex
		got = map[string]time.Duration{}
		wg  sync.WaitGroup
	)
	for name, inst := range procs {
		wg.Go(func() {
			for time.Since(since) < within {
				if readiness(inst) == want {
					mu.Lock()
					got[name] = time.Since(since)
					mu.Unlock()
					return
				}
				time.Sleep(25 * time.Millisecond)
			}
		})
	}
	return func() map[string]time.Duration {
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return maps.Clone(got)
	}
}
