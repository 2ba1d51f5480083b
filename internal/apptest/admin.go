package apptest

import (
	"context"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/homekeep/homekeep/internal/app/admin"
)

// AdminPassword is the password of every admin SignInAdmin creates.
const AdminPassword = "admin password 1"

// AdminAccount is a signed-in admin: its email and the token to send as Bearer.
type AdminAccount struct {
	Email, Role, Token string
}

// SignInAdmin creates an admin with a unique email and the given role (owner, admin or viewer) in inst's
// database, as `homekeep admin create` does, and signs it in through POST /api/admin/auth/login.
func (i *Instance) SignInAdmin(t testing.TB, role string) AdminAccount {
	t.Helper()
	r, ok := admin.ParseRole(role)
	if !ok {
		t.Fatalf("apptest: unknown admin role %q", role)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, i.DatabaseURL)
	if err != nil {
		t.Fatalf("apptest: connect: %v", err)
	}
	defer conn.Close(ctx) //nolint:errcheck // a test connection
	email := UniqueEmail()
	if err := admin.Create(ctx, conn, admin.PasswordParams{MemoryKiB: 1024, Iterations: 1}, email, r, AdminPassword); err != nil {
		t.Fatalf("apptest: create admin: %v", err)
	}
	resp := i.DoAdmin(t, Request{Method: http.MethodPost, Path: "/auth/login",
		Body: map[string]any{"email": email, "password": AdminPassword}})
	if resp.Status != http.StatusOK {
		t.Fatalf("apptest: admin login: %d %s", resp.Status, resp.Body)
	}
	var out struct {
		Token string `json:"token"`
	}
	resp.JSON(t, &out)
	return AdminAccount{Email: email, Role: role, Token: out.Token}
}
