// Package app is what the operation groups' handlers share. Each group of the API (x-ogen-operation-group
// in api/openapi.yaml) has its own package below this one: accounts (which also authenticates), residences,
// tasks, contractors, documents and reference; package api composes them into the ogen server. They and this
// package are the only hand-written code that imports the generated query package, and they convert every
// row into a generated API type by hand.
//
// This package holds only what more than one group uses: the authenticated caller in the request's context
// (Principal), and the authentication a hot read completes in the same round trip as its data when the
// token was not cached (ReadAuthenticated, over ReadTogether's pipelined batch; see deferred_auth.go), which
// residences a user can access (Access) and the 403 for a role too low (ErrForbidden),
// the attempt limit of the sensitive endpoints (AttemptLimit), the deletion of files whose rows are gone
// (DeleteFiles), the task card (TaskCard), If-None-Match (ETagMatches), request validation (FieldErrors and
// the Check functions), the conversions between sqlc's pointers and ogen's nullable types, and the statements
// every pooled connection prepares (HotStatements). It imports none of the group packages.
package app
