package adminweb_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// apiSettings is what GET /api/admin/settings answers, as the tests read it.
type apiSettings struct {
	LimitationsEnabled bool                         `json:"limitations_enabled"`
	Tiers              map[string]map[string]*int64 `json:"tiers"`
	UpgradeTriggers    []struct {
		Key   string `json:"key"`
		Title string `json:"title"`
		Body  string `json:"body"`
	} `json:"upgrade_triggers"`
	Features []struct {
		Title string `json:"title"`
		Free  string `json:"free"`
		Pro   string `json:"pro"`
	} `json:"features"`
	ReminderDefaults struct {
		Hour int `json:"hour"`
	} `json:"reminder_defaults"`
}

// fetchAPISettings returns the settings through the admin API, and its raw body for comparing wholesale.
func fetchAPISettings(t *testing.T, inst *apptest.Instance, token string) (apiSettings, string) {
	t.Helper()
	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: "/settings", Token: token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var s apiSettings
	r.JSON(t, &s)
	return s, string(r.Body)
}

// latestAudit returns the newest audit entry of action through the admin API.
func latestAudit(t *testing.T, inst *apptest.Instance, token, action string) (before, after map[string]json.RawMessage) {
	t.Helper()
	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: "/audit-log?limit=1&action=" + action, Token: token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var page struct {
		Items []struct {
			Before map[string]json.RawMessage `json:"before"`
			After  map[string]json.RawMessage `json:"after"`
		} `json:"items"`
	}
	r.JSON(t, &page)
	require.Len(t, page.Items, 1, "an audit entry %s", action)
	return page.Items[0].Before, page.Items[0].After
}

// tierForm is the tier limits form as the page fills it from s, with changes applied.
func tierForm(csrf string, s apiSettings, changes map[string]string) url.Values {
	f := url.Values{"csrf_token": {csrf}}
	for tier, limits := range s.Tiers {
		for name, v := range limits {
			text := ""
			if v != nil {
				text = strconv.FormatInt(*v, 10)
			}
			f.Set("tiers."+tier+"."+name, text)
		}
	}
	for k, v := range changes {
		f.Set(k, v)
	}
	return f
}

// flashOf returns the flash message of a page.
func flashOf(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`<p class="flash" role="status">([^<]*)</p>`).FindStringSubmatch(body)
	require.NotNil(t, m, "the page has no flash:\n%s", body)
	return m[1]
}

// TestSettingsPage: a viewer reads every setting with no control to change it and is refused when it posts
// anyway; an admin toggles limitations (the API and the flash say so), saves tier limits (empty is unlimited),
// sees refused values next to their fields with what it typed and nothing changed, edits the paywall's texts
// and the default reminder hour, seeds lookups (the flash says what was added) and clears the cache through
// the confirmation page (the flash says how many keys were removed).
func TestSettingsPage(t *testing.T) {
	t.Parallel()
	valkeyURL, prefix := apptest.SharedValkey(t)
	inst := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: valkeyURL, KeyPrefix: prefix})
	a := inst.SignInAdmin(t, "admin")
	b := newBrowser(t, inst)
	csrf := b.signIn(a)

	t.Run("ViewerReadsButCannotChange", func(t *testing.T) {
		v := inst.SignInAdmin(t, "viewer")
		vb := newBrowser(t, inst)
		vcsrf := vb.signIn(v)
		_, before := fetchAPISettings(t, inst, a.Token)
		page := vb.do(http.MethodGet, "/admin/settings", nil, nil)
		require.Equal(t, http.StatusOK, page.status)
		require.Contains(t, page.body, `id="reminder_defaults.hour"`, "the values are shown")
		require.Contains(t, page.body, `<fieldset class="plain" disabled>`, "read-only")
		for _, button := range []string{"Turn limitations", "Save limits", "Save upgrade texts", "Save comparison table",
			"Save reminder hour", "Seed lookups", "Clear cache"} {
			require.NotContains(t, page.body, button, "no write button for a viewer")
		}
		for _, section := range []string{"limitations", "tiers", "reminders", "seed-lookups", "clear-cache"} {
			r := vb.do(http.MethodPost, "/admin/settings/"+section, url.Values{"csrf_token": {vcsrf},
				"limitations_enabled": {"on"}, "reminder_defaults.hour": {"3"}}, nil)
			require.Equal(t, http.StatusForbidden, r.status, section)
		}
		_, after := fetchAPISettings(t, inst, a.Token)
		require.JSONEq(t, before, after, "nothing changed")
	})

	t.Run("ToggleLimitations", func(t *testing.T) {
		s, _ := fetchAPISettings(t, inst, a.Token)
		require.False(t, s.LimitationsEnabled, "off by default")
		page := b.do(http.MethodGet, "/admin/settings", nil, nil)
		require.Contains(t, page.body, "Turn limitations on")
		r := b.do(http.MethodPost, "/admin/settings/limitations", url.Values{"csrf_token": {csrf}, "limitations_enabled": {"on"}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		require.Equal(t, "/admin/settings#limitations", r.header.Get("Location"))
		s, _ = fetchAPISettings(t, inst, a.Token)
		require.True(t, s.LimitationsEnabled, "the API shows the change")
		page = b.do(http.MethodGet, "/admin/settings", nil, nil)
		require.Equal(t, "Limitations are on: each tier&#39;s limits apply.", flashOf(t, page.body))
		require.Contains(t, page.body, "Turn limitations off")

		r = b.do(http.MethodPost, "/admin/settings/limitations", url.Values{"csrf_token": {csrf}, "limitations_enabled": {"maybe"}}, nil)
		require.Equal(t, http.StatusBadRequest, r.status, r.body)
		require.Contains(t, r.body, "Nothing was saved: the switch must be on or off.")
		s, _ = fetchAPISettings(t, inst, a.Token)
		require.True(t, s.LimitationsEnabled, "unchanged")

		r = b.do(http.MethodPost, "/admin/settings/limitations", url.Values{"csrf_token": {csrf}, "limitations_enabled": {"off"}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		s, _ = fetchAPISettings(t, inst, a.Token)
		require.False(t, s.LimitationsEnabled)
		page = b.do(http.MethodGet, "/admin/settings", nil, nil)
		require.Equal(t, "Limitations are off: every tier is unlimited.", flashOf(t, page.body))
	})

	t.Run("RefusedTierLimitShowsNextToItsField", func(t *testing.T) {
		s, before := fetchAPISettings(t, inst, a.Token)
		r := b.do(http.MethodPost, "/admin/settings/tiers", tierForm(csrf, s, map[string]string{"tiers.free.tasks": "-1"}), nil)
		require.Equal(t, http.StatusBadRequest, r.status, r.body)
		require.Regexp(t, fieldErrorAfter("tiers.free.tasks", "must be at least 0"), r.body)
		require.Contains(t, r.body, `name="tiers.free.tasks" type="number" min="0" step="1" inputmode="numeric" value="-1"`,
			"what was typed is kept")
		require.Contains(t, r.body, "Nothing was saved.")

		r = b.do(http.MethodPost, "/admin/settings/tiers", tierForm(csrf, s, map[string]string{"tiers.pro.documents": "lots"}), nil)
		require.Equal(t, http.StatusBadRequest, r.status, r.body)
		require.Regexp(t, fieldErrorAfter("tiers.pro.documents", "must be a whole number, or empty for unlimited"), r.body)
		require.Contains(t, r.body, `value="lots"`)
		_, after := fetchAPISettings(t, inst, a.Token)
		require.JSONEq(t, before, after, "nothing changed")
	})

	t.Run("TierLimitsSaved", func(t *testing.T) {
		s, _ := fetchAPISettings(t, inst, a.Token)
		r := b.do(http.MethodPost, "/admin/settings/tiers", tierForm(csrf, s, map[string]string{
			"tiers.free.tasks": "30", "tiers.free.documents": "", "tiers.pro.file_bytes": "5000000000"}), nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		s, _ = fetchAPISettings(t, inst, a.Token)
		require.Equal(t, int64(30), *s.Tiers["free"]["tasks"])
		require.Nil(t, s.Tiers["free"]["documents"], "empty is unlimited")
		require.Equal(t, int64(5000000000), *s.Tiers["pro"]["file_bytes"])
		page := b.do(http.MethodGet, "/admin/settings", nil, nil)
		require.Equal(t, "Tier limits saved.", flashOf(t, page.body))
		require.Contains(t, page.body, `id="tiers.free.tasks" name="tiers.free.tasks" type="number" min="0" step="1" inputmode="numeric" value="30"`)

		r = b.do(http.MethodPost, "/admin/settings/tiers", tierForm(csrf, s, nil), nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		page = b.do(http.MethodGet, "/admin/settings", nil, nil)
		require.Equal(t, "Nothing changed: the settings already had these values.", flashOf(t, page.body))
	})

	t.Run("PaywallTexts", func(t *testing.T) {
		s, before := fetchAPISettings(t, inst, a.Token)
		require.NotEmpty(t, s.UpgradeTriggers)
		form := url.Values{"csrf_token": {csrf}}
		for i, tr := range s.UpgradeTriggers {
			form.Set(fmt.Sprintf("upgrade_triggers.%d.title", i), tr.Title)
			form.Set(fmt.Sprintf("upgrade_triggers.%d.body", i), tr.Body)
		}
		form.Set("upgrade_triggers.0.title", "")
		r := b.do(http.MethodPost, "/admin/settings/triggers", form, nil)
		require.Equal(t, http.StatusBadRequest, r.status, r.body)
		require.Regexp(t, fieldErrorAfter("upgrade_triggers.0.title", "must be at least 1 character"), r.body)
		_, after := fetchAPISettings(t, inst, a.Token)
		require.JSONEq(t, before, after, "nothing changed")

		form.Set("upgrade_triggers.0.title", "Out of room")
		form.Set("upgrade_triggers.0.body", "Go pro for more.")
		r = b.do(http.MethodPost, "/admin/settings/triggers", form, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		s, _ = fetchAPISettings(t, inst, a.Token)
		require.Equal(t, "Out of room", s.UpgradeTriggers[0].Title)
		require.Equal(t, "Go pro for more.", s.UpgradeTriggers[0].Body)

		// The comparison table: a filled blank row is added, an emptied row removed, a row with only texts refused.
		page := b.do(http.MethodGet, "/admin/settings", nil, nil)
		rows := len(s.Features) + 2
		require.Contains(t, page.body, `name="rows" value="`+strconv.Itoa(rows)+`"`)
		ff := url.Values{"csrf_token": {csrf}, "rows": {strconv.Itoa(rows)}}
		for i, f := range s.Features {
			ff.Set(fmt.Sprintf("features.%d.title", i), f.Title)
			ff.Set(fmt.Sprintf("features.%d.free", i), f.Free)
			ff.Set(fmt.Sprintf("features.%d.pro", i), f.Pro)
		}
		last := len(s.Features) + 1
		ff.Set(fmt.Sprintf("features.%d.free", last), "1 GB")
		r = b.do(http.MethodPost, "/admin/settings/features", ff, nil)
		require.Equal(t, http.StatusBadRequest, r.status, r.body)
		require.Regexp(t, fieldErrorAfter(fmt.Sprintf("features.%d.title", last), "must"), r.body,
			"the error names the form's row, not the request's")
		ff.Set(fmt.Sprintf("features.%d.title", last), "Storage")
		ff.Set(fmt.Sprintf("features.%d.pro", last), "100 GB")
		r = b.do(http.MethodPost, "/admin/settings/features", ff, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		s2, _ := fetchAPISettings(t, inst, a.Token)
		require.Len(t, s2.Features, len(s.Features)+1)
		require.Equal(t, "Storage", s2.Features[len(s.Features)].Title)
		require.Equal(t, "100 GB", s2.Features[len(s.Features)].Pro)
	})

	t.Run("ReminderHour", func(t *testing.T) {
		r := b.do(http.MethodPost, "/admin/settings/reminders", url.Values{"csrf_token": {csrf}, "reminder_defaults.hour": {"24"}}, nil)
		require.Equal(t, http.StatusBadRequest, r.status, r.body)
		require.Regexp(t, fieldErrorAfter("reminder_defaults.hour", "must be at most 23"), r.body)
		require.Contains(t, r.body, `value="24"`)
		r = b.do(http.MethodPost, "/admin/settings/reminders", url.Values{"csrf_token": {csrf}, "reminder_defaults.hour": {"7"}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		s, _ := fetchAPISettings(t, inst, a.Token)
		require.Equal(t, 7, s.ReminderDefaults.Hour)
		require.Equal(t, "Default reminder hour set to 7:00.", flashOf(t, b.do(http.MethodGet, "/admin/settings", nil, nil).body))
	})

	t.Run("SeedLookupsSaysWhatItAdded", func(t *testing.T) {
		types := apiLookups(t, inst, a.Token, "residence_types")
		require.NotEmpty(t, types)
		del := inst.DoAdmin(t, apptest.Request{Method: http.MethodDelete, Token: a.Token,
			Path: "/lookups/residence_types/" + strconv.FormatInt(types[0].ID, 10)})
		require.Equal(t, http.StatusNoContent, del.Status, string(del.Body))

		r := b.do(http.MethodPost, "/admin/settings/seed-lookups", url.Values{"csrf_token": {csrf}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		require.Equal(t, "Lookups seeded: 1 rows added (1 residence types, 0 task categories, 0 task priorities, "+
			"0 task frequencies, 0 contractor specialties, 0 task templates).", flashOf(t, b.do(http.MethodGet, "/admin/settings", nil, nil).body))
		_, ok := apiLookupNamed(t, inst, a.Token, "residence_types", types[0].Name)
		require.True(t, ok, "the deleted built-in row is back")

		r = b.do(http.MethodPost, "/admin/settings/seed-lookups", url.Values{"csrf_token": {csrf}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		require.Equal(t, "Lookups seeded: nothing was missing, 0 rows added.", flashOf(t, b.do(http.MethodGet, "/admin/settings", nil, nil).body))
	})

	t.Run("ClearCacheThroughConfirmation", func(t *testing.T) {
		user := inst.Register(t)
		staticData(t, inst, user.Token) // fills cached keys
		confirm := b.do(http.MethodGet, "/admin/settings/clear-cache", nil, nil)
		require.Equal(t, http.StatusOK, confirm.status)
		require.Contains(t, confirm.body, `action="/admin/settings/clear-cache"`)
		r := b.do(http.MethodPost, "/admin/settings/clear-cache", url.Values{"csrf_token": {formToken(t, confirm.body)}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		_, after := latestAudit(t, inst, a.Token, "cache.clear")
		removed, err := strconv.ParseInt(string(after["removed"]), 10, 64)
		require.NoError(t, err)
		require.Positive(t, removed, "the user's and static data's keys were cached")
		require.Equal(t, fmt.Sprintf("Cache cleared: %d keys removed.", removed),
			flashOf(t, b.do(http.MethodGet, "/admin/settings", nil, nil).body))
	})
}
