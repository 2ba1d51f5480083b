package accounts

import "github.com/homekeep/homekeep/internal/gen/dbsqlc"

// profileUser is the user of a profile update's row, which also names the residences whose boards show the
// user (for their version bump) and so cannot be converted.
func profileUser(r *dbsqlc.UserUpdateProfileRow) *dbsqlc.User {
	return &dbsqlc.User{
		ID: r.ID, Email: r.Email, PasswordHash: r.PasswordHash, FirstName: r.FirstName, LastName: r.LastName,
		Timezone: r.Timezone, IsActive: r.IsActive, EmailVerifiedAt: r.EmailVerifiedAt, LastLoginAt: r.LastLoginAt,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, DaysThreshold: r.DaysThreshold,
	}
}
