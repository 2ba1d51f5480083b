package soak

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/homekeep/homekeep/internal/bench"
)

// loadAverage is the machine's load (the first three fields of /proc/loadavg), or why it is unknown.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// rssWatch samples a process's resident set every interval until stopped and keeps every sample, so the
// report can show the peak, one sample a minute, and the floor of the first and last minutes.
type rssWatch struct {
	interval time.Duration
	mu       sync.Mutex
	samples  []int64
	err      error
	stop     chan struct{}
	finished chan struct{}
}

func watchRSS(pid int, interval time.Duration) *rssWatch {
	w := &rssWatch{interval: interval, stop: make(chan struct{}), finished: make(chan struct{})}
	go func() {
		defer close(w.finished)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			s, err := bench.ReadProc(pid)
			w.mu.Lock()
			if err != nil && w.err == nil {
				w.err = err
			}
			if err == nil {
				w.samples = append(w.samples, s.RSSKiB)
			}
			w.mu.Unlock()
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

// rssSummary is what the samples of one run say.
type rssSummary struct {
	PeakKiB int64
	// PerMinuteKiB is the first sample of each minute.
	PerMinuteKiB []int64
	// FirstMinuteLowKiB and LastMinuteLowKiB are the lowest samples of the run's first and last minutes: the
	// floor the process returns to between collections, steadier than any single sample.
	FirstMinuteLowKiB, LastMinuteLowKiB int64
}

// end stops the sampling and summarises it.
func (w *rssWatch) end() (rssSummary, error) {
	close(w.stop)
	<-w.finished
	w.mu.Lock()
	defer w.mu.Unlock()
	var s rssSummary
	if len(w.samples) == 0 {
		return s, errors.Join(w.err, errors.New("no RSS sample"))
	}
	perMin := max(int(time.Minute/w.interval), 1)
	for i, k := range w.samples {
		s.PeakKiB = max(s.PeakKiB, k)
		if i%perMin == 0 {
			s.PerMinuteKiB = append(s.PerMinuteKiB, k)
		}
	}
	s.FirstMinuteLowKiB = slices.Min(w.samples[:min(perMin, len(w.samples))])
	s.LastMinuteLowKiB = slices.Min(w.samples[max(len(w.samples)-perMin, 0):])
	return s, w.err
}

// metrics is one scrape of /metrics: each sample's value by its name and labels as written
// (`homekeep_db_pool_empty_acquires_total{pool="api"}`).
type metrics map[string]float64

// scrapeMetrics reads base/metrics in Prometheus's text format; histograms and summaries are kept as their
// series.
func scrapeMetrics(ctx context.Context, hc *http.Client, base string) (metrics, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return nil, fmt.Errorf("error scraping metrics: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("error scraping metrics: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil, fmt.Errorf("error scraping metrics: status %d", resp.StatusCode)
	}
	m := metrics{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		m[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("error reading metrics: %w", err)
	}
	return m, nil
}

// delta is end's value of key minus start's.
func delta(start, end metrics, key string) float64 { return end[key] - start[key] }

// serverLatency is what Homekeep's own request histogram (homekeep_http_request_duration_seconds, from the
// router to the handler's return, every operation together) says of the requests between two scrapes:
// their count, mean and the bucket bounds their p50 and p99 fall under. Set against the soak's own
// latencies, it tells time in the handlers from time queued before them (the machine's CPU, the listener).
type serverLatency struct {
	Count                float64
	MeanMs, P50Ms, P99Ms float64
}

var leLabel = regexp.MustCompile(`le="([^"]+)"`)

func serverLatencyBetween(start, end metrics) serverLatency {
	const prefix = "homekeep_http_request_duration_seconds"
	var out serverLatency
	var sum float64
	buckets := map[float64]float64{}
	for k, v := range end {
		switch {
		case strings.HasPrefix(k, prefix+"_count{"):
			out.Count += v - start[k]
		case strings.HasPrefix(k, prefix+"_sum{"):
			sum += v - start[k]
		case strings.HasPrefix(k, prefix+"_bucket{"):
			m := leLabel.FindStringSubmatch(k)
			if m == nil {
				continue
			}
			le, err := strconv.ParseFloat(m[1], 64) // "+Inf" parses as +Inf
			if err != nil {
				continue
			}
			buckets[le] += v - start[k]
		}
	}
	if out.Count <= 0 {
		return out
	}
	out.MeanMs = 1000 * sum / out.Count
	bounds := make([]float64, 0, len(buckets))
	for le := range buckets {
		bounds = append(bounds, le)
	}
	slices.Sort(bounds)
	at := func(p float64) float64 {
		for _, le := range bounds {
			if buckets[le] >= p*out.Count {
				return 1000 * le
			}
		}
		return 0
	}
	out.P50Ms, out.P99Ms = at(0.5), at(0.99)
	return out
}
