// Package soak holds Homekeep under a steady mixed load for minutes and checks that it stays whole (issue 19,
// "Load held"): an open-loop generator sends a fixed rate of requests (80% reads, 20% writes: sign-ins,
// joins, uploads among them) as 200 users spread over households, every answer's status is checked, and the
// run ends with SQL consistency checks (completions against completion_count, orphan rows and files, usage
// counters, every acknowledged write present exactly once).
//
// Open loop: requests are sent on a schedule, not after the previous answer, and a request's latency runs
// from the moment it was scheduled, so a server that stalls is charged for every request the stall delayed
// (no coordinated omission).
//
// Run drives any Homekeep at a URL; TestSoak (`make soak`, HOMEKEEP_SOAK=1) builds the binary, runs
// `homekeep serve` as a child process on a fresh database so its RSS (/proc) and /metrics are its own, and
// writes bench/soak.md. TestSoakSmoke drives an in-process instance for a few seconds in `make test`, so the
// harness cannot rot.
package soak
