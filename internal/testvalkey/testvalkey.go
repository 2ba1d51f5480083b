package testvalkey

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/valkey-io/valkey-go"
)

const (
	// envURL names the environment variable that points the tests at a server.
	envURL = "TEST_VALKEY_URL"
	// defaultURL is used when envURL is unset; it matches the development setup.
	defaultURL = "redis://127.0.0.1:6379"

	// opTimeout bounds connecting and cleaning up.
	opTimeout = 30 * time.Second
	// scanCount is the SCAN batch size hint used when cleaning up.
	scanCount = 500
)

// CallTimeout is the per-call deadline tests give their Valkey connections (valkeyconn.WithCallTimeout, or
// VALKEY_TIMEOUT for API instances): on a busy test machine a healthy Valkey can take longer than the
// production default to answer, and a test must not mistake that for an outage.
const CallTimeout = 5 * time.Second

// New returns the server's URL and a key prefix that belongs to this test alone, such as
// "test:3f9a0c1d2e4b5a69:". Every key starting with the prefix is deleted when the test and its subtests
// finish. New fails the test if the server cannot be reached, so a missing server shows up as one clear
// error rather than as confusing failures in the code under test.
func New(t testing.TB) (serverURL, prefix string) {
	t.Helper()

	serverURL = os.Getenv(envURL)
	if serverURL == "" {
		serverURL = defaultURL
	}
	client, err := newClient(serverURL)
	if err != nil {
		t.Fatalf("testvalkey: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := client.Do(ctx, client.B().Ping().Build()).Error(); err != nil {
		client.Close()
		t.Fatalf("testvalkey: error pinging %s (is it running? set %s to change): %v", redact(serverURL), envURL, err)
	}

	prefix = "test:" + randomHex(8) + ":"
	t.Cleanup(func() {
		defer client.Close()
		// t.Context() is already cancelled when cleanups run, hence a fresh context.
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		if err := deletePrefix(ctx, client, prefix); err != nil {
			t.Errorf("testvalkey: %v", err)
		}
	})
	return serverURL, prefix
}

// newClient connects to serverURL with client-side caching off: tests need to see every write immediately
// and must not depend on the server supporting client tracking.
func newClient(serverURL string) (valkey.Client, error) {
	opt, err := valkey.ParseURL(serverURL)
	if err != nil {
		return nil, fmt.Errorf("error parsing %s %q: %w", envURL, redact(serverURL), err)
	}
	opt.DisableCache = true
	client, err := valkey.NewClient(opt)
	if err != nil {
		return nil, fmt.Errorf("error connecting to %s (is it running? set %s to change): %w", redact(serverURL), envURL, err)
	}
	return client, nil
}

// deletePrefix deletes every key starting with prefix. SCAN rather than KEYS, so a large keyspace on a
// shared server is not blocked while it is searched.
func deletePrefix(ctx context.Context, client valkey.Client, prefix string) error {
	pattern := escapeGlob(prefix) + "*"
	var cursor uint64
	for {
		entry, err := client.Do(ctx, client.B().Scan().Cursor(cursor).Match(pattern).Count(scanCount).Build()).AsScanEntry()
		if err != nil {
			return fmt.Errorf("error scanning for keys under %q: %w", prefix, err)
		}
		if len(entry.Elements) > 0 {
			if err := client.Do(ctx, client.B().Del().Key(entry.Elements...).Build()).Error(); err != nil {
				return fmt.Errorf("error deleting keys under %q: %w", prefix, err)
			}
		}
		if entry.Cursor == 0 {
			return nil
		}
		cursor = entry.Cursor
	}
}

// escapeGlob escapes the characters SCAN MATCH treats specially, so the prefix matches only itself.
func escapeGlob(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '*', '?', '[', ']', '\\':
			out = append(out, '\\', c)
		default:
			out = append(out, c)
		}
	}
	return string(out)
}

// redact hides a password in a server URL so it can go into test output.
func redact(serverURL string) string {
	u, err := url.Parse(serverURL)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// randomHex returns n random bytes as hex, for prefixes that must not collide across parallel tests and
// processes.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	return hex.EncodeToString(b)
}
