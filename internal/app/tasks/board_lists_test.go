package tasks_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/valkey-io/valkey-go"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
)

// forgetResidenceList deletes the user's cached residence list from Valkey, as its TTL does after a few
// idle minutes, then waits for a reply on inst's own connection: Valkey pushes the invalidation of inst's
// client-side copy before that reply, so inst has dropped its copy when this returns.
func forgetResidenceList(t *testing.T, inst *apptest.Instance, prefix string, userID int64) {
	t.Helper()
	ctx := context.Background()
	key := prefix + "residence_ids_user:" + strconv.FormatInt(userID, 10)
	require.NoError(t, inst.Valkey.Do(ctx, func(b valkey.Builder) valkey.Completed { return b.Del().Key(key).Build() }).Error())
	require.NoError(t, inst.Valkey.Do(ctx, func(b valkey.Builder) valkey.Completed { return b.Ping().Build() }).Error())
}

// TestBoardWithItsResidenceListExpired: when the caller's residence list has dropped out of the access cache
// (its TTL after an idle gap), the board still costs ONE round trip (the list is read in the board's batch)
// and keeps its version tag when the list is the one this process last saw, so an unchanged board is still
// 304; a list that changed meanwhile shows the change.
func TestBoardWithItsResidenceListExpired(t *testing.T) {
	t.Parallel()
	url, prefix := apptest.SharedValkey(t)
	inst := apptest.Start(t, apptest.Options{ValkeyURL: url, KeyPrefix: prefix})
	h := apptest.NewHousehold(t, inst)
	apptest.CreateTask(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Clean the gutters"})

	boardGet(t, inst, h.Owner, "/tasks", "") // a process new to the caller tags its first board from its rows
	first := boardGet(t, inst, h.Owner, "/tasks", "")
	require.Equal(t, http.StatusOK, first.Status)
	etag := first.Header.Get("ETag")
	settled(t, inst, h.Owner, "/tasks", etag)

	t.Run("UnchangedIs304InOneRoundTrip", func(t *testing.T) {
		// A fill queued by an earlier request may put the list back between the deletion and the request
		// (then the board is a 304 with no SQL at all, which is not the state under test): forget it again.
		var before apptest.Snapshot
		var sql []string
		for range 10 {
			forgetResidenceList(t, inst, prefix, h.Owner.ID)
			before = inst.Stmts.Snapshot()
			r := boardGet(t, inst, h.Owner, "/tasks", etag)
			sql = inst.Stmts.Since(before)
			require.Equal(t, http.StatusNotModified, r.Status, "the board did not change: %q", sql)
			if len(sql) > 0 {
				break
			}
		}
		require.Equal(t, int64(1), inst.Stmts.Sequential(before), "one round trip: %q", sql)
		require.Equal(t, int64(1), inst.Stmts.RoundTrips(before), "the list and the board in one batch: %q", sql)
		settled(t, inst, h.Owner, "/tasks", etag) // the list read beside the board was cached again
	})

	t.Run("AChangedListShowsTheChange", func(t *testing.T) {
		// Another household shares its residence, with a task, with the owner: the owner's list changes.
		other := apptest.NewHousehold(t, inst)
		apptest.CreateTask(t, inst, other.Owner, map[string]any{"residence_id": other.ResidenceID, "title": "Bleed the radiators"})
		apptest.Join(t, inst, h.Owner, apptest.ShareCode(t, inst, other.Owner, other.ResidenceID, "viewer"))
		forgetResidenceList(t, inst, prefix, h.Owner.ID)

		before := inst.Stmts.Snapshot()
		r := boardGet(t, inst, h.Owner, "/tasks", etag)
		require.Equal(t, http.StatusOK, r.Status)
		require.Equal(t, int64(1), inst.Stmts.Sequential(before), "one round trip: %q", inst.Stmts.Since(before))
		require.NotEqual(t, etag, r.Header.Get("ETag"))
		var b client.Board
		r.JSON(t, &b)
		var titles []string
		for _, c := range b.Columns {
			for _, task := range c.Tasks {
				titles = append(titles, task.Title)
			}
		}
		require.ElementsMatch(t, []string{"Clean the gutters", "Bleed the radiators"}, titles)
	})
}
