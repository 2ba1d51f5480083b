// Package identity holds who a request is from: the account as every layer sees it (no password hash). It
// sits below the handlers and the authentication cache, so both use one type and the cache need not be
// generic over it.
package identity

import "time"

// User is an account. Cached values are shared between requests, so a User is never modified after it is
// built.
type User struct {
	ID        int64
	Email     string
	FirstName string
	LastName  string
	Timezone  string
	// TimezoneSet says the user chose Timezone; until then it is the default, and the first residence the
	// user creates or joins replaces it.
	TimezoneSet     bool
	IsActive        bool
	EmailVerifiedAt *time.Time
	LastLoginAt     *time.Time
	CreatedAt       time.Time

	// DaysThreshold places tasks due within this many days in due_soon, on the boards and on every card
	// this user gets (see db/queries/tasks.sql). It travels with the cached user, so reading it is free.
	DaysThreshold int32
}
