package apierror_test

import (
	"errors"
	"testing"

	"github.com/ogen-go/ogen/ogenerrors"
	"github.com/ogen-go/ogen/validate"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/textinput"
)

// TestEmailFormatNULIsBadText checks that a NUL the email format's check meets first is reported in the
// words of the text check (textinput.Problem), which apierror cannot import.
func TestEmailFormatNULIsBadText(t *testing.T) {
	t.Parallel()
	err := &validate.Error{Fields: []validate.FieldError{{Name: "email",
		Error: errors.New("not printable character (U+0000)")}}}
	e := apierror.From(&ogenerrors.DecodeRequestError{
		OperationContext: ogenerrors.OperationContext{Name: "Register", ID: "register"}, Err: err})
	require.Equal(t, textinput.Problem, e.Fields["email"])
}
