package valkeyconn

import (
	"context"
	"errors"
	"fmt"

	"github.com/valkey-io/valkey-go"
)

// deletePrefixScanCount is the COUNT hint of each SCAN in DeletePrefix: large enough that a big keyspace
// takes few round trips, small enough that no single SCAN or UNLINK holds the server up noticeably.
const deletePrefixScanCount = 500

// ErrEmptyPrefix is returned by DeletePrefix for an empty prefix, which would match every key on the server,
// including other deployments' and whatever else shares it. Homekeep's own keys have no common prefix of
// their own (user:…, static_data, paywall, homekeep:…), so an installation without CACHE_KEY_PREFIX cannot
// clear its cache without touching keys it may not own.
var ErrEmptyPrefix = errors.New("refusing to delete keys under an empty prefix, which would match every key: " +
	"set CACHE_KEY_PREFIX to clear the cache safely")

// DeletePrefix removes every key that starts with prefix and returns how many it removed. Callers pass
// CACHE_KEY_PREFIX; an empty prefix is refused with ErrEmptyPrefix rather than treated as "everything",
// so clearing Homekeep's cache can never empty a server shared with others (it never sends FLUSHALL or
// FLUSHDB).
//
// The prefix matches literally: glob characters in it (such as the brackets of "staging[1]:") are escaped.
// Keys are found with SCAN, not KEYS, and removed page by page with UNLINK, which frees their memory in
// the background, so a large keyspace does not block the server while other clients use it. Each SCAN and
// each UNLINK is one call under the call timeout and counts as one round trip (pass a Background context
// for work off the request path). Keys written while the scan runs may survive it; SCAN only promises to
// visit keys that exist throughout. It works on a standalone Valkey or Redis 7+; on Valkey Cluster SCAN
// would visit only one node.
//
// On an error the count is of the keys removed before it; ErrUnavailable is returned (wrapped) while
// Valkey is not connected or cooling down.
func (c *Conn) DeletePrefix(ctx context.Context, prefix string) (int64, error) {
	if prefix == "" {
		return 0, ErrEmptyPrefix
	}
	pattern := escapeGlob(prefix) + "*"
	var (
		cursor  uint64
		removed int64
	)
	for {
		entry, err := c.Do(ctx, func(b valkey.Builder) valkey.Completed {
			return b.Scan().Cursor(cursor).Match(pattern).Count(deletePrefixScanCount).Build()
		}).AsScanEntry()
		if err != nil {
			return removed, fmt.Errorf("error scanning for keys under %q: %w", prefix, err)
		}
		if len(entry.Elements) > 0 {
			// UNLINK's reply counts only keys that still existed, so a key SCAN returned twice, or one that
			// expired or was deleted meanwhile, is not counted.
			n, err := c.Do(ctx, func(b valkey.Builder) valkey.Completed {
				return b.Unlink().Key(entry.Elements...).Build()
			}).AsInt64()
			if err != nil {
				return removed, fmt.Errorf("error unlinking keys under %q: %w", prefix, err)
			}
			removed += n
		}
		if entry.Cursor == 0 {
			return removed, nil
		}
		cursor = entry.Cursor
	}
}

// escapeGlob escapes the characters SCAN MATCH treats specially (*, ?, [, ] and \), so that a prefix
// matches only itself.
func escapeGlob(s string) string {
	out := make([]byte, 0, len(s))
	for i := range len(s) {
		switch ch := s[i]; ch {
		case '*', '?', '[', ']', '\\':
			out = append(out, '\\', ch)
		default:
			out = append(out, ch)
		}
	}
	return string(out)
}
