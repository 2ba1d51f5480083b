package metrics

import (
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// poolCollector reads the pgx pools' own statistics (pool.Stat, a few atomic loads under the pool's lock)
// when scraped, so a pool does no extra work per request. One collector holds every pool: the registry
// refuses two collectors with the same descriptors.
type poolCollector struct {
	mu    sync.Mutex
	pools []namedPool
}

type namedPool struct {
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
	m.pools.mu.Lock()
	defer m.pools.mu.Unlock()
	m.pools.pools = append(m.pools.pools, namedPool{name: name, pool: pool})
}

// Describe implements prometheus.Collector.
func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolTotal, poolIdle, poolAcquired, poolMax, poolAcquires, poolWait,
		poolEmptyWait, poolEmpty, poolCanceled, poolNew, poolLifetime, poolIdleClose} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	pools := append([]namedPool(nil), c.pools...)
	c.mu.Unlock()
	for _, p := range pools {
		collectPool(ch, p)
	}
}

// collectPool sends one pool's statistics.
func collectPool(ch chan<- prometheus.Metric, p namedPool) {
	s := p.pool.Stat()
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, p.name)
	}
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, p.name)
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
