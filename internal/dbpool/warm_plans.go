package dbpool

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// runOnce executes each prepared statement once on conn, with placeholder arguments, in one round trip and
// inside transactions that are rolled back. Preparing parses a statement, but PostgreSQL loads much of what
// planning and executing it need (the catalog entries of the functions, operators and types it uses) only
// at its first execution on a backend: measured at 50 ms RTT, the first board on a fresh connection took
// about 35 ms more than the next, as long as the round trip itself on a fast machine. Running the statements
// here puts that cost on the connection's preparation instead of on its first request.
//
// The arguments are zero values of each parameter's type (” for text and bytea, 0 for numbers, an empty
// array), which match no row. Errors are ignored: the point is only the warming, and a statement that fails
// here is simply planned cold later.
func runOnce(ctx context.Context, conn *pgx.Conn, stmts []*pgconn.StatementDescription) error {
	if len(stmts) == 0 {
		return nil
	}
	p := conn.PgConn().StartPipeline(ctx)
	for _, sd := range stmts {
		// The first ROLLBACK ends the transaction a failure in the previous group left aborted (its own
		// ROLLBACK was skipped with the rest of the group); outside a transaction it is only a warning.
		p.SendQueryParams("ROLLBACK", nil, nil, nil, nil)
		p.SendQueryParams("BEGIN", nil, nil, nil, nil)
		p.SendQueryPrepared(sd.Name, placeholderArgs(sd.ParamOIDs), nil, nil)
		p.SendQueryParams("ROLLBACK", nil, nil, nil, nil)
		p.SendPipelineSync()
	}
	if err := p.Flush(); err != nil {
		_ = p.Close()
		return fmt.Errorf("error sending the warming executions: %w", err)
	}
	for range stmts {
		if err := drainToSync(p); err != nil {
			_ = p.Close()
			return err
		}
	}
	if err := p.Close(); err != nil {
		return fmt.Errorf("error closing the warming pipeline: %w", err)
	}
	// A failure in the last group leaves the session in an aborted transaction.
	if conn.PgConn().TxStatus() != 'I' {
		if _, err := conn.Exec(ctx, "ROLLBACK"); err != nil {
			return fmt.Errorf("error ending the warming transaction: %w", err)
		}
	}
	return nil
}

// drainToSync reads one sync group's results. A statement's own error (a PgError) is expected and skipped;
// any other error means the connection failed.
func drainToSync(p *pgconn.Pipeline) error {
	for {
		res, err := p.GetResults()
		var pgErr *pgconn.PgError
		switch {
		case errors.As(err, &pgErr):
			continue
		case err != nil:
			return fmt.Errorf("error reading the warming executions: %w", err)
		}
		switch r := res.(type) {
		case *pgconn.ResultReader:
			if _, err := r.Close(); err != nil && !errors.As(err, &pgErr) {
				return fmt.Errorf("error reading the warming executions: %w", err)
			}
		case *pgconn.PipelineSync, nil:
			return nil
		}
	}
}

// placeholderArgs are text-format zero values for parameters of the given types; NULL for a type not
// listed.
func placeholderArgs(oids []uint32) [][]byte {
	args := make([][]byte, len(oids))
	for i, oid := range oids {
		switch oid {
		case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID, pgtype.NumericOID, pgtype.Float4OID,
			pgtype.Float8OID, pgtype.OIDOID:
			args[i] = []byte("0")
		case pgtype.BoolOID:
			args[i] = []byte("f")
		case pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.NameOID, pgtype.ByteaOID:
			args[i] = []byte{}
		case pgtype.DateOID:
			args[i] = []byte("2000-01-01")
		case pgtype.TimestamptzOID, pgtype.TimestampOID:
			args[i] = []byte("2000-01-01 00:00:00")
		case pgtype.Int2ArrayOID, pgtype.Int4ArrayOID, pgtype.Int8ArrayOID, pgtype.TextArrayOID,
			pgtype.VarcharArrayOID, pgtype.NumericArrayOID:
			args[i] = []byte("{}")
		}
	}
	return args
}
