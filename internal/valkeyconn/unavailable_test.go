package valkeyconn_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

func TestErrUnavailableAnswers503(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("error invalidating residence access: %w", valkeyconn.ErrUnavailable)
	require.ErrorIs(t, err, valkeyconn.ErrUnavailable, "callers still match the sentinel")
	got := apierror.From(err)
	require.Equal(t, http.StatusServiceUnavailable, got.Status, "a Valkey that is not connected is an outage, not a bug")
	require.Equal(t, apierror.CodeUnavailable, got.Code)
	require.False(t, errors.Is(errors.New("valkey is not connected"), valkeyconn.ErrUnavailable))
}
