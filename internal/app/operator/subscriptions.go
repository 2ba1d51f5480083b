package operator

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// Tiers an operator may set.
var tiers = map[string]bool{"free": true, "pro": true}

// ErrUnknownTier is a tier an operator may not set (only free and pro).
var ErrUnknownTier = errors.New("unknown tier: want free or pro")

// SetTierByID is SetTier for the account id, run on db (the admin API's transaction, with its audit row).
// It reports whether the account exists; a tier other than free or pro is ErrUnknownTier.
func SetTierByID(ctx context.Context, db dbsqlc.DBTX, id int64, tier string, until *time.Time) (bool, error) {
	if !tiers[tier] {
		return false, fmt.Errorf("%w (got %q)", ErrUnknownTier, tier)
	}
	_, err := dbsqlc.New().AppUserSetTier(ctx, db, &dbsqlc.AppUserSetTierParams{ID: id, Tier: tier, EntitledUntil: until})
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("error setting the tier: %w", err)
	}
	return true, nil
}

// SetTier gives the account with this email the tier, as an operator's grant, until until (nil: no end). It
// reports whether an account has this email. The tier applies from the account's next request: limits are
// read with each create (the subscriptions table), not from a cache.
func SetTier(ctx context.Context, db dbsqlc.DBTX, email, tier string, until *time.Time) (bool, error) {
	if !tiers[tier] {
		return false, fmt.Errorf("unknown tier %q: want free or pro", tier)
	}
	_, err := dbsqlc.New().SubscriptionSetByOperator(ctx, db, &dbsqlc.SubscriptionSetByOperatorParams{
		Email: email, Tier: tier, EntitledUntil: until})
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("error setting the tier: %w", err)
	}
	return true, nil
}

// SetLimitations turns the subscription tiers' limits on or off for every account (off: everything is
// unlimited, the default of a self-hosted installation).
func SetLimitations(ctx context.Context, db dbsqlc.DBTX, on bool) error {
	if _, err := dbsqlc.New().AppSettingsSetLimitations(ctx, db, on); err != nil {
		return fmt.Errorf("error switching limitations: %w", err)
	}
	return nil
}
