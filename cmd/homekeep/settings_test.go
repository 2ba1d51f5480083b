package main

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// TestSettingsLimitations: the operator's switch turns the tiers' limits on and off for the running server's
// next create; a wrong word prints the usage.
func TestSettingsLimitations(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	acct := inst.Register(t)
	env := envOf(map[string]string{"DATABASE_URL": inst.DatabaseURL})
	ctx := context.Background()
	createHome := func() int {
		return inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/residences", Token: acct.Token,
			Body: map[string]any{"name": "Home"}}).Status
	}
	require.Equal(t, http.StatusCreated, createHome())
	require.Equal(t, http.StatusCreated, createHome(), "off by default: unlimited")

	var out, errOut bytes.Buffer
	require.NoError(t, run(ctx, []string{"settings", "limitations", "on"}, env, &out, &errOut), errOut.String())
	require.Equal(t, "limitations on\n", out.String())
	require.Equal(t, http.StatusForbidden, createHome(), "a free account owns at most one residence")

	require.NoError(t, run(ctx, []string{"settings", "limitations", "off"}, env, &out, &errOut))
	require.Equal(t, http.StatusCreated, createHome())

	require.ErrorIs(t, run(ctx, []string{"settings", "limitations", "maybe"}, env, &out, &errOut), errUsage)
}
