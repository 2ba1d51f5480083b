package notifications_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/app/delivery"
	"github.com/homekeep/homekeep/internal/app/reminders"
	"github.com/homekeep/homekeep/internal/apptest"
)

// TestEnglishCatalogMatchesTheFeed: every statement that writes a feed row stores the values its text is made
// of, and the push catalog's English renders exactly the feed's text from them, so a push in English reads
// as the feed does and the German one says the same.
func TestEnglishCatalogMatchesTheFeed(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})
	h := apptest.NewHousehold(t, inst) // the joins notify the owner
	task := apptest.CreateTask(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Service the boiler",
		"assigned_to": h.Editor.ID, "due_date": time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)})
	apptest.CompleteTask(t, inst, h.Editor, task, nil)
	other := apptest.CreateTask(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Clean gutters"})
	r := inst.Do(t, apptest.Request{Method: http.MethodPatch, Path: fmt.Sprintf("/tasks/%d", other), Token: h.Owner.Token,
		Body: map[string]any{"assigned_to": h.Viewer.ID, "due_date": time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	apptest.CreateDocument(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Boiler warranty",
		"type": "warranty", "expiry_date": time.Now().UTC().AddDate(0, 0, 7).Format(time.DateOnly)})
	apptest.CreateDocument(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Fridge warranty",
		"type": "warranty", "expiry_date": time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)})

	pool, err := pgxpool.New(t.Context(), inst.DatabaseURL)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	// Every member's reminder hour is now, so the planner writes due-soon and warranty reminders.
	_, err = pool.Exec(t.Context(), `INSERT INTO notification_preferences SELECT u.id, d.* , now()
		FROM users u CROSS JOIN notification_preference_defaults d ON CONFLICT DO NOTHING`)
	require.NoError(t, err)
	_, err = pool.Exec(t.Context(), `UPDATE notification_preferences SET reminder_hour = $1`, time.Now().UTC().Hour())
	require.NoError(t, err)
	_, err = reminders.Plan(t.Context(), pool, time.Now(), reminders.GraceDefault)
	require.NoError(t, err)

	rows, err := pool.Query(t.Context(), `SELECT kind, title, body, params FROM notifications WHERE user_id = ANY($1) ORDER BY id`,
		[]int64{h.Owner.ID, h.Editor.ID, h.Viewer.ID})
	require.NoError(t, err)
	type feedRow struct {
		Kind, Title, Body string
		Params            []byte
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[feedRow])
	require.NoError(t, err)
	kinds := map[string]bool{}
	for _, row := range got {
		kinds[row.Kind] = true
		title, body, ok := delivery.Localize("en-US", row.Kind, row.Params)
		require.True(t, ok, "%s: %s", row.Kind, row.Params)
		require.Equal(t, row.Title, title, "%s title", row.Kind)
		require.Equal(t, row.Body, body, "%s body", row.Kind)
		de, _, ok := delivery.Localize("de-DE", row.Kind, row.Params)
		require.True(t, ok)
		require.NotEqual(t, title, de, "%s has German text", row.Kind)
	}
	require.Equal(t, map[string]bool{"member_joined": true, "task_assigned": true, "task_completed": true,
		"task_due_soon": true, "warranty_expiring": true}, kinds, "every writer but the overdue reminder, whose template the due-soon one shares")
}
