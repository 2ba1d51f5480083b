package service_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
)

// TestNewDatabaseGetsReferenceData checks that a plain `homekeep serve` (migrations on, no --seed) on a new
// database serves the reference lists and accepts tasks that use them, and that a restart leaves the
// reference data alone (an operator's deletions stay deleted) without seeding again.
func TestNewDatabaseGetsReferenceData(t *testing.T) {
	t.Parallel()
	first := apptest.Start(t, apptest.Options{NoSeed: true}) // Migrate on an empty database, no Seed flag
	acct := first.Register(t)

	data := apptest.Expect[client.StaticData](t, first, apptest.Request{Method: http.MethodGet, Path: "/static-data", Token: acct.Token}, http.StatusOK)
	require.NotEmpty(t, data.ResidenceTypes, "residence types")
	require.NotEmpty(t, data.TaskCategories, "task categories")
	require.NotEmpty(t, data.TaskPriorities, "task priorities")
	require.NotEmpty(t, data.TaskFrequencies, "task frequencies")
	require.NotEmpty(t, data.ContractorSpecialties, "contractor specialties")

	residence := apptest.Expect[client.Residence](t, first, apptest.Request{Method: http.MethodPost, Path: "/residences", Token: acct.Token,
		Body: map[string]any{"name": "New home"}}, http.StatusCreated)
	apptest.Expect[client.Task](t, first, apptest.Request{Method: http.MethodPost, Path: "/tasks", Token: acct.Token,
		Body: map[string]any{"residence_id": residence.ID, "title": "Filter", "frequency_id": data.TaskFrequencies[0].ID,
			"category_id": data.TaskCategories[0].ID, "priority_id": data.TaskPriorities[0].ID}}, http.StatusCreated)

	// The operator removes a specialty; a restart must not bring it back, and must not seed at all.
	db, err := pgx.Connect(context.Background(), first.DatabaseURL)
	require.NoError(t, err)
	defer db.Close(context.Background())
	_, err = db.Exec(context.Background(), "DELETE FROM contractor_specialties WHERE name = 'Chimney Sweep'")
	require.NoError(t, err)

	tracer := &apptest.Tracer{}
	apptest.Start(t, apptest.Options{NoSeed: true, DatabaseURL: first.DatabaseURL, Tracer: tracer})
	require.Zero(t, tracer.Snapshot().Batches, "a restart sends no seed batch; statements: %q", tracer.Since(apptest.Snapshot{}))
	var n int
	require.NoError(t, db.QueryRow(context.Background(),
		"SELECT count(*) FROM contractor_specialties WHERE name = 'Chimney Sweep'").Scan(&n))
	require.Zero(t, n, "a restart keeps the operator's reference data as it is")
}
