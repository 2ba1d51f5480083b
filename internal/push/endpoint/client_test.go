package endpoint

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestDialControl(t *testing.T) {
	t.Parallel()

	cases := []struct {
		address  string
		loopback bool
		want     string // "" when the connection may go ahead
	}{
		{"93.184.215.14:443", false, ""},
		{"[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:443", false, ""},
		{"127.0.0.1:443", false, "a loopback address"},
		{"127.0.0.1:443", true, ""},
		{"[::1]:443", false, "a loopback address"},
		{"[::1]:443", true, ""},
		{"[::ffff:127.0.0.1]:443", false, "a loopback address"},
		{"10.1.2.3:443", true, "a private address"},
		{"[::ffff:192.168.0.1]:443", true, "a private address"},
		{"[fd00::1]:443", false, "a private address"},
		{"100.64.0.1:80", false, "CGNAT"},
		{"169.254.169.254:80", true, "a link-local address"},
		{"[fe80::1%eth0]:80", false, "a link-local address"},
		{"0.0.0.0:80", true, "an unspecified address"},
		{"239.1.1.1:80", false, "a multicast address"},
		{"not-an-address:80", true, "cannot tell the address"},
	}
	for _, tc := range cases {
		err := DialControl(Policy{AllowLoopbackHTTP: tc.loopback})("tcp", tc.address, nil)
		if tc.want == "" {
			if err != nil {
				t.Errorf("DialControl(loopback=%v)(%s) = %v, want nil", tc.loopback, tc.address, err)
			}
			continue
		}
		if !errors.Is(err, ErrNotAllowed) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("DialControl(loopback=%v)(%s) = %v, want ErrNotAllowed saying %q", tc.loopback, tc.address, err, tc.want)
		}
	}
}

// countingServer starts a plain HTTP server on 127.0.0.1 that counts the connections and requests it
// gets and answers with handler.
func countingServer(t *testing.T, handler http.HandlerFunc) (*httptest.Server, *atomic.Int32, *atomic.Int32) {
	t.Helper()
	var conns, requests atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		handler(w, r)
	}))
	srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns, &requests
}

func TestClient(t *testing.T) {
	t.Parallel()

	t.Run("RefusesARebindingAnswerAtConnectTime", func(t *testing.T) {
		t.Parallel()
		srv, conns, _ := countingServer(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusCreated) })
		port := srv.Listener.Addr().(*net.TCPAddr).Port
		dns := startDNS(t, map[string][]netip.Addr{"rebind.example.test": {netip.MustParseAddr("93.184.215.14")}})
		policy := Policy{Resolver: dns.resolver()}
		rawURL := "https://rebind.example.test:" + itoa(port) + "/up/" + secret

		if err := Check(context.Background(), rawURL, policy); err != nil {
			t.Fatalf("Check before the rebinding = %v, want nil (the host still resolves to a public address)", err)
		}
		dns.set("rebind.example.test", netip.MustParseAddr("127.0.0.1"))

		client := Client(policy, 5*time.Second)
		defer client.CloseIdleConnections()
		resp, err := client.Post(rawURL, "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
			t.Fatalf("POST after the host rebound to 127.0.0.1 = %s, want a refused connection", resp.Status)
		}
		if !errors.Is(err, ErrNotAllowed) {
			t.Fatalf("POST after the host rebound to 127.0.0.1: error %v, want ErrNotAllowed", err)
		}
		if n := conns.Load(); n != 0 {
			t.Fatalf("the server on 127.0.0.1 got %d connections, want 0", n)
		}

		// The same request reaches the server when the policy allows loopback: what refused it above was
		// the policy, not the test's setup.
		allowing := Client(Policy{AllowLoopbackHTTP: true, Resolver: dns.resolver()}, 5*time.Second)
		defer allowing.CloseIdleConnections()
		resp, err = allowing.Post("http://rebind.example.test:"+itoa(port)+"/up", "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatalf("POST with loopback allowed: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated || conns.Load() != 1 {
			t.Fatalf("POST with loopback allowed = %s after %d connections, want 201 Created after 1", resp.Status, conns.Load())
		}
	})

	t.Run("FollowsNoRedirect", func(t *testing.T) {
		t.Parallel()
		target, _, targetRequests := countingServer(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusCreated) })
		redirecting, _, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/elsewhere", http.StatusTemporaryRedirect)
		})

		client := Client(Policy{AllowLoopbackHTTP: true}, 5*time.Second)
		defer client.CloseIdleConnections()
		resp, err := client.Post(redirecting.URL+"/up", "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatalf("POST to a redirecting endpoint: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusTemporaryRedirect {
			t.Fatalf("POST to a redirecting endpoint = %s, want the 307 itself", resp.Status)
		}
		if n := targetRequests.Load(); n != 0 {
			t.Fatalf("the redirect's target got %d requests, want 0", n)
		}
	})

	t.Run("RefusesLoopbackByDefault", func(t *testing.T) {
		t.Parallel()
		srv, conns, _ := countingServer(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusCreated) })

		client := Client(Policy{}, 5*time.Second)
		defer client.CloseIdleConnections()
		resp, err := client.Get(srv.URL)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("GET %s with the default policy = %s, want a refused connection", srv.URL, resp.Status)
		}
		if !errors.Is(err, ErrNotAllowed) || conns.Load() != 0 {
			t.Fatalf("GET with the default policy: error %v after %d connections, want ErrNotAllowed after 0", err, conns.Load())
		}
	})
}

func itoa(n int) string { return strconv.Itoa(n) }
