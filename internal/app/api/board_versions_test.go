package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/testsmtp"
)

// TestEveryWriteChangesTheBoardsItChanges is generated from api/openapi.yaml: for every write operation
// (POST, PUT, PATCH, DELETE) it builds two households on instance A, performs one valid request of the
// operation through A, and then checks, for every board of every member (the board of all their residences
// and each residence's own):
//
//   - a board whose content changed (the truth: the rows of the board statement, run directly against
//     PostgreSQL before and after) has a new ETag on instance B, which shares PostgreSQL and Valkey with A,
//     within a generous deadline (the observed delay is logged; the target is 10 ms and the bench measures
//     it), and B then serves the new content;
//   - on A, the process that wrote, such a board is not 304 at once, without waiting;
//   - the boards of the unrelated household keep their ETags on both instances (still 304).
//
// Each operation has a driver below (boardWrites). An operation of the spec without one fails the test, as
// does a driver for an operation the spec no longer has; an operation the test cannot drive would be listed
// in undrivenWrites with the reason.
func TestEveryWriteChangesTheBoardsItChanges(t *testing.T) {
	t.Parallel()
	url, prefix := apptest.SharedValkey(t)
	smtp := testsmtp.Start(t)
	g, withGoogle, registerGoogle := startGoogle(t)
	a := apptest.Start(t, apptest.Options{ValkeyURL: url, KeyPrefix: prefix, AppleRoots: testAppleCA(t).Roots,
		Google:    g.Endpoints(),
		Configure: func(c *config.Config) { apptest.WithSMTP(smtp)(c); withApple(c); withGoogle(c) }})
	registerGoogle(a)
	b := apptest.Start(t, apptest.Options{DatabaseURL: a.DatabaseURL, NoSeed: true, ValkeyURL: url, KeyPrefix: prefix})
	pool, err := pgxpool.New(context.Background(), a.DatabaseURL)
	require.NoError(t, err)
	t.Cleanup(pool.Close)

	drivers := boardWrites()
	var writes []specOperation
	for _, op := range specOperations(t) {
		switch op.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
			writes = append(writes, op)
		}
	}
	inSpec := map[string]bool{}
	for _, op := range writes {
		inSpec[op.ID] = true
		_, driven := drivers[op.ID]
		_, excused := undrivenWrites[op.ID]
		require.True(t, driven || excused, "%s %s (%s) has no driver in boardWrites: write one, or list it in undrivenWrites with the reason",
			op.Method, op.Path, op.ID)
	}
	for _, id := range slices.Sorted(maps.Keys(drivers)) {
		require.True(t, inSpec[id], "boardWrites drives %s, which is no write operation of the spec", id)
	}

	for _, op := range writes {
		drive, ok := drivers[op.ID]
		if !ok {
			continue
		}
		t.Run(op.ID, func(t *testing.T) {
			t.Parallel()
			w := newBoardWorld(t, a, smtp)
			if drive.setup != nil {
				drive.setup(t, w)
			}
			watches := w.watches()
			for i := range watches {
				watches[i].observe(t, pool, b)
			}

			r := drive.write(t, w)
			wrote := time.Now()
			require.True(t, r.Status >= 200 && r.Status < 300, "%s %s: the write must succeed: %d %s", op.Method, op.Path, r.Status, r.Body)
			// B is watched from now on, while the test works out which boards changed.
			flips := watchFlips(b, watches)
			// On the process that wrote, at once: no waiting.
			onA := make([]int, len(watches))
			for i := range watches {
				onA[i] = watches[i].get(t, a, watches[i].etag).Status
			}

			var changed []int
			for i := range watches {
				wt := &watches[i]
				wt.after = boardTruth(t, pool, wt.acct, wt.residenceID)
				if wt.after != wt.before && wt.after != accountGone {
					changed = append(changed, i)
					require.NotEqual(t, http.StatusNotModified, onA[i], "%s on A right after the write: its content changed", wt)
				}
			}
			seen := flips.wait(t, changed, 10*time.Second)
			for _, i := range changed {
				wt := &watches[i]
				t.Logf("%s: a new ETag on B %v after the write's response", wt, seen[i].Sub(wrote).Round(10*time.Microsecond))
				resp := wt.get(t, b, "")
				require.NotEqual(t, wt.etag, resp.Header.Get("ETag"), "%s on B", wt)
				if resp.Status == http.StatusOK {
					wt.requireShows(t, pool, resp)
				}
			}
			for _, wt := range watches {
				if wt.unrelated {
					for _, inst := range []*apptest.Instance{b, a} {
						require.Equal(t, http.StatusNotModified, wt.get(t, inst, wt.etag).Status,
							"%s: a board of another household keeps its ETag", wt)
					}
				}
			}
			if len(changed) == 0 {
				t.Logf("%s changes no board", op.ID)
			}
		})
	}
}

// flipWatch polls boards on an instance, round-robin, and records when each first stopped answering 304 to
// the ETag it had before the write.
type flipWatch struct {
	names []string
	mu    sync.Mutex
	first map[int]time.Time
	errs  []error
	stop  chan struct{}
	done  chan struct{}
}

func watchFlips(inst *apptest.Instance, watches []boardWatch) *flipWatch {
	f := &flipWatch{first: map[int]time.Time{}, stop: make(chan struct{}), done: make(chan struct{})}
	for i := range watches {
		f.names = append(f.names, watches[i].String())
	}
	go func() {
		defer close(f.done)
		for {
			for i := range watches {
				select {
				case <-f.stop:
					return
				default:
				}
				f.mu.Lock()
				_, flipped := f.first[i]
				f.mu.Unlock()
				if flipped {
					continue
				}
				r, err := apptest.TryDo(inst, apptest.Request{Method: http.MethodGet, Path: watches[i].path(),
					Token: watches[i].acct.Token, Header: http.Header{"If-None-Match": {watches[i].etag}}})
				at := time.Now()
				f.mu.Lock()
				switch {
				case err != nil:
					f.errs = append(f.errs, err)
				case r.Status != http.StatusNotModified:
					f.first[i] = at
				}
				f.mu.Unlock()
			}
		}
	}()
	return f
}

// wait returns when each board of want has flipped (failing the test after deadline), and stops polling.
func (f *flipWatch) wait(t *testing.T, want []int, deadline time.Duration) map[int]time.Time {
	t.Helper()
	defer func() { close(f.stop); <-f.done }()
	end := time.Now().Add(deadline)
	for {
		f.mu.Lock()
		missing := slices.DeleteFunc(slices.Clone(want), func(i int) bool { _, ok := f.first[i]; return ok })
		errs := slices.Clone(f.errs)
		first := maps.Clone(f.first)
		f.mu.Unlock()
		require.Empty(t, errs, "requests to B failed")
		if len(missing) == 0 {
			return first
		}
		if time.Now().After(end) {
			names := make([]string, len(missing))
			for n, i := range missing {
				names[n] = f.names[i]
			}
			require.Failf(t, "B kept answering 304 although the content changed", "%s", strings.Join(names, "; "))
		}
		time.Sleep(time.Millisecond)
	}
}

// undrivenWrites lists the write operations TestEveryWriteChangesTheBoardsItChanges cannot drive, each
// with the reason. It is empty: every write of the spec has a driver.
var undrivenWrites = map[string]string{}

// boardWorld is what each operation's request acts on: a household (an owner with two residences, an
// editor in both, a viewer in the first), tasks with an assignee, a contractor of the residence and a
// personal one, a completion and a document; an account in no residence; a spare account for the
// account operations; and an unrelated household.
type boardWorld struct {
	inst                                   *apptest.Instance
	smtp                                   *testsmtp.Server
	owner, editor, viewer, stranger, spare apptest.Account
	other                                  apptest.Account // owner of the unrelated household
	r1, r2, rOther                         int64
	// taskA is in r1, assigned to the editor, naming the residence's contractor, completed once;
	// taskB is in r2; taskC is in r1, created by the editor, naming the editor's personal contractor.
	taskA, taskB, taskC, taskOther int64
	completion                     int64
	contractor, personal           int64
	document                       int64
}

func newBoardWorld(t *testing.T, inst *apptest.Instance, smtp *testsmtp.Server) *boardWorld {
	t.Helper()
	// The accounts chose UTC, so r2 (created without a timezone) is in UTC, not in r1's.
	utc := func() apptest.Account { return inst.RegisterIn(t, "UTC") }
	w := &boardWorld{inst: inst, smtp: smtp, owner: utc(), editor: utc(), viewer: utc(), stranger: utc(), spare: utc(),
		other: utc()}
	// r1's day is never UTC's: updateResidence moves it to the other side of the date line.
	w.r1 = createResidenceIn(t, inst, w.owner, "Board world", "Pacific/Pago_Pago")
	w.r2 = apptest.CreateResidence(t, inst, w.owner, "Board world 2")
	w.rOther = apptest.CreateResidence(t, inst, w.other, "Elsewhere")
	apptest.Join(t, inst, w.editor, apptest.ShareCode(t, inst, w.owner, w.r1, "editor"))
	apptest.Join(t, inst, w.editor, apptest.ShareCode(t, inst, w.owner, w.r2, "editor"))
	apptest.Join(t, inst, w.viewer, apptest.ShareCode(t, inst, w.owner, w.r1, "viewer"))
	w.contractor = apptest.CreateContractor(t, inst, w.owner, map[string]any{"residence_id": w.r1, "name": "Pat Plumber"}).ID
	w.personal = apptest.CreateContractor(t, inst, w.editor, map[string]any{"name": "Ed's Electrician"}).ID
	due := time.Now().AddDate(0, 0, 3).Format(time.DateOnly)
	w.taskA = apptest.CreateTask(t, inst, w.owner, map[string]any{"residence_id": w.r1, "title": "Service the boiler",
		"assigned_to": w.editor.ID, "contractor_id": w.contractor, "due_date": due, "frequency_id": 7})
	w.taskB = apptest.CreateTask(t, inst, w.owner, map[string]any{"residence_id": w.r2, "title": "Clean the gutters", "due_date": due})
	w.taskC = apptest.CreateTask(t, inst, w.editor, map[string]any{"residence_id": w.r1, "title": "Check the fuse box",
		"contractor_id": w.personal})
	w.taskOther = apptest.CreateTask(t, inst, w.other, map[string]any{"residence_id": w.rOther, "title": "Elsewhere", "due_date": due})
	w.completion = apptest.CompleteTask(t, inst, w.owner, w.taskA, nil).Completion.ID
	w.document = apptest.CreateDocument(t, inst, w.owner, map[string]any{"residence_id": w.r1, "title": "Boiler manual",
		"task_id": w.taskA}).ID
	return w
}

func createResidenceIn(t *testing.T, inst *apptest.Instance, owner apptest.Account, name, tz string) int64 {
	t.Helper()
	var res client.Residence
	r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/residences", Token: owner.Token,
		Body: map[string]any{"name": name, "timezone": tz}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	r.JSON(t, &res)
	return res.ID
}

// watches lists every board of every account of the world that has residences or may gain one.
func (w *boardWorld) watches() []boardWatch {
	var out []boardWatch
	add := func(name string, acct apptest.Account, unrelated bool, residences ...int64) {
		out = append(out, boardWatch{name: name, acct: acct, unrelated: unrelated})
		for _, rid := range residences {
			out = append(out, boardWatch{name: name, acct: acct, residenceID: &rid, unrelated: unrelated})
		}
	}
	add("owner", w.owner, false, w.r1, w.r2)
	add("editor", w.editor, false, w.r1, w.r2)
	add("viewer", w.viewer, false, w.r1)
	add("stranger", w.stranger, false)
	add("other household", w.other, true, w.rOther)
	return out
}

// boardWatch is one board of one account: its ETag on B before the write and its truth before and after.
type boardWatch struct {
	name          string
	acct          apptest.Account
	residenceID   *int64 // nil: the board of all the account's residences
	unrelated     bool
	etag          string
	before, after string
}

func (wt *boardWatch) String() string {
	if wt.residenceID == nil {
		return wt.name + "'s board"
	}
	return fmt.Sprintf("%s's board of residence %d", wt.name, *wt.residenceID)
}

func (wt *boardWatch) path() string {
	if wt.residenceID == nil {
		return "/tasks"
	}
	return fmt.Sprintf("/residences/%d/tasks", *wt.residenceID)
}

func (wt *boardWatch) get(t *testing.T, inst *apptest.Instance, ifNoneMatch string) apptest.Response {
	t.Helper()
	req := apptest.Request{Method: http.MethodGet, Path: wt.path(), Token: wt.acct.Token}
	if ifNoneMatch != "" {
		req.Header = http.Header{"If-None-Match": {ifNoneMatch}}
	}
	return inst.Do(t, req)
}

// observe records the board's truth and its ETag on inst, which must come from the residences' versions
// (else the test would not be testing them) and be current.
func (wt *boardWatch) observe(t *testing.T, pool *pgxpool.Pool, inst *apptest.Instance) {
	t.Helper()
	wt.before = boardTruth(t, pool, wt.acct, wt.residenceID)
	wt.get(t, inst, "") // a process new to the caller tags its first board from its rows
	r := wt.get(t, inst, "")
	require.Equal(t, http.StatusOK, r.Status, "%s: %s", wt, r.Body)
	wt.etag = r.Header.Get("ETag")
	require.True(t, strings.HasPrefix(wt.etag, `"v`), "%s: tagged from its residences' versions: %s", wt, wt.etag)
	require.Equal(t, http.StatusNotModified, wt.get(t, inst, wt.etag).Status, "%s: current before the write", wt)
}

// requireShows checks that an answer of B carries the board PostgreSQL holds now: the same cards in the
// same columns.
func (wt *boardWatch) requireShows(t *testing.T, pool *pgxpool.Pool, resp apptest.Response) {
	t.Helper()
	rows, _ := boardRows(t, pool, wt.acct, wt.residenceID)
	want := map[int64]string{}
	for _, r := range rows {
		want[r.ID] = r.BoardColumn
	}
	var board client.Board
	resp.JSON(t, &board)
	got := map[int64]string{}
	for _, c := range board.Columns {
		for _, task := range c.Tasks {
			got[task.ID] = string(c.Name)
		}
	}
	require.Equal(t, want, got, "%s on B: the cards of the board PostgreSQL holds", wt)
}

// accountGone is the truth of a board whose account was deleted.
const accountGone = "gone"

// boardTruth is a digest of what the board statement returns for the account now (at its own threshold):
// two boards with the same truth show the same content.
func boardTruth(t *testing.T, pool *pgxpool.Pool, acct apptest.Account, residenceID *int64) string {
	t.Helper()
	rows, threshold := boardRows(t, pool, acct, residenceID)
	if rows == nil && threshold == 0 {
		return accountGone
	}
	b, err := json.Marshal(rows)
	require.NoError(t, err)
	return fmt.Sprintf("%d:%x", threshold, sha256.Sum256(b))
}

// boardRows runs the board statement for the account, as the server does; nil and 0 when the account is gone.
func boardRows(t *testing.T, pool *pgxpool.Pool, acct apptest.Account, residenceID *int64) ([]*dbsqlc.TaskBoardRow, int32) {
	t.Helper()
	ctx := context.Background()
	var threshold int32
	err := pool.QueryRow(ctx, "SELECT days_threshold FROM users WHERE id = $1", acct.ID).Scan(&threshold)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0
	}
	require.NoError(t, err)
	rows, err := dbsqlc.New().TaskBoard(ctx, pool, &dbsqlc.TaskBoardParams{UserID: acct.ID, ResidenceID: residenceID,
		ThresholdDays: threshold})
	require.NoError(t, err)
	return rows, threshold
}

// boardWrite drives one write operation: setup prepares what the request needs (a code, a token), and
// write sends the request through A and returns its answer.
type boardWrite struct {
	setup func(t *testing.T, w *boardWorld)
	write func(t *testing.T, w *boardWorld) apptest.Response
}

// send returns a write that sends one JSON request (body nil for none) as acct.
func send(method string, acct func(*boardWorld) apptest.Account, path func(*boardWorld) string,
	body func(*boardWorld) map[string]any) boardWrite {
	return boardWrite{write: func(t *testing.T, w *boardWorld) apptest.Response {
		t.Helper()
		req := apptest.Request{Method: method, Path: path(w)}
		if acct != nil {
			req.Token = acct(w).Token
		}
		if body != nil {
			req.Body = body(w)
		}
		return w.inst.Do(t, req)
	}}
}

func owner(w *boardWorld) apptest.Account  { return w.owner }
func editor(w *boardWorld) apptest.Account { return w.editor }
func spare(w *boardWorld) apptest.Account  { return w.spare }

func fixed(path string) func(*boardWorld) string { return func(*boardWorld) string { return path } }

func taskPath(suffix string) func(*boardWorld) string {
	return func(w *boardWorld) string { return fmt.Sprintf("/tasks/%d%s", w.taskA, suffix) }
}

// boardWrites drives every write operation of the spec, by operationId.
func boardWrites() map[string]boardWrite {
	// The spare account's codes, read from the test SMTP server by the setups.
	var verifyCode, resetCode, resetToken string
	forgot := func(t *testing.T, w *boardWorld) string {
		t.Helper()
		w.smtp.Next(t, w.spare.Email) // the verification email sent at registration
		r := w.inst.Do(t, apptest.Post("/auth/forgot-password", map[string]any{"email": w.spare.Email}))
		require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
		return w.smtp.Next(t, w.spare.Email).Code(t)
	}
	var shareCode, secondToken string
	var deviceID, notificationID int64             // the owner's, made by the setups
	var unsubscribeLink string                     // the owner's, made by the setup
	var appleTransaction, appleNotification string // signed by the setups: the owner's purchase, a notification
	var googlePurchase string                      // the owner's purchase token, made by the setup
	var googlePush map[string]any                  // a push of a test notification, made by the setup
	writes := map[string]boardWrite{
		"register": send(http.MethodPost, nil, fixed("/auth/register"), func(*boardWorld) map[string]any {
			return map[string]any{"email": apptest.UniqueEmail(), "password": apptest.TestPassword}
		}),
		"login": send(http.MethodPost, nil, fixed("/auth/login"), func(w *boardWorld) map[string]any {
			return map[string]any{"email": w.spare.Email, "password": apptest.TestPassword}
		}),
		"logout": {
			setup: func(t *testing.T, w *boardWorld) {
				secondToken = apptest.Expect[client.AuthResponse](t, w.inst, apptest.Post("/auth/login",
					map[string]any{"email": w.spare.Email, "password": apptest.TestPassword}), http.StatusOK).Token
			},
			write: func(t *testing.T, w *boardWorld) apptest.Response {
				return w.inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/logout", Token: secondToken})
			},
		},
		// The editor is the assignee of taskA: its name is on r1's cards; its threshold shapes its own boards.
		"updateMe": send(http.MethodPatch, editor, fixed("/auth/me"), func(*boardWorld) map[string]any {
			return map[string]any{"first_name": "Edwina", "last_name": "Renamed", "days_threshold": 14}
		}),
		// The editor is taskA's assignee, taskC's creator, and the owner of the personal contractor taskC names.
		"deleteMe": send(http.MethodDelete, editor, fixed("/auth/me"), nil),
		"changePassword": send(http.MethodPost, spare, fixed("/auth/change-password"), func(*boardWorld) map[string]any {
			return map[string]any{"current_password": apptest.TestPassword, "new_password": "a new long password"}
		}),
		"verifyEmail": {
			setup: func(t *testing.T, w *boardWorld) { verifyCode = w.smtp.Next(t, w.spare.Email).Code(t) },
			write: func(t *testing.T, w *boardWorld) apptest.Response {
				return w.inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/verify-email", Token: w.spare.Token,
					Body: map[string]any{"code": verifyCode}})
			},
		},
		"resendVerification": send(http.MethodPost, spare, fixed("/auth/resend-verification"), nil),
		"forgotPassword": send(http.MethodPost, nil, fixed("/auth/forgot-password"), func(w *boardWorld) map[string]any {
			return map[string]any{"email": w.spare.Email}
		}),
		"verifyResetCode": {
			setup: func(t *testing.T, w *boardWorld) { resetCode = forgot(t, w) },
			write: func(t *testing.T, w *boardWorld) apptest.Response {
				return w.inst.Do(t, apptest.Post("/auth/verify-reset-code", map[string]any{"email": w.spare.Email, "code": resetCode}))
			},
		},
		"resetPassword": {
			setup: func(t *testing.T, w *boardWorld) {
				resetToken = apptest.Expect[client.ResetTokenResponse](t, w.inst, apptest.Post("/auth/verify-reset-code",
					map[string]any{"email": w.spare.Email, "code": forgot(t, w)}), http.StatusOK).ResetToken
			},
			write: func(t *testing.T, w *boardWorld) apptest.Response {
				return w.inst.Do(t, apptest.Post("/auth/reset-password", map[string]any{"reset_token": resetToken,
					"new_password": "a reset long password"}))
			},
		},

		"createResidence": send(http.MethodPost, owner, fixed("/residences"), func(*boardWorld) map[string]any {
			return map[string]any{"name": "Third home"}
		}),
		"joinResidence": {
			setup: func(t *testing.T, w *boardWorld) { shareCode = apptest.ShareCode(t, w.inst, w.owner, w.r1, "viewer") },
			write: func(t *testing.T, w *boardWorld) apptest.Response {
				return w.inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/residences/join", Token: w.stranger.Token,
					Body: map[string]any{"code": shareCode}})
			},
		},
		// Pago Pago (UTC-11) to Kiritimati (UTC+14): "today" changes on every card of r1.
		"updateResidence": send(http.MethodPatch, owner, func(w *boardWorld) string { return fmt.Sprintf("/residences/%d", w.r1) },
			func(*boardWorld) map[string]any { return map[string]any{"timezone": "Pacific/Kiritimati"} }),
		"deleteResidence": send(http.MethodDelete, owner, func(w *boardWorld) string { return fmt.Sprintf("/residences/%d", w.r2) }, nil),
		"updateResidenceMember": send(http.MethodPatch, owner, func(w *boardWorld) string {
			return fmt.Sprintf("/residences/%d/members/%d", w.r1, w.viewer.ID)
		}, func(*boardWorld) map[string]any { return map[string]any{"role": "editor"} }),
		// The editor leaves r1 as a member and as taskA's assignee.
		"removeResidenceMember": send(http.MethodDelete, owner, func(w *boardWorld) string {
			return fmt.Sprintf("/residences/%d/members/%d", w.r1, w.editor.ID)
		}, nil),
		"transferResidence": send(http.MethodPost, owner, func(w *boardWorld) string { return fmt.Sprintf("/residences/%d/transfer", w.r2) },
			func(w *boardWorld) map[string]any { return map[string]any{"user_id": w.editor.ID} }),
		"createShareCode": send(http.MethodPost, owner, func(w *boardWorld) string { return fmt.Sprintf("/residences/%d/share-code", w.r1) },
			func(*boardWorld) map[string]any { return map[string]any{"role": "viewer"} }),

		"createTask": send(http.MethodPost, editor, fixed("/tasks"), func(w *boardWorld) map[string]any {
			return map[string]any{"residence_id": w.r1, "title": "Bleed the radiators"}
		}),
		"updateTask": send(http.MethodPatch, editor, taskPath(""), func(*boardWorld) map[string]any {
			return map[string]any{"title": "Service the boiler properly"}
		}),
		"deleteTask":    send(http.MethodDelete, editor, taskPath(""), nil),
		"startTask":     send(http.MethodPost, editor, taskPath("/in-progress"), nil),
		"stopTask":      send(http.MethodPost, editor, taskPath("/not-in-progress"), nil),
		"cancelTask":    send(http.MethodPost, editor, taskPath("/cancel"), nil),
		"uncancelTask":  send(http.MethodPost, editor, taskPath("/uncancel"), nil),
		"archiveTask":   send(http.MethodPost, editor, taskPath("/archive"), nil),
		"unarchiveTask": send(http.MethodPost, editor, taskPath("/unarchive"), nil),
		"completeTask": send(http.MethodPost, editor, taskPath("/completions"), func(*boardWorld) map[string]any {
			return map[string]any{"notes": "Done"}
		}),
		"deleteCompletion": send(http.MethodDelete, editor, func(w *boardWorld) string { return fmt.Sprintf("/completions/%d", w.completion) }, nil),

		"createContractor": send(http.MethodPost, owner, fixed("/contractors"), func(w *boardWorld) map[string]any {
			return map[string]any{"residence_id": w.r1, "name": "Robin Roofer"}
		}),
		// taskA's card shows the contractor's name.
		"updateContractor": send(http.MethodPatch, owner, func(w *boardWorld) string { return fmt.Sprintf("/contractors/%d", w.contractor) },
			func(*boardWorld) map[string]any { return map[string]any{"name": "Pat the Plumber"} }),
		"deleteContractor":         send(http.MethodDelete, owner, func(w *boardWorld) string { return fmt.Sprintf("/contractors/%d", w.contractor) }, nil),
		"toggleContractorFavorite": send(http.MethodPost, owner, func(w *boardWorld) string { return fmt.Sprintf("/contractors/%d/favorite", w.contractor) }, nil),

		"createDocument": send(http.MethodPost, owner, fixed("/documents"), func(w *boardWorld) map[string]any {
			return map[string]any{"residence_id": w.r1, "title": "Roof warranty", "task_id": w.taskA}
		}),
		"updateDocument": send(http.MethodPatch, owner, func(w *boardWorld) string { return fmt.Sprintf("/documents/%d", w.document) },
			func(*boardWorld) map[string]any { return map[string]any{"title": "Boiler manual, 2nd edition"} }),
		"deleteDocument": send(http.MethodDelete, owner, func(w *boardWorld) string { return fmt.Sprintf("/documents/%d", w.document) }, nil),
		"replaceDocumentFile": {write: func(t *testing.T, w *boardWorld) apptest.Response {
			return apptest.SendMultipart(t, w.inst, http.MethodPut, fmt.Sprintf("/documents/%d/file", w.document), w.owner.Token, nil,
				&apptest.FilePart{Name: "manual.pdf", ContentType: "application/pdf", Content: apptest.TestPDF})
		}},

		// Notifications are the caller's own: no board shows them.
		"updateNotificationPreferences": send(http.MethodPatch, owner, fixed("/notifications/preferences"), func(*boardWorld) map[string]any {
			return map[string]any{"task_due_soon": map[string]any{"email": false}, "reminder_hour": 7}
		}),
		"registerNotificationDevice": send(http.MethodPost, owner, fixed("/notifications/devices"), func(*boardWorld) map[string]any {
			return map[string]any{"platform": "android", "token": "board-world-" + apptest.UniqueEmail()}
		}),
		"deleteNotificationDevice": {
			setup: func(t *testing.T, w *boardWorld) {
				deviceID = apptest.Expect[client.NotificationDevice](t, w.inst, apptest.Request{Method: http.MethodPost,
					Path: "/notifications/devices", Token: w.owner.Token,
					Body: map[string]any{"platform": "ios", "token": "board-world-" + apptest.UniqueEmail()}}, http.StatusCreated).ID
			},
			write: func(t *testing.T, w *boardWorld) apptest.Response {
				return w.inst.Do(t, apptest.Request{Method: http.MethodDelete, Path: fmt.Sprintf("/notifications/devices/%d", deviceID),
					Token: w.owner.Token})
			},
		},
		"updateNotification": {
			setup: func(t *testing.T, w *boardWorld) {
				apptest.DBQueryRow(t, w.inst, "INSERT INTO notifications (user_id, kind, title) VALUES ($1, 'task_assigned', 'Board world') RETURNING id",
					[]any{w.owner.ID}, &notificationID)
			},
			write: func(t *testing.T, w *boardWorld) apptest.Response {
				return w.inst.Do(t, apptest.Request{Method: http.MethodPatch, Path: fmt.Sprintf("/notifications/%d", notificationID),
					Token: w.owner.Token, Body: map[string]any{"read": true}})
			},
		},
		"markAllNotificationsRead": send(http.MethodPost, owner, fixed("/notifications/read-all"), nil),
		"sendTestNotification":     send(http.MethodPost, owner, fixed("/notifications/test"), nil),
		"unsubscribe": {
			setup: func(t *testing.T, w *boardWorld) {
				unsubscribeLink = "/notifications/unsubscribe?token=" + url.QueryEscape(unsubscribeToken(t, w.inst, w.owner.ID, "task_completed"))
			},
			write: func(t *testing.T, w *boardWorld) apptest.Response {
				return w.inst.Do(t, apptest.Request{Method: http.MethodPost, Path: unsubscribeLink})
			},
		},
		"applyApplePurchase": {
			setup: func(t *testing.T, w *boardWorld) {
				appleTransaction, _ = appleTokens(t, w.inst, w.owner)
			},
			write: func(t *testing.T, w *boardWorld) apptest.Response {
				return w.inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/subscription/apple", Token: w.owner.Token,
					Body: map[string]any{"signed_transaction": appleTransaction}})
			},
		},
		"applyGooglePurchase": {
			setup: func(t *testing.T, w *boardWorld) {
				googlePurchase, _ = googleTokens(t, w.inst, w.owner)
			},
			write: func(t *testing.T, w *boardWorld) apptest.Response {
				return w.inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/subscription/google", Token: w.owner.Token,
					Body: map[string]any{"product_id": "homekeep_pro", "purchase_token": googlePurchase}})
			},
		},
		"receiveGoogleNotification": {
			setup: func(t *testing.T, w *boardWorld) {
				_, googlePush = googleTokens(t, w.inst, w.owner)
			},
			write: func(t *testing.T, w *boardWorld) apptest.Response {
				return w.inst.Do(t, apptest.Post("/webhooks/google/"+googleSecret, googlePush))
			},
		},
		"receiveAppleNotification": {
			setup: func(t *testing.T, w *boardWorld) {
				_, appleNotification = appleTokens(t, w.inst, w.owner)
			},
			write: func(t *testing.T, w *boardWorld) apptest.Response {
				return w.inst.Do(t, apptest.Post("/webhooks/apple", map[string]any{"signedPayload": appleNotification}))
			},
		},
	}
	return writes
}
