package dbpool

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// UnreachableError is a failure to connect to PostgreSQL told in one line an operator can act on: where, what
// went wrong, what to check. pgx's own message names the user and database but not the address, and repeats
// itself once per attempt (with and without TLS, per host).
type UnreachableError struct {
	// Addr is host:port, or the socket path.
	Addr   string
	Reason string
	Hint   string
	Err    error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot connect to PostgreSQL at %s: %s; %s", e.Addr, e.Reason, e.Hint)
}

// Unwrap returns pgx's error.
func (e *UnreachableError) Unwrap() error { return e.Err }

// Explain returns err as an *UnreachableError when it is (or wraps) a failure to open a connection, and err
// unchanged otherwise, or when the attempt was cancelled.
func Explain(err error) error {
	var ce *pgconn.ConnectError
	if !errors.As(err, &ce) || ce.Config == nil || errors.Is(err, context.Canceled) {
		return err
	}
	e := &UnreachableError{Addr: address(ce.Config), Hint: "check DATABASE_URL and that the server is running", Err: err}
	var (
		pgErr  *pgconn.PgError
		dnsErr *net.DNSError
		netErr net.Error
	)
	switch {
	case errors.As(err, &pgErr):
		e.Reason = pgErr.Message
		switch pgErr.Code {
		case "28P01", "28000":
			e.Hint = "check the user and password in DATABASE_URL and the server's pg_hba.conf"
		case "3D000":
			e.Hint = "check the database name in DATABASE_URL, or create the database"
		case "53300":
			e.Hint = "lower DB_MAX_CONNS or raise the server's max_connections"
		case "57P03":
			e.Hint = "wait until the server has started, then try again"
		}
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Reason = "connection refused"
	case errors.As(err, &dnsErr):
		e.Reason = "cannot resolve host " + strconv.Quote(dnsErr.Name)
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		e.Reason = "timed out"
		e.Hint = "check DATABASE_URL, that the server is running and that a firewall lets the connection through"
	default:
		e.Reason = innermost(err)
	}
	return e
}

// address is where cfg connects: host:port, or the Unix socket's path.
func address(cfg *pgconn.Config) string {
	if strings.HasPrefix(cfg.Host, "/") {
		return fmt.Sprintf("%s/.s.PGSQL.%d", cfg.Host, cfg.Port)
	}
	return net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
}

// innermost is the first line of the deepest error in err's chain, which says what actually failed.
func innermost(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			break
		}
		err = next
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}
