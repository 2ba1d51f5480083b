package metrics

import (
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every Homekeep series.
const Namespace = "homekeep"

// Path is where the metrics are served, on the main listener or on METRICS_ADDR's.
const Path = "/metrics"

// Metrics holds one process's registry and the series that code on the request path updates.
type Metrics struct {
	reg *prometheus.Registry

	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	statements *prometheus.HistogramVec
	roundTrips *prometheus.HistogramVec

	jobs  jobSeries
	push  pushSeries
	pools *poolCollector
	// ops caches each operation's series (see operation).
	ops sync.Map
}

// New returns a Metrics with its own registry, holding the Go runtime, process and build information
// collectors and the HTTP series.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests answered, by operation (the OpenAPI operationId, or a fixed name outside the APIs) and status code.",
		}, []string{"operation", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time from the request reaching the router to the handler returning, by operation.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"operation"}),
		statements: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "http", Name: "request_sql_statements",
			Help:    "SQL statements each request sent to PostgreSQL (each statement of a batch counts), by operation.",
			Buckets: statementBuckets,
		}, []string{"operation"}),
		roundTrips: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "http", Name: "request_sql_round_trips",
			Help:    "PostgreSQL round trips each request made (a batch is one), by operation.",
			Buckets: statementBuckets,
		}, []string{"operation"}),
		jobs:  newJobSeries(),
		push:  newPushSeries(),
		pools: &poolCollector{},
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		newBuildInfo(),
		m.requests, m.duration, m.statements, m.roundTrips,
		m.jobs.worked, m.jobs.duration, m.jobs.lag,
		m.push.sent, m.push.duration,
		m.pools,
	)
	return m
}

// statementBuckets suit counts whose promise is "one or two": 0, 1, 2 and 3 each get their own bucket.
var statementBuckets = []float64{0, 1, 2, 3, 4, 6, 8, 12, 16, 32}

// Registry returns the process's registry, for collectors registered by other packages' wiring.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text format (or OpenMetrics when the scraper asks).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{EnableOpenMetrics: true})
}
