package admin

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apierror"
)

// TestRequireWriter: owners and admins may change things; a viewer, and a request with no admin, may not.
func TestRequireWriter(t *testing.T) {
	t.Parallel()
	for _, role := range []Role{RoleOwner, RoleAdmin} {
		require.NoError(t, RequireWriter(withPrincipal(context.Background(), Principal{Role: role})), role)
	}
	for _, ctx := range []context.Context{withPrincipal(context.Background(), Principal{Role: RoleViewer}), context.Background()} {
		err := RequireWriter(ctx)
		require.Error(t, err)
		require.Equal(t, 403, apierror.From(err).Status)
		require.Equal(t, apierror.CodeForbidden, apierror.From(err).Code)
	}
}
