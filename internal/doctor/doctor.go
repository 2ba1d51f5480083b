package doctor

import (
	"context"
	"fmt"
	"time"

	"github.com/homekeep/homekeep/internal/config"
)

// checkTimeout bounds each server's checks, so an address that drops packets fails instead of hanging.
const checkTimeout = 15 * time.Second

// Run checks PostgreSQL and Valkey as cfg configures them and returns what it found. A server that cannot
// be reached is a failed check in the report, not an error: the report says which host.
func Run(ctx context.Context, cfg config.Config) *Report {
	r := &Report{Pool: Pool{MaxConns: cfg.DBMaxConns, MinConns: cfg.DBMinConns, MaxConnLifetime: cfg.DBMaxConnLifetime,
		MaxConnIdleTime: cfg.DBMaxConnIdleTime, Pooler: cfg.DBPooler, PlanCacheMode: cfg.DBPlanCacheMode}}
	if cfg.DatabaseURL == "" {
		r.add("postgres", StatusFail, "DATABASE_URL is unset: want a PostgreSQL URL such as postgres://user@host:5432/homekeep")
	} else {
		pctx, cancel := context.WithTimeout(ctx, checkTimeout)
		checkPostgres(pctx, cfg, r)
		cancel()
	}
	vctx, cancel := context.WithTimeout(ctx, checkTimeout)
	checkValkey(vctx, cfg.ValkeyURL, r)
	cancel()
	return r
}

// ms formats d in milliseconds with two decimals: round trips on one host are a fraction of one.
func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
