// Package accounts implements the Accounts operations of the API (register, login, logout, the caller's
// profile, email verification, password change and reset, account deletion) and authentication itself:
// Handler is also ogen's SecurityHandler, which resolves a token to its user through the auth cache and
// puts the caller in the request's context (app.PrincipalFrom) for every other group.
//
// State: none of its own beyond the argon2id parameters. Tokens and emailed codes are stored only as
// hashes; every revocation (logout, password change or reset, deletion) happens in the same statement that
// records a tombstone (TombstoneStore), so it reaches Valkey even when Valkey cannot be told at once.
//
// Failure handling: a wrong email and a wrong password answer alike and take the same time; sign-in and
// code attempts are rate limited per IP and per email; emails are queued and sent after the answer.
package accounts
