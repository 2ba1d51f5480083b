package apierror

import (
	"errors"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// fromDataException maps a PostgreSQL data exception (SQLSTATE class 22: a byte sequence that is not UTF-8,
// a NUL character, a number out of its column's range, text too long for its column) to a 400. Input is
// checked before it reaches PostgreSQL, naming the field; reaching this means a check is missing, so the
// error is logged at warn (see LogLevel) while the client still gets an answer it can act on instead of a
// 500. It returns nil for other errors.
func fromDataException(err error) *Error {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) || !strings.HasPrefix(pg.Code, "22") {
		return nil
	}
	return &Error{Status: http.StatusBadRequest, Code: CodeValidationFailed,
		Message: "a value in the request cannot be stored: text must be valid UTF-8 without NUL characters, " +
			"and numbers and text must be within the limits in the API description",
		Cause: err, missedCheck: true}
}
