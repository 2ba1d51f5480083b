// Package apitest checks, in every API test, that the traffic matches api/openapi.yaml.
//
// # Overview
//
// The server is generated from the spec, but the generated code cannot catch everything: a handler can still
// return a status the spec does not declare, an error that does not have the ApiError shape, or a field the
// schema does not allow, and tests may exercise paths the spec forgot. Routing every test request through
// NewTransport (or NewClient) turns each of those into a test failure that names the request and shows the
// body, so the spec and the server cannot drift apart without a test noticing.
//
// The transport sits under any client, the generated one included: it checks the request against its
// operation, sends it, then checks the status, content type and body of the response, and returns the
// response unchanged so the test can make its own assertions. A test of bad input marks its request with
// WithInvalidRequest; then only the response is checked, and one to a path the spec does not have must be an
// error with the ApiError body every error has.
//
// # Error bodies
//
// Every response with status 400 or above is also checked for internals the server must never show (issue
// 19): a driver's error (pq:, pgx), SQL or sqlc names (sql), a stack frame (.go:), a goroutine dump, a
// recovered panic or runtime error. Because every API test's traffic passes through a transport of this
// package, that check covers the whole suite; clients of pages outside the spec (the admin panel) wrap
// theirs in NewErrorBodyTransport. With HOMEKEEP_ERROR_BODIES set to a directory, each error body is also
// appended to a file there, which `make test` greps again once the tests are done.
//
// # State
//
// The spec is loaded, validated and routed once per test binary and shared by every transport. Bodies are
// read in full to be checked (a transport is not for streaming), and the request that is sent is a copy
// with its own body, so validation never changes what the server receives. Security requirements are not
// checked: authentication is the server's business.
//
// # Failure handling
//
// A mismatch is reported with t.Errorf, not t.Fatalf: the test goes on and fails at its end, with every
// mismatch it met. A request that got no response at all (a closed server) returns the transport error as
// it is, and the request's own mismatch, if any, is still reported.
package apitest
