package apierror

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
)

func TestFromDataExceptionIsBadInput(t *testing.T) {
	t.Parallel()
	for _, pg := range []*pgconn.PgError{
		{Code: "22021", Message: `invalid byte sequence for encoding "UTF8": 0x00`},
		{Code: "22P05", Message: "unsupported Unicode escape sequence"},
		{Code: "22003", Message: "numeric field overflow"},
		{Code: "22001", Message: "value too long for type character varying(20)"},
		{Code: "22007", Message: "invalid datetime format"},
	} {
		t.Run(pg.Code, func(t *testing.T) {
			t.Parallel()
			err := fmt.Errorf("error creating residence: %w", pg)
			got := From(err)
			require.Equal(t, http.StatusBadRequest, got.Status)
			require.Equal(t, CodeValidationFailed, got.Code)
			require.NotContains(t, got.Message, pg.Message, "PostgreSQL's text stays in the log")
			require.ErrorIs(t, got, pg)
			level, logged := got.LogLevel()
			require.True(t, logged, "a value only PostgreSQL caught means a check is missing: log it")
			require.Equal(t, slog.LevelWarn, level)
		})
	}
	t.Run("OtherSQLStatesStayServerFaults", func(t *testing.T) {
		t.Parallel()
		got := From(&pgconn.PgError{Code: "42P01", Message: `relation "x" does not exist`})
		require.Equal(t, http.StatusInternalServerError, got.Status)
	})
}

func TestLogLevel(t *testing.T) {
	t.Parallel()
	level, logged := Internal(errors.New("boom")).LogLevel()
	require.True(t, logged)
	require.Equal(t, slog.LevelError, level)
	_, logged = Validation(map[string]string{"x": "is required"}).LogLevel()
	require.False(t, logged, "a client's mistake is not logged")
	_, logged = NotFound("residence").LogLevel()
	require.False(t, logged)
}
