package tasks_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/testvalkey"
)

// boardGet asks for a board, conditionally when inm is set.
func boardGet(t *testing.T, inst *apptest.Instance, acct apptest.Account, path, inm string) apptest.Response {
	t.Helper()
	req := apptest.Request{Method: http.MethodGet, Path: path, Token: acct.Token}
	if inm != "" {
		req.Header = http.Header{"If-None-Match": {inm}}
	}
	return inst.Do(t, req)
}

// cost is what one request cost its process: SQL statements and Valkey round trips.
type cost struct{ statements, valkey int64 }

// measure runs do and returns what it cost inst.
func measure(inst *apptest.Instance, do func()) cost {
	before, trips := inst.Stmts.Snapshot(), valkeyTrips(inst)
	do()
	return cost{inst.Stmts.Statements(before), valkeyTrips(inst) - trips}
}

func valkeyTrips(inst *apptest.Instance) int64 {
	if inst.Valkey == nil {
		return 0
	}
	return inst.Valkey.RoundTrips()
}

// settled waits until a conditional request of acct for the board at path costs nothing: the caches fill
// in the background (the caller's residence list, the versions' client-side copies), and once a 304 is free
// it stays free.
func settled(t *testing.T, inst *apptest.Instance, acct apptest.Account, path, etag string) {
	t.Helper()
	require.Eventually(t, func() bool {
		var status int
		c := measure(inst, func() { status = boardGet(t, inst, acct, path, etag).Status })
		return status == http.StatusNotModified && c == cost{}
	}, 5*time.Second, 10*time.Millisecond, "%s: a conditional request for an unchanged board never became free", path)
}

// TestUnchangedBoardCostsNothing holds the board to its budget (issue 11, goal 2): a board whose residences
// have not changed answers If-None-Match with 304, and an unconditional request from memory, with no SQL
// statement and, warm, no Valkey round trip; the first request after a write runs the one board statement
// and shows the write, on the process that wrote and on another.
func TestUnchangedBoardCostsNothing(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct {
		name   string
		valkey bool
	}{{"WithValkey", true}, {"InProcess", false}} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			var o apptest.Options
			if mode.valkey {
				o.ValkeyURL, o.KeyPrefix = apptest.SharedValkey(t)
			}
			a := apptest.Start(t, o)
			instances := []*apptest.Instance{a}
			if mode.valkey {
				o.DatabaseURL, o.NoSeed = a.DatabaseURL, true
				instances = append(instances, apptest.Start(t, o))
			}
			h := apptest.NewHousehold(t, a)
			second := apptest.CreateResidence(t, a, h.Owner, "Second home")
			// The viewer sees both residences too: its boards are the owner's.
			apptest.Join(t, a, h.Viewer, apptest.ShareCode(t, a, h.Owner, second, "viewer"))
			var taskIDs []int64
			for i, rid := range []int64{h.ResidenceID, second} {
				for j := range 3 {
					taskIDs = append(taskIDs, apptest.CreateTask(t, a, h.Owner, map[string]any{"residence_id": rid,
						"title": fmt.Sprintf("Task %d.%d", i, j), "due_date": time.Now().AddDate(0, 0, j*20-10).Format(time.DateOnly)}))
				}
			}
			for n, path := range []string{"/tasks", h.Path("/tasks")} {
				for _, inst := range instances {
					boardGet(t, inst, h.Owner, path, "") // a process new to the caller tags its first board from its rows
					first := boardGet(t, inst, h.Owner, path, "")
					require.Equal(t, http.StatusOK, first.Status, string(first.Body))
					etag := first.Header.Get("ETag")
					require.True(t, strings.HasPrefix(etag, `"v`), "%s: a tag from the residences' versions: %s", path, etag)

					settled(t, inst, h.Owner, path, etag)
					for range 5 {
						var r apptest.Response
						c := measure(inst, func() { r = boardGet(t, inst, h.Owner, path, etag) })
						require.Equal(t, http.StatusNotModified, r.Status, path)
						require.Equal(t, etag, r.Header.Get("ETag"))
						require.Equal(t, cost{}, c, "%s: 304 for an unchanged board: no SQL, no Valkey round trip", path)
					}
					settled(t, inst, h.Viewer, path, etag)
					var again apptest.Response
					c := measure(inst, func() { again = boardGet(t, inst, h.Viewer, path, "") })
					require.Equal(t, http.StatusOK, again.Status)
					require.Equal(t, cost{}, c, "%s: an unconditional request for a board built before, by another member: from memory", path)
					require.Equal(t, etag, again.Header.Get("ETag"))
					require.JSONEq(t, string(first.Body), string(again.Body))
				}

				// A write on a: its next board, and b's, is one statement and shows it.
				before := boardGet(t, a, h.Owner, path, "").Header.Get("ETag")
				taskID := taskIDs[n]
				apptest.CompleteTask(t, a, h.Editor, taskID, nil)
				for i, inst := range instances {
					var r apptest.Response
					var c cost
					require.Eventually(t, func() bool {
						c = measure(inst, func() { r = boardGet(t, inst, h.Owner, path, before) })
						return r.Status == http.StatusOK
					}, 5*time.Second, time.Millisecond, "%s: instance %d never saw the completion", path, i)
					require.Equal(t, int64(1), c.statements, "%s: instance %d: the board after a write is one statement", path, i)
					var b client.Board
					r.JSON(t, &b)
					column, _ := apptest.FindCard(b, taskID)
					require.Equal(t, "completed", column, "%s: instance %d shows the write", path, i)
					require.NotEqual(t, before, r.Header.Get("ETag"))
				}
			}
		})
	}
}

// TestBoardETagChangesAtTheResidencesMidnight moves the boards' clock across local midnight in a residence's
// timezone: its boards get a new ETag (cards change column when "today" does), while UTC midnight and
// another residence's midnight leave them alone. The residences have no tasks: PostgreSQL computes each
// card's "today" from its own clock, which the test cannot move, and a board whose rows disagree with the
// clock's date is tagged from its rows instead (TestBoardIsTaggedFromItsRowsWhenTheClocksDisagree).
func TestBoardETagChangesAtTheResidencesMidnight(t *testing.T) {
	t.Parallel()
	auckland, err := time.LoadLocation("Pacific/Auckland")
	require.NoError(t, err)
	var now atomic.Pointer[time.Time]
	set := func(t time.Time) { now.Store(&t) }
	set(time.Date(2030, 6, 14, 23, 59, 0, 0, auckland)) // NZST, UTC+12
	inst := apptest.Start(t, apptest.Options{BoardClock: func() time.Time { return *now.Load() }})
	acct := inst.Register(t)
	var nz, ny client.Residence
	inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/residences", Token: acct.Token,
		Body: map[string]any{"name": "Auckland", "timezone": "Pacific/Auckland"}}).JSON(t, &nz)
	inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/residences", Token: acct.Token,
		Body: map[string]any{"name": "New York", "timezone": "America/New_York"}}).JSON(t, &ny)
	nzPath, nyPath := fmt.Sprintf("/residences/%d/tasks", nz.ID), fmt.Sprintf("/residences/%d/tasks", ny.ID)

	tags := func() map[string]string {
		out := map[string]string{}
		for _, path := range []string{"/tasks", nzPath, nyPath} {
			r := boardGet(t, inst, acct, path, "")
			require.Equal(t, http.StatusOK, r.Status)
			out[path] = r.Header.Get("ETag")
		}
		return out
	}
	tags() // a process new to the caller tags its first board from its rows
	before := tags()
	set(time.Date(2030, 6, 14, 23, 59, 59, 0, auckland))
	require.Equal(t, before, tags(), "a second before Auckland's midnight: nothing changed")
	for path, etag := range before {
		require.Equal(t, http.StatusNotModified, boardGet(t, inst, acct, path, etag).Status, path)
	}

	set(time.Date(2030, 6, 15, 0, 0, 1, 0, auckland))
	after := tags()
	require.NotEqual(t, before["/tasks"], after["/tasks"], "Auckland's new day changes the board of all residences")
	require.NotEqual(t, before[nzPath], after[nzPath], "and Auckland's own board")
	require.Equal(t, before[nyPath], after[nyPath], "New York's day has not changed")
	require.Equal(t, http.StatusOK, boardGet(t, inst, acct, nzPath, before[nzPath]).Status, "the old tag is stale")

	// UTC midnight is at noon in Auckland (and 8 pm in New York): no residence's date changes.
	set(time.Date(2030, 6, 15, 11, 59, 0, 0, auckland))
	atNoon := tags()
	require.Equal(t, after, atNoon, "the same local dates as just after Auckland's midnight")
	set(time.Date(2030, 6, 15, 12, 1, 0, 0, auckland))
	require.Equal(t, atNoon, tags(), "UTC midnight changes no residence's local date")

	// New York's midnight (04:00 in Auckland the next day) changes New York's boards only.
	set(time.Date(2030, 6, 15, 0, 1, 0, 0, mustLoad(t, "America/New_York")))
	nyNewDay := tags()
	require.NotEqual(t, atNoon[nyPath], nyNewDay[nyPath])
	require.NotEqual(t, atNoon["/tasks"], nyNewDay["/tasks"])
	require.Equal(t, atNoon[nzPath], nyNewDay[nzPath], "still the same day in Auckland")
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

// TestBoardIsTaggedFromItsRowsWhenTheClocksDisagree runs the boards' clock a day ahead of PostgreSQL's: the
// cards carry PostgreSQL's "today", which is not the date the versions' tag would stand for, so the board is
// tagged from its rows and not cached, rather than be served under a tag that a later day could match.
func TestBoardIsTaggedFromItsRowsWhenTheClocksDisagree(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{BoardClock: func() time.Time { return time.Now().Add(36 * time.Hour) }})
	acct := inst.Register(t)
	rid := apptest.CreateResidence(t, inst, acct, "Skewed")
	apptest.CreateTask(t, inst, acct, map[string]any{"residence_id": rid, "title": "Due today",
		"due_date": time.Now().UTC().Format(time.DateOnly)})
	boardGet(t, inst, acct, "/tasks", "") // the caller's residence list is cached
	for range 2 {
		var r apptest.Response
		c := measure(inst, func() { r = boardGet(t, inst, acct, "/tasks", "") })
		require.Equal(t, http.StatusOK, r.Status)
		require.False(t, strings.HasPrefix(r.Header.Get("ETag"), `"v`), "tagged from its rows: %s", r.Header.Get("ETag"))
		require.Equal(t, int64(1), c.statements, "never served from memory")
	}
}

// TestBoardsWhenValkeyIsDown stops a Valkey of the test's own (it keeps its keys, as a managed one does):
// boards are served from their statement, correct, and a write made meanwhile is not hidden by a 304 once
// Valkey is back with the versions it had before the write.
func TestBoardsWhenValkeyIsDown(t *testing.T) {
	t.Parallel()
	server := testvalkey.StartServer(t)
	a := apptest.Start(t, apptest.Options{ValkeyURL: server.URL(), KeyPrefix: "down:"})
	h := apptest.NewHousehold(t, a)
	taskID := apptest.CreateTask(t, a, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Clean the gutters"})
	boardGet(t, a, h.Owner, "/tasks", "") // a process new to the caller tags its first board from its rows
	first := boardGet(t, a, h.Owner, "/tasks", "")
	versionTag := first.Header.Get("ETag")
	require.True(t, strings.HasPrefix(versionTag, `"v`), versionTag)
	require.Equal(t, http.StatusNotModified, boardGet(t, a, h.Owner, "/tasks", versionTag).Status)

	server.Stop(t)
	// Until the process notices the connection is gone (at once, as a rule), its copies of the versions are
	// still the current ones; then valkey-go drops them, and boards come from their statement.
	var r apptest.Response
	require.Eventually(t, func() bool {
		r = boardGet(t, a, h.Owner, "/tasks", versionTag)
		return r.Status == http.StatusOK
	}, 5*time.Second, 10*time.Millisecond, "without Valkey the board comes from its statement")
	rowTag := r.Header.Get("ETag")
	require.False(t, strings.HasPrefix(rowTag, `"v`), "tagged from its rows: %s", rowTag)
	require.JSONEq(t, string(first.Body), string(r.Body))
	require.Equal(t, http.StatusNotModified, boardGet(t, a, h.Owner, "/tasks", rowTag).Status, "row tags still give 304s")

	apptest.CompleteTask(t, a, h.Editor, taskID, nil) // its version bump cannot reach Valkey
	r = boardGet(t, a, h.Owner, "/tasks", rowTag)
	require.Equal(t, http.StatusOK, r.Status)
	var b client.Board
	r.JSON(t, &b)
	column, _ := apptest.FindCard(b, taskID)
	require.Equal(t, "completed", column, "the write shows while Valkey is down")

	server.Start(t)
	// Valkey has the residence's version from before the completion. The tag a client got then must not
	// be answered 304; once boards are tagged from versions again, they show the completion.
	require.Eventually(t, func() bool {
		r := boardGet(t, a, h.Owner, "/tasks", versionTag)
		require.NotEqual(t, http.StatusNotModified, r.Status, "a tag from before the write is stale")
		return strings.HasPrefix(r.Header.Get("ETag"), `"v`)
	}, 10*time.Second, 20*time.Millisecond, "boards are tagged from versions again once Valkey is back")
	r = boardGet(t, a, h.Owner, "/tasks", "")
	r.JSON(t, &b)
	column, _ = apptest.FindCard(b, taskID)
	require.Equal(t, "completed", column)
}
