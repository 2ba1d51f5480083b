package endpoint

import (
	"fmt"
	"net/netip"
)

// Address ranges that are not reachable from the public internet beyond what netip's predicates cover.
// Each is an address a forged request could use to reach something internal or that no real push service
// uses.
var reservedPrefixes = []struct {
	prefix netip.Prefix
	rule   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "a \"this network\" address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a shared (CGNAT) address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "a reserved address"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation address"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
	{netip.MustParsePrefix("100::/64"), "a discard address"},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address"},
	{netip.MustParsePrefix("fec0::/10"), "a site-local address"},
}

// Prefixes whose addresses carry an IPv4 address in their last 32 bits: the embedded address is judged
// as well, so ::127.0.0.1 or 64:ff9b::10.0.0.1 cannot stand in for what is refused in IPv4.
var embeddingPrefixes = []netip.Prefix{
	netip.MustParsePrefix("::/96"),          // IPv4-compatible (deprecated)
	netip.MustParsePrefix("64:ff9b::/96"),   // NAT64 well-known prefix
	netip.MustParsePrefix("64:ff9b:1::/48"), // NAT64 local-use prefix
}

// addressRule says why addr is refused, or "" when it is a public address. Loopback is reported as
// "loopback" so the caller can let it through when the policy allows it.
func addressRule(addr netip.Addr) string {
	addr = addr.WithZone("").Unmap()
	if addr.Is6() && !addr.IsUnspecified() && !addr.IsLoopback() {
		for _, p := range embeddingPrefixes {
			if p.Contains(addr) {
				b := addr.As16()
				if rule := addressRule(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})); rule != "" {
					return rule
				}
			}
		}
	}
	switch {
	case !addr.IsValid():
		return "an invalid address"
	case addr.IsUnspecified():
		return "an unspecified address"
	case addr.IsLoopback():
		return ruleLoopback
	case addr.IsPrivate():
		return "a private address"
	case addr.IsLinkLocalUnicast():
		return "a link-local address"
	case addr.IsMulticast(), addr.IsLinkLocalMulticast(), addr.IsInterfaceLocalMulticast():
		return "a multicast address"
	case addr.Is4() && addr == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "the broadcast address"
	}
	for _, r := range reservedPrefixes {
		if r.prefix.Contains(addr) {
			return r.rule
		}
	}
	return ""
}

const ruleLoopback = "a loopback address"

// checkAddress refuses addr unless it is public, or loopback while the policy allows loopback.
func (o Policy) checkAddress(addr netip.Addr) error {
	rule := addressRule(addr)
	if rule == "" || (rule == ruleLoopback && o.AllowLoopbackHTTP) {
		return nil
	}
	return fmt.Errorf("%w: %s is %s", ErrNotAllowed, addr.WithZone(""), rule)
}
