package dbpool

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// preparePipelined prepares stmts on conn in one round trip and registers each with pgx exactly as
// conn.Prepare(ctx, sql, sql) does, so that pgx then runs any Query or Exec of that SQL as the prepared
// statement. Statements pgx already holds are skipped. Each statement has its own sync point, so one that
// fails (a table not migrated yet) does not keep the others from being prepared; ok reports whether all were.
//
// pgx has no public way to register a statement prepared through pgconn (conn.Prepare sends and waits for
// one statement at a time, ten round trips for ten statements), so registered writes into pgx's map of
// explicitly prepared statements. When a pgx upgrade changes that map, registered reports it and prepare
// falls back to conn.Prepare one statement at a time; TestPreparePipelined then fails, which says so.
func preparePipelined(ctx context.Context, conn *pgx.Conn, stmts []string) (ok bool, err error) {
	known, found := preparedStatements(conn)
	if !found {
		return false, errNoRegistry
	}
	type pending struct{ name, sql string }
	var todo []pending
	for _, sql := range stmts {
		if _, done := known[sql]; !done {
			todo = append(todo, pending{statementName(sql), sql})
		}
	}
	if len(todo) == 0 {
		return true, nil
	}
	p := conn.PgConn().StartPipeline(ctx)
	for _, s := range todo {
		p.SendPrepare(s.name, s.sql, nil)
		p.SendPipelineSync()
	}
	if err := p.Flush(); err != nil {
		return false, fmt.Errorf("error sending the hot statements: %w", err)
	}
	ok = true
	for _, s := range todo {
		res, err := p.GetResults()
		var pgErr *pgconn.PgError
		switch sd, isSD := res.(*pgconn.StatementDescription); {
		case isSD:
			sd.Name, sd.SQL = s.name, s.sql
			known[s.sql] = sd
		case errors.As(err, &pgErr):
			ok = false // this statement stays unprepared; pgx runs it unprepared, planned each time
		default:
			_ = p.Close()
			return false, fmt.Errorf("error preparing the hot statements: %w", errOr(err, res))
		}
		if err := awaitSync(p); err != nil {
			return false, fmt.Errorf("error preparing the hot statements: %w", err)
		}
	}
	if err := p.Close(); err != nil {
		return false, fmt.Errorf("error closing the preparation pipeline: %w", err)
	}
	return ok, nil
}

// planPipelined executes each of stmts, already prepared on conn, once with every argument NULL, in one
// round trip, and discards what they return. Under PlanCacheGeneric the first execution of a prepared
// statement builds the generic plan PostgreSQL then reuses, so the first request to run a hot statement on
// conn finds it planned (and the backend's catalog caches warm: the first statement on a new backend costs
// ~9 ms on an idle machine, the next 0.3 ms). NULL arguments match no row in any hot statement, so
// executing them reads next to nothing. Each statement has its own sync point, so one that fails does not
// keep the others from being planned.
func planPipelined(ctx context.Context, conn *pgx.Conn, stmts []string) error {
	known, found := preparedStatements(conn)
	if !found {
		return errNoRegistry
	}
	var todo []*pgconn.StatementDescription
	for _, sql := range stmts {
		if sd := known[sql]; sd != nil {
			todo = append(todo, sd)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	p := conn.PgConn().StartPipeline(ctx)
	for _, sd := range todo {
		p.SendQueryStatement(sd, make([][]byte, len(sd.ParamOIDs)), nil, nil)
		p.SendPipelineSync()
	}
	if err := p.Flush(); err != nil {
		return fmt.Errorf("error sending the hot statements to plan: %w", err)
	}
	var failed error
	for range todo {
		res, err := p.GetResults()
		if rr, isRR := res.(*pgconn.ResultReader); isRR {
			if _, err := rr.Close(); err != nil && failed == nil {
				failed = err // this statement stays unplanned until a request runs it
			}
		} else if err != nil {
			_ = p.Close()
			return fmt.Errorf("error planning the hot statements: %w", err)
		}
		if err := awaitSync(p); err != nil {
			return fmt.Errorf("error planning the hot statements: %w", err)
		}
	}
	if err := p.Close(); err != nil {
		return fmt.Errorf("error closing the planning pipeline: %w", err)
	}
	if failed != nil {
		return fmt.Errorf("error planning a hot statement: %w", failed)
	}
	return nil
}

// awaitSync reads the sync point that ends one statement's part of a pipeline; on anything else it closes p.
func awaitSync(p *pgconn.Pipeline) error {
	res, err := p.GetResults()
	if err == nil {
		if _, isSync := res.(*pgconn.PipelineSync); !isSync {
			err = fmt.Errorf("unexpected %T", res)
		}
	}
	if err != nil {
		_ = p.Close()
	}
	return err
}

// errNoRegistry means this pgx version keeps its prepared statements elsewhere (see preparePipelined).
var errNoRegistry = errors.New("pgx's map of prepared statements was not found")

func errOr(err error, res any) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("unexpected %T", res)
}

// statementName is the server-side name conn.Prepare(ctx, sql, sql) gives sql, so that statements prepared
// either way are the same to pgx (Deallocate, and a later conn.Prepare that finds it already prepared).
func statementName(sql string) string {
	digest := sha256.Sum256([]byte(sql))
	return "stmt_" + hex.EncodeToString(digest[0:24])
}

// preparedStatements returns pgx's map of conn's explicitly prepared statements, keyed by name (by the SQL
// for those prepared under their SQL), which Query and Exec consult before anything else.
func preparedStatements(conn *pgx.Conn) (map[string]*pgconn.StatementDescription, bool) {
	f := reflect.ValueOf(conn).Elem().FieldByName("preparedStatements")
	if !f.IsValid() || f.Type() != reflect.TypeFor[map[string]*pgconn.StatementDescription]() {
		return nil, false
	}
	//nolint:gosec // G103: reads one field of pgx.Conn whose type was checked just above; see preparePipelined
	m := *(*map[string]*pgconn.StatementDescription)(unsafe.Pointer(f.UnsafeAddr()))
	return m, m != nil
}
