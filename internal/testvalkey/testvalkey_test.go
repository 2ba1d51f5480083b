package testvalkey

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/valkey-io/valkey-go"
)

// client opens a client on serverURL that is closed when the test ends.
func client(t *testing.T, serverURL string) valkey.Client {
	t.Helper()
	c, err := newClient(serverURL)
	require.NoError(t, err, "connecting to %s", serverURL)
	t.Cleanup(c.Close)
	return c
}

// exists counts how many of keys exist.
func exists(t *testing.T, c valkey.Client, keys ...string) int64 {
	t.Helper()
	n, err := c.Do(context.Background(), c.B().Exists().Key(keys...).Build()).AsInt64()
	require.NoError(t, err, "EXISTS %v", keys)
	return n
}

func TestNewGivesEveryParallelTestItsOwnPrefix(t *testing.T) {
	t.Parallel()

	var prefixes sync.Map
	for i := range 6 {
		t.Run(fmt.Sprintf("test%d", i), func(t *testing.T) {
			t.Parallel()
			serverURL, prefix := New(t)
			require.Regexp(t, regexp.MustCompile(`^test:[0-9a-f]{16}:$`), prefix, "prefix")
			_, dup := prefixes.LoadOrStore(prefix, i)
			require.False(t, dup, "prefix %q was handed to more than one test", prefix)

			c := client(t, serverURL)
			// SET NX fails if the key exists, which it would if another test had the same prefix.
			err := c.Do(t.Context(), c.B().Set().Key(prefix+"owner").Value(fmt.Sprint(i)).Nx().Build()).Error()
			require.NoError(t, err, "SET NX %sowner", prefix)
		})
	}
}

func TestNewDeletesThePrefixedKeysWhenTheTestEnds(t *testing.T) {
	t.Parallel()

	var (
		serverURL, prefix string
		c                 valkey.Client
		keys              []string
		// A key just outside the prefix (the prefix without its trailing colon), which must survive.
		outside string
	)
	// Registered before New, so it runs after New's cleanup has deleted the keys.
	t.Cleanup(func() {
		require.NotNil(t, c, "the test never got as far as writing keys")
		defer c.Close()
		require.Equal(t, int64(0), exists(t, c, keys...), "keys under %q left after the test ended", prefix)
		require.Equal(t, int64(1), exists(t, c, outside), "key %q outside the prefix after the test ended", outside)
		require.NoError(t, c.Do(context.Background(), c.B().Del().Key(outside).Build()).Error(), "deleting %q", outside)
	})

	serverURL, prefix = New(t)
	var err error
	c, err = newClient(serverURL)
	require.NoError(t, err, "connecting to %s", serverURL)

	// More keys than one SCAN batch, so cleanup must follow the cursor.
	for i := range scanCount*2 + 7 {
		keys = append(keys, fmt.Sprintf("%skey:%d", prefix, i))
	}
	outside = prefix[:len(prefix)-1]
	cmds := make(valkey.Commands, 0, len(keys)+1)
	for _, k := range append(keys, outside) {
		cmds = append(cmds, c.B().Set().Key(k).Value("v").Build())
	}
	for _, res := range c.DoMulti(t.Context(), cmds...) {
		require.NoError(t, res.Error(), "writing the test's keys")
	}
	require.Equal(t, int64(len(keys)), exists(t, c, keys...), "keys under %q before the test ended", prefix)
}

func TestEscapeGlob(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name, in, want string
	}{
		{name: "plain text is unchanged", in: "test:0a1b:", want: "test:0a1b:"},
		{name: "wildcards are escaped", in: "a*b?c", want: `a\*b\?c`},
		{name: "character classes are escaped", in: "[ab]", want: `\[ab\]`},
		{name: "backslashes are escaped", in: `a\b`, want: `a\\b`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, escapeGlob(tt.in), "escapeGlob(%q)", tt.in)
		})
	}
}

func TestNewClientRejectsABadURL(t *testing.T) {
	t.Parallel()

	_, err := newClient("http://127.0.0.1:6379")
	require.ErrorContains(t, err, envURL, "error for a URL with the wrong scheme")
}
