package soak

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
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

// rssWatch samples a process's resident set every interval until stopped and keeps the highest sample and
// one sample a minute, so growth over the run can be seen.
type rssWatch struct {
	mu       sync.Mutex
	peakKiB  int64
	perMin   []int64
	err      error
	stop     chan struct{}
	finished chan struct{}
}

func watchRSS(pid int, interval time.Duration) *rssWatch {
	w := &rssWatch{stop: make(chan struct{}), finished: make(chan struct{})}
	go func() {
		defer close(w.finished)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		start, nextMinute := time.Now(), time.Duration(0)
		for {
			s, err := bench.ReadProc(pid)
			w.mu.Lock()
			if err != nil && w.err == nil {
				w.err = err
			}
			w.peakKiB = max(w.peakKiB, s.RSSKiB)
			if time.Since(start) >= nextMinute {
				w.perMin = append(w.perMin, s.RSSKiB)
				nextMinute += time.Minute
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

// end stops the sampling and returns the peak and the per-minute samples.
func (w *rssWatch) end() (peakKiB int64, perMinute []int64, err error) {
	close(w.stop)
	<-w.finished
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.peakKiB, w.perMin, w.err
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
