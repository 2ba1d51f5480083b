package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// ReadTogether runs reads in ONE database round trip: each read calls exactly one sqlc query method with the
// DBTX it is given, and the statements go out as one pipelined batch on one connection (one implicit
// transaction), their results coming back in order. sqlc builds each statement's arguments and scans its
// rows, so nothing here knows a query: each read is called twice, first to record its statement (the query
// method returns at once with an error the read must pass back), then to read its results from the batch.
// A read must therefore only keep what it gets on the second call, and return the query method's error.
//
// A batch is not repeated by dbpool.DB, so when the connection turns out to be lost the reads run once
// more one after another on db, which repeats each on a live connection and sweeps the dead ones (two round
// trips, only after a failover or a restart of PostgreSQL). Any other error is returned as it is.
func ReadTogether(ctx context.Context, db *dbpool.DB, reads ...func(dbsqlc.DBTX) error) error {
	rec := &recorder{}
	for i, read := range reads {
		if err := read(rec); !errors.Is(err, errRecorded) || len(rec.batch.QueuedQueries) != i+1 {
			return fmt.Errorf("error pipelining read %d: it must run exactly one sqlc statement (got %v)", i, err)
		}
	}
	err := readBatch(ctx, db, &rec.batch, reads)
	if !dbpool.ConnectionLost(err) || ctx.Err() != nil {
		return err
	}
	for _, read := range reads {
		if err := read(db.Reads()); err != nil {
			return err
		}
	}
	return nil
}

// readBatch sends batch and hands its results to reads, in order.
func readBatch(ctx context.Context, db *dbpool.DB, batch *pgx.Batch, reads []func(dbsqlc.DBTX) error) (err error) {
	br := db.SendBatch(ctx, batch)
	defer func() {
		if cerr := br.Close(); err == nil {
			err = cerr
		}
	}()
	rp := &replayer{br: br, batch: batch}
	for _, read := range reads {
		if err := read(rp); err != nil {
			return err
		}
	}
	return nil
}

// errRecorded is what the recorder answers every statement with: the statement is queued, not run.
var errRecorded = errors.New("statement recorded for a pipelined batch")

// recorder is the DBTX of ReadTogether's first pass: it queues each statement with its arguments.
type recorder struct{ batch pgx.Batch }

func (r *recorder) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	r.batch.Queue(sql, args...)
	return pgconn.CommandTag{}, errRecorded
}

func (r *recorder) Query(_ context.Context, sql string, args ...any) (pgx.Rows, error) {
	r.batch.Queue(sql, args...)
	return nil, errRecorded
}

func (r *recorder) QueryRow(_ context.Context, sql string, args ...any) pgx.Row {
	r.batch.Queue(sql, args...)
	return errRow{errRecorded}
}

func (r *recorder) SendBatch(context.Context, *pgx.Batch) pgx.BatchResults {
	return errBatch{err: errors.New("a pipelined read cannot send a batch of its own")}
}

// replayer is the DBTX of ReadTogether's second pass: each statement reads the next result of the batch,
// after checking it is the statement recorded in that place.
type replayer struct {
	br    pgx.BatchResults
	batch *pgx.Batch
	next  int
}

// take checks that sql is the next recorded statement and moves past it.
func (r *replayer) take(sql string) error {
	if r.next >= len(r.batch.QueuedQueries) || r.batch.QueuedQueries[r.next].SQL != sql {
		return errors.New("error reading a pipelined batch: a read ran a statement it had not recorded")
	}
	r.next++
	return nil
}

func (r *replayer) Exec(_ context.Context, sql string, _ ...any) (pgconn.CommandTag, error) {
	if err := r.take(sql); err != nil {
		return pgconn.CommandTag{}, err
	}
	return r.br.Exec()
}

func (r *replayer) Query(_ context.Context, sql string, _ ...any) (pgx.Rows, error) {
	if err := r.take(sql); err != nil {
		return nil, err
	}
	return r.br.Query()
}

func (r *replayer) QueryRow(_ context.Context, sql string, _ ...any) pgx.Row {
	if err := r.take(sql); err != nil {
		return errRow{err}
	}
	return r.br.QueryRow()
}

func (r *replayer) SendBatch(context.Context, *pgx.Batch) pgx.BatchResults {
	return errBatch{err: errors.New("a pipelined read cannot send a batch of its own")}
}

// errRow is a row whose Scan fails with err.
type errRow struct{ err error }

func (e errRow) Scan(...any) error { return e.err }

// errBatch is batch results that fail with err (a pipelined read cannot use sqlc's batch queries).
type errBatch struct {
	pgx.BatchResults // nil: only the methods below are ever called
	err              error
}

func (e errBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, e.err }
func (e errBatch) Query() (pgx.Rows, error)         { return nil, e.err }
func (e errBatch) QueryRow() pgx.Row                { return errRow{e.err} }
func (e errBatch) Close() error                     { return e.err }
