package admin_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/valkey-io/valkey-go"

	"github.com/homekeep/homekeep/internal/app/admin"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
	"github.com/homekeep/homekeep/internal/testwait"
)

// keysUnder returns every Valkey key starting with prefix (SCAN, as the code under test does).
func keysUnder(t *testing.T, inst *apptest.Instance, prefix string) []string {
	t.Helper()
	var keys []string
	var cursor uint64
	for {
		e, err := inst.Valkey.Do(context.Background(), func(b valkey.Builder) valkey.Completed {
			return b.Scan().Cursor(cursor).Match(prefix + "*").Count(1000).Build()
		}).AsScanEntry()
		require.NoError(t, err)
		keys = append(keys, e.Elements...)
		if e.Cursor == 0 {
			return keys
		}
		cursor = e.Cursor
	}
}

// valueOf reads a key straight from Valkey ("" when absent).
func valueOf(t *testing.T, inst *apptest.Instance, key string) string {
	t.Helper()
	v, err := inst.Valkey.Do(context.Background(), func(b valkey.Builder) valkey.Completed { return b.Get().Key(key).Build() }).ToString()
	if valkey.IsValkeyNil(err) {
		return ""
	}
	require.NoError(t, err)
	return v
}

func keysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// tokenKey is the Valkey key authcache keeps a token under.
func tokenKey(prefix, token string) string {
	h := sha256.Sum256([]byte(token))
	return prefix + "auth_token:" + hex.EncodeToString(h[:])
}

// cacheWorkload makes the instances write every kind of key Homekeep keeps in Valkey: tokens and users
// (sign-in, a profile change), residence lists and their generations (a household joining), board versions
// and timezones (a board), static data and its generation (a lookup change), the paywall and its generation
// (a settings change), a revocation's tombstone (a logout) and rate-limit counters.
func cacheWorkload(t *testing.T, a, b *apptest.Instance, owner apptest.AdminAccount) (revoked string) {
	t.Helper()
	h := apptest.NewHousehold(t, a)
	apptest.ResidenceBoard(t, b, h.Editor, h.ResidenceID)
	r := a.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/auth/me", Token: h.Viewer.Token, Body: map[string]any{"first_name": "Vera"}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	for _, inst := range []*apptest.Instance{a, b} {
		apptest.Warm(t, inst, h.Owner.Token)
		require.Equal(t, http.StatusOK, inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/static-data", Token: h.Owner.Token}).Status)
		subscriptionOf(t, inst, h.Owner)
	}
	adminExpect[adminoas.Settings](t, a, owner, http.MethodPatch, "/settings", map[string]any{"limitations_enabled": false}, http.StatusOK)
	var category int64
	apptest.DBQueryRow(t, a, `SELECT id FROM task_categories ORDER BY id LIMIT 1`, nil, &category)
	r = adminDo(t, a, owner, http.MethodPatch, "/lookups/task_categories/"+strconv.FormatInt(category, 10), map[string]any{"name": "Renamed"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, http.StatusOK, b.Do(t, apptest.Request{Method: http.MethodGet, Path: "/static-data", Token: h.Owner.Token}).Status)
	subscriptionOf(t, b, h.Owner)
	gone := a.Register(t)
	apptest.Warm(t, b, gone.Token)
	require.Equal(t, http.StatusNoContent, b.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/logout", Token: gone.Token}).Status)
	return gone.Token
}

// settledKeys returns the keys under prefix once no background fill is still adding any (the same keys twice,
// 200 ms apart), so a count taken from them is not overtaken by a write queued by an earlier request.
func settledKeys(t *testing.T, inst *apptest.Instance, prefix string) []string {
	t.Helper()
	keys := keysUnder(t, inst, prefix)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
		again := keysUnder(t, inst, prefix)
		if len(again) == len(keys) {
			return again
		}
		keys = again
	}
	t.Fatalf("keys under %s kept changing for 5 s", prefix)
	return nil
}

func TestClearCache(t *testing.T) {
	t.Parallel()

	t.Run("ClearsThePrefixOnlyKeepsRevocationsAndReloadsEveryProcess", func(t *testing.T) {
		t.Parallel()
		a, b, prefix := settingsWorld(t)
		owner := a.SignInAdmin(t, "admin")
		revoked := cacheWorkload(t, a, b, owner)
		userA, userB := a.Register(t), a.Register(t)
		apptest.Warm(t, a, userA.Token)
		apptest.Warm(t, b, userB.Token)
		require.Equal(t, "-1", valueOf(t, a, tokenKey(prefix, revoked)), "the logout left a tombstone")

		// A key of another deployment, named like one of Homekeep's, outside the prefix.
		outside := "other-" + prefix + "user:1"
		require.NoError(t, a.Valkey.Do(t.Context(), func(bd valkey.Builder) valkey.Completed {
			return bd.Set().Key(outside).Value("theirs").Build()
		}).Error())
		t.Cleanup(func() {
			a.Valkey.Do(context.Background(), func(bd valkey.Builder) valkey.Completed { return bd.Del().Key(outside).Build() })
		})

		var deletable int64
		seen := map[string]bool{}
		for _, k := range settledKeys(t, a, prefix) {
			name, deleted, ok := admin.CacheFamilyOf(prefix, k)
			require.True(t, ok, "key %s belongs to no family", k)
			seen[name] = true
			if deleted && valueOf(t, a, k) != "-1" {
				deletable++
			}
		}
		require.Positive(t, deletable)
		require.ElementsMatch(t, admin.CacheFamilyNames(), keysOf(seen),
			"the workload writes every listed family (a family it misses is no longer written, or the workload needs it)")

		res := adminExpect[adminoas.ClearCacheResult](t, a, owner, http.MethodPost, "/settings/clear-cache", nil, http.StatusOK)
		require.Equal(t, deletable, res.Removed, "every cached value under the prefix, counted")
		require.Equal(t, "theirs", valueOf(t, a, outside), "a key outside the prefix is untouched")
		require.Equal(t, "-1", valueOf(t, a, tokenKey(prefix, revoked)), "the tombstone stays")
		for _, k := range keysUnder(t, a, prefix) {
			name, deleted, _ := admin.CacheFamilyOf(prefix, k)
			require.False(t, deleted && valueOf(t, a, k) != "-1", "%s (%s) survived the clear", k, name)
		}

		// Each process applies Valkey's invalidations and the drop-all message as they arrive (well under a
		// millisecond); from then on, its next request reads its user from PostgreSQL. Each process has a user
		// of its own, since the first to read one puts it back in Valkey for the other.
		for inst, acct := range map[*apptest.Instance]apptest.Account{a: userA, b: userB} {
			testwait.Until(t, 2*time.Second, func() bool {
				sql, _ := apptest.MeCost(t, inst, acct.Token)
				return sql > 0
			}, "a process never read its user from PostgreSQL again")
			r := apptest.Me(t, inst, revoked)
			require.Equal(t, http.StatusUnauthorized, r.Status, "a revoked token stays revoked")
		}
		rows := auditRows(t, a, "cache.clear")
		require.Len(t, rows, 1)
		require.JSONEq(t, `{"removed": `+strconv.FormatInt(deletable, 10)+`}`, string(rows[0].After))
	})

	t.Run("AViewerMayNotClear", func(t *testing.T) {
		t.Parallel()
		a, _, prefix := settingsWorld(t)
		viewer := a.SignInAdmin(t, "viewer")
		user := a.Register(t)
		apptest.Warm(t, a, user.Token)
		before := keysUnder(t, a, prefix)
		require.NotEmpty(t, before)
		r := adminDo(t, a, viewer, http.MethodPost, "/settings/clear-cache", nil)
		apptest.RequireAPIError(t, r, http.StatusForbidden, "forbidden", "")
		// Every key is still there (a fill written in the background after Warm may add one, never remove one).
		require.Subset(t, keysUnder(t, a, prefix), before, "nothing was deleted")
		require.Empty(t, auditRows(t, a, "cache.clear"))
	})
}
