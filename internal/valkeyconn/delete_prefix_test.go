package valkeyconn

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/valkey-io/valkey-go"

	"github.com/homekeep/homekeep/internal/testvalkey"
)

func TestConn_DeletePrefix(t *testing.T) {
	t.Parallel()

	type testBundle struct {
		conn *Conn
		// ns is the test's own key prefix from testvalkey; every key a subtest writes starts with it.
		ns string
	}

	setup := func(t *testing.T) *testBundle {
		t.Helper()
		url, ns := testvalkey.New(t)
		c, err := Connect(context.Background(), url, slog.New(slog.DiscardHandler), WithCallTimeout(testvalkey.CallTimeout))
		require.NoError(t, err, "connecting to %s", url)
		t.Cleanup(c.Close)
		return &testBundle{conn: c, ns: ns}
	}

	// set writes keys in one pipeline.
	set := func(t *testing.T, c *Conn, keys ...string) {
		t.Helper()
		_, err := c.DoMulti(context.Background(), func(b valkey.Builder) []valkey.Completed {
			cmds := make([]valkey.Completed, len(keys))
			for i, k := range keys {
				cmds[i] = b.Set().Key(k).Value("v").Build()
			}
			return cmds
		})
		require.NoError(t, err, "writing %d keys", len(keys))
	}

	// exists counts how many of keys exist.
	exists := func(t *testing.T, c *Conn, keys ...string) int64 {
		t.Helper()
		n, err := c.Do(context.Background(), func(b valkey.Builder) valkey.Completed {
			return b.Exists().Key(keys...).Build()
		}).AsInt64()
		require.NoError(t, err, "EXISTS %v", keys)
		return n
	}

	t.Run("DeletesKeysUnderThePrefixOnly", func(t *testing.T) {
		t.Parallel()

		// Each case writes keys under prefix and keys that must survive; the prefix and every key are put after
		// the test's own namespace.
		tests := []struct {
			name    string
			prefix  string
			inside  []string
			outside []string
		}{
			{
				name:    "PlainPrefix",
				prefix:  "t1:",
				inside:  []string{"t1:a", "t1:b:c", "t1:"},
				outside: []string{"t10:x", "t1", "t2:a", "xt1:a"},
			},
			{
				name:   "BracketsMatchLiterally",
				prefix: "staging[1]:",
				inside: []string{"staging[1]:user:1", "staging[1]:paywall"},
				// "staging[1]:*" unescaped is a character class and would match "staging1:".
				outside: []string{"staging1:user:1", "staging[2]:user:1", "staging[12]:x"},
			},
			{
				name:    "StarMatchesLiterally",
				prefix:  "a*:",
				inside:  []string{"a*:k"},
				outside: []string{"ab:k", "a:k", "abc:k"},
			},
			{
				name:    "QuestionMarkMatchesLiterally",
				prefix:  "a?:",
				inside:  []string{"a?:k"},
				outside: []string{"ab:k", "a:k"},
			},
			{
				name:    "BackslashMatchesLiterally",
				prefix:  `a\b:`,
				inside:  []string{`a\b:k`},
				outside: []string{"ab:k", `a\\b:k`},
			},
			{
				name:    "ClosingBracketAlone",
				prefix:  "a]:",
				inside:  []string{"a]:k"},
				outside: []string{"a:k", `a\]:k`},
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				bundle := setup(t)
				inside := make([]string, len(tt.inside))
				for i, k := range tt.inside {
					inside[i] = bundle.ns + k
				}
				outside := make([]string, len(tt.outside))
				for i, k := range tt.outside {
					outside[i] = bundle.ns + k
				}
				set(t, bundle.conn, append(append([]string{}, inside...), outside...)...)

				n, err := bundle.conn.DeletePrefix(context.Background(), bundle.ns+tt.prefix)
				require.NoError(t, err, "DeletePrefix(%q)", tt.prefix)
				require.Equal(t, int64(len(inside)), n, "DeletePrefix(%q) count", tt.prefix)
				require.Equal(t, int64(0), exists(t, bundle.conn, inside...), "keys under %q left", tt.prefix)
				for _, k := range outside {
					require.Equal(t, int64(1), exists(t, bundle.conn, k), "key %q outside %q was deleted", k, tt.prefix)
				}
			})
		}
	})

	t.Run("FollowsTheCursorAcrossPages", func(t *testing.T) {
		t.Parallel()
		bundle := setup(t)
		// More keys than several SCAN pages hold, so the cursor must be followed to the end.
		const total = 1200
		keys := make([]string, total)
		for i := range keys {
			keys[i] = bundle.ns + "many:" + strconv.Itoa(i)
		}
		set(t, bundle.conn, keys...)
		outside := bundle.ns + "many"
		set(t, bundle.conn, outside)

		before := bundle.conn.RoundTrips()
		n, err := bundle.conn.DeletePrefix(context.Background(), bundle.ns+"many:")
		require.NoError(t, err)
		// At least three SCANs (COUNT 500 over 1,201 keys or more) and one UNLINK.
		require.GreaterOrEqual(t, bundle.conn.RoundTrips()-before, int64(4), "round trips: one SCAN per page, one UNLINK per page with keys")
		require.Equal(t, int64(total), n, "count of deleted keys")
		require.Equal(t, int64(0), exists(t, bundle.conn, keys...), "keys left under the prefix")
		require.Equal(t, int64(1), exists(t, bundle.conn, outside), "key outside the prefix")
	})

	t.Run("NothingToDeleteCountsZero", func(t *testing.T) {
		t.Parallel()
		bundle := setup(t)
		n, err := bundle.conn.DeletePrefix(context.Background(), bundle.ns+"empty:")
		require.NoError(t, err)
		require.Equal(t, int64(0), n)
	})

	t.Run("RefusesTheEmptyPrefix", func(t *testing.T) {
		t.Parallel()
		bundle := setup(t)
		key := bundle.ns + "survivor"
		set(t, bundle.conn, key)
		rt := bundle.conn.RoundTrips()

		n, err := bundle.conn.DeletePrefix(context.Background(), "")
		require.ErrorIs(t, err, ErrEmptyPrefix)
		require.ErrorContains(t, err, "CACHE_KEY_PREFIX", "the error tells the operator what to set")
		require.Equal(t, int64(0), n)
		require.Equal(t, rt, bundle.conn.RoundTrips(), "no command is sent for an empty prefix")
		require.Equal(t, int64(1), exists(t, bundle.conn, key), "key %q after the refusal", key)
	})

	t.Run("NotConnectedIsUnavailable", func(t *testing.T) {
		t.Parallel()
		c, err := Connect(context.Background(), fmt.Sprintf("redis://127.0.0.1:%d", freePort(t)), slog.New(slog.DiscardHandler))
		require.NoError(t, err)
		defer c.Close()
		_, err = c.DeletePrefix(context.Background(), "staging:")
		require.ErrorIs(t, err, ErrUnavailable, "callers can answer 503")
	})
}

func TestEscapeGlob(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name, in, want string
	}{
		{name: "PlainTextIsUnchanged", in: "staging:", want: "staging:"},
		{name: "WildcardsAreEscaped", in: "a*b?c", want: `a\*b\?c`},
		{name: "CharacterClassesAreEscaped", in: "staging[1]:", want: `staging\[1\]:`},
		{name: "BackslashesAreEscaped", in: `a\b`, want: `a\\b`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, escapeGlob(tt.in), "escapeGlob(%q)", tt.in)
		})
	}
}
