// Package testvalkey lets tests share one Valkey (or Redis) server without seeing each other's keys.
//
// # Overview
//
// Giving every test its own server or logical database does not scale to parallel tests, and FLUSHDB would
// wipe other tests' data. Instead New gives each test a unique key prefix, and code under test is expected to
// put it in front of every key it writes. When the test ends, the keys under its prefix are deleted.
//
// The server is taken from TEST_VALKEY_URL (a redis:// or rediss:// URL as valkey.ParseURL accepts), by
// default redis://127.0.0.1:6379.
//
// # State
//
// Nothing is shared between tests but the server. Each New opens its own client, without client-side caching
// (a test must see every write at once, and must not depend on the server supporting tracking), and closes it
// in the test's cleanup after deleting the prefix's keys with SCAN, never KEYS, so a large keyspace on a
// shared server is not blocked.
//
// # Failure handling
//
// A server that cannot be reached fails the test in New, with one message that names the URL (password
// hidden) and the variable that changes it, rather than as confusing failures in the code under test. Keys
// that cannot be deleted at cleanup fail the test too, because they would leak into later runs.
package testvalkey
