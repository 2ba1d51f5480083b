package testpgbouncer

import (
	"context"
	"fmt"
	"math/big"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// Stats returns pgbouncer's SHOW STATS counters for database (its total_* columns, as the admin console
// names them), so a test can count what reached the server: total_server_parse_count is how many Parse
// messages pgbouncer sent to PostgreSQL for its clients' named prepared statements, total_bind_count how
// many times they were executed. The admin console speaks only the simple protocol.
func (pb *PgBouncer) Stats(t testing.TB, database string) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	u := url.URL{Scheme: "postgres", User: url.User("postgres"), Host: pb.Addr, Path: "/pgbouncer", RawQuery: "sslmode=disable"}
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		t.Fatalf("testpgbouncer: error parsing the admin console's URL: %v", err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("testpgbouncer: error connecting to the admin console: %v", err)
	}
	defer func() { _ = conn.Close(ctx) }()
	rows, err := conn.Query(ctx, "SHOW STATS")
	if err != nil {
		t.Fatalf("testpgbouncer: error reading SHOW STATS: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatalf("testpgbouncer: error reading a SHOW STATS row: %v", err)
		}
		if fmt.Sprint(vals[0]) != database {
			continue
		}
		stats := map[string]int64{}
		for i, fd := range rows.FieldDescriptions() {
			if n, ok := asInt(vals[i]); ok {
				stats[fd.Name] = n
			}
		}
		return stats
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("testpgbouncer: error reading SHOW STATS: %v", err)
	}
	t.Fatalf("testpgbouncer: SHOW STATS has no row for database %q", database)
	return nil
}

// asInt converts a SHOW STATS value (the admin console sends numeric or bigint columns) to an int64.
func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case pgtype.Numeric:
		if !n.Valid || n.Int == nil {
			return 0, false
		}
		i := new(big.Int).Set(n.Int)
		for range n.Exp {
			i.Mul(i, big.NewInt(10))
		}
		return i.Int64(), i.IsInt64()
	default:
		return 0, false
	}
}
