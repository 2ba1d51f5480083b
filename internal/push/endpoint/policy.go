package endpoint

import (
	"errors"
	"net"
)

// ErrNotAllowed is wrapped by every refusal of an endpoint the policy forbids (its scheme, its form, or
// the addresses its host resolves to); a channel reports such a push as permanent: another attempt would
// be refused the same way. A failed DNS lookup is not ErrNotAllowed: it may pass on a later attempt.
var ErrNotAllowed = errors.New("push endpoint not allowed")

// MaxURLLength bounds an endpoint URL: real push services' endpoints are a few hundred bytes, and a URL
// kept in the database and sent on every push has no reason to be longer.
const MaxURLLength = 2048

// Policy says which endpoints are allowed. The zero Policy is the production one: https to public
// addresses only, resolved through the system resolver.
type Policy struct {
	// AllowLoopbackHTTP lets an endpoint on the loopback interface through, over plain http too, for a
	// developer running a UnifiedPush server on the same machine and for tests (httptest listens on
	// 127.0.0.1). Private, link-local and the other internal addresses stay refused. Operators set it with
	// PUSH_ALLOW_INSECURE_LOOPBACK=true; the default is false, and production must keep it so.
	AllowLoopbackHTTP bool
	// Resolver looks up an endpoint's host in Check and the addresses the dialer of Client connects to;
	// nil is net.DefaultResolver. Tests set one whose Dial reaches a DNS server of their own.
	Resolver *net.Resolver
}

func (o Policy) resolver() *net.Resolver {
	if o.Resolver == nil {
		return net.DefaultResolver
	}
	return o.Resolver
}
