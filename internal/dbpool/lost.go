package dbpool

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// ConnectionLost reports whether err means the connection a statement ran on is gone: PostgreSQL terminated
// its backend (pg_terminate_backend, a shutdown, a failover, a pooler restart: SQLSTATE 57P01, 57P02, any
// FATAL or PANIC, class 08), or the socket was closed or reset under it. Such a connection is closed by pgx
// and dropped by the pool when released; the error says nothing about the statement itself.
//
// It is false for a connection that could not be opened (*pgconn.ConnectError: PostgreSQL is down, so a
// retry would fail the same way), for timeouts and cancellations (the statement may still be running), and
// for every error PostgreSQL reports about a statement.
func ConnectionLost(err error) bool {
	if err == nil {
		return false
	}
	var connect *pgconn.ConnectError
	if errors.As(err, &connect) || pgconn.Timeout(err) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		severity := pgErr.SeverityUnlocalized
		if severity == "" {
			severity = pgErr.Severity
		}
		switch {
		case severity == "FATAL", severity == "PANIC", strings.HasPrefix(pgErr.Code, "08"):
			return true
		}
		switch pgErr.Code {
		case "57P01", "57P02", "57P03": // admin_shutdown, crash_shutdown, cannot_connect_now
			return true
		}
		return false
	}
	if errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var netErr net.Error
	return errors.As(err, &netErr) && !netErr.Timeout() // reset, broken pipe, closed socket
}
