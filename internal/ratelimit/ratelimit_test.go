package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/valkey-io/valkey-go"

	"github.com/homekeep/homekeep/internal/testvalkey"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

// mode builds a Limiter that counts in Valkey or in process; the behaviour tests run in both.
type mode struct {
	name    string
	limiter func(t *testing.T) *Limiter
}

var modes = []mode{
	{"Valkey", func(t *testing.T) *Limiter {
		url, prefix := testvalkey.New(t)
		return New(connect(t, url), prefix)
	}},
	{"InProcess", func(*testing.T) *Limiter { return New(nil, "") }},
}

// connect opens a valkeyconn connection of its own (as a separate server process would have) and closes it
// when the test ends.
func connect(t *testing.T, url string) *valkeyconn.Conn {
	t.Helper()
	conn, err := valkeyconn.Connect(context.Background(), url, slog.New(slog.DiscardHandler), valkeyconn.WithCallTimeout(testvalkey.CallTimeout))
	require.NoError(t, err, "connecting to valkey")
	t.Cleanup(conn.Close)
	_, ok := conn.Client()
	require.True(t, ok, "valkey should be connected at once")
	return conn
}

// pinClock stops l's clock in the middle of the current window, so a test's attempts cannot straddle a window
// boundary and see a fresh count. Valkey's key expiry still runs on real time.
func pinClock(l *Limiter, size time.Duration) time.Time {
	at := windowAt(time.Now(), size).end.Add(-size / 2)
	l.now = func() time.Time { return at }
	return at
}

func allow(t *testing.T, l *Limiter, rule Rule, keys ...string) Decision {
	t.Helper()
	d, err := l.Allow(t.Context(), rule, keys...)
	require.NoError(t, err, "Allow(%q, %q)", rule.Name, keys)
	return d
}

// requireRefused checks a refusal and that RetryAfter could go in a Retry-After header.
func requireRefused(t *testing.T, d Decision, rule Rule, msg string) {
	t.Helper()
	require.False(t, d.Allowed, "%s: should be refused", msg)
	require.Zero(t, d.Remaining, "%s: nothing remains when refused", msg)
	require.Greater(t, d.RetryAfter, time.Duration(0), "%s: RetryAfter must be positive", msg)
	require.LessOrEqual(t, d.RetryAfter, max(rule.Window, time.Second), "%s: RetryAfter is at most the window", msg)
	require.Zero(t, d.RetryAfter%time.Second, "%s: RetryAfter %s must be whole seconds", msg, d.RetryAfter)
}

func TestAllow(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()

			t.Run("AllowsLimitAttemptsThenRefusesUntilWindowEnds", func(t *testing.T) {
				t.Parallel()
				l := m.limiter(t)
				rule := Rule{Name: "login", Limit: 3, Window: time.Hour}
				pinClock(l, rule.Window)
				for want := rule.Limit - 1; want >= 0; want-- {
					d := allow(t, l, rule, "ip:203.0.113.9")
					require.True(t, d.Allowed, "attempt %d of %d should be allowed", rule.Limit-want, rule.Limit)
					require.Equal(t, want, d.Remaining, "Remaining counts down")
					require.Zero(t, d.RetryAfter, "no RetryAfter when allowed")
				}
				d := allow(t, l, rule, "ip:203.0.113.9")
				requireRefused(t, d, rule, "attempt over the limit")
				require.Equal(t, 30*time.Minute, d.RetryAfter, "the pinned clock is half way through the window")
				requireRefused(t, allow(t, l, rule, "ip:203.0.113.9"), rule, "later attempt in the same window")
			})

			t.Run("RoundsRetryAfterUpToWholeSeconds", func(t *testing.T) {
				t.Parallel()
				l := m.limiter(t)
				rule := Rule{Name: "verify-reset-code", Limit: 1, Window: time.Minute}
				at := windowAt(time.Now(), rule.Window).end.Add(-1500 * time.Millisecond)
				l.now = func() time.Time { return at }
				allow(t, l, rule, "email:a@b.c")
				d := allow(t, l, rule, "email:a@b.c")
				requireRefused(t, d, rule, "second attempt")
				require.Equal(t, 2*time.Second, d.RetryAfter, "1.5 s to the window's end rounds up to 2 s")
			})

			t.Run("RefusesWhenAnyKeyIsOverLimit", func(t *testing.T) {
				t.Parallel()
				l := m.limiter(t)
				rule := Rule{Name: "forgot-password", Limit: 3, Window: time.Hour}
				pinClock(l, rule.Window)
				for i := range rule.Limit {
					d := allow(t, l, rule, "ip:198.51.100."+strconv.Itoa(i), "email:victim@example.com")
					require.True(t, d.Allowed, "attempt %d from a new IP should be allowed", i+1)
				}
				d := allow(t, l, rule, "ip:198.51.100.99", "email:victim@example.com")
				requireRefused(t, d, rule, "same email from a fresh IP")

				d = allow(t, l, rule, "ip:198.51.100.100", "email:other@example.com")
				require.True(t, d.Allowed, "another email is not limited by the first one's attempts")
				require.Equal(t, rule.Limit-1, d.Remaining, "another email starts its own count")

				for i := range rule.Limit {
					d := allow(t, l, rule, "ip:192.0.2.1", "email:user"+strconv.Itoa(i)+"@example.com")
					require.True(t, d.Allowed, "attempt %d from one IP should be allowed", i+1)
				}
				d = allow(t, l, rule, "ip:192.0.2.1", "email:fresh@example.com")
				require.False(t, d.Allowed, "one IP trying many emails is refused on the IP key")
			})

			t.Run("DoesNotCountEmptyOrRepeatedKeys", func(t *testing.T) {
				t.Parallel()
				l := m.limiter(t)
				rule := Rule{Name: "verify-email", Limit: 2, Window: time.Hour}
				pinClock(l, rule.Window)
				for range 5 {
					d := allow(t, l, rule, "")
					require.True(t, d.Allowed, "an attempt with only an unknown IP is not limited")
					require.Equal(t, rule.Limit, d.Remaining, "and not counted")
				}
				d := allow(t, l, rule, "", "email:a@b.c", "email:a@b.c")
				require.True(t, d.Allowed, "first attempt should be allowed")
				require.Equal(t, 1, d.Remaining, "a key given twice counts once and the empty key not at all")
			})

			t.Run("OddCharacterKeysWorkAndDoNotCollide", func(t *testing.T) {
				t.Parallel()
				l := m.limiter(t)
				rule := Rule{Name: "join-residence", Limit: 1, Window: time.Hour}
				pinClock(l, rule.Window)
				odd := "email:a:b*c?[d] e\\f@ex ample.com"
				d := allow(t, l, rule, odd)
				require.True(t, d.Allowed, "a key with odd characters should be allowed once")
				requireRefused(t, allow(t, l, rule, odd), rule, "the same odd key again")
				for _, k := range []string{
					"email:a", "email:a:b", "email:a:b*", "email:a:b*c?[d] e\\f@ex", "email:*", "*",
					"email:a:b*c?[d] e\\f@ex ample.com ", "email:ünïcødé@例え.jp", "email:a\x00b", "ratelimit:join-residence",
				} {
					require.True(t, allow(t, l, rule, k).Allowed, "key %q must not share a count with %q", k, odd)
					requireRefused(t, allow(t, l, rule, k), rule, fmt.Sprintf("key %q is counted on its own", k))
				}
			})

			t.Run("AllowsAgainAfterTheWindowRollsOver", func(t *testing.T) {
				t.Parallel()
				l := m.limiter(t)
				rule := Rule{Name: "login", Limit: 2, Window: time.Second}
				at := pinClock(l, rule.Window)
				allow(t, l, rule, "ip:203.0.113.7")
				allow(t, l, rule, "ip:203.0.113.7")
				d := allow(t, l, rule, "ip:203.0.113.7")
				requireRefused(t, d, rule, "third attempt in a 1 s window")
				require.Equal(t, time.Second, d.RetryAfter, "less than a second to go rounds up to 1 s")

				// The next window: its index is part of the counter's key, so moving the clock is all it takes.
				l.now = func() time.Time { return at.Add(rule.Window) }
				d = allow(t, l, rule, "ip:203.0.113.7")
				require.True(t, d.Allowed, "the next window should allow again")
				require.Equal(t, rule.Limit-1, d.Remaining, "the next window counts from zero")
			})

			t.Run("ConcurrentAttemptsNeverExceedLimit", func(t *testing.T) {
				t.Parallel()
				l := m.limiter(t)
				rule := Rule{Name: "login", Limit: 10, Window: time.Hour}
				pinClock(l, rule.Window)
				var allowed atomic.Int64
				errs := make(chan error, 50)
				var wg sync.WaitGroup
				for range 50 {
					wg.Go(func() {
						d, err := l.Allow(context.Background(), rule, "ip:203.0.113.50", "email:a@b.c")
						if err != nil {
							errs <- err
							return
						}
						if d.Allowed {
							allowed.Add(1)
						}
					})
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					require.NoError(t, err, "concurrent Allow")
				}
				require.LessOrEqual(t, allowed.Load(), int64(rule.Limit), "never more than Limit of 50 concurrent attempts")
				if m.name == "InProcess" {
					require.EqualValues(t, rule.Limit, allowed.Load(), "in process, an attempt's keys count together")
				} else {
					// Valkey counts each key atomically but not the pair, so attempts racing at the edge may
					// both be refused: never more than Limit, occasionally fewer.
					require.Greater(t, allowed.Load(), int64(rule.Limit/2))
				}
			})
		})
	}
}

func TestAllowRejectsProgrammingMistakes(t *testing.T) {
	t.Parallel()
	l := New(nil, "")
	valid := Rule{Name: "login", Limit: 1, Window: time.Minute}
	for _, tc := range []struct {
		name string
		rule Rule
		keys []string
	}{
		{"NoKeys", valid, nil},
		{"ZeroLimit", Rule{Name: "login", Limit: 0, Window: time.Minute}, []string{"ip:1"}},
		{"NegativeLimit", Rule{Name: "login", Limit: -1, Window: time.Minute}, []string{"ip:1"}},
		{"ZeroWindow", Rule{Name: "login", Limit: 1}, []string{"ip:1"}},
		{"WindowOverMax", Rule{Name: "login", Limit: 1, Window: MaxWindow + time.Second}, []string{"ip:1"}},
		{"EmptyName", Rule{Limit: 1, Window: time.Minute}, []string{"ip:1"}},
		{"NameWithColon", Rule{Name: "log:in", Limit: 1, Window: time.Minute}, []string{"ip:1"}},
		{"NameWithSpace", Rule{Name: "log in", Limit: 1, Window: time.Minute}, []string{"ip:1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := l.Allow(t.Context(), tc.rule, tc.keys...)
			require.Error(t, err, "Allow(%+v, %q) should fail", tc.rule, tc.keys)
			require.ErrorContains(t, err, "error checking rate limit", "error says what failed")
		})
	}
}

// countingClient passes every call to a real client and counts the ones that make a round trip.
type countingClient struct {
	valkey.Client
	calls atomic.Int64
}

func (c *countingClient) Do(ctx context.Context, cmd valkey.Completed) valkey.ValkeyResult {
	c.calls.Add(1)
	return c.Client.Do(ctx, cmd)
}

func (c *countingClient) DoMulti(ctx context.Context, cmds ...valkey.Completed) []valkey.ValkeyResult {
	c.calls.Add(1)
	return c.Client.DoMulti(ctx, cmds...)
}

func (c *countingClient) DoCache(ctx context.Context, cmd valkey.Cacheable, ttl time.Duration) valkey.ValkeyResult {
	c.calls.Add(1)
	return c.Client.DoCache(ctx, cmd, ttl)
}

func (c *countingClient) DoMultiCache(ctx context.Context, cmds ...valkey.CacheableTTL) []valkey.ValkeyResult {
	c.calls.Add(1)
	return c.Client.DoMultiCache(ctx, cmds...)
}

// storedCounts returns every counter under prefix with its value and remaining time to live.
func storedCounts(t *testing.T, cl valkey.Client, prefix string) map[string][2]int64 {
	t.Helper()
	var keys []string
	for cursor := uint64(0); ; {
		e, err := cl.Do(t.Context(), cl.B().Scan().Cursor(cursor).Match(prefix+"*").Count(500).Build()).AsScanEntry()
		require.NoError(t, err, "listing keys under the test prefix")
		keys = append(keys, e.Elements...)
		if cursor = e.Cursor; cursor == 0 {
			break
		}
	}
	out := make(map[string][2]int64, len(keys))
	for _, k := range keys {
		n, err := cl.Do(t.Context(), cl.B().Get().Key(k).Build()).AsInt64()
		require.NoError(t, err, "reading counter %q", k)
		ttl, err := cl.Do(t.Context(), cl.B().Pttl().Key(k).Build()).AsInt64()
		require.NoError(t, err, "reading TTL of %q", k)
		out[k] = [2]int64{n, ttl}
	}
	return out
}

func TestAllowWithValkey(t *testing.T) {
	t.Parallel()

	t.Run("LimitersOnOneValkeyShareTheCount", func(t *testing.T) {
		t.Parallel()
		url, prefix := testvalkey.New(t)
		rule := Rule{Name: "login", Limit: 4, Window: time.Hour}
		a, b := New(connect(t, url), prefix), New(connect(t, url), prefix)
		pinClock(a, rule.Window)
		pinClock(b, rule.Window)
		for i := range rule.Limit {
			l := []*Limiter{a, b}[i%2]
			d := allow(t, l, rule, "email:a@b.c")
			require.True(t, d.Allowed, "attempt %d should be allowed", i+1)
			require.Equal(t, rule.Limit-1-i, d.Remaining, "both processes count down one shared counter")
		}
		requireRefused(t, allow(t, a, rule, "email:a@b.c"), rule, "process A after the shared limit")
		requireRefused(t, allow(t, b, rule, "email:a@b.c"), rule, "process B after the shared limit")
	})

	t.Run("StoresHashedKeysThatExpireOnTheirOwn", func(t *testing.T) {
		t.Parallel()
		url, prefix := testvalkey.New(t)
		conn := connect(t, url)
		rule := Rule{Name: "verify-email", Limit: 5, Window: time.Minute}
		l := New(conn, prefix)
		at := pinClock(l, rule.Window)
		allow(t, l, rule, "ip:203.0.113.9", "email:Some One <a@b.c>")
		allow(t, l, rule, "ip:203.0.113.9")

		cl, _ := conn.Client()
		stored := storedCounts(t, cl, prefix)
		require.Len(t, stored, 2, "one counter per key")
		format := regexp.MustCompile(`^` + regexp.QuoteMeta(prefix) + `ratelimit:verify-email:` +
			strconv.FormatInt(at.UnixNano()/int64(rule.Window), 10) + `:[A-Za-z0-9_-]{22}$`)
		var counts []int64
		for k, v := range stored {
			require.Regexp(t, format, k, "key is <prefix>ratelimit:<rule>:<window index>:<hash>")
			require.Greater(t, v[1], int64(0), "counter %q must expire on its own", k)
			require.LessOrEqual(t, v[1], (rule.Window + sharedTTLSlack).Milliseconds(), "TTL is the window plus slack")
			counts = append(counts, v[0])
		}
		require.ElementsMatch(t, []int64{2, 1}, counts, "the IP was counted twice and the email once")
	})

	t.Run("CountsAllKeysInOneRoundTrip", func(t *testing.T) {
		t.Parallel()
		url, prefix := testvalkey.New(t)
		conn := connect(t, url)
		cl, _ := conn.Client()
		cc := &countingClient{Client: cl}
		l := newLimiter(func() (valkey.Client, bool) { return cc, true }, prefix)
		rule := Rule{Name: "login", Limit: 10, Window: time.Hour}
		pinClock(l, rule.Window)
		keys := []string{"ip:203.0.113.9", "email:a@b.c", "device:x", "residence:42", "account:7"}
		for i := range 3 {
			d := allow(t, l, rule, keys...)
			require.True(t, d.Allowed, "attempt %d should be allowed", i+1)
			require.EqualValues(t, i+1, cc.calls.Load(), "each Allow makes exactly one round trip for %d keys", len(keys))
		}
		stored := storedCounts(t, cl, prefix)
		require.Len(t, stored, len(keys), "every key was counted in Valkey, not in process")
		for k, v := range stored {
			require.EqualValues(t, 3, v[0], "counter %q counted all three attempts", k)
		}
	})

	t.Run("FallsBackToInProcessWhenValkeyIsUnreachable", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err, "reserving a port")
		port := ln.Addr().(*net.TCPAddr).Port
		require.NoError(t, ln.Close(), "closing the port so nothing listens on it")
		conn, err := valkeyconn.Connect(context.Background(), "redis://127.0.0.1:"+strconv.Itoa(port), slog.New(slog.DiscardHandler))
		require.NoError(t, err, "an unreachable Valkey is not an error")
		t.Cleanup(conn.Close)
		_, ok := conn.Client()
		require.False(t, ok, "the connection should not be established")

		l := New(conn, "")
		rule := Rule{Name: "login", Limit: 2, Window: time.Hour}
		pinClock(l, rule.Window)
		require.True(t, allow(t, l, rule, "ip:203.0.113.9").Allowed, "first attempt")
		require.True(t, allow(t, l, rule, "ip:203.0.113.9").Allowed, "second attempt")
		requireRefused(t, allow(t, l, rule, "ip:203.0.113.9"), rule, "third attempt is refused by the in-process count")
	})

	t.Run("FallsBackToInProcessWhenValkeyCommandsFail", func(t *testing.T) {
		t.Parallel()
		url, prefix := testvalkey.New(t)
		opt, err := valkey.ParseURL(url)
		require.NoError(t, err, "parsing the test URL")
		cl, err := valkey.NewClient(opt)
		require.NoError(t, err, "connecting")
		cl.Close() // every command now fails with valkey.ErrClosing
		l := newLimiter(func() (valkey.Client, bool) { return cl, true }, prefix)
		rule := Rule{Name: "login", Limit: 1, Window: time.Hour}
		pinClock(l, rule.Window)
		require.True(t, allow(t, l, rule, "ip:203.0.113.9").Allowed, "first attempt")
		requireRefused(t, allow(t, l, rule, "ip:203.0.113.9"), rule, "second attempt is refused by the in-process count")
	})
}

func TestLocalCounterStaysBoundedUnderAFloodOfUniqueKeys(t *testing.T) {
	t.Parallel()
	c := newLocalCounter(1000)
	for i := range 50_000 {
		c.incr([]string{"email:" + strconv.Itoa(i) + "@flood.example"}, time.Hour)
	}
	c.cache.CleanUp()
	require.LessOrEqual(t, c.cache.EstimatedSize(), 1000, "the cache must evict down to its maximum size")
}
