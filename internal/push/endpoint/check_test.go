package endpoint

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// secret stands for the part of an endpoint URL that is a credential of the device; no error may repeat it.
const secret = "s3cr3t-device-token"

func TestCheck(t *testing.T) {
	t.Parallel()

	dns := startDNS(t, map[string][]netip.Addr{
		"push.example.test":     {netip.MustParseAddr("93.184.215.14"), netip.MustParseAddr("2606:2800:21f:cb07:6820:80da:af6b:8b2c")},
		"private.example.test":  {netip.MustParseAddr("10.0.0.5")},
		"mixed.example.test":    {netip.MustParseAddr("93.184.215.14"), netip.MustParseAddr("192.168.1.1")},
		"cgnat.example.test":    {netip.MustParseAddr("100.64.1.1")},
		"metadata.example.test": {netip.MustParseAddr("169.254.169.254")},
		"mapped.example.test":   {netip.MustParseAddr("::ffff:169.254.169.254")},
		"ula.example.test":      {netip.MustParseAddr("fd00::1")},
		"loop.example.test":     {netip.MustParseAddr("127.0.0.1")},
		"loop6.example.test":    {netip.MustParseAddr("::1")},
		"loopmix.example.test":  {netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("93.184.215.14")},
	})
	resolver := dns.resolver()

	// want is "" for an allowed endpoint, "lookup" for a failed lookup (not a refusal), and otherwise a
	// piece of the refusal's message, which must wrap ErrNotAllowed.
	cases := []struct {
		name     string
		url      string
		loopback bool
		want     string
	}{
		{"PublicHost", "https://push.example.test/up/" + secret + "?v=1", false, ""},
		{"PublicHostWithPort", "https://push.example.test:8443/" + secret, false, ""},
		{"PublicIPv4Literal", "https://93.184.215.14/" + secret, false, ""},
		{"PublicIPv6Literal", "https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/" + secret, false, ""},
		{"JustOutsideCGNAT", "https://100.128.0.1/" + secret, false, ""},

		{"PlainHTTP", "http://push.example.test/" + secret, false, "scheme must be https"},
		{"PlainHTTPToPublicEvenWhenLoopbackAllowed", "http://push.example.test/" + secret, true, "plain http is allowed only to loopback"},
		{"PlainHTTPToHostWithALoopbackAndAPublicAddress", "http://loopmix.example.test/" + secret, true, "plain http is allowed only to loopback"},
		{"OtherScheme", "ftp://push.example.test/" + secret, false, "scheme must be https"},
		{"Relative", "/up/" + secret, false, "not an absolute URL"},
		{"NoHost", "https:///" + secret, false, "no host"},
		{"Opaque", "https:" + secret, false, "no host"},
		{"Userinfo", "https://user:" + secret + "@push.example.test/", false, "userinfo"},
		{"Fragment", "https://push.example.test/up#" + secret, false, "fragment"},
		{"EmptyFragment", "https://push.example.test/" + secret + "#", false, "fragment"},
		{"TooLong", "https://push.example.test/" + secret + strings.Repeat("a", MaxURLLength), false, "longer than 2048"},
		{"ControlCharacter", "https://push.example.test/" + secret + "\x7f", false, "not a valid URL"},

		{"PrivateIPv4", "https://10.0.0.1/" + secret, false, "10.0.0.1 is a private address"},
		{"Private192", "https://192.168.0.10/" + secret, false, "a private address"},
		{"Private172", "https://172.16.5.4/" + secret, false, "a private address"},
		{"LoopbackIPv4", "https://127.0.0.1/" + secret, false, "a loopback address"},
		{"LoopbackIPv4Other", "https://127.8.9.10/" + secret, false, "a loopback address"},
		{"LoopbackIPv6", "https://[::1]/" + secret, false, "a loopback address"},
		{"MappedLoopback", "https://[::ffff:127.0.0.1]/" + secret, false, "a loopback address"},
		{"MappedPrivate", "https://[::ffff:10.0.0.1]/" + secret, false, "a private address"},
		{"MappedHexPrivate", "https://[::ffff:a00:1]/" + secret, false, "a private address"},
		{"NAT64Private", "https://[64:ff9b::10.0.0.1]/" + secret, false, "a private address"},
		{"CompatibleLoopback", "https://[::127.0.0.1]/" + secret, false, "a loopback address"},
		{"UniqueLocalIPv6", "https://[fd12:3456::1]/" + secret, false, "a private address"},
		{"UnspecifiedIPv4", "https://0.0.0.0/" + secret, false, "an unspecified address"},
		{"UnspecifiedIPv6", "https://[::]/" + secret, false, "an unspecified address"},
		{"ThisNetwork", "https://0.1.2.3/" + secret, false, "this network"},
		{"LinkLocalMetadata", "https://169.254.169.254/" + secret, false, "a link-local address"},
		{"LinkLocalIPv6WithZone", "https://[fe80::1%25eth0]/" + secret, false, "a link-local address"},
		{"MulticastIPv4", "https://224.0.0.1/" + secret, false, "a multicast address"},
		{"MulticastIPv6", "https://[ff02::1]/" + secret, false, "a multicast address"},
		{"Broadcast", "https://255.255.255.255/" + secret, false, "the broadcast address"},
		{"CGNAT", "https://100.64.0.1/" + secret, false, "a shared (CGNAT) address"},
		{"MappedCGNAT", "https://[::ffff:100.64.0.1]/" + secret, false, "CGNAT"},
		{"CGNATTop", "https://100.127.255.255/" + secret, false, "CGNAT"},
		{"Documentation", "https://192.0.2.7/" + secret, false, "a documentation address"},
		{"DecimalIP", "https://2130706433/" + secret, false, "a number that is not a dotted-decimal IP address"},
		{"HexIP", "https://0x7f000001/" + secret, false, "not a dotted-decimal IP address"},
		{"OctalIP", "https://0177.0.0.1/" + secret, false, "not a dotted-decimal IP address"},
		{"ShortIP", "https://127.1/" + secret, false, "not a dotted-decimal IP address"},
		{"TrailingDotIP", "https://127.0.0.1./" + secret, false, "not a dotted-decimal IP address"},

		{"Localhost", "https://localhost/" + secret, false, "a loopback address"},
		{"NameResolvingToPrivate", "https://private.example.test/" + secret, false, "10.0.0.5 is a private address"},
		{"NameWithOnePrivateAddress", "https://mixed.example.test/" + secret, false, "192.168.1.1 is a private address"},
		{"NameResolvingToCGNAT", "https://cgnat.example.test/" + secret, false, "CGNAT"},
		{"NameResolvingToMetadata", "https://metadata.example.test/" + secret, false, "a link-local address"},
		{"NameResolvingToMappedMetadata", "https://mapped.example.test/" + secret, false, "a link-local address"},
		{"NameResolvingToUniqueLocal", "https://ula.example.test/" + secret, false, "a private address"},
		{"NameResolvingToLoopback", "https://loop.example.test/" + secret, false, "127.0.0.1 is a loopback address"},
		{"UnknownName", "https://nxdomain.example.test/" + secret, false, "lookup"},

		{"LoopbackAllowed", "https://loop.example.test/" + secret, true, ""},
		{"LoopbackHTTPAllowed", "http://127.0.0.1:8080/" + secret, true, ""},
		{"LoopbackIPv6HTTPAllowed", "http://[::1]:8080/" + secret, true, ""},
		{"LoopbackNameHTTPAllowed", "http://loop6.example.test/" + secret, true, ""},
		{"LocalhostHTTPAllowed", "http://localhost:8080/" + secret, true, ""},
		{"PrivateStillRefusedWhenLoopbackAllowed", "https://10.0.0.1/" + secret, true, "a private address"},
		{"PrivateHTTPStillRefusedWhenLoopbackAllowed", "http://private.example.test/" + secret, true, "a private address"},
		{"LinkLocalStillRefusedWhenLoopbackAllowed", "http://169.254.169.254/" + secret, true, "a link-local address"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := Check(context.Background(), tc.url, Policy{AllowLoopbackHTTP: tc.loopback, Resolver: resolver})
			switch tc.want {
			case "":
				if err != nil {
					t.Fatalf("Check(%.80q, loopback=%v) = %v, want nil", tc.url, tc.loopback, err)
				}
				return
			case "lookup":
				if err == nil || errors.Is(err, ErrNotAllowed) {
					t.Fatalf("Check(%.80q) = %v, want a lookup error that is not ErrNotAllowed", tc.url, err)
				}
			default:
				if !errors.Is(err, ErrNotAllowed) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("Check(%.80q, loopback=%v) = %v, want ErrNotAllowed saying %q", tc.url, tc.loopback, err, tc.want)
				}
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("Check(%.80q) = %q, which repeats the URL's secret path", tc.url, err)
			}
		})
	}
}
