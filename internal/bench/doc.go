// Package bench measures what an authenticated read costs in round trips to PostgreSQL, from outside the
// process, with PostgreSQL behind an in-process Toxiproxy that adds a fixed round-trip time (RTT). Counting
// statements in tests says how many trips a request makes; only a real network delay shows whether they
// overlap or queue one after another, so the results are given in milliseconds and as a multiple of the RTT.
//
// The measurements are tests that skip unless HOMEKEEP_BENCH is set, so `go vet ./...` and `make test`
// compile them without running them; `make bench-quick` runs them and writes bench/results.md and
// bench/results.json at the repository root.
package bench
