// Package admin serves the operators' API at /api/admin (issue 16), generated from api/admin.yaml into
// internal/gen/adminoas. Admin accounts live in admin_users, apart from app users, and sign in for expiring
// admin tokens kept in admin_tokens: the app's security handler looks tokens up in auth_tokens only and this
// one in admin_tokens only, so neither API accepts the other's tokens.
package admin
