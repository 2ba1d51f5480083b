package admin_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/app/admin"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
)

// adminID returns the id of the admin account with this email.
func adminID(t *testing.T, inst *apptest.Instance, email string) int64 {
	t.Helper()
	var id int64
	apptest.DBQueryRow(t, inst, `SELECT id FROM admin_users WHERE email = $1`, []any{email}, &id)
	return id
}

// me answers whether a's token still works.
func meStatus(t *testing.T, inst *apptest.Instance, a apptest.AdminAccount) int {
	t.Helper()
	return adminDo(t, inst, a, http.MethodGet, "/auth/me", nil).Status
}

// tryAdminPost sends a POST without a body through the admin client (checked against api/admin.yaml) without
// failing the test, so goroutines can use it; it returns the status, or 0 when the request failed.
func tryAdminPost(inst *apptest.Instance, a apptest.AdminAccount, path string) int {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, inst.URL+admin.PathPrefix+path, nil)
	if err != nil {
		return 0
	}
	req.Header.Set("Authorization", "Bearer "+a.Token)
	resp, err := inst.AdminClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func TestAdminAccounts(t *testing.T) {
	t.Parallel()

	t.Run("ListsEveryAccount", func(t *testing.T) {
		t.Parallel()
		inst := apptest.Start(t, apptest.Options{NoSeed: true})
		owner, viewer := inst.SignInAdmin(t, "owner"), inst.SignInAdmin(t, "viewer")
		list := adminExpect[adminoas.AdminAccountList](t, inst, viewer, http.MethodGet, "/admins", nil, http.StatusOK)
		require.Len(t, list.Items, 2)
		byEmail := map[string]adminoas.AdminAccount{}
		for _, a := range list.Items {
			byEmail[a.Email] = a
		}
		require.Equal(t, adminoas.AdminRoleOwner, byEmail[owner.Email].Role)
		require.Equal(t, adminID(t, inst, owner.Email), byEmail[owner.Email].ID)
		require.True(t, byEmail[viewer.Email].IsActive)
		require.False(t, byEmail[viewer.Email].LastSignInAt.Null, "signed in")
	})

	t.Run("DeactivationRevokesTokensAtOnceAndReactivationLetsBackIn", func(t *testing.T) {
		t.Parallel()
		inst := apptest.Start(t, apptest.Options{NoSeed: true})
		owner, target := inst.SignInAdmin(t, "owner"), inst.SignInAdmin(t, "admin")
		id := adminID(t, inst, target.Email)
		require.Equal(t, http.StatusOK, meStatus(t, inst, target))

		got := adminExpect[adminoas.AdminAccount](t, inst, owner, http.MethodPost, fmt.Sprintf("/admins/%d/deactivate", id), nil, http.StatusOK)
		require.False(t, got.IsActive)
		require.Equal(t, http.StatusUnauthorized, meStatus(t, inst, target), "its token is refused from the next request")
		var tokens int
		apptest.DBQueryRow(t, inst, `SELECT count(*) FROM admin_tokens WHERE admin_user_id = $1`, []any{id}, &tokens)
		require.Zero(t, tokens, "its tokens are deleted")
		r := inst.DoAdmin(t, apptest.Request{Method: http.MethodPost, Path: "/auth/login",
			Body: map[string]any{"email": target.Email, "password": apptest.AdminPassword}})
		require.Equal(t, http.StatusUnauthorized, r.Status, "an inactive admin cannot sign in")

		rows := auditRows(t, inst, "admin.deactivate")
		require.Len(t, rows, 1)
		require.Equal(t, owner.Email, rows[0].AdminEmail)
		require.Equal(t, fmt.Sprint(id), rows[0].TargetID)
		require.JSONEq(t, fmt.Sprintf(`{"email": %q, "role": "admin", "is_active": true}`, target.Email), string(rows[0].Before))
		require.JSONEq(t, fmt.Sprintf(`{"email": %q, "role": "admin", "is_active": false}`, target.Email), string(rows[0].After))

		got = adminExpect[adminoas.AdminAccount](t, inst, owner, http.MethodPost, fmt.Sprintf("/admins/%d/reactivate", id), nil, http.StatusOK)
		require.True(t, got.IsActive)
		r = inst.DoAdmin(t, apptest.Request{Method: http.MethodPost, Path: "/auth/login",
			Body: map[string]any{"email": target.Email, "password": apptest.AdminPassword}})
		require.Equal(t, http.StatusOK, r.Status, "reactivated, it signs in again")
		require.Len(t, auditRows(t, inst, "admin.reactivate"), 1)
	})

	t.Run("OnlyOwnersManageAccounts", func(t *testing.T) {
		t.Parallel()
		inst := apptest.Start(t, apptest.Options{NoSeed: true})
		target := inst.SignInAdmin(t, "viewer")
		id := adminID(t, inst, target.Email)
		for _, role := range []string{"admin", "viewer"} {
			a := inst.SignInAdmin(t, role)
			for _, op := range []string{"deactivate", "reactivate"} {
				r := adminDo(t, inst, a, http.MethodPost, fmt.Sprintf("/admins/%d/%s", id, op), nil)
				apptest.RequireAPIError(t, r, http.StatusForbidden, "forbidden", "")
			}
		}
		require.Equal(t, http.StatusOK, meStatus(t, inst, target), "nothing changed")
		require.Empty(t, auditRows(t, inst, "admin.deactivate"))
	})

	t.Run("AnOwnerCannotDeactivateItselfOrANonexistentAdmin", func(t *testing.T) {
		t.Parallel()
		inst := apptest.Start(t, apptest.Options{NoSeed: true})
		owner := inst.SignInAdmin(t, "owner")
		r := adminDo(t, inst, owner, http.MethodPost, fmt.Sprintf("/admins/%d/deactivate", adminID(t, inst, owner.Email)), nil)
		apptest.RequireAPIError(t, r, http.StatusConflict, "self", "")
		r = adminDo(t, inst, owner, http.MethodPost, "/admins/999999/deactivate", nil)
		apptest.RequireAPIError(t, r, http.StatusNotFound, "not_found", "")
		require.Equal(t, http.StatusOK, meStatus(t, inst, owner))
	})

	t.Run("TwoOwnersDeactivatingEachOtherLeaveOneActive", func(t *testing.T) {
		t.Parallel()
		inst := apptest.Start(t, apptest.Options{NoSeed: true})
		for range 5 {
			a, b := inst.SignInAdmin(t, "owner"), inst.SignInAdmin(t, "owner")
			ids := map[string]int64{a.Email: adminID(t, inst, a.Email), b.Email: adminID(t, inst, b.Email)}
			var wg sync.WaitGroup
			statuses := make([]int, 2)
			for i, pair := range [][2]apptest.AdminAccount{{a, b}, {b, a}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					statuses[i] = tryAdminPost(inst, pair[0], fmt.Sprintf("/admins/%d/deactivate", ids[pair[1].Email]))
				}()
			}
			wg.Wait()
			var active int
			apptest.DBQueryRow(t, inst, `SELECT count(*) FROM admin_users WHERE id = ANY($1) AND is_active`,
				[]any{[]int64{ids[a.Email], ids[b.Email]}}, &active)
			require.Equal(t, 1, active, "statuses %v", statuses)
			require.Contains(t, statuses, http.StatusOK)
			// The other was refused: as the last active owner (409), or because its own token was already gone (401).
			require.Subset(t, []int{http.StatusOK, http.StatusConflict, http.StatusUnauthorized}, statuses)
			// Deactivate the survivor's peers so the next round starts with two fresh owners and no leftovers.
			apptest.DBExec(t, inst, `UPDATE admin_users SET is_active = false WHERE id = ANY($1)`, []int64{ids[a.Email], ids[b.Email]})
		}
	})

	t.Run("ExpiredTokensArePurged", func(t *testing.T) {
		t.Parallel()
		inst := apptest.Start(t, apptest.Options{NoSeed: true})
		kept, expired := inst.SignInAdmin(t, "viewer"), inst.SignInAdmin(t, "viewer")
		apptest.DBExec(t, inst, `UPDATE admin_tokens SET expires_at = now() - interval '1 minute' WHERE admin_user_id = $1`,
			adminID(t, inst, expired.Email))
		conn, err := pgx.Connect(t.Context(), inst.DatabaseURL)
		require.NoError(t, err)
		defer conn.Close(context.Background())
		n, err := admin.PurgeExpiredTokens(t.Context(), conn)
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
		var left []int64
		apptest.DBQuery(t, inst, `SELECT admin_user_id FROM admin_tokens`, nil, func(scan func(...any) error) {
			var id int64
			require.NoError(t, scan(&id))
			left = append(left, id)
		})
		require.Equal(t, []int64{adminID(t, inst, kept.Email)}, left)
		require.Equal(t, http.StatusOK, meStatus(t, inst, kept))
	})
}
