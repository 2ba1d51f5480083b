// Package endpoint guards the push endpoints devices hand us (UnifiedPush and Web Push URLs) against
// server-side request forgery: an endpoint is a URL a user chose, and the server POSTs to it, so without a
// guard a user could make the server reach its own database, a cloud metadata service or anything else on
// the private network. Check refuses such URLs at registration and again before each send; DialControl
// refuses the same addresses when a connection is made, so a DNS answer that changes between the check and
// the send (rebinding) is refused too; Client puts both behind an *http.Client that follows no redirects.
package endpoint
