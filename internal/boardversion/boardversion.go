package boardversion

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"time"

	"github.com/homekeep/homekeep/internal/txscope"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

const (
	// LocalTTLDefault is how long a version lives in process without Valkey: the longest a process without
	// Valkey may answer 304 for a board another process changed, as long as it may use a residence list
	// another process changed (accesscache). Each expiry costs each board one statement and one download.
	LocalTTLDefault = 5 * time.Minute
	// RetryInterval is how often a dirty process (a bump failed) retries bumping the lookups version.
	RetryInterval = time.Second
)

// Options configures New.
type Options struct {
	// Conn is the Valkey connection; nil keeps the versions in process.
	Conn *valkeyconn.Conn
	// KeyPrefix goes in front of every Valkey key (CACHE_KEY_PREFIX).
	KeyPrefix string
	// Logger reports bumps that failed (Changed) and the recovery from them.
	Logger *slog.Logger
	// LocalTTL bounds a version in process without Valkey; zero means LocalTTLDefault.
	LocalTTL time.Duration
}

// Residence is one residence's state as read before a board's statement.
type Residence struct {
	ID      int64
	Version string
	// Timezone is the residence's IANA timezone, "" when not known yet (the caller reads it from PostgreSQL
	// and hands it to FillTimezones).
	Timezone string
}

// Stamp is what Read returns: the versions a board's ETag is computed from.
type Stamp struct {
	// Lookups is the version of the lookup names (categories, priorities, frequencies) cards show.
	Lookups string
	// Residences holds the residences asked for, in the order asked.
	Residences []Residence
}

// backend is where the versions live: in Valkey (shared.go) or in process (local.go).
type backend interface {
	read(ctx context.Context, ids []int64) (Stamp, error)
	bump(ctx context.Context, ids []int64) error
	bumpLookups(ctx context.Context) error
	setTimezone(ctx context.Context, id int64, tz string) error
	fillTimezones(st Stamp, tz map[int64]string)
	close()
}

// Store holds the board versions. It is safe for concurrent use; a nil *Store bumps nothing.
type Store struct {
	b   backend
	log *slog.Logger
}

// New returns a Store. Close it to stop its background work.
func New(o Options) (*Store, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.LocalTTL <= 0 {
		o.LocalTTL = LocalTTLDefault
	}
	var (
		b   backend
		err error
	)
	if o.Conn == nil {
		b, err = newLocal(o.LocalTTL)
	} else {
		b, err = newShared(o)
	}
	if err != nil {
		return nil, fmt.Errorf("error creating board versions: %w", err)
	}
	return &Store{b: b, log: o.Logger}, nil
}

// Close stops the background work (timezone fills, recovery from a failed bump).
func (s *Store) Close() { s.b.close() }

// Read returns the versions of the lookups and of each residence in ids (in that order), filling the
// missing ones before returning. Warm, with Valkey, it costs no round trip; a fill costs one. An error means
// some version could not be known to be current: serve the board from its statement.
func (s *Store) Read(ctx context.Context, ids []int64) (Stamp, error) {
	st, err := s.b.read(ctx, ids)
	if err != nil {
		return Stamp{}, fmt.Errorf("error reading board versions: %w", err)
	}
	return st, nil
}

// Bump gives each residence a new version, after a write to it committed. An error means some bump may not
// have reached Valkey; the Store then fails its reads until it has recovered (see the package doc).
func (s *Store) Bump(ctx context.Context, ids ...int64) error {
	if s == nil || len(ids) == 0 {
		return nil
	}
	if err := s.b.bump(ctx, ids); err != nil {
		return fmt.Errorf("error bumping board versions: %w", err)
	}
	return nil
}

// Changed is Bump for a write that has committed and must answer success whatever happens: a failure is
// logged, and the Store recovers by itself.
//
// In a request whose statements run in one transaction (txscope), the bump waits for its COMMIT: a board
// read between a bump and the commit would be cached under the new version with the old data.
func (s *Store) Changed(ctx context.Context, ids ...int64) {
	txscope.AfterCommit(ctx, func(ctx context.Context) {
		if err := s.Bump(ctx, ids...); err != nil {
			s.log.WarnContext(ctx, "boards are served from PostgreSQL until Valkey takes a version bump again",
				"residence_ids", ids, "error", err)
		}
	})
}

// BumpLookups changes the version every board's ETag includes: for a change of lookup names (seeding, the
// admin API), which can show on any card.
func (s *Store) BumpLookups(ctx context.Context) error {
	if s == nil {
		return nil
	}
	if err := s.b.bumpLookups(ctx); err != nil {
		return fmt.Errorf("error bumping the lookups version: %w", err)
	}
	return nil
}

// SetTimezone records a residence's timezone and bumps its version, after the residence was created or
// changed; a failure is logged (see Changed).
func (s *Store) SetTimezone(ctx context.Context, id int64, tz string) {
	if s == nil {
		return
	}
	txscope.AfterCommit(ctx, func(ctx context.Context) { // as Changed
		if err := s.b.setTimezone(ctx, id, tz); err != nil {
			s.log.WarnContext(ctx, "boards are served from PostgreSQL until Valkey takes a timezone again",
				"residence_id", id, "error", err)
		}
	})
}

// FillTimezones stores the timezones read from PostgreSQL for the residences of st whose timezone was
// unknown, in the background. A timezone set since (SetTimezone) is never overwritten.
func (s *Store) FillTimezones(st Stamp, tz map[int64]string) { s.b.fillTimezones(st, tz) }

// newVersion returns a fresh random version: 96 bits, so two bumps never meet.
func newVersion() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}
