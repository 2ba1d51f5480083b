package reference_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/valkey-io/valkey-go"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/service"
	"github.com/homekeep/homekeep/internal/testwait"
)

// staticDataCost sends one GET /static-data and returns its body with the SQL statements and sequential
// database round trips the process spent on it.
func staticDataCost(t *testing.T, inst *apptest.Instance, token string) (data client.StaticData, statements, sequential int64) {
	t.Helper()
	before := inst.Stmts.Snapshot()
	r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/static-data", Token: token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &data)
	return data, inst.Stmts.Statements(before), inst.Stmts.Sequential(before)
}

// displayOrder returns the display order of the residence type called name.
func displayOrder(t *testing.T, data client.StaticData, name string) int32 {
	t.Helper()
	for _, rt := range data.ResidenceTypes {
		if rt.Name == name {
			return rt.DisplayOrder
		}
	}
	t.Fatalf("no residence type %q in %+v", name, data.ResidenceTypes)
	return 0
}

// The round-trip budget (DESIGN.md): the static data costs no database round trip on the first request after
// a deploy, whether the new process seeds (`serve --seed`, as `make run` does) or not, and whether or not
// Valkey held the document when it started.
func TestStaticDataFirstRequestAfterStart(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		// before runs on the first process, which is then stopped; the second one answers the request.
		before func(t *testing.T, a *apptest.Instance, token, prefix string)
		// seed starts the second process with --seed.
		seed bool
		// wantHouse is the display order of "House" the first request must show.
		wantHouse int32
	}{
		{name: "ValkeyHoldsIt", before: fill, wantHouse: 1},
		{name: "ValkeyHoldsItAndTheStartSeeds", before: fill, seed: true, wantHouse: 1},
		{name: "ValkeyNeverHadIt", before: forget, wantHouse: 1},
		{name: "ValkeyNeverHadItAndTheStartSeeds", before: forget, seed: true, wantHouse: 1},
		{
			// An operator changed a lookup behind the cache's back; the seed puts it back, and the process
			// that seeded must not serve Valkey's copy of the changed data.
			name: "TheSeedChangesWhatValkeyHolds",
			before: func(t *testing.T, a *apptest.Instance, token, prefix string) {
				t.Helper()
				apptest.DBExec(t, a, `UPDATE residence_types SET display_order = 42 WHERE name = 'House'`)
				forget(t, a, token, prefix)
				fill(t, a, token, prefix)
				data, _, _ := staticDataCost(t, a, token)
				require.Equal(t, int32(42), displayOrder(t, data, "House"), "Valkey holds the changed data")
			},
			seed: true, wantHouse: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url, prefix := apptest.SharedValkey(t)
			a := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix})
			acct := a.Register(t)
			tt.before(t, a, acct.Token, prefix)
			a.Stop(t)

			b := apptest.Start(t, apptest.Options{NoSeed: !tt.seed, ValkeyURL: url, KeyPrefix: prefix, DatabaseURL: a.DatabaseURL})
			apptest.Warm(t, b, acct.Token) // the token and user, so only the static data can cost anything
			data, statements, sequential := staticDataCost(t, b, acct.Token)
			require.Equal(t, tt.wantHouse, displayOrder(t, data, "House"))
			require.Zero(t, statements, "first request after the start: no SQL statement")
			require.Zero(t, sequential, "first request after the start: no database round trip")
		})
	}
}

// fill requests the static data on a until Valkey holds it (a request costs no statement).
func fill(t *testing.T, a *apptest.Instance, token, _ string) {
	t.Helper()
	testwait.Until(t, 5*time.Second, func() bool {
		_, statements, _ := staticDataCost(t, a, token)
		return statements == 0
	}, "the static data never reached Valkey")
}

// forget deletes the static data from Valkey, as an eviction (allkeys-lru) or an expiry does.
func forget(t *testing.T, a *apptest.Instance, _, prefix string) {
	t.Helper()
	key := prefix + service.StaticDataKey
	require.NoError(t, a.Valkey.Do(context.Background(), func(b valkey.Builder) valkey.Completed {
		return b.Del().Key(key).Build()
	}).Error())
}
