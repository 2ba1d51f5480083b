package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// jobSeries are the job workers' series: jobs worked by kind and outcome, how long each took and how long
// it waited in the queue past its scheduled time.
type jobSeries struct {
	worked   *prometheus.CounterVec
	duration *prometheus.HistogramVec
	lag      *prometheus.HistogramVec
}

func newJobSeries() jobSeries {
	return jobSeries{
		worked: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "jobs", Name: "worked_total",
			Help: "Jobs worked, by kind and outcome (completed, failed, snoozed, cancelled, panicked).",
		}, []string{"kind", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "jobs", Name: "duration_seconds",
			Help:    "Time a job's worker ran, by kind.",
			Buckets: []float64{.001, .005, .01, .05, .1, .5, 1, 5, 10, 30, 60, 300},
		}, []string{"kind"}),
		lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "jobs", Name: "queue_lag_seconds",
			Help:    "Time from a job's scheduled time to a worker starting it, by kind: how far behind the queue is.",
			Buckets: []float64{.005, .01, .05, .1, .5, 1, 5, 10, 30, 60, 300, 900},
		}, []string{"kind"}),
	}
}

// JobMiddleware returns river worker middleware that observes every job worked (nil on a nil Metrics, to
// leave out of river's configuration).
func (m *Metrics) JobMiddleware() rivertype.Middleware {
	if m == nil {
		return nil
	}
	return &jobMiddleware{jobs: m.jobs}
}

type jobMiddleware struct {
	river.MiddlewareDefaults

	jobs jobSeries
}

var _ rivertype.WorkerMiddleware = (*jobMiddleware)(nil)

// Work implements rivertype.WorkerMiddleware.
func (j *jobMiddleware) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) (err error) {
	start := time.Now()
	j.jobs.lag.WithLabelValues(job.Kind).Observe(max(start.Sub(job.ScheduledAt), 0).Seconds())
	outcome := "panicked"
	defer func() {
		j.jobs.duration.WithLabelValues(job.Kind).Observe(time.Since(start).Seconds())
		j.jobs.worked.WithLabelValues(job.Kind, outcome).Inc()
	}()
	err = doInner(ctx)
	outcome = jobOutcome(err)
	return err
}

// jobOutcome names what became of a job from its worker's error.
func jobOutcome(err error) string {
	var (
		snooze *rivertype.JobSnoozeError
		cancel *rivertype.JobCancelError
	)
	switch {
	case err == nil:
		return "completed"
	case errors.As(err, &snooze):
		return "snoozed"
	case errors.As(err, &cancel):
		return "cancelled"
	}
	return "failed"
}
