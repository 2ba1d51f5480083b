package admin_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/testsmtp"
)

// appUserDetail is GET /users/{id}'s body as the tests read it.
type appUserDetail struct {
	User struct {
		ID       int64  `json:"id"`
		Email    string `json:"email"`
		IsActive bool   `json:"is_active"`
		Tier     string `json:"tier"`
	} `json:"user"`
	TierSource string     `json:"tier_source"`
	TierUntil  *time.Time `json:"tier_until"`
	Residences []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
		Role string `json:"role"`
	} `json:"residences"`
	Tasks     int64 `json:"tasks"`
	Documents int64 `json:"documents"`
	Devices   int64 `json:"devices"`
}

// userPage is GET /users's body as the tests read it.
type userPage struct {
	Items []struct {
		ID    int64  `json:"id"`
		Email string `json:"email"`
	} `json:"items"`
	Total      int64   `json:"total"`
	NextCursor *string `json:"next_cursor"`
}

// sendAdmin sends a request to the admin API as a.
func sendAdmin(t *testing.T, inst *apptest.Instance, a apptest.AdminAccount, method, path string, body any) apptest.Response {
	t.Helper()
	return inst.DoAdmin(t, apptest.Request{Method: method, Path: path, Token: a.Token, Body: body})
}

// viewUser reads GET /users/{id}, which must answer 200.
func viewUser(t *testing.T, inst *apptest.Instance, a apptest.AdminAccount, id int64) appUserDetail {
	t.Helper()
	r := sendAdmin(t, inst, a, http.MethodGet, fmt.Sprintf("/users/%d", id), nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var d appUserDetail
	r.JSON(t, &d)
	return d
}

// decodeAudit decodes an audit row's before or after.
func decodeAudit(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m), "audit JSON %s", raw)
	return m
}

// TestDeactivateRevokesOnEveryProcess: two servers share a database and Valkey; the user's token works on
// both, is refused by both as soon as the admin API deactivates the user on one, and after reactivation on
// the other the user signs in again.
func TestDeactivateRevokesOnEveryProcess(t *testing.T) {
	t.Parallel()
	url, prefix := apptest.SharedValkey(t)
	a := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix})
	b := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix, DatabaseURL: a.DatabaseURL})
	user := a.Register(t)
	admin := a.SignInAdmin(t, "admin")

	for _, inst := range []*apptest.Instance{a, b} {
		require.Equal(t, http.StatusOK, apptest.Me(t, inst, user.Token).Status, "before deactivation")
	}
	r := sendAdmin(t, a, admin, http.MethodPost, fmt.Sprintf("/users/%d/deactivate", user.ID), nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var d appUserDetail
	r.JSON(t, &d)
	require.False(t, d.User.IsActive)
	for i, inst := range []*apptest.Instance{a, b} {
		require.Equal(t, http.StatusUnauthorized, apptest.Me(t, inst, user.Token).Status, "process %d after deactivation", i)
	}
	login := apptest.Post("/auth/login", map[string]any{"email": user.Email, "password": apptest.TestPassword})
	require.Equal(t, http.StatusUnauthorized, b.Do(t, login).Status, "a deactivated user cannot sign in")

	r = sendAdmin(t, b, admin, http.MethodPost, fmt.Sprintf("/users/%d/reactivate", user.ID), nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	for i, inst := range []*apptest.Instance{a, b} {
		resp := inst.Do(t, login)
		require.Equal(t, http.StatusOK, resp.Status, "process %d signs the reactivated user in: %s", i, resp.Body)
		var out struct {
			Token string `json:"token"`
		}
		resp.JSON(t, &out)
		require.Equal(t, http.StatusOK, apptest.Me(t, inst, out.Token).Status)
	}

	deact := auditRows(t, a, "user.deactivate")
	require.Len(t, deact, 1)
	require.Equal(t, admin.Email, deact[0].AdminEmail)
	require.Equal(t, "user", deact[0].TargetType)
	require.Equal(t, fmt.Sprint(user.ID), deact[0].TargetID)
	require.Equal(t, true, decodeAudit(t, deact[0].Before)["is_active"])
	after := decodeAudit(t, deact[0].After)
	require.Equal(t, false, after["is_active"])
	require.EqualValues(t, 1, after["tokens_revoked"], "the registration token was revoked")
	react := auditRows(t, a, "user.reactivate")
	require.Len(t, react, 1)
	require.Equal(t, false, decodeAudit(t, react[0].Before)["is_active"])
	require.Equal(t, true, decodeAudit(t, react[0].After)["is_active"])
	for _, row := range append(deact, react...) {
		for _, raw := range [][]byte{row.Before, row.After} {
			require.NotContains(t, string(raw), "argon2", "no password hash in the audit log")
			require.NotContains(t, string(raw), "hash")
		}
	}
}

// TestListUsers: q matches email or name case-insensitively, pages follow the cursor without repeats, every
// page carries the total, and active filters.
func TestListUsers(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	admin := inst.SignInAdmin(t, "viewer")
	marker := strings.TrimSuffix(strings.TrimPrefix(apptest.UniqueEmail(), "user-"), "@example.com")
	var ids []int64
	for range 5 {
		u := inst.Register(t)
		apptest.DBExec(t, inst, `UPDATE users SET last_name = $1 WHERE id = $2`, "Zed"+marker+"son", u.ID)
		ids = append(ids, u.ID)
	}
	other := inst.Register(t)

	t.Run("PagesWithTotals", func(t *testing.T) {
		t.Parallel()
		var seen []int64
		path := "/users?limit=2&q=" + strings.ToUpper(marker)
		for page := 1; ; page++ {
			r := sendAdmin(t, inst, admin, http.MethodGet, path, nil)
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			var p userPage
			r.JSON(t, &p)
			require.EqualValues(t, 5, p.Total, "page %d", page)
			for _, it := range p.Items {
				require.NotContains(t, seen, it.ID, "page %d repeats a user", page)
				seen = append(seen, it.ID)
			}
			if p.NextCursor == nil {
				require.Equal(t, 3, page, "5 users at 2 a page")
				require.Len(t, p.Items, 1)
				break
			}
			require.Len(t, p.Items, 2, "page %d", page)
			path = "/users?limit=2&q=" + marker + "&cursor=" + *p.NextCursor
		}
		require.ElementsMatch(t, ids, seen)
	})

	t.Run("MatchesEmail", func(t *testing.T) {
		t.Parallel()
		r := sendAdmin(t, inst, admin, http.MethodGet, "/users?q="+strings.ToUpper(strings.TrimSuffix(other.Email, "@example.com")), nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var p userPage
		r.JSON(t, &p)
		require.EqualValues(t, 1, p.Total)
		require.Equal(t, other.ID, p.Items[0].ID)
	})

	t.Run("WildcardsAreLiteral", func(t *testing.T) {
		t.Parallel()
		r := sendAdmin(t, inst, admin, http.MethodGet, "/users?q=%25"+marker, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var p userPage
		r.JSON(t, &p)
		require.EqualValues(t, 0, p.Total, "%% matches only a literal %%")
	})

	t.Run("BadCursorNamesCursor", func(t *testing.T) {
		t.Parallel()
		r := sendAdmin(t, inst, admin, http.MethodGet, "/users?cursor=nonsense!", nil)
		apptest.RequireAPIError(t, r, http.StatusBadRequest, "validation_failed", "cursor")
	})
}

// TestListUsersFiltersActive: active=false lists only deactivated users, active=true only the others.
func TestListUsersFiltersActive(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	admin := inst.SignInAdmin(t, "admin")
	marker := strings.TrimSuffix(strings.TrimPrefix(apptest.UniqueEmail(), "user-"), "@example.com")
	active, inactive := inst.Register(t), inst.Register(t)
	apptest.DBExec(t, inst, `UPDATE users SET first_name = $1 WHERE id IN ($2, $3)`, marker, active.ID, inactive.ID)
	r := sendAdmin(t, inst, admin, http.MethodPost, fmt.Sprintf("/users/%d/deactivate", inactive.ID), nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	for filter, want := range map[string]int64{"true": active.ID, "false": inactive.ID} {
		r := sendAdmin(t, inst, admin, http.MethodGet, "/users?active="+filter+"&q="+marker, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var p userPage
		r.JSON(t, &p)
		require.EqualValues(t, 1, p.Total, "active=%s", filter)
		require.Equal(t, want, p.Items[0].ID, "active=%s", filter)
	}
}

// TestUserView: residences with roles, counts of what the user created and of their devices, and the tier;
// an unknown id is 404.
func TestUserView(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	admin := inst.SignInAdmin(t, "viewer")
	h := apptest.NewHousehold(t, inst)
	own := apptest.CreateResidence(t, inst, h.Editor, "Editor's flat")
	for _, title := range []string{"Gutters", "Boiler", "Smoke alarms"} {
		apptest.CreateTask(t, inst, h.Editor, map[string]any{"residence_id": h.ResidenceID, "title": title})
	}
	apptest.CreateTask(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Not the editor's"})
	apptest.CreateDocument(t, inst, h.Editor, map[string]any{"residence_id": own, "title": "Lease"})
	apptest.Expect[client.NotificationDevice](t, inst, apptest.Request{Method: http.MethodPost,
		Path: "/notifications/devices", Token: h.Editor.Token, Body: map[string]any{"platform": "android", "token": "fcm-" + h.Editor.Email}},
		http.StatusCreated)

	d := viewUser(t, inst, admin, h.Editor.ID)
	require.Equal(t, h.Editor.Email, d.User.Email)
	require.True(t, d.User.IsActive)
	require.EqualValues(t, 3, d.Tasks)
	require.EqualValues(t, 1, d.Documents)
	require.EqualValues(t, 1, d.Devices)
	require.Equal(t, "free", d.User.Tier)
	require.Equal(t, "none", d.TierSource)
	require.Nil(t, d.TierUntil)
	require.Len(t, d.Residences, 2)
	roles := map[int64]string{}
	for _, r := range d.Residences {
		roles[r.ID] = r.Role
	}
	require.Equal(t, map[int64]string{h.ResidenceID: "editor", own: "owner"}, roles)

	r := sendAdmin(t, inst, admin, http.MethodGet, "/users/999999999", nil)
	apptest.RequireAPIError(t, r, http.StatusNotFound, "not_found", "")
}

// TestSetUserTier: the grant shows in the admin view and in the app's GET /subscription; an unknown tier is
// a 400 naming tier.
func TestSetUserTier(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	admin := inst.SignInAdmin(t, "owner")
	user := inst.Register(t)
	until := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)

	r := sendAdmin(t, inst, admin, http.MethodPut, fmt.Sprintf("/users/%d/tier", user.ID),
		map[string]any{"tier": "pro", "until": until.Format(time.RFC3339)})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	d := viewUser(t, inst, admin, user.ID)
	require.Equal(t, "pro", d.User.Tier)
	require.Equal(t, "admin", d.TierSource)
	require.NotNil(t, d.TierUntil)
	require.True(t, until.Equal(*d.TierUntil), "got %v, want %v", d.TierUntil, until)

	sub := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/subscription", Token: user.Token})
	require.Equal(t, http.StatusOK, sub.Status, string(sub.Body))
	var s struct {
		Tier   string `json:"tier"`
		Source string `json:"source"`
	}
	sub.JSON(t, &s)
	require.Equal(t, "pro", s.Tier)
	require.Equal(t, "admin", s.Source)

	rows := auditRows(t, inst, "user.set_tier")
	require.Len(t, rows, 1)
	require.Equal(t, "free", decodeAudit(t, rows[0].Before)["tier"])
	require.Equal(t, "pro", decodeAudit(t, rows[0].After)["tier"])

	bad := inst.DoAdmin(t, apptest.Request{Method: http.MethodPut, Path: fmt.Sprintf("/users/%d/tier", user.ID),
		Token: admin.Token, Body: map[string]any{"tier": "platinum"}, Invalid: true})
	apptest.RequireAPIError(t, bad, http.StatusBadRequest, "validation_failed", "tier")
	require.Equal(t, "pro", viewUser(t, inst, admin, user.ID).User.Tier, "a refused change changes nothing")

	missing := sendAdmin(t, inst, admin, http.MethodPut, "/users/999999999/tier", map[string]any{"tier": "pro"})
	apptest.RequireAPIError(t, missing, http.StatusNotFound, "not_found", "")
}

// resetJobs counts the queued reset-code email jobs of the user.
func resetJobs(t *testing.T, inst *apptest.Instance, userID int64) int {
	t.Helper()
	var n int
	apptest.DBQueryRow(t, inst, `SELECT count(*) FROM river_job WHERE kind = 'email_code'
		AND (args ->> 'user_id')::bigint = $1 AND args ->> 'purpose' = 'reset'`, []any{userID}, &n)
	return n
}

// TestResetUserPassword: the admin queues the forgot-password email job for the user, whose worker mails the
// reset code; a deactivated user is refused with 409 and gets none.
func TestResetUserPassword(t *testing.T) {
	t.Parallel()
	smtp := testsmtp.Start(t)
	inst := apptest.Start(t, apptest.Options{NoSeed: true, Configure: apptest.WithSMTP(smtp)})
	admin := inst.SignInAdmin(t, "admin")
	user := inst.Register(t)
	smtp.Next(t, user.Email) // its verification code
	require.Equal(t, 0, resetJobs(t, inst, user.ID))

	r := sendAdmin(t, inst, admin, http.MethodPost, fmt.Sprintf("/users/%d/password-reset", user.ID), nil)
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	require.Equal(t, 1, resetJobs(t, inst, user.ID))
	m := smtp.Next(t, user.Email)
	require.Equal(t, "Your Homekeep password reset code", m.Subject, "the forgot-password email")
	rows := auditRows(t, inst, "user.password_reset")
	require.Len(t, rows, 1)
	require.Equal(t, user.Email, decodeAudit(t, rows[0].After)["email"])

	r = sendAdmin(t, inst, admin, http.MethodPost, fmt.Sprintf("/users/%d/deactivate", user.ID), nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r = sendAdmin(t, inst, admin, http.MethodPost, fmt.Sprintf("/users/%d/password-reset", user.ID), nil)
	apptest.RequireAPIError(t, r, http.StatusConflict, "user_inactive", "")
	require.Equal(t, 1, resetJobs(t, inst, user.ID), "no email for a deactivated user")
}

// TestDeleteUser: the admin deletes a user as self-deletion does: the residences they own go with their
// documents' files, their token is refused, and the audit row keeps who they were.
func TestDeleteUser(t *testing.T) {
	t.Parallel()
	inst, dir := apptest.StartDocuments(t, nil)
	admin := inst.SignInAdmin(t, "admin")
	h := apptest.NewHousehold(t, inst)
	before := apptest.StoredFiles(t, dir)
	apptest.Upload(t, inst, h.Owner, h.ResidenceID, apptest.FilePart{Name: "receipt.pdf", ContentType: "application/pdf", Content: apptest.TestPDF})
	require.Len(t, apptest.AddedFiles(t, dir, before), 1)

	r := sendAdmin(t, inst, admin, http.MethodDelete, fmt.Sprintf("/users/%d", h.Owner.ID), nil)
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	require.Empty(t, apptest.AddedFiles(t, dir, before), "the owned residence's files are deleted")
	require.Equal(t, http.StatusUnauthorized, apptest.Me(t, inst, h.Owner.Token).Status)
	var n int
	apptest.DBQueryRow(t, inst, `SELECT count(*) FROM residences WHERE id = $1`, []any{h.ResidenceID}, &n)
	require.Zero(t, n, "the owned residence is gone")
	got := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: h.Path(""), Token: h.Editor.Token})
	require.Equal(t, http.StatusNotFound, got.Status, "a member no longer sees the residence")

	rows := auditRows(t, inst, "user.delete")
	require.Len(t, rows, 1)
	require.Equal(t, h.Owner.Email, decodeAudit(t, rows[0].Before)["email"])
	require.Nil(t, rows[0].After)

	r = sendAdmin(t, inst, admin, http.MethodDelete, fmt.Sprintf("/users/%d", h.Owner.ID), nil)
	apptest.RequireAPIError(t, r, http.StatusNotFound, "not_found", "")
}

// TestViewerCannotChangeUsers: a viewer is refused (403) every user change, and nothing changes: no
// deactivation, tier, reset email, deletion or audit row.
func TestViewerCannotChangeUsers(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	viewer := inst.SignInAdmin(t, "viewer")
	user := inst.Register(t)
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{http.MethodPost, "/users/%d/deactivate", nil},
		{http.MethodPost, "/users/%d/reactivate", nil},
		{http.MethodPut, "/users/%d/tier", map[string]any{"tier": "pro"}},
		{http.MethodPost, "/users/%d/password-reset", nil},
		{http.MethodDelete, "/users/%d", nil},
	} {
		r := sendAdmin(t, inst, viewer, c.method, fmt.Sprintf(c.path, user.ID), c.body)
		apptest.RequireAPIError(t, r, http.StatusForbidden, "forbidden", "")
	}
	d := viewUser(t, inst, viewer, user.ID)
	require.True(t, d.User.IsActive)
	require.Equal(t, "free", d.User.Tier)
	require.Equal(t, 0, resetJobs(t, inst, user.ID))
	require.Equal(t, http.StatusOK, apptest.Me(t, inst, user.Token).Status)
	var n int
	apptest.DBQueryRow(t, inst, `SELECT count(*) FROM admin_audit_log WHERE action LIKE 'user.%'`, nil, &n)
	require.Zero(t, n)
}
