package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

const adminPassword = "admin password 1"

// adminLogin is the body of a successful POST /api/admin/auth/login.
type adminLogin struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"` //nolint:tagliatelle // the spec's field name
	Admin     struct {
		Email string `json:"email"`
		Role  string `json:"role"`
	} `json:"admin"`
}

// createAdmin runs `homekeep admin create` against inst's database with password on stdin.
func createAdmin(t *testing.T, inst *apptest.Instance, email, role, password string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := adminCmd(context.Background(), []string{"create", "--email", email, "--role", role},
		envOf(map[string]string{"DATABASE_URL": inst.DatabaseURL}), strings.NewReader(password+"\n"), &out, &errOut)
	return out.String() + errOut.String(), err
}

func loginAdmin(t *testing.T, inst *apptest.Instance, email string) adminLogin {
	t.Helper()
	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodPost, Path: "/auth/login",
		Body: map[string]any{"email": email, "password": adminPassword}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var l adminLogin
	r.JSON(t, &l)
	return l
}

// TestAdminAPI: an admin created with `homekeep admin create` signs in to /api/admin, sees itself, and logs
// out; admin and app tokens each open only their own API, and every error has the ApiError shape (the admin
// client checks every exchange against api/admin.yaml, the app client against api/openapi.yaml).
func TestAdminAPI(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	ctx := context.Background()

	t.Run("CreateRefusesEmptyShortAndUnknownRole", func(t *testing.T) {
		out, err := createAdmin(t, inst, "short@example.com", "admin", "")
		require.ErrorContains(t, err, "no password on stdin", out)
		_, err = createAdmin(t, inst, "short@example.com", "admin", "seven77")
		require.ErrorContains(t, err, "at least 8 characters")
		_, err = createAdmin(t, inst, "short@example.com", "root", adminPassword)
		require.ErrorContains(t, err, "want owner, admin or viewer")
	})

	t.Run("LoginMeLogout", func(t *testing.T) {
		out, err := createAdmin(t, inst, "Owner@Example.com", "owner", adminPassword)
		require.NoError(t, err, out)
		require.Contains(t, out, "created with role owner")
		_, err = createAdmin(t, inst, "owner@example.com", "admin", adminPassword)
		require.ErrorContains(t, err, "already exists", "email is unique case-insensitively")

		l := loginAdmin(t, inst, "owner@example.com")
		require.Equal(t, "Owner@Example.com", l.Admin.Email)
		require.Equal(t, "owner", l.Admin.Role)
		require.WithinDuration(t, time.Now().Add(12*time.Hour), l.ExpiresAt, time.Minute)

		conn, err := pgx.Connect(ctx, inst.DatabaseURL)
		require.NoError(t, err)
		defer conn.Close(ctx)
		var stored []byte
		var signedIn *time.Time
		require.NoError(t, conn.QueryRow(ctx, `SELECT t.token_hash, a.last_sign_in_at FROM admin_tokens t
			JOIN admin_users a ON a.id = t.admin_user_id`).Scan(&stored, &signedIn))
		require.Len(t, stored, 32, "the token is stored as its SHA-256")
		require.NotContains(t, string(stored), l.Token)
		require.NotNil(t, signedIn, "the sign-in is recorded")

		me := inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: l.Token})
		require.Equal(t, http.StatusOK, me.Status, "%s", me.Body)
		require.JSONEq(t, `{"email":"Owner@Example.com","role":"owner"}`, string(me.Body))

		require.Equal(t, http.StatusNoContent, inst.DoAdmin(t, apptest.Request{Method: http.MethodPost, Path: "/auth/logout",
			Token: l.Token}).Status)
		after := inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: l.Token})
		require.Equal(t, http.StatusUnauthorized, after.Status, "a logged-out token is refused")
		require.Equal(t, "unauthorized", after.Err(t).Error.Code)
	})

	t.Run("WrongPasswordAndUnknownEmail", func(t *testing.T) {
		_, err := createAdmin(t, inst, "wrong@example.com", "admin", adminPassword)
		require.NoError(t, err)
		for _, body := range []map[string]any{
			{"email": "wrong@example.com", "password": "not the password"},
			{"email": "nobody@example.com", "password": adminPassword},
		} {
			r := inst.DoAdmin(t, apptest.Request{Method: http.MethodPost, Path: "/auth/login", Body: body})
			require.Equal(t, http.StatusUnauthorized, r.Status, "%s", r.Body)
			require.Equal(t, "invalid_credentials", r.Err(t).Error.Code)
		}
	})

	t.Run("ExpiredTokenRefused", func(t *testing.T) {
		_, err := createAdmin(t, inst, "expired@example.com", "viewer", adminPassword)
		require.NoError(t, err)
		l := loginAdmin(t, inst, "expired@example.com")
		conn, err := pgx.Connect(ctx, inst.DatabaseURL)
		require.NoError(t, err)
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, `UPDATE admin_tokens SET expires_at = now() - interval '1 second'
			WHERE admin_user_id = (SELECT id FROM admin_users WHERE email = 'expired@example.com')`)
		require.NoError(t, err)
		r := inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: l.Token})
		require.Equal(t, http.StatusUnauthorized, r.Status, "%s", r.Body)
		require.Equal(t, "unauthorized", r.Err(t).Error.Code)
	})

	t.Run("TokensOpenOnlyTheirOwnAPI", func(t *testing.T) {
		_, err := createAdmin(t, inst, "cross@example.com", "admin", adminPassword)
		require.NoError(t, err)
		adminToken := loginAdmin(t, inst, "cross@example.com").Token
		appToken := inst.Register(t).Token

		// Each token works where it belongs...
		require.Equal(t, http.StatusOK, inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: appToken}).Status)
		require.Equal(t, http.StatusOK, inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: adminToken}).Status)
		// ...and is refused with each API's own 401 where it does not.
		r := inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: appToken})
		require.Equal(t, http.StatusUnauthorized, r.Status, "an app token on the admin API: %s", r.Body)
		require.Equal(t, "unauthorized", r.Err(t).Error.Code)
		r = inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: adminToken})
		require.Equal(t, http.StatusUnauthorized, r.Status, "an admin token on the app API: %s", r.Body)
		require.Equal(t, "unauthorized", r.Err(t).Error.Code)
	})
}

// TestAdminLoginRateLimited: admin sign-in is limited like the app's (AUTH_RATE_LIMIT per minute per IP and
// per email): past it, 429 rate_limited with Retry-After, even with the right password.
func TestAdminLoginRateLimited(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true, Configure: apptest.AuthRateLimit(2)})
	_, err := createAdmin(t, inst, "limited@example.com", "admin", adminPassword)
	require.NoError(t, err)
	for range 2 {
		r := inst.DoAdmin(t, apptest.Request{Method: http.MethodPost, Path: "/auth/login",
			Body: map[string]any{"email": "limited@example.com", "password": "wrong password"}})
		require.Equal(t, http.StatusUnauthorized, r.Status, "%s", r.Body)
	}
	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodPost, Path: "/auth/login",
		Body: map[string]any{"email": "limited@example.com", "password": adminPassword}})
	require.Equal(t, http.StatusTooManyRequests, r.Status, "%s", r.Body)
	require.Equal(t, "rate_limited", r.Err(t).Error.Code)
	require.NotEmpty(t, r.Header.Get("Retry-After"))
}
