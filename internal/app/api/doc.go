// Package api composes the API: NewServer embeds one handler per operation group of api/openapi.yaml
// (x-ogen-operation-group: accounts, residences, tasks, contractors, documents, reference) in the generated
// ogen server, with accounts as its SecurityHandler, and maps every error to the one JSON error shape in
// its error handler: handler and security errors, and decoding errors (which ogen reports before any
// handler runs), whose failing field it names for a multipart body too.
//
// Its tests are the HTTP tests that span groups: bad input and numeric limits for every operation of the
// spec, routing, conditional requests, database faults, and the benchmarks of `make bench`.
package api
