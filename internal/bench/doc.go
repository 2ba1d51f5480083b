// Package bench measures what issue 11 asks of Homekeep, from outside the process: how many round trips an
// authenticated request costs in every state, how much throughput Homekeep keeps against a minimal server,
// how much memory it holds, and how its hot statements are planned at scale.
//
// Latency: PostgreSQL (directly, or through a real PgBouncer in transaction mode) sits behind an in-process
// Toxiproxy that adds a fixed round-trip time (RTT), and Valkey behind one adding about a millisecond.
// Counting statements says how many trips a request makes; only a real delay shows whether they overlap or
// queue, so results are milliseconds and multiples of the measured RTT, beside the statements and Valkey
// round trips counted in the process.
//
// Throughput and memory: Homekeep (`homekeep serve`, built from the tree) and the reference server
// (refserver: net/http, a pgxpool of 8, the same board statement, encoding/json) run as child processes, so
// their peak RSS and CPU time are their own (/proc), under a closed-loop load generator (Load) in the bench
// process.
//
// The measurements are one test, TestBench, that skips unless HOMEKEEP_BENCH is set (quick, full or long),
// so `go vet ./...` and `make test` compile it without running it; `make bench-quick`, `make bench` and
// `make bench-long` run it and write bench/results.md and bench/results.json at the repository root.
// TestBenchPlans (`make bench-plans`, HOMEKEEP_BENCH_PLANS) runs its plans phase alone and only logs them. The
// helpers here (the proxy, the load generator, /proc readings, PgBouncer, the results and the verdicts on
// the goals) have tests of their own that do run in `make test`.
package bench
