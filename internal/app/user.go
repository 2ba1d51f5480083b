package app

import (
	"time"

	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// User is an account as the rest of the app sees it (no password hash). Cached values are shared between
// requests, so a User is never modified after it is built.
type User struct {
	ID              int64
	Email           string
	FirstName       string
	LastName        string
	Timezone        string
	IsActive        bool
	EmailVerifiedAt *time.Time
	LastLoginAt     *time.Time
	CreatedAt       time.Time

	// DaysThreshold places tasks due within this many days in due_soon, on the boards and on every card
	// this user gets (see db/queries/tasks.sql). It travels with the cached user, so reading it is free.
	DaysThreshold int32
}

func userFromRow(r *dbsqlc.User) *User {
	return &User{
		ID: r.ID, Email: r.Email, FirstName: r.FirstName, LastName: r.LastName, Timezone: r.Timezone,
		IsActive: r.IsActive, EmailVerifiedAt: utcPtr(r.EmailVerifiedAt), LastLoginAt: utcPtr(r.LastLoginAt),
		CreatedAt: r.CreatedAt.UTC(), DaysThreshold: r.DaysThreshold,
	}
}

func (u *User) response() *oas.User {
	out := &oas.User{
		ID: u.ID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, Timezone: u.Timezone,
		DaysThreshold: u.DaysThreshold, EmailVerified: u.EmailVerifiedAt != nil, CreatedAt: u.CreatedAt,
	}
	out.EmailVerifiedAt = optNilTime(u.EmailVerifiedAt)
	out.LastLoginAt = optNilTime(u.LastLoginAt)
	return out
}

func optNilTime(t *time.Time) oas.OptNilDateTime {
	var o oas.OptNilDateTime
	if t == nil {
		o.SetToNull()
	} else {
		o.SetTo(*t)
	}
	return o
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
