package soak

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"
)

// recorder keeps every request's latency and every failure, by operation.
type recorder struct {
	mu        sync.Mutex
	latencies map[string][]time.Duration
	// errors counts failures by operation and class ("status 500", "transport"); examples keeps the first
	// message of each class.
	errors   map[string]map[string]int64
	examples map[string]string
}

func newRecorder() *recorder {
	return &recorder{latencies: map[string][]time.Duration{}, errors: map[string]map[string]int64{},
		examples: map[string]string{}}
}

func (r *recorder) add(opName string, took time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		r.latencies[opName] = append(r.latencies[opName], took)
		return
	}
	class := errorClass(err)
	if r.errors[opName] == nil {
		r.errors[opName] = map[string]int64{}
	}
	r.errors[opName][class]++
	if _, ok := r.examples[class]; !ok {
		r.examples[class] = err.Error()
	}
}

// errorClass names the kind of a failure: the unexpected status, or a transport or decoding error.
func errorClass(err error) string {
	var se *statusError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("status %d", se.status)
	case errors.Is(err, errDropped):
		return "dropped (too many requests in flight)"
	default:
		return "transport or decoding"
	}
}

// errDropped is a request the generator could not send because MaxInFlight were already waiting.
var errDropped = errors.New("not sent: too many requests in flight")

// OpStats is one operation's (or the whole run's) count, failures and latency percentiles, in milliseconds
// from the moment each request was scheduled.
type OpStats struct {
	Name               string
	Write              bool
	OK, Errors         int64
	P50, P90, P99, Max float64
	ErrorsByClass      map[string]int64
}

// stats summarises the recorded requests: one row per operation of the mix, then the total.
func (r *recorder) stats() (ops []OpStats, total OpStats) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var all []time.Duration
	total = OpStats{Name: "all", ErrorsByClass: map[string]int64{}}
	for _, o := range mix {
		s := summarize(o.name, r.latencies[o.name])
		s.Write, s.ErrorsByClass = o.write, map[string]int64{}
		for class, n := range r.errors[o.name] {
			s.Errors += n
			s.ErrorsByClass[class] += n
			total.ErrorsByClass[class] += n
		}
		total.Errors += s.Errors
		all = append(all, r.latencies[o.name]...)
		ops = append(ops, s)
	}
	t := summarize("all", all)
	t.Errors, t.ErrorsByClass = total.Errors, total.ErrorsByClass
	return ops, t
}

func summarize(name string, ls []time.Duration) OpStats {
	s := slices.Clone(ls)
	slices.Sort(s)
	return OpStats{Name: name, OK: int64(len(s)), P50: ms(percentile(s, 50)), P90: ms(percentile(s, 90)),
		P99: ms(percentile(s, 99)), Max: ms(percentile(s, 100))}
}

// percentile returns the p-th percentile (nearest rank) of the sorted s, zero for none.
func percentile(s []time.Duration, p float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	i := int(p/100*float64(len(s)) + 0.5)
	return s[min(max(i-1, 0), len(s)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// errorExamples returns the first message of each failure class, sorted by class.
func (r *recorder) errorExamples() [][2]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([][2]string, 0, len(r.examples))
	for c, m := range r.examples {
		out = append(out, [2]string{c, m})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}
