// Package ratelimit limits how often Homekeep's sensitive endpoints (login, forgot-password, verify-reset-code,
// verify-email, joining a residence with a share code) may be tried, so passwords, reset codes and share codes
// cannot be guessed by brute force.
//
// # Overview
//
// Limits are fixed windows: at most Rule.Limit attempts per key per Rule.Window, the window being aligned to the
// Unix epoch. A fixed window lets through up to twice the limit around a window boundary, which is fine against
// guessing (it only doubles a tiny rate) and costs one counter per key instead of a log of timestamps. One
// attempt counts against all of its keys at once (an IP and an email, say), and is refused when any of them is
// over the limit; the Decision says how long until the window ends, for Retry-After.
//
// # State
//
// A counter's key holds the rule, the window's index and a hash of the caller's key, so a new window starts from
// a fresh counter without any reset, old counters simply expire, and no user input (an email) reaches the key
// space in plain text. Counts live in Valkey when it is configured, so every server process shares them and an
// attacker gains nothing by spreading attempts over processes: one pipelined round trip of INCR and PEXPIRE NX per
// attempt. Otherwise they live in a bounded in-process cache, where a flood of unique keys evicts old counters
// rather than exhausting memory; losing a counter only ever allows more attempts, never fewer.
//
// # Failure handling
//
// Rate limiting must not take login down with the cache. Without Valkey, or while it is unreachable or slower than
// 500 ms, each process counts on its own: the limit then applies per process, which is weaker but keeps the
// endpoints available and still limited, and Allow returns no error. Its errors are only for programming
// mistakes: an invalid rule or no keys at all. An attempt is counted even when its client gives up on the
// request, so disconnecting early does not skip the shared count.
package ratelimit
