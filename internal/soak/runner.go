package soak

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/homekeep/homekeep/internal/bench"
)

// Defaults of Config.
const (
	UsersDefault       = 200
	RateDefault        = 100.0
	DurationDefault    = 10 * time.Minute
	WarmupDefault      = 30 * time.Second
	MaxInFlightDefault = 500
)

// Config is one soak: the server it drives, what it can observe of it, and the load.
type Config struct {
	// BaseURL is the server root (http://127.0.0.1:8080).
	BaseURL string
	// DatabaseURL is the server's database, read by the consistency checks after the run; the soak must be
	// the only writer since it was created.
	DatabaseURL string
	// FilesDir is the server's file store (FILE_STORAGE_URL file://FilesDir); empty skips the file checks.
	FilesDir string
	// PID is the server's process id, whose RSS is read from /proc; 0 when the server runs in the caller's
	// process (its RSS is then not the server's alone and is not reported).
	PID int
	// Users registered at set-up (UsersDefault).
	Users int
	// Rate is the requests per second sent, whatever the answers take (RateDefault).
	Rate float64
	// Warmup runs the load unrecorded before Duration is measured (WarmupDefault; negative for none).
	Warmup, Duration time.Duration
	// MaxInFlight bounds the requests waiting for answers; one more is counted as an error, not sent.
	MaxInFlight int
	// Server describes how the server was started, for the report.
	Server string
	// Logf reports progress; nil logs nothing.
	Logf func(format string, args ...any)
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Users == 0 {
		c.Users = UsersDefault
	}
	if c.Rate == 0 {
		c.Rate = RateDefault
	}
	if c.Duration == 0 {
		c.Duration = DurationDefault
	}
	if c.Warmup == 0 {
		c.Warmup = WarmupDefault
	}
	c.Warmup = max(c.Warmup, 0)
	if c.MaxInFlight == 0 {
		c.MaxInFlight = MaxInFlightDefault
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	return c
}

func (c Config) validate() error {
	switch {
	case c.BaseURL == "":
		return errors.New("soak: BaseURL is required")
	case c.DatabaseURL == "":
		return errors.New("soak: DatabaseURL is required")
	case c.Users < membersPerHousehold:
		return fmt.Errorf("soak: Users must be at least %d", membersPerHousehold)
	case c.Rate <= 0:
		return errors.New("soak: Rate must be above zero")
	}
	return nil
}

// driver is the state one run shares between its requests.
type driver struct {
	api   *apiClient
	world *world
	acked acked
}

// Run sets up the users and households, runs the warm-up and the measured load, and checks the database.
// The error is for a soak that could not run (set-up failed, a database check could not be made); failed
// requests and failed checks are in the report (Report.Failures).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	rep := &Report{Config: cfg, Date: time.Now().UTC(), LoadStart: loadAverage()}
	d := &driver{api: newAPIClient(cfg.BaseURL, cfg.MaxInFlight), world: newWorld(uint64(time.Now().UnixNano()))}
	defer d.api.close()

	t0 := time.Now()
	if err := setUp(ctx, d.api, d.world, cfg.Users, runID(), &d.acked); err != nil {
		return nil, fmt.Errorf("soak: error setting up: %w", err)
	}
	rep.SetupTime = time.Since(t0)
	rep.Households, rep.SetupTasks = len(d.world.residences), d.acked.tasks.Load()
	cfg.Logf("soak: set up %d users in %d households in %v", cfg.Users, rep.Households, rep.SetupTime.Round(time.Millisecond))

	if cfg.Warmup > 0 {
		warm := newRecorder()
		d.load(ctx, cfg, cfg.Warmup, warm)
		_, wt := warm.stats()
		rep.WarmupErrors = wt.Errors
		cfg.Logf("soak: warmed up for %v (%d errors)", cfg.Warmup, wt.Errors)
	}

	mhc := &http.Client{Timeout: 10 * time.Second}
	defer mhc.CloseIdleConnections()
	var err error
	if rep.MetricsStart, err = scrapeMetrics(ctx, mhc, cfg.BaseURL); err != nil {
		rep.MetricsError = err.Error()
	}
	var rss *rssWatch
	if cfg.PID != 0 {
		s, err := bench.ReadProc(cfg.PID)
		if err != nil {
			return nil, fmt.Errorf("soak: %w", err)
		}
		rep.RSSStartKiB, rep.CPUStart = s.RSSKiB, s.CPU
		rss = watchRSS(cfg.PID, time.Second)
	}

	rec := newRecorder()
	rep.Elapsed, rep.Sent, rep.MaxLag = d.load(ctx, cfg, cfg.Duration, rec)
	rep.Ops, rep.Total = rec.stats()
	rep.ErrorExamples = rec.errorExamples()
	rep.Acked = ackedCounts{Tasks: d.acked.tasks.Load(), Completions: d.acked.completions.Load(),
		Contractors: d.acked.contractors.Load(), Documents: d.acked.documents.Load(), Joins: d.acked.joins.Load(),
		Keyed: d.acked.keyed.Load(), Replayed: d.acked.replayed.Load()}

	if rss != nil {
		var rssErr error
		rep.RSS, rssErr = rss.end()
		s, err := bench.ReadProc(cfg.PID)
		if err = errors.Join(err, rssErr); err != nil {
			return nil, fmt.Errorf("soak: %w", err)
		}
		rep.RSSEndKiB, rep.CPUEnd = s.RSSKiB, s.CPU
	}
	if rep.MetricsEnd, err = scrapeMetrics(ctx, mhc, cfg.BaseURL); err != nil {
		rep.MetricsError = err.Error()
	}
	rep.LoadEnd = loadAverage()
	cfg.Logf("soak: %d requests in %v, %d errors", rep.Sent, rep.Elapsed.Round(time.Millisecond), rep.Total.Errors)

	if rep.Checks, err = consistency(ctx, cfg.DatabaseURL, cfg.FilesDir, cfg.Users, &d.acked); err != nil {
		return rep, fmt.Errorf("soak: %w", err)
	}
	return rep, nil
}

// load sends cfg.Rate requests a second for dur, each on the schedule start + n/Rate whether or not earlier
// ones were answered, and waits for the last answer. A request's latency runs from its scheduled moment;
// maxLag is how far behind its schedule the generator itself fell.
func (d *driver) load(ctx context.Context, cfg Config, dur time.Duration, rec *recorder) (elapsed time.Duration, sent int64, maxLag time.Duration) {
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	slots := make(chan struct{}, cfg.MaxInFlight)
	reqCtx := context.WithoutCancel(ctx) // a request under way at the end is finished, not cut short
	var wg sync.WaitGroup
	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for n := int64(0); ; n++ {
		at := start.Add(time.Duration(n) * interval)
		if at.Sub(start) >= dur || ctx.Err() != nil {
			break
		}
		if wait := time.Until(at); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				continue
			}
		}
		maxLag = max(maxLag, time.Since(at))
		o := d.choose()
		sent++
		select {
		case slots <- struct{}{}:
		default:
			rec.add(o.name, 0, errDropped)
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			err := o.run(reqCtx, d)
			rec.add(o.name, time.Since(at), err)
		})
	}
	wg.Wait()
	return time.Since(start), sent, maxLag
}

// choose draws an operation by the mix's weights.
func (d *driver) choose() op {
	total := 0
	for _, o := range mix {
		total += o.weight
	}
	n := d.world.intn(total)
	for _, o := range mix {
		if n < o.weight {
			return o
		}
		n -= o.weight
	}
	return mix[len(mix)-1]
}

// runID tells one run's accounts from another's, should two soaks share a database.
func runID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
