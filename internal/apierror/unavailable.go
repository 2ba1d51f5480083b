package apierror

import (
	"errors"
	"io"
	"net"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"

	"github.com/homekeep/homekeep/internal/dbpool"
)

// unavailable is implemented by errors of a dependency that is down or not connected (valkeyconn's
// ErrUnavailable is one). Checking the method rather than a sentinel keeps this package from importing
// every client it classifies.
type unavailable interface{ Unavailable() bool }

// isUnavailable reports whether err means PostgreSQL or Valkey could not be reached or went away (refused,
// reset, timed out, pool closed, a connection PostgreSQL terminated in a failover or restart, a server
// starting up or out of connection slots), which the client should retry, rather than a fault in the request
// or the code.
func isUnavailable(err error) bool {
	var (
		connect *pgconn.ConnectError
		netErr  net.Error
		pgErr   *pgconn.PgError
		down    unavailable
	)
	return errors.As(err, &connect) || errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) ||
		(errors.As(err, &down) && down.Unavailable()) || errors.Is(err, puddle.ErrClosedPool) || pgconn.Timeout(err) ||
		dbpool.ConnectionLost(err) ||
		(errors.As(err, &pgErr) && (pgErr.Code == "53300" || pgErr.Code == "57P03")) // too many connections, starting up
}
