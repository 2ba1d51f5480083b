package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Load is a closed-loop load: Concurrency workers each send a request, read the whole answer, and send the
// next, for Duration. It runs in the bench process, so it needs no external tool; the servers it measures
// run in processes of their own.
type Load struct {
	Concurrency int
	// Duration ends the run; Total, when above zero, ends it earlier, after that many requests.
	Duration time.Duration
	Total    int64
	// Request returns the run's n-th request (counted from 0 across workers) and the kind it is counted
	// under ("board", "update", ...).
	Request func(n int64) (*http.Request, string, error)
	// OK reports whether a status is a success; nil accepts 200 only.
	OK func(status int) bool
}

// LoadResult is what one run of a Load measured. Latencies are of successful requests only.
type LoadResult struct {
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"`
	Seconds  float64 `json:"seconds"`
	RPS      float64 `json:"rps"`
	P50Ms    float64 `json:"p50_ms"`
	P99Ms    float64 `json:"p99_ms"`
	// FirstError describes the first failure, to tell a refusal from a timeout.
	FirstError string `json:"first_error,omitempty"`
	// Kinds splits the run by the kinds Request named, when there is more than one.
	Kinds map[string]*LoadResult `json:"kinds,omitempty"`
}

// Client returns an HTTP client that keeps one connection per worker, so a run measures requests rather than
// connection set-up.
func (l Load) Client() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: l.Concurrency, MaxIdleConnsPerHost: l.Concurrency, DisableCompression: true,
		IdleConnTimeout: time.Minute,
	}}
}

// Run sends the load through hc until Duration has passed (or ctx ends) and the requests under way finish.
func (l Load) Run(ctx context.Context, hc *http.Client) LoadResult {
	ctx, cancel := context.WithTimeout(ctx, l.Duration)
	defer cancel()
	ok := l.OK
	if ok == nil {
		ok = func(status int) bool { return status == http.StatusOK }
	}
	type tally struct {
		latencies map[string][]time.Duration
		errors    map[string]int64
		firstErr  error
	}
	tallies := make([]tally, l.Concurrency)
	var seq atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for w := range l.Concurrency {
		tl := &tallies[w]
		tl.latencies, tl.errors = map[string][]time.Duration{}, map[string]int64{}
		wg.Go(func() {
			for ctx.Err() == nil {
				n := seq.Add(1) - 1
				if l.Total > 0 && n >= l.Total {
					return
				}
				req, kind, err := l.Request(n)
				if err != nil {
					tl.errors[kind]++
					tl.firstErr = cmpErr(tl.firstErr, fmt.Errorf("error building request: %w", err))
					continue
				}
				// The run's deadline ends the loop, not the request under way: it is not cancelled, so a
				// run never counts the requests it cut short as errors.
				t0 := time.Now()
				err = send(hc, req.WithContext(context.WithoutCancel(ctx)), ok)
				took := time.Since(t0)
				if err != nil {
					tl.errors[kind]++
					tl.firstErr = cmpErr(tl.firstErr, err)
					continue
				}
				tl.latencies[kind] = append(tl.latencies[kind], took)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	all := map[string][]time.Duration{}
	errs := map[string]int64{}
	var firstErr error
	for _, tl := range tallies {
		for k, ls := range tl.latencies {
			all[k] = append(all[k], ls...)
		}
		for k, n := range tl.errors {
			errs[k] += n
		}
		firstErr = cmpErr(firstErr, tl.firstErr)
	}
	summarize := func(ls []time.Duration, nerr int64) *LoadResult {
		r := &LoadResult{Requests: int64(len(ls)) + nerr, Errors: nerr, Seconds: elapsed.Seconds(),
			RPS: float64(len(ls)) / elapsed.Seconds(), P50Ms: ms(percentile(ls, 50)), P99Ms: ms(percentile(ls, 99))}
		return r
	}
	var total []time.Duration
	var totalErr int64
	kinds := map[string]struct{}{}
	for k, ls := range all {
		total = append(total, ls...)
		kinds[k] = struct{}{}
	}
	for k, n := range errs {
		totalErr += n
		kinds[k] = struct{}{}
	}
	res := *summarize(total, totalErr)
	if firstErr != nil {
		res.FirstError = firstErr.Error()
	}
	if len(kinds) > 1 {
		names := make([]string, 0, len(kinds))
		for k := range kinds {
			names = append(names, k)
		}
		sort.Strings(names)
		res.Kinds = map[string]*LoadResult{}
		for _, k := range names {
			res.Kinds[k] = summarize(all[k], errs[k])
		}
	}
	return res
}

// send does one request and reads the whole answer; an error or a status ok refuses is a failure.
func send(hc *http.Client, req *http.Request, ok func(int) bool) error {
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	err = errors.Join(err, resp.Body.Close())
	if err != nil {
		return fmt.Errorf("%s %s: error reading the answer: %w", req.Method, req.URL.Path, err)
	}
	if !ok(resp.StatusCode) {
		return fmt.Errorf("%s %s: status %d", req.Method, req.URL.Path, resp.StatusCode)
	}
	return nil
}

// cmpErr keeps the first error seen.
func cmpErr(first, next error) error {
	if first != nil {
		return first
	}
	return next
}
