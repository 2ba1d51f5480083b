package apierror

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/ogen-go/ogen/ogenerrors"
	"github.com/stretchr/testify/require"
)

func TestFromLostDatabaseConnectionIs503(t *testing.T) {
	t.Parallel()
	terminated := &pgconn.PgError{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: "57P01",
		Message: "terminating connection due to administrator command"}
	for name, err := range map[string]error{
		"BackendTerminated":  fmt.Errorf("error creating residence: %w", terminated),
		"CrashShutdown":      &pgconn.PgError{Severity: "FATAL", Code: "57P02"},
		"ServerStartingUp":   &pgconn.PgError{Severity: "FATAL", Code: "57P03"},
		"ConnectionFailure":  &pgconn.PgError{Severity: "ERROR", Code: "08006"},
		"TooManyConnections": &pgconn.PgError{Severity: "FATAL", Code: "53300"},
		"ClosedConnection":   fmt.Errorf("error loading board: %w", pgconn.ErrConnClosed),
		"EOFOnTheWire":       fmt.Errorf("error loading board: %w", io.EOF),
		"ConnectionReset": fmt.Errorf("error loading board: %w",
			&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := From(err)
			require.Equal(t, http.StatusServiceUnavailable, got.Status, "%v", err)
			require.Equal(t, CodeUnavailable, got.Code)
		})
	}

	t.Run("StatementErrorsStayWhatTheyAre", func(t *testing.T) {
		t.Parallel()
		got := From(&pgconn.PgError{Severity: "ERROR", Code: "42P01", Message: "relation does not exist"})
		require.Equal(t, http.StatusInternalServerError, got.Status, "a bug in a query is not an outage")
	})
}

func TestFromSecurityError(t *testing.T) {
	t.Parallel()
	op := ogenerrors.OperationContext{Name: "GetMe", ID: "getMe"}
	sec := func(err error) error {
		return &ogenerrors.SecurityError{OperationContext: op, Security: "BearerAuth", Err: err}
	}
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   string
	}{
		{"MissingTokenIs401", sec(ogenerrors.ErrSecurityRequirementIsNotSatisfied), 401, CodeUnauthorized},
		{"RejectedTokenKeepsItsAnswer", sec(Unauthorized(CodeUnauthorized, "the token is invalid")), 401, CodeUnauthorized},
		{"DatabaseUnreachableIs503", sec(fmt.Errorf("error looking up token: %w",
			&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED})), 503, CodeUnavailable},
		{"TerminatedConnectionIs503", sec(fmt.Errorf("error looking up token: %w",
			&pgconn.PgError{Severity: "FATAL", Code: "57P01"})), 503, CodeUnavailable},
		{"OtherServerFaultIs500", sec(errors.New("error looking up token: bug")), 500, CodeInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := From(tt.err)
			require.Equal(t, tt.wantStatus, got.Status, "status for %v", tt.err)
			require.Equal(t, tt.wantCode, got.Code)
		})
	}
}
