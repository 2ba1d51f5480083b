package endpoint

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// maxHostInError bounds how much of a host an error repeats: enough to tell which endpoint it was, not a
// way to echo whatever a user registered.
const maxHostInError = 64

// Check reports whether rawURL may be used as a push endpoint under the policy: an absolute https URL with
// a host, no userinfo and no fragment, at most MaxURLLength bytes, whose host is not and does not resolve
// to an internal address (private, loopback, link-local, unspecified, multicast, CGNAT or reserved,
// IPv4-mapped forms included). Plain http and loopback pass only when o.AllowLoopbackHTTP is set, and http
// only when every address of the host is loopback. A refusal wraps ErrNotAllowed and names the rule that
// refused without repeating the URL, whose path is a credential of the device; a failed lookup is
// returned as it is, without ErrNotAllowed.
func Check(ctx context.Context, rawURL string, o Policy) error {
	u, err := parse(rawURL, o)
	if err != nil {
		return err
	}
	host := u.Hostname()
	addrs, err := resolve(ctx, host, o)
	if err != nil {
		return err
	}
	_, literal := netip.ParseAddr(host)
	for _, addr := range addrs {
		if err := o.checkAddress(addr); err != nil {
			if literal == nil {
				return err
			}
			return fmt.Errorf("%w (host %s)", err, shortHost(host))
		}
		if u.Scheme == "http" && !addr.Unmap().IsLoopback() {
			return fmt.Errorf("%w: plain http is allowed only to loopback, and host %s resolves to %s",
				ErrNotAllowed, shortHost(host), addr)
		}
	}
	return nil
}

// parse checks the URL's form, before anything is looked up.
func parse(rawURL string, o Policy) (*url.URL, error) {
	if len(rawURL) > MaxURLLength {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrNotAllowed, MaxURLLength)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Parse's error repeats the URL.
		return nil, fmt.Errorf("%w: not a valid URL", ErrNotAllowed)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && o.AllowLoopbackHTTP:
	case u.Scheme == "http":
		return nil, fmt.Errorf("%w: the scheme must be https", ErrNotAllowed)
	case u.Scheme == "":
		return nil, fmt.Errorf("%w: not an absolute URL", ErrNotAllowed)
	default:
		return nil, fmt.Errorf("%w: the scheme must be https, not %.16q", ErrNotAllowed, u.Scheme)
	}
	switch {
	case u.Opaque != "" || u.Hostname() == "":
		return nil, fmt.Errorf("%w: no host", ErrNotAllowed)
	case u.User != nil:
		return nil, fmt.Errorf("%w: userinfo (user:password@) is not allowed", ErrNotAllowed)
	case u.Fragment != "" || strings.Contains(rawURL, "#"):
		return nil, fmt.Errorf("%w: a fragment (#...) is not allowed", ErrNotAllowed)
	}
	if err := checkHostForm(u.Hostname()); err != nil {
		return nil, err
	}
	return u, nil
}

// checkHostForm refuses hosts that some resolvers read as IPv4 addresses although they are not in dotted
// decimal form: 2130706433, 0x7f000001, 0177.0.0.1 and 127.1 all mean 127.0.0.1 to inet_aton (and so to a
// cgo lookup). No DNS name ends in an all-numeric label, so nothing real is refused.
func checkHostForm(host string) error {
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	last := strings.ToLower(labels[len(labels)-1])
	if last == "" || strings.Trim(last, "0123456789") == "" ||
		(strings.HasPrefix(last, "0x") && strings.Trim(last[2:], "0123456789abcdef") == "") {
		return fmt.Errorf("%w: host %s is a number that is not a dotted-decimal IP address",
			ErrNotAllowed, shortHost(host))
	}
	return nil
}

// resolve returns the host's addresses: the host itself when it is an IP literal, else what the policy's
// resolver answers.
func resolve(ctx context.Context, host string, o Policy) ([]netip.Addr, error) {
	if addr, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{addr}, nil
	}
	addrs, err := o.resolver().LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("looking up push endpoint host %s: %w", shortHost(host), err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("looking up push endpoint host %s: no addresses", shortHost(host))
	}
	return addrs, nil
}

func shortHost(host string) string {
	if len(host) > maxHostInError {
		return host[:maxHostInError] + "..."
	}
	return host
}
