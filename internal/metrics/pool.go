package metrics

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// poolCollector reads a pgx pool's own statistics (pool.Stat, a few atomic loads under the pool's lock) when
// scraped, so the pool does no extra work per request.
type poolCollector struct {
	name string
	pool *pgxpool.Pool
}

var (
	poolLabels    = []string{"pool"}
	poolTotal     = poolDesc("conns", "Connections open or being opened.")
	poolIdle      = poolDesc("idle_conns", "Connections open and idle.")
	poolAcquired  = poolDesc("acquired_conns", "Connections in use.")
	poolMax       = poolDesc("max_conns", "Most connections the pool opens.")
	poolAcquires  = poolDesc("acquires_total", "Connections handed out.")
	poolWait      = poolDesc("acquire_duration_seconds_total", "Time spent handing out connections, waits included.")
	poolEmptyWait = poolDesc("empty_acquire_wait_seconds_total", "Time spent waiting because no connection was idle.")
	poolEmpty     = poolDesc("empty_acquires_total", "Acquires that had to wait for a connection.")
	poolCanceled  = poolDesc("canceled_acquires_total", "Acquires whose context ended before a connection came.")
	poolNew       = poolDesc("new_conns_total", "Connections opened.")
	poolLifetime  = poolDesc("max_lifetime_destroys_total", "Connections closed for reaching DB_MAX_CONN_LIFETIME.")
	poolIdleClose = poolDesc("max_idle_destroys_total", "Connections closed for idling past DB_MAX_CONN_IDLE_TIME.")
)

func poolDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(Namespace, "db_pool", name), help, poolLabels, nil)
}

// WatchPool exports pool's statistics under the label pool=name ("api", "jobs"); on a nil Metrics it does
// nothing.
func (m *Metrics) WatchPool(name string, pool *pgxpool.Pool) {
	if m == nil {
		return
	}
	m.reg.MustRegister(poolCollector{name: name, pool: pool})
}

// Describe implements prometheus.Collector.
func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolTotal, poolIdle, poolAcquired, poolMax, poolAcquires, poolWait,
		poolEmptyWait, poolEmpty, poolCanceled, poolNew, poolLifetime, poolIdleClose} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, c.name)
	}
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, c.name)
	}
	gauge(poolTotal, float64(s.TotalConns()))
	gauge(poolIdle, float64(s.IdleConns()))
	gauge(poolAcquired, float64(s.AcquiredConns()))
	gauge(poolMax, float64(s.MaxConns()))
	counter(poolAcquires, float64(s.AcquireCount()))
	counter(poolWait, s.AcquireDuration().Seconds())
	counter(poolEmptyWait, s.EmptyAcquireWaitTime().Seconds())
	counter(poolEmpty, float64(s.EmptyAcquireCount()))
	counter(poolCanceled, float64(s.CanceledAcquireCount()))
	counter(poolNew, float64(s.NewConnsCount()))
	counter(poolLifetime, float64(s.MaxLifetimeDestroyCount()))
	counter(poolIdleClose, float64(s.MaxIdleDestroyCount()))
}
