package admin_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
)

// adminDo sends an admin request as a and returns the response.
func adminDo(t *testing.T, inst *apptest.Instance, a apptest.AdminAccount, method, path string, body any) apptest.Response {
	t.Helper()
	return inst.DoAdmin(t, apptest.Request{Method: method, Path: path, Token: a.Token, Body: body})
}

// adminExpect sends an admin request, requires status want and decodes the body into T.
func adminExpect[T any](t *testing.T, inst *apptest.Instance, a apptest.AdminAccount, method, path string, body any, want int) T {
	t.Helper()
	r := adminDo(t, inst, a, method, path, body)
	require.Equal(t, want, r.Status, "%s %s: %s", method, path, r.Body)
	var v T
	r.JSON(t, &v)
	return v
}

// settingsWorld is two processes on one database and one Valkey, as two servers behind a load balancer.
// It returns their CACHE_KEY_PREFIX too.
func settingsWorld(t *testing.T) (a, b *apptest.Instance, prefix string) {
	t.Helper()
	url, prefix := apptest.SharedValkey(t)
	a = apptest.Start(t, apptest.Options{ValkeyURL: url, KeyPrefix: prefix})
	b = apptest.Start(t, apptest.Options{ValkeyURL: url, KeyPrefix: prefix, DatabaseURL: a.DatabaseURL})
	return a, b, prefix
}

func subscriptionOf(t *testing.T, inst *apptest.Instance, acct apptest.Account) client.Subscription {
	t.Helper()
	return apptest.Expect[client.Subscription](t, inst, apptest.Request{Method: http.MethodGet, Path: "/subscription",
		Token: acct.Token}, http.StatusOK)
}

func TestSettings(t *testing.T) {
	t.Parallel()

	t.Run("GetShowsTheStoredSettings", func(t *testing.T) {
		t.Parallel()
		inst := apptest.Start(t, apptest.Options{NoSeed: true})
		viewer := inst.SignInAdmin(t, "viewer")
		s := adminExpect[adminoas.Settings](t, inst, viewer, http.MethodGet, "/settings", nil, http.StatusOK)
		require.False(t, s.LimitationsEnabled, "off by default")
		require.Equal(t, adminoas.NewNilInt(10), s.Tiers.Free.Tasks)
		require.True(t, s.Tiers.Pro.Tasks.Null, "pro is unlimited")
		require.True(t, s.Tiers.Free.FileBytes.Null)
		require.Len(t, s.UpgradeTriggers, 5)
		require.Equal(t, adminoas.FeatureBenefit{Title: "Homes", Free: "1", Pro: "Unlimited"}, s.Features[0])
		require.Equal(t, 9, s.ReminderDefaults.Hour)
	})

	t.Run("APatchShowsOnEveryProcessAtOnce", func(t *testing.T) {
		t.Parallel()
		a, b, _ := settingsWorld(t)
		owner := a.SignInAdmin(t, "admin")
		user := b.Register(t)
		before := subscriptionOf(t, b, user) // b now caches the paywall document
		require.False(t, before.LimitationsEnabled)
		require.Equal(t, client.NewNilInt64(10), before.Limits.Tasks)

		patch := map[string]any{
			"limitations_enabled": true,
			"tiers":               map[string]any{"free": map[string]any{"tasks": 3, "file_bytes": 5000}, "pro": map[string]any{"residences": 50}},
			"upgrade_triggers":    []map[string]any{{"key": "tasks", "title": "Need more tasks?", "body": "Go pro."}},
			"features":            []map[string]any{{"title": "Homes", "free": "1", "pro": "50"}, {"title": "Support", "free": "Forum", "pro": "Email"}},
		}
		got := adminExpect[adminoas.Settings](t, a, owner, http.MethodPatch, "/settings", patch, http.StatusOK)
		require.True(t, got.LimitationsEnabled)
		require.Equal(t, adminoas.NewNilInt(3), got.Tiers.Free.Tasks)
		require.Equal(t, adminoas.NewNilInt(1), got.Tiers.Free.Residences, "a limit not in the patch stays")
		require.Equal(t, adminoas.NewNilInt64(5000), got.Tiers.Free.FileBytes)
		require.Equal(t, adminoas.NewNilInt(50), got.Tiers.Pro.Residences)

		after := subscriptionOf(t, b, user)
		require.True(t, after.LimitationsEnabled, "the other process shows the change on its next request")
		require.Equal(t, client.NewNilInt64(3), after.Limits.Tasks)
		require.Equal(t, client.NewNilInt64(5000), after.Limits.FileBytes)
		titles := map[client.LimitedResource]string{}
		for _, g := range after.UpgradeTriggers {
			titles[g.Key] = g.Title
		}
		require.Equal(t, "Need more tasks?", titles[client.LimitedResourceTasks])
		require.Equal(t, "More than one home?", titles[client.LimitedResourceResidences], "a trigger not in the patch stays")
		require.Equal(t, []client.FeatureBenefit{{Title: "Homes", Free: "1", Pro: "50"}, {Title: "Support", Free: "Forum", Pro: "Email"}},
			after.Features)

		// Unlimited again: null clears a limit.
		got = adminExpect[adminoas.Settings](t, a, owner, http.MethodPatch, "/settings",
			map[string]any{"tiers": map[string]any{"free": map[string]any{"tasks": nil}}}, http.StatusOK)
		require.True(t, got.Tiers.Free.Tasks.Null)
		require.True(t, subscriptionOf(t, b, user).Limits.Tasks.Null)

		// A patch that changes nothing leaves no audit row.
		adminExpect[adminoas.Settings](t, a, owner, http.MethodPatch, "/settings", map[string]any{"limitations_enabled": true}, http.StatusOK)
		rows := auditRows(t, a, "settings.update")
		require.Len(t, rows, 2)
		require.Equal(t, owner.Email, rows[0].AdminEmail)
		var was, is struct {
			LimitationsEnabled bool `json:"limitations_enabled"`
			Tiers              map[string]struct {
				Tasks *int `json:"tasks"`
			} `json:"tiers"`
		}
		require.NoError(t, json.Unmarshal(rows[0].Before, &was))
		require.NoError(t, json.Unmarshal(rows[0].After, &is))
		require.False(t, was.LimitationsEnabled)
		require.True(t, is.LimitationsEnabled)
		require.Equal(t, 10, *was.Tiers["free"].Tasks)
		require.Equal(t, 3, *is.Tiers["free"].Tasks)
	})

	t.Run("TheDefaultReminderHourAppliesToUsersWhoChoseNone", func(t *testing.T) {
		t.Parallel()
		inst := apptest.Start(t, apptest.Options{NoSeed: true})
		owner := inst.SignInAdmin(t, "owner")
		chose, didNot := inst.Register(t), inst.Register(t)
		hourOf := func(acct apptest.Account) int {
			var p struct {
				ReminderHour int `json:"reminder_hour"`
			}
			r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/notifications/preferences", Token: acct.Token})
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			r.JSON(t, &p)
			return p.ReminderHour
		}
		r := inst.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/notifications/preferences", Token: chose.Token,
			Body: map[string]any{"reminder_hour": 18}})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		require.Equal(t, 9, hourOf(didNot), "9 until an operator changes it")

		got := adminExpect[adminoas.Settings](t, inst, owner, http.MethodPatch, "/settings",
			map[string]any{"reminder_defaults": map[string]any{"hour": 7}}, http.StatusOK)
		require.Equal(t, 7, got.ReminderDefaults.Hour)
		require.Equal(t, 7, hourOf(didNot), "a user who chose no hour gets the new default")
		require.Equal(t, 18, hourOf(chose), "a user's own choice stays")

		r = inst.DoAdmin(t, apptest.Request{Method: http.MethodPatch, Path: "/settings", Token: owner.Token, Invalid: true,
			Body: map[string]any{"reminder_defaults": map[string]any{"hour": 24}}})
		apptest.RequireAPIError(t, r, http.StatusBadRequest, "validation_failed", "reminder_defaults.hour")
	})

	t.Run("InvalidFieldsAreNamedAndNothingChanges", func(t *testing.T) {
		t.Parallel()
		inst := apptest.Start(t, apptest.Options{NoSeed: true})
		owner := inst.SignInAdmin(t, "owner")
		for _, tc := range []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"NegativeLimit", map[string]any{"limitations_enabled": true, "tiers": map[string]any{"free": map[string]any{"tasks": -1}}}, "tiers.free.tasks"},
			{"EmptyTitle", map[string]any{"limitations_enabled": true, "features": []map[string]any{{"title": "", "free": "a", "pro": "b"}}}, "features.0.title"},
			{"UnknownTrigger", map[string]any{"limitations_enabled": true, "upgrade_triggers": []map[string]any{{"key": "boats", "title": "t", "body": ""}}}, "upgrade_triggers.0.key"},
		} {
			r := inst.DoAdmin(t, apptest.Request{Method: http.MethodPatch, Path: "/settings", Token: owner.Token, Body: tc.body, Invalid: true})
			apptest.RequireAPIError(t, r, http.StatusBadRequest, "validation_failed", tc.field)
		}
		r := adminDo(t, inst, owner, http.MethodPatch, "/settings", map[string]any{"limitations_enabled": true,
			"upgrade_triggers": []map[string]any{{"key": "tasks", "title": "a", "body": ""}, {"key": "tasks", "title": "b", "body": ""}}})
		apptest.RequireAPIError(t, r, http.StatusBadRequest, "validation_failed", "upgrade_triggers.1.key")

		s := adminExpect[adminoas.Settings](t, inst, owner, http.MethodGet, "/settings", nil, http.StatusOK)
		require.False(t, s.LimitationsEnabled, "a refused patch changes nothing")
		require.Empty(t, auditRows(t, inst, "settings.update"))
	})

	t.Run("AViewerMayNotChangeThem", func(t *testing.T) {
		t.Parallel()
		inst := apptest.Start(t, apptest.Options{NoSeed: true})
		viewer := inst.SignInAdmin(t, "viewer")
		r := adminDo(t, inst, viewer, http.MethodPatch, "/settings", map[string]any{"limitations_enabled": true})
		apptest.RequireAPIError(t, r, http.StatusForbidden, "forbidden", "")
		s := adminExpect[adminoas.Settings](t, inst, viewer, http.MethodGet, "/settings", nil, http.StatusOK)
		require.False(t, s.LimitationsEnabled)
		require.Empty(t, auditRows(t, inst, "settings.update"))
	})
}
