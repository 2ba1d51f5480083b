package app

import (
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/identity"
)

// UserFromRow builds the account as the rest of the code sees it (see package identity) from its row.
func UserFromRow(r *dbsqlc.User) *identity.User {
	return &identity.User{
		ID: r.ID, Email: r.Email, FirstName: r.FirstName, LastName: r.LastName, Timezone: r.Timezone,
		TimezoneSet: r.TimezoneSet,
		IsActive:    r.IsActive, EmailVerifiedAt: UTCPtr(r.EmailVerifiedAt), LastLoginAt: UTCPtr(r.LastLoginAt),
		CreatedAt: r.CreatedAt.UTC(), DaysThreshold: r.DaysThreshold,
	}
}
