package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/homekeep/homekeep/internal/app/operator"
	"github.com/homekeep/homekeep/internal/app/seed"
	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/boardversion"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/jobs"
	"github.com/homekeep/homekeep/internal/migrate"
	"github.com/homekeep/homekeep/internal/refcache"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

// errNoDatabaseURL is what every command that needs PostgreSQL says when DATABASE_URL is unset.
var errNoDatabaseURL = errors.New("DATABASE_URL: want a PostgreSQL URL such as postgres://user@host:5432/homekeep")

// operatorMaxConns is the pool of a one-off command: one connection for its statements, one for goose's
// session lock.
const operatorMaxConns = 2

// Operator runs the operator's one-off commands (homekeep migrate, seed and users) against the PostgreSQL
// and Valkey the servers use, and tells running servers what changed. It builds the caches an action must
// reach exactly as a server does (same keys, same prefix), so cmd/homekeep only parses flags and prints.
// Valkey is connected on first need, so migrations neither wait for it nor warn about it. An Operator
// serves one command: its methods are not safe for concurrent use.
type Operator struct {
	cfg    config.Config
	log    *slog.Logger
	pool   *pgxpool.Pool
	valkey *valkeyconn.Conn // nil until an action needs it, or when VALKEY_URL is unset
}

// OpenOperator opens a small pool on cfg.DatabaseURL. Close releases it.
func OpenOperator(ctx context.Context, cfg config.Config, log *slog.Logger) (*Operator, error) {
	if cfg.DatabaseURL == "" {
		return nil, errNoDatabaseURL
	}
	pool, err := dbpool.New(ctx, dbpool.Options{URL: cfg.DatabaseURL, MaxConns: operatorMaxConns,
		NoSessionState: cfg.DBPooler == config.PoolerPgBouncerTransaction})
	if err != nil {
		return nil, err
	}
	return &Operator{cfg: cfg, log: log, pool: pool}, nil
}

// Close closes the Valkey connection, when one was opened, and the pool.
func (o *Operator) Close() {
	if o.valkey != nil {
		o.valkey.Close()
	}
	o.pool.Close()
}

// connectValkey returns the Valkey connection, opening it the first time, or nil when VALKEY_URL is unset.
// An unreachable Valkey still gives a connection (it retries in the background); its calls then fail.
func (o *Operator) connectValkey(ctx context.Context) (*valkeyconn.Conn, error) {
	if o.valkey != nil || o.cfg.ValkeyURL == "" {
		return o.valkey, nil
	}
	conn, err := valkeyconn.Connect(ctx, o.cfg.ValkeyURL, o.log, valkeyconn.WithCallTimeout(o.cfg.ValkeyTimeout))
	if err != nil {
		return nil, err
	}
	o.valkey = conn
	return conn, nil
}

// Migrate applies pending migrations, then seeds the reference data of a database that has none (a new
// one), so no separate command is needed before it is usable. When nothing is pending and reference data
// exists, that is two cheap queries.
func (o *Operator) Migrate(ctx context.Context) error {
	_, err := migrateAndSeed(ctx, o.cfg, o.pool, o.log)
	return err
}

// MigrateDown rolls back the last applied Homekeep migration. River's tables stay (they hold the job
// queue); the result says at which version.
func (o *Operator) MigrateDown(ctx context.Context) (migrate.DownResult, error) {
	pool, done, err := lockablePool(ctx, o.cfg, o.pool)
	if err != nil {
		return migrate.DownResult{}, err
	}
	defer done()
	return migrate.Down(ctx, pool)
}

// MigrateStatus lists every migration, river's and then Homekeep's, in the order they apply, with its state.
func (o *Operator) MigrateStatus(ctx context.Context) ([]migrate.State, error) {
	return migrate.Status(ctx, o.pool)
}

// Seed upserts the reference data (see seed.Apply), then drops the static data that running servers hold
// in Valkey, so they serve the new lists at their next request rather than within a day.
func (o *Operator) Seed(ctx context.Context) error {
	if err := seed.Apply(ctx, o.pool); err != nil {
		return fmt.Errorf("error seeding reference data: %w", err)
	}
	shared, err := o.connectValkey(ctx)
	if err != nil || shared == nil {
		return err
	}
	if err := refcache.New(shared, o.cfg.CacheKeyPrefix, StaticDataKey).Invalidate(ctx); err != nil {
		return fmt.Errorf("reference data seeded, but running servers may serve the old copy for up to a day: %w", err)
	}
	boards, err := boardversion.New(boardversion.Options{Conn: shared, KeyPrefix: o.cfg.CacheKeyPrefix, Logger: o.log})
	if err != nil {
		return err
	}
	defer boards.Close()
	if err := boards.BumpLookups(ctx); err != nil {
		return fmt.Errorf("reference data seeded, but running servers may show the old names on boards until a task changes: %w", err)
	}
	return nil
}

// NoAccountError is returned when no account has the email an operator named.
type NoAccountError struct{ Email string }

// Error names the email, in one line that the command prints as it is.
func (e *NoAccountError) Error() string { return fmt.Sprintf("no account has the email %q", e.Email) }

// AccountChange says how an activation or deactivation reached the running servers.
type AccountChange struct {
	// ValkeyUnreachable is set when Valkey is configured but did not answer: the change is made in
	// PostgreSQL, where the revocation of the account's tokens is recorded, and running servers apply it
	// within ApplyWithin of reaching Valkey.
	ValkeyUnreachable error
	ApplyWithin       time.Duration
}

// DeactivateUser deactivates the account with this email (case-insensitively), revokes its tokens and
// evicts it on every running server, as a logout would. It works while Valkey is unreachable (see
// AccountChange). An unknown email is a *NoAccountError.
func (o *Operator) DeactivateUser(ctx context.Context, email string) (AccountChange, error) {
	return o.setUserActive(ctx, email, false)
}

// ActivateUser lets the account with this email sign in again. An unknown email is a *NoAccountError.
func (o *Operator) ActivateUser(ctx context.Context, email string) (AccountChange, error) {
	return o.setUserActive(ctx, email, true)
}

func (o *Operator) setUserActive(ctx context.Context, email string, active bool) (AccountChange, error) {
	var change AccountChange
	shared, err := o.connectValkey(ctx)
	if err != nil {
		return change, err
	}
	if shared != nil {
		if err := shared.Ping(ctx); err != nil {
			change = AccountChange{ValkeyUnreachable: err, ApplyWithin: jobs.RevocationDeliveryInterval}
			shared = nil // revocations are recorded in PostgreSQL; the servers deliver them
		}
	}
	auth, err := authcache.New(authcache.Options{Shared: shared, KeyPrefix: o.cfg.CacheKeyPrefix,
		TokenTTL: o.cfg.TokenCacheTTL, UserTTL: o.cfg.UserCacheTTL, UserCacheSize: 1, Logger: o.log})
	if err != nil {
		return change, err
	}
	defer auth.Close()
	found, err := operator.SetUserActive(ctx, o.pool, auth, email, active)
	if err != nil {
		return change, err
	}
	if !found {
		return change, &NoAccountError{Email: email}
	}
	return change, nil
}

// SetTier gives the account with this email a tier until until (nil: no end), as an operator's grant. An
// unknown email is a *NoAccountError.
func (o *Operator) SetTier(ctx context.Context, email, tier string, until *time.Time) error {
	found, err := operator.SetTier(ctx, o.pool, email, tier, until)
	if err != nil {
		return err
	}
	if !found {
		return &NoAccountError{Email: email}
	}
	return nil
}

// SetLimitations turns the subscription tiers' limits on or off (`homekeep settings limitations on|off`):
// creates read the switch in their own statement at once, and the paywall document running servers cache
// for GET /subscription is dropped in Valkey, so every server shows the change on its next request.
func (o *Operator) SetLimitations(ctx context.Context, on bool) error {
	if err := operator.SetLimitations(ctx, o.pool, on); err != nil {
		return err
	}
	shared, err := o.connectValkey(ctx)
	if err != nil || shared == nil {
		return err
	}
	paywall := refcache.New(shared, o.cfg.CacheKeyPrefix, PaywallKey)
	defer paywall.Close()
	if err := paywall.Invalidate(ctx); err != nil {
		return fmt.Errorf("limitations switched, but running servers may show the old setting in GET /subscription for up to a day: %w", err)
	}
	return nil
}

// Jobs reads the job queue for `homekeep jobs`: how many jobs of each kind are in each state, and the last
// maxErrors errors. It only reads.
func (o *Operator) Jobs(ctx context.Context, maxErrors int) (operator.JobReport, error) {
	r, err := operator.Jobs(ctx, o.pool, maxErrors)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table
		return r, errors.New("the job tables do not exist yet: run `homekeep migrate up` (or start `homekeep serve`)")
	}
	return r, err
}
