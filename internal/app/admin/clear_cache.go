package admin

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/valkey-io/valkey-go"

	"github.com/homekeep/homekeep/internal/gen/adminoas"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

// clearMode says what clear-cache does with a family of keys.
type clearMode int

const (
	// clearDelete deletes every key of the family: cached values, which the next miss reads again from
	// PostgreSQL (or, for board versions, fills with a fresh random version, which no old ETag matches).
	clearDelete clearMode = iota
	// clearValues deletes the cached values of a Tombstone tier and keeps its tombstones (see authTokenFamily).
	clearValues
	// clearKeep keeps the family: its keys are guards or state, not cached copies of PostgreSQL.
	clearKeep
)

// cacheFamily is one kind of key Homekeep writes to Valkey, named by what follows CACHE_KEY_PREFIX: a prefix
// of many keys ("user:" of user:<id>) or, when exact, one key ("paywall").
type cacheFamily struct {
	name  string
	exact bool
	mode  clearMode
}

// cacheFamilies is every key family Homekeep writes to Valkey, in one place (TestCacheFamiliesCoverEveryKey
// fails when a workload writes a key none of them matches), and what clear-cache does with each.
//
// Why some families stay:
//
//   - Generation counters (user_gen:, residence_ids_gen:, static_data_gen, paywall_gen) guard fills: a fill
//     that read PostgreSQL stores only while the counter is the one it saw before reading. Deleting a counter
//     resets it to 0, so a fill that saw 0 before an invalidation bumped it to 1 would be stored after all:
//     stale data. Kept, they make every fill in flight during the clear exactly as safe as without it (the
//     values they guard are deleted, and nothing in PostgreSQL changed). They hold no data and expire alone.
//   - Residence timezones (residence_timezone:) are written unconditionally by every timezone change, and a
//     board's fill of one is SET NX so that the change wins; deleted, a fill that read the old timezone just
//     before a change could land after the clear. A timezone present in Valkey is therefore always current.
//   - Rate-limit counters (ratelimit:) are not a cache: clearing them would lift the sign-in limits.
//   - Token tombstones stay too; see authTokenFamily.
var cacheFamilies = []cacheFamily{
	{name: authTokenFamily, mode: clearValues},
	{name: "board_version:", mode: clearDelete},
	{name: "paywall", exact: true, mode: clearDelete},
	{name: "paywall_gen", exact: true, mode: clearKeep},
	{name: "ratelimit:", mode: clearKeep},
	{name: "residence_ids_gen:", mode: clearKeep},
	{name: "residence_ids_user:", mode: clearDelete},
	{name: "residence_timezone:", mode: clearKeep},
	{name: "static_data", exact: true, mode: clearDelete},
	{name: "static_data_gen", exact: true, mode: clearKeep},
	{name: "user:", mode: clearDelete},
	{name: "user_gen:", mode: clearKeep},
}

// authTokenFamily holds token hash → user id (authcache), a Tombstone tier: a revocation overwrites the key
// with a tombstone, and a fill is SET NX, so a request that read the token from PostgreSQL just before the
// revocation committed cannot store it again. Clear-cache deletes the cached mappings but keeps the
// tombstones, each in one atomic step (dropCachedValues): deleting a tombstone would let such a fill, still
// queued, map a revoked token to its user until the TTL. Without the mappings every token is checked in
// PostgreSQL (auth_tokens, from which a revocation deletes the token), which stays authoritative.
const authTokenFamily = "auth_token:" //nolint:gosec // G101: a key prefix, not a credential

// tombstoneValue is what cachetier writes for a revoked key of a Tombstone tier; no user id is -1.
const tombstoneValue = "-1"

// dropCachedValues unlinks each of KEYS unless it holds the tombstone ARGV[1], and returns how many it
// removed. Reading and unlinking in one script means a revocation cannot slip in between.
var dropCachedValues = valkey.NewLuaScript(`
local n = 0
for _, k in ipairs(KEYS) do
  if redis.call('GET', k) ~= ARGV[1] then
    n = n + redis.call('UNLINK', k)
  end
end
return n`)

// clearScanCount is the COUNT hint of each SCAN of a family, as in valkeyconn.DeletePrefix.
const clearScanCount = 500

// AdminCacheClear deletes Homekeep's cached values in Valkey, family by family, and makes every process drop
// its in-process users through the eviction channel; it answers how many keys it removed. Each family is
// deleted under CACHE_KEY_PREFIX with SCAN and UNLINK (valkeyconn.DeletePrefix), never FLUSHALL or FLUSHDB,
// so keys outside the prefix stay; see cacheFamilies for what stays and why. Valkey pushes the deletion of
// every key to each process's client-side cache, so the shared tiers miss everywhere at once. Without Valkey
// there is nothing shared: this process drops its users and 0 is answered. The audit row (cache.clear)
// commits only if the clear succeeded.
func (h *Handler) AdminCacheClear(ctx context.Context) (adminoas.AdminCacheClearRes, error) {
	var removed int64
	err := h.mutate(ctx, func(pgx.Tx) ([]Change, error) {
		if h.shared != nil {
			n, err := clearFamilies(ctx, h.shared, h.keyPrefix)
			removed = n
			if err != nil {
				return nil, err
			}
			// Valkey pushes the invalidations of this process's client-side copies after its replies; a round
			// trip on the same connection makes sure they are applied before this process answers again. Other
			// processes apply theirs as they arrive (and drop their users when the message below does).
			if err := h.shared.Ping(ctx); err != nil {
				return nil, err
			}
		}
		if h.auth != nil {
			if err := h.auth.EvictAllUsers(ctx); err != nil {
				return nil, err
			}
		}
		return []Change{{Action: "cache.clear", TargetType: "cache", TargetID: h.keyPrefix,
			After: map[string]int64{"removed": removed}}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &adminoas.ClearCacheResult{Removed: removed}, nil
}

// clearFamilies clears every family under prefix and returns how many keys it removed.
func clearFamilies(ctx context.Context, conn *valkeyconn.Conn, prefix string) (int64, error) {
	var exact []string
	var removed int64
	for _, f := range cacheFamilies {
		switch {
		case f.mode == clearKeep:
		case f.exact:
			exact = append(exact, prefix+f.name)
		case f.mode == clearValues:
			n, err := clearValuesUnder(ctx, conn, prefix+f.name)
			removed += n
			if err != nil {
				return removed, err
			}
		default:
			// Never empty: every family has a name, so even CACHE_KEY_PREFIX "" deletes only this family.
			n, err := conn.DeletePrefix(ctx, prefix+f.name)
			removed += n
			if err != nil {
				return removed, fmt.Errorf("error clearing the cache: %w", err)
			}
		}
	}
	n, err := conn.Do(ctx, func(b valkey.Builder) valkey.Completed { return b.Unlink().Key(exact...).Build() }).AsInt64()
	if err != nil {
		return removed, fmt.Errorf("error clearing the cache: %w", err)
	}
	return removed + n, nil
}

// clearValuesUnder unlinks the keys under prefix that are not tombstones (see authTokenFamily), a SCAN page
// at a time.
func clearValuesUnder(ctx context.Context, conn *valkeyconn.Conn, prefix string) (int64, error) {
	pattern := escapeGlob(prefix) + "*"
	var cursor uint64
	var removed int64
	for {
		entry, err := conn.Do(ctx, func(b valkey.Builder) valkey.Completed {
			return b.Scan().Cursor(cursor).Match(pattern).Count(clearScanCount).Build()
		}).AsScanEntry()
		if err != nil {
			return removed, fmt.Errorf("error scanning for keys under %q: %w", prefix, err)
		}
		if len(entry.Elements) > 0 {
			n, err := conn.Exec(ctx, dropCachedValues, entry.Elements, []string{tombstoneValue}).AsInt64()
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

// escapeGlob escapes what SCAN MATCH treats specially, so a prefix matches only itself (as DeletePrefix does).
func escapeGlob(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// cacheFamilyOf returns the family of a key written under prefix, or false when no family matches it.
func cacheFamilyOf(prefix, key string) (cacheFamily, bool) {
	rest, ok := strings.CutPrefix(key, prefix)
	if !ok {
		return cacheFamily{}, false
	}
	for _, f := range cacheFamilies {
		if (f.exact && rest == f.name) || (!f.exact && strings.HasPrefix(rest, f.name)) {
			return f, true
		}
	}
	return cacheFamily{}, false
}
