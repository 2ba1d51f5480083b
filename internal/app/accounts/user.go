package accounts

import (
	"time"

	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/identity"
)

// userFromRow builds the account as the rest of the code sees it (see package identity).
func userFromRow(r *dbsqlc.User) *identity.User { return app.UserFromRow(r) }

// userResponse is the API form of u.
func userResponse(u *identity.User) *oas.User {
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
