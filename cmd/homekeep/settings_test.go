package main

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/testwait"
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

// TestSettingsLimitationsReachEveryServersPaywall: two servers sharing a database and Valkey cache the
// paywall document GET /subscription shows; the operator's switch drops it in Valkey, so both show the new
// setting on their next request.
func TestSettingsLimitationsReachEveryServersPaywall(t *testing.T) {
	t.Parallel()
	url, prefix := apptest.SharedValkey(t)
	a := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix})
	b := apptest.Start(t, apptest.Options{NoSeed: true, DatabaseURL: a.DatabaseURL, ValkeyURL: url, KeyPrefix: prefix})
	acct := a.Register(t)
	shows := func(inst *apptest.Instance) bool {
		return apptest.Expect[client.Subscription](t, inst, apptest.Request{Method: http.MethodGet, Path: "/subscription",
			Token: acct.Token}, http.StatusOK).LimitationsEnabled
	}
	require.False(t, shows(a))
	require.False(t, shows(b), "both servers hold the document now")

	env := envOf(map[string]string{"DATABASE_URL": a.DatabaseURL, "VALKEY_URL": url, "CACHE_KEY_PREFIX": prefix})
	var out, errOut bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"settings", "limitations", "on"}, env, &out, &errOut), errOut.String())
	testwait.Until(t, 5*time.Second, func() bool { return shows(a) && shows(b) },
		"both servers show limitations on (client-side caches hear Valkey's invalidation asynchronously)")
}
