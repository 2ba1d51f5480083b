package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// Resources the subscription tiers limit (subscription_tiers; LimitedResource in the spec).
const (
	LimitResidences  = "residences"
	LimitTasks       = "tasks"
	LimitContractors = "contractors"
	LimitDocuments   = "documents"
	LimitFileBytes   = "file_bytes"
)

// LimitRefusal says whether a create of resource that returned no row was refused by the subscription tier:
// the create statements check the tier's limit on the usage row they lock (db/queries), and a refused one
// returns no row, as a failed membership check does. Only then is this read, so a create that succeeds
// costs nothing more. residenceID is the residence the row was to go in (nil: the caller's own residences or
// personal contractors); addBytes the size of the file being stored with it (LimitFileBytes: a file replacing
// another, where the count does not change). It returns the 403
// limit_reached to answer, or nil when the tier allows the create (another check refused it).
func LimitRefusal(ctx context.Context, db dbsqlc.DBTX, userID int64, residenceID *int64, resource string, addBytes int64) error {
	row, err := dbsqlc.New().SubscriptionLimitOf(ctx, db, &dbsqlc.SubscriptionLimitOfParams{
		Resource: resource, ResidenceID: residenceID, UserID: userID})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("error reading the %s limit: %w", resource, err)
	}
	if !row.LimitationsEnabled || (residenceID != nil && row.Role != "owner" && row.Role != "editor") {
		return nil // a viewer or a stranger was refused for that, and learns nothing of the residence's usage
	}
	l := apierror.Limit{Resource: resource, TriggerTitle: row.TriggerTitle, TriggerBody: row.TriggerBody}
	switch {
	case row.MaxCount >= 0 && row.UsedCount >= row.MaxCount:
		l.Limit, l.Usage = row.MaxCount, row.UsedCount
		return apierror.LimitReached(l, fmt.Sprintf("the subscription tier allows %d %s%s", row.MaxCount, resource,
			limitScope(resource, residenceID)))
	case (resource == LimitDocuments || resource == LimitFileBytes) && row.MaxFileBytes >= 0 &&
		row.UsedFileBytes+addBytes > row.MaxFileBytes:
		l.Resource, l.Limit, l.Usage = LimitFileBytes, row.MaxFileBytes, row.UsedFileBytes+addBytes
		if fb, err := dbsqlc.New().SubscriptionLimitOf(ctx, db, &dbsqlc.SubscriptionLimitOfParams{
			Resource: LimitFileBytes, ResidenceID: residenceID, UserID: userID}); err == nil {
			l.TriggerTitle, l.TriggerBody = fb.TriggerTitle, fb.TriggerBody
		}
		return apierror.LimitReached(l, fmt.Sprintf("the subscription tier stores %d bytes of files per residence",
			row.MaxFileBytes))
	}
	return nil
}

// limitScope says what a limit counts over.
func limitScope(resource string, residenceID *int64) string {
	switch {
	case resource == LimitResidences:
		return " owned per account"
	case residenceID == nil:
		return " of your own per account"
	}
	return " per residence"
}
