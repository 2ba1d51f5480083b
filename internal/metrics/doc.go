// Package metrics is Homekeep's Prometheus instrumentation: one registry per process (never the global
// default, so two instances in one test binary do not mix), the HTTP middleware that counts requests by
// operation and status with their durations and SQL statements, a pgx tracer that counts each request's
// statements in its context, collectors that read the connection pools' and caches' own counters when
// scraped, and the /metrics handler.
//
// Everything on the request path is an atomic add or a histogram observation (itself atomic), with each
// operation's series looked up once: no lock, a few small allocations (the response writer wrapper, the
// request's counts in its context), about a microsecond in all (BenchmarkInstrument), and no round trip.
// When metrics are off (METRICS_ADDR=off) none of it is installed.
package metrics
