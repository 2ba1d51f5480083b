package admin_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// auditRow is one admin_audit_log row as the tests read it.
type auditRow struct {
	AdminEmail, Action, TargetType, TargetID string
	Before, After                            []byte
	HasAdmin                                 bool
}

// auditRows returns the audit rows of action, oldest first.
func auditRows(t *testing.T, inst *apptest.Instance, action string) []auditRow {
	t.Helper()
	var rows []auditRow
	apptest.DBQuery(t, inst, `SELECT admin_email, action, target_type, target_id, before, after, admin_user_id IS NOT NULL
		FROM admin_audit_log WHERE action = $1 ORDER BY id`, []any{action}, func(scan func(...any) error) {
		var r auditRow
		require.NoError(t, scan(&r.AdminEmail, &r.Action, &r.TargetType, &r.TargetID, &r.Before, &r.After, &r.HasAdmin))
		rows = append(rows, r)
	})
	return rows
}

// TestSignInsAreAudited: a successful admin sign-in and a failed one each leave one audit row naming the email.
func TestSignInsAreAudited(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	a := inst.SignInAdmin(t, "viewer")

	rows := auditRows(t, inst, "admin.sign_in")
	require.Len(t, rows, 1)
	require.Equal(t, a.Email, rows[0].AdminEmail)
	require.Equal(t, "admin_user", rows[0].TargetType)
	require.True(t, rows[0].HasAdmin)

	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodPost, Path: "/auth/login",
		Body: map[string]any{"email": a.Email, "password": "not the password"}})
	require.Equal(t, http.StatusUnauthorized, r.Status)
	failed := auditRows(t, inst, "admin.sign_in_failed")
	require.Len(t, failed, 1)
	require.Equal(t, a.Email, failed[0].TargetID)
	require.False(t, failed[0].HasAdmin, "a failed attempt is not attributed to the admin")
	require.Len(t, auditRows(t, inst, "admin.sign_in"), 1, "the failed attempt added no sign-in")
}
