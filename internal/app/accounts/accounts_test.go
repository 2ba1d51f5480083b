package accounts_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
)

func TestRegister(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})

	t.Run("CreatesAccountAndSignsIn", func(t *testing.T) {
		t.Parallel()
		email := apptest.UniqueEmail()
		r := inst.Do(t, apptest.Post("/auth/register", map[string]any{"email": email, "password": "long enough pw",
			"first_name": " Alex ", "timezone": "Europe/Berlin"}))
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		var out client.AuthResponse
		r.JSON(t, &out)
		require.Len(t, out.Token, 43, "32 random bytes, URL-safe base64")
		require.Equal(t, email, out.User.Email)
		require.Equal(t, "Alex", out.User.FirstName, "names are trimmed")
		require.Equal(t, "Europe/Berlin", out.User.Timezone)
		require.False(t, out.User.EmailVerified)

		me := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: out.Token})
		require.Equal(t, http.StatusOK, me.Status)
	})

	t.Run("DefaultsTimezoneToUTC", func(t *testing.T) {
		t.Parallel()
		r := inst.Do(t, apptest.Post("/auth/register", map[string]any{"email": apptest.UniqueEmail(), "password": "long enough pw"}))
		require.Equal(t, http.StatusCreated, r.Status)
		var out client.AuthResponse
		r.JSON(t, &out)
		require.Equal(t, "UTC", out.User.Timezone)
	})

	t.Run("StoresOnlyHashes", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		conn, err := pgx.Connect(context.Background(), inst.DatabaseURL)
		require.NoError(t, err)
		defer conn.Close(context.Background())
		var pwHash string
		var tokens int
		require.NoError(t, conn.QueryRow(context.Background(),
			`SELECT password_hash, (SELECT count(*) FROM auth_tokens WHERE token_hash = sha256($2::text::bytea))
			 FROM users WHERE id = $1`, acct.ID, acct.Token).Scan(&pwHash, &tokens))
		require.True(t, strings.HasPrefix(pwHash, "$argon2id$v=19$m="), "argon2id with its parameters: %s", pwHash)
		require.Equal(t, 1, tokens, "the token's SHA-256 is stored, not the token")
	})

	tests := []struct {
		name       string
		body       any
		invalid    bool // breaks the spec's schema, so the client must not check the request
		wantStatus int
		wantCode   string
		wantFields []string
	}{
		// The fields that break the spec are named together, by the generated decoder; those that fit it but
		// break a rule the spec cannot state are named together, by the handler.
		{"NamesEveryFieldBreakingTheSpec", map[string]any{"email": "not-an-address", "password": "short", "timezone": "Mars Olympus"},
			true, 400, "validation_failed", []string{"email", "password", "timezone"}},
		{"NamesEveryFieldBreakingAServerRule", map[string]any{"email": "alex@localhost", "password": "long enough", "timezone": "Mars/Olympus"},
			false, 400, "validation_failed", []string{"email", "timezone"}},
		{"RejectsShortPassword", map[string]any{"email": apptest.UniqueEmail(), "password": "short"},
			true, 400, "validation_failed", []string{"password"}},
		{"RequiresEmailAndPassword", map[string]any{"first_name": "x"}, true, 400, "validation_failed", []string{"email", "password"}},
		{"RejectsWrongJSONType", map[string]any{"email": 5, "password": "long enough pw"}, true, 400, "validation_failed", []string{"email"}},
		{"RejectsMalformedJSON", `{"email": "a@b.c", "password": `, true, 400, "malformed_request", nil},
		{"RejectsEmptyBody", ``, true, 400, "malformed_request", nil},
		{"RejectsDisplayNameAddress", map[string]any{"email": "Alex <alex@example.com>", "password": "long enough pw"},
			true, 400, "validation_failed", []string{"email"}},
		{"RejectsLocalTimezone", map[string]any{"email": apptest.UniqueEmail(), "password": "long enough pw", "timezone": "Local"},
			false, 400, "validation_failed", []string{"timezone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/register", Body: tt.body, Invalid: tt.invalid})
			require.Equal(t, tt.wantStatus, r.Status, string(r.Body))
			e := r.Err(t)
			require.Equal(t, tt.wantCode, e.Error.Code)
			for _, f := range tt.wantFields {
				require.Contains(t, e.Error.Fields.Value, f, "fields: %v", e.Error.Fields.Value)
			}
		})
	}

	t.Run("RejectsDuplicateEmailCaseInsensitively", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		r := inst.Do(t, apptest.Post("/auth/register", map[string]any{"email": strings.ToUpper(acct.Email), "password": "long enough pw"}))
		require.Equal(t, http.StatusConflict, r.Status)
		require.Equal(t, "email_taken", r.Err(t).Error.Code)
	})

	t.Run("RejectsWrongContentType", func(t *testing.T) {
		t.Parallel()
		r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/register", Body: "email=a", Invalid: true,
			Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}})
		require.Equal(t, http.StatusUnsupportedMediaType, r.Status)
		require.Equal(t, "unsupported_media_type", r.Err(t).Error.Code)
	})
}

func TestLogin(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})

	t.Run("IssuesNewTokenAndRecordsLogin", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		r := inst.Do(t, apptest.Post("/auth/login", map[string]any{"email": strings.ToUpper(acct.Email), "password": apptest.TestPassword}))
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var out client.AuthResponse
		r.JSON(t, &out)
		require.NotEqual(t, acct.Token, out.Token)
		_, loggedIn := out.User.LastLoginAt.Get()
		require.True(t, loggedIn, "last_login_at is set")
		for _, tok := range []string{acct.Token, out.Token} {
			require.Equal(t, http.StatusOK, inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: tok}).Status,
				"both devices stay signed in")
		}
	})

	t.Run("WrongPasswordAndUnknownEmailLookTheSame", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		wrong := inst.Do(t, apptest.Post("/auth/login", map[string]any{"email": acct.Email, "password": "not the password"}))
		unknown := inst.Do(t, apptest.Post("/auth/login", map[string]any{"email": apptest.UniqueEmail(), "password": "not the password"}))
		require.Equal(t, http.StatusUnauthorized, wrong.Status)
		require.Equal(t, http.StatusUnauthorized, unknown.Status)
		require.Equal(t, string(wrong.Body), string(unknown.Body), "no account enumeration")
		require.Equal(t, "invalid_credentials", wrong.Err(t).Error.Code)
	})

	t.Run("RejectsDeactivatedAccount", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		apptest.DBExec(t, inst, "UPDATE users SET is_active = false WHERE id = $1", acct.ID)
		r := inst.Do(t, apptest.Post("/auth/login", map[string]any{"email": acct.Email, "password": apptest.TestPassword}))
		require.Equal(t, http.StatusUnauthorized, r.Status)
		require.Equal(t, "invalid_credentials", r.Err(t).Error.Code)
	})

	t.Run("UpgradesWeakHashAtSignIn", func(t *testing.T) {
		t.Parallel()
		strong := apptest.Start(t, apptest.Options{NoSeed: true, DatabaseURL: inst.DatabaseURL,
			Configure: func(c *config.Config) { c.Argon2MemoryKiB, c.Argon2Iterations = 2048, 2 }})
		acct := inst.Register(t) // hashed with the cheap test parameters
		r := strong.Do(t, apptest.Post("/auth/login", map[string]any{"email": acct.Email, "password": apptest.TestPassword}))
		require.Equal(t, http.StatusOK, r.Status)
		conn, err := pgx.Connect(context.Background(), inst.DatabaseURL)
		require.NoError(t, err)
		defer conn.Close(context.Background())
		var hash string
		require.NoError(t, conn.QueryRow(context.Background(), "SELECT password_hash FROM users WHERE id = $1", acct.ID).Scan(&hash))
		require.Contains(t, hash, "m=2048,t=2", "rehashed with the raised parameters")
	})
}

func TestTokenSchemes(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	acct := inst.Register(t)
	tests := []struct {
		name, header string
		wantStatus   int
	}{
		{"Bearer", "Bearer " + acct.Token, 200},
		{"BearerLowercase", "bearer " + acct.Token, 200},
		{"Token", "Token " + acct.Token, 200},
		{"TokenLowercase", "token " + acct.Token, 200},
		{"Missing", "", 401},
		{"UnknownToken", "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 401},
		{"UnknownScheme", "Basic " + acct.Token, 401},
		{"OversizedToken", "Bearer " + strings.Repeat("x", 500), 401},
		{"TokenSchemeWithUnknownToken", "Token nope", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			if tt.header != "" {
				h.Set("Authorization", tt.header)
			}
			r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Header: h})
			require.Equal(t, tt.wantStatus, r.Status, string(r.Body))
			if tt.wantStatus == 401 {
				require.Equal(t, "unauthorized", r.Err(t).Error.Code)
			} else {
				var u client.User
				r.JSON(t, &u)
				require.Equal(t, acct.ID, u.ID)
			}
		})
	}
}

func TestProfile(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})

	t.Run("UpdatesOnlyFieldsPresent", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		r := inst.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/auth/me", Token: acct.Token,
			Body: map[string]any{"last_name": "Rivera", "timezone": "America/New_York"}})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var u client.User
		r.JSON(t, &u)
		require.Equal(t, "Test", u.FirstName, "untouched")
		require.Equal(t, "Rivera", u.LastName)
		require.Equal(t, "America/New_York", u.Timezone)

		me := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: acct.Token})
		me.JSON(t, &u)
		require.Equal(t, "Rivera", u.LastName, "the cached user was replaced")
	})

	t.Run("RejectsInvalidTimezoneNamingField", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		r := inst.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/auth/me", Token: acct.Token,
			Body: map[string]any{"timezone": "Europe/Atlantis", "first_name": "Kept?"}})
		require.Equal(t, http.StatusBadRequest, r.Status)
		e := r.Err(t)
		require.Equal(t, "validation_failed", e.Error.Code)
		require.Contains(t, e.Error.Fields.Value, "timezone")
		me := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: acct.Token})
		var u client.User
		me.JSON(t, &u)
		require.Equal(t, "Test", u.FirstName, "nothing is stored from a rejected request")
		require.Equal(t, "UTC", u.Timezone)
	})

	t.Run("RequiresToken", func(t *testing.T) {
		t.Parallel()
		r := inst.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/auth/me", Body: map[string]any{"first_name": "x"}})
		require.Equal(t, http.StatusUnauthorized, r.Status)
	})
}

func TestLogout(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	acct := inst.Register(t)
	other := inst.Do(t, apptest.Post("/auth/login", map[string]any{"email": acct.Email, "password": apptest.TestPassword}))
	var second client.AuthResponse
	other.JSON(t, &second)

	require.Equal(t, http.StatusOK, inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: acct.Token}).Status)
	r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/logout", Token: acct.Token})
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	require.Equal(t, http.StatusUnauthorized, inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: acct.Token}).Status,
		"the revoked token is rejected at once")
	require.Equal(t, http.StatusOK, inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: second.Token}).Status,
		"other devices stay signed in")
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})

	t.Run("RevokesEveryOtherToken", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		var other client.AuthResponse
		inst.Do(t, apptest.Post("/auth/login", map[string]any{"email": acct.Email, "password": apptest.TestPassword})).JSON(t, &other)
		r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/change-password", Token: acct.Token,
			Body: map[string]any{"current_password": apptest.TestPassword, "new_password": "a brand new password"}})
		require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
		require.Equal(t, http.StatusOK, inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: acct.Token}).Status)
		require.Equal(t, http.StatusUnauthorized, inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: other.Token}).Status)
		require.Equal(t, http.StatusUnauthorized, inst.Do(t, apptest.Post("/auth/login", map[string]any{"email": acct.Email, "password": apptest.TestPassword})).Status)
		require.Equal(t, http.StatusOK, inst.Do(t, apptest.Post("/auth/login", map[string]any{"email": acct.Email, "password": "a brand new password"})).Status)
	})

	t.Run("RejectsWrongCurrentPassword", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/change-password", Token: acct.Token,
			Body: map[string]any{"current_password": "nope", "new_password": "a brand new password"}})
		require.Equal(t, http.StatusBadRequest, r.Status)
		require.Contains(t, r.Err(t).Error.Fields.Value, "current_password")
		require.Equal(t, http.StatusOK, inst.Do(t, apptest.Post("/auth/login", map[string]any{"email": acct.Email, "password": apptest.TestPassword})).Status,
			"the password is unchanged")
	})

	t.Run("RejectsShortNewPassword", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/change-password", Token: acct.Token, Invalid: true,
			Body: map[string]any{"current_password": apptest.TestPassword, "new_password": "short"}})
		require.Equal(t, http.StatusBadRequest, r.Status)
		require.Contains(t, r.Err(t).Error.Fields.Value, "new_password")
	})
}

func TestDeleteMe(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	acct := inst.Register(t)
	r := inst.Do(t, apptest.Request{Method: http.MethodDelete, Path: "/auth/me", Token: acct.Token})
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	require.Equal(t, http.StatusUnauthorized, inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: acct.Token}).Status)
	require.Equal(t, http.StatusUnauthorized, inst.Do(t, apptest.Post("/auth/login", map[string]any{"email": acct.Email, "password": apptest.TestPassword})).Status)
	again := inst.Do(t, apptest.Post("/auth/register", map[string]any{"email": acct.Email, "password": apptest.TestPassword}))
	require.Equal(t, http.StatusCreated, again.Status, "the email is free again")
}
