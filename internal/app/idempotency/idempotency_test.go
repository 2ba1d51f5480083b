package idempotency_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/app/idempotency"
	"github.com/homekeep/homekeep/internal/apptest"
)

// replayedHeaders are the response headers a replay must repeat when the first response had them.
var replayedHeaders = []string{"Content-Type", "Location", "Etag"}

func startInstance(t *testing.T) *apptest.Instance {
	t.Helper()
	inst, _ := apptest.StartDocuments(t, nil)
	return inst
}

func requireSameResponse(t *testing.T, first, again apptest.Response) {
	t.Helper()
	require.Equal(t, first.Status, again.Status, "%s", again.Body)
	require.JSONEq(t, string(first.Body), string(again.Body))
	for _, h := range replayedHeaders {
		require.Equal(t, first.Header.Values(h), again.Header.Values(h), h)
	}
	require.Equal(t, "true", again.Header.Get(idempotency.ReplayedHeader))
}

func TestRetryWithTheSameKeyReplaysTheFirstResponseAndDoesTheWorkOnce(t *testing.T) {
	inst := startInstance(t)
	for _, op := range keyedOps(t, inst) {
		t.Run(op.name, func(t *testing.T) {
			before := op.count(t)
			key := newKey()
			first := mustSend(t, inst, op.request(0), key)
			require.GreaterOrEqual(t, first.Status, 200, "%s", first.Body)
			require.Less(t, first.Status, 300, "%s", first.Body)
			require.Empty(t, first.Header.Get(idempotency.ReplayedHeader))
			require.Equal(t, before+1, op.count(t))
			for range 2 {
				again := mustSend(t, inst, op.request(0), key)
				requireSameResponse(t, first, again)
			}
			require.Equal(t, before+1, op.count(t), "the retries did the work again")
		})
	}
}

func TestSameKeyWithAnotherRequestIsRefused(t *testing.T) {
	inst := startInstance(t)
	for _, op := range keyedOps(t, inst) {
		t.Run(op.name, func(t *testing.T) {
			key := newKey()
			first := mustSend(t, inst, op.request(0), key)
			require.Less(t, first.Status, 300, "%s", first.Body)
			before := op.count(t)
			r := mustSend(t, inst, op.request(1), key)
			apptest.RequireAPIError(t, r, http.StatusUnprocessableEntity, idempotency.CodeKeyReused, "")
			require.Equal(t, before, op.count(t))
		})
	}
}

func TestConcurrentRetriesDoTheWorkOnce(t *testing.T) {
	inst := startInstance(t)
	const clients = 8
	for _, op := range keyedOps(t, inst) {
		t.Run(op.name, func(t *testing.T) {
			before := op.count(t)
			key := newKey()
			req := op.request(0)
			responses := make([]apptest.Response, clients)
			errs := make([]error, clients)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					responses[i], errs[i] = send(inst, req, key)
				}()
			}
			close(start)
			wg.Wait()
			var success *apptest.Response
			inProgress := 0
			for i, r := range responses {
				require.NoError(t, errs[i])
				switch {
				case r.Status == http.StatusConflict:
					apptest.RequireAPIError(t, r, http.StatusConflict, idempotency.CodeInProgress, "")
					require.Equal(t, "1", r.Header.Get("Retry-After"))
					inProgress++
				case success == nil:
					require.Less(t, r.Status, 300, "%s", r.Body)
					success = &responses[i]
				default:
					require.Equal(t, success.Status, r.Status, "%s", r.Body)
					require.JSONEq(t, string(success.Body), string(r.Body))
				}
			}
			require.NotNil(t, success, "every request was told to wait")
			require.Equal(t, before+1, op.count(t), "exactly one request did the work")
			// Once the first has finished, a retry gets its answer.
			again := mustSend(t, inst, req, key)
			require.Equal(t, success.Status, again.Status)
			require.JSONEq(t, string(success.Body), string(again.Body))
			require.Equal(t, "true", again.Header.Get(idempotency.ReplayedHeader))
			t.Logf("%d of %d concurrent requests were told to retry", inProgress, clients)
		})
	}
}

func TestKeysBelongToTheirUser(t *testing.T) {
	inst := startInstance(t)
	a, b := inst.Register(t), inst.Register(t)
	key := newKey()
	ra := mustSend(t, inst, jsonRequest("/residences", a.Token, `{"name":"Same"}`), key)
	rb := mustSend(t, inst, jsonRequest("/residences", b.Token, `{"name":"Same"}`), key)
	require.Equal(t, http.StatusCreated, ra.Status, "%s", ra.Body)
	require.Equal(t, http.StatusCreated, rb.Status, "%s", rb.Body)
	require.Empty(t, rb.Header.Get(idempotency.ReplayedHeader))
	require.NotEqual(t, string(ra.Body), string(rb.Body))
	var n int64
	apptest.DBQueryRow(t, inst, `SELECT count(*) FROM residences WHERE owner_id IN ($1, $2)`, []any{a.ID, b.ID}, &n)
	require.Equal(t, int64(2), n)
}

func TestWithoutAKeyEveryRequestDoesTheWork(t *testing.T) {
	inst := startInstance(t)
	for _, op := range keyedOps(t, inst) {
		if op.name == "joinResidence" || op.name == "registerNotificationDevice" {
			continue // joining twice or registering one device twice changes nothing anyway
		}
		t.Run(op.name, func(t *testing.T) {
			before := op.count(t)
			for range 2 {
				r := mustSend(t, inst, op.request(0), "")
				require.Less(t, r.Status, 300, "%s", r.Body)
				require.Empty(t, r.Header.Get(idempotency.ReplayedHeader))
			}
			require.Equal(t, before+2, op.count(t))
		})
	}
}

func TestBadKeyIsRefusedNamingTheHeader(t *testing.T) {
	inst := startInstance(t)
	a := inst.Register(t)
	for name, key := range map[string]string{
		"too long":  strings.Repeat("k", idempotency.MaxKeyLength+1),
		"space":     "two words",
		"non-ASCII": "clé",
		"control":   "tab\there",
		"empty":     "",
	} {
		t.Run(name, func(t *testing.T) {
			r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/residences", Token: a.Token, Invalid: true,
				Body: map[string]any{"name": "Home"}, Header: http.Header{"Idempotency-Key": {key}}})
			apptest.RequireAPIError(t, r, http.StatusBadRequest, "validation_failed", "Idempotency-Key")
		})
	}
	t.Run("longest accepted", func(t *testing.T) {
		r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/residences", Token: a.Token,
			Body: map[string]any{"name": "Home"}, Header: http.Header{"Idempotency-Key": {strings.Repeat("k", idempotency.MaxKeyLength)}}})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	})
	var n int64
	apptest.DBQueryRow(t, inst, `SELECT count(*) FROM residences WHERE owner_id = $1`, []any{a.ID}, &n)
	require.Equal(t, int64(1), n, "only the request with a good key created a residence")
}

func TestFailedFirstAttemptIsNotStored(t *testing.T) {
	inst := startInstance(t)
	a := inst.Register(t)
	key := newKey()
	// Refused by PostgreSQL (an unknown residence type), so the failed statement ran in the transaction.
	bad := jsonRequest("/residences", a.Token, `{"name":"Home","residence_type_id":987654}`)
	for range 2 { // re-evaluated each time, not replayed
		r := mustSend(t, inst, bad, key)
		apptest.RequireAPIError(t, r, http.StatusBadRequest, "validation_failed", "residence_type_id")
		require.Empty(t, r.Header.Get(idempotency.ReplayedHeader))
	}
	// The key is still free: a corrected request with it does the work.
	r := mustSend(t, inst, jsonRequest("/residences", a.Token, `{"name":"Home"}`), key)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	var n int64
	apptest.DBQueryRow(t, inst, `SELECT count(*) FROM idempotency_keys WHERE user_id = $1`, []any{a.ID}, &n)
	require.Equal(t, int64(1), n)
}

// TestWorkNotSavedWhenItsTransactionFails breaks the transaction after the work ran, before COMMIT (the
// response's INSERT fails, or the connection dies there), and shows that nothing was created and that the
// retry with the same key does the work exactly once.
func TestWorkNotSavedWhenItsTransactionFails(t *testing.T) {
	inst := startInstance(t)
	for name, failure := range map[string]string{
		"storing fails":   `RAISE EXCEPTION 'storing fails'`,
		"connection dies": `PERFORM pg_terminate_backend(pg_backend_pid())`,
	} {
		t.Run(name, func(t *testing.T) {
			a := inst.Register(t)
			rid := apptest.CreateResidence(t, inst, a, "Crash")
			key := "crash-" + newKey()
			apptest.DBExec(t, inst, `CREATE OR REPLACE FUNCTION idempotency_test_fail() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN IF NEW.key LIKE 'crash-%' THEN `+failure+`; END IF; RETURN NEW; END $$`)
			apptest.DBExec(t, inst, `CREATE OR REPLACE TRIGGER idempotency_test_fail BEFORE INSERT ON idempotency_keys
				FOR EACH ROW EXECUTE FUNCTION idempotency_test_fail()`)
			dropped := false
			drop := func() {
				if !dropped {
					dropped = true
					apptest.DBExec(t, inst, `DROP TRIGGER idempotency_test_fail ON idempotency_keys`)
				}
			}
			t.Cleanup(drop)
			req := jsonRequest("/tasks", a.Token, `{"residence_id":`+itoa(rid)+`,"title":"Once"}`)
			count := countOf(inst, `SELECT count(*) FROM tasks WHERE residence_id = $1`, rid)

			r := mustSend(t, inst, req, key)
			apptest.RequireAPIError(t, r, http.StatusServiceUnavailable, "unavailable", "")
			require.NotEmpty(t, r.Header.Get("Retry-After"))
			require.Empty(t, r.Header.Get("Location"))
			require.Equal(t, int64(0), count(t), "the work was rolled back with the response")

			drop()
			first := mustSend(t, inst, req, key)
			require.Equal(t, http.StatusCreated, first.Status, "%s", first.Body)
			requireSameResponse(t, first, mustSend(t, inst, req, key))
			require.Equal(t, int64(1), count(t))
		})
	}
}

func TestPurgeDeletesKeysOlderThanADay(t *testing.T) {
	inst := startInstance(t)
	a := inst.Register(t)
	oldKey, newKeyValue := newKey(), newKey()
	req := jsonRequest("/residences", a.Token, `{"name":"Home"}`)
	require.Equal(t, http.StatusCreated, mustSend(t, inst, req, oldKey).Status)
	require.Equal(t, http.StatusCreated, mustSend(t, inst, req, newKeyValue).Status)
	apptest.DBExec(t, inst, `UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = $1`, oldKey)

	// Past 24 hours a key is not answered, even before the purge: the same key does the work again.
	r := mustSend(t, inst, req, oldKey)
	require.Equal(t, http.StatusCreated, r.Status)
	require.Empty(t, r.Header.Get(idempotency.ReplayedHeader))
	apptest.DBExec(t, inst, `UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = $1`, oldKey)

	pool, err := pgxpool.New(context.Background(), inst.DatabaseURL)
	require.NoError(t, err)
	defer pool.Close()
	n, err := idempotency.Purge(context.Background(), pool, time.Now())
	require.NoError(t, err)
	require.GreaterOrEqual(t, n, int64(1))
	var left []string
	apptest.DBQuery(t, inst, `SELECT key FROM idempotency_keys WHERE user_id = $1`, []any{a.ID}, func(scan func(...any) error) {
		var k string
		require.NoError(t, scan(&k))
		left = append(left, k)
	})
	require.Equal(t, []string{newKeyValue}, left)
}

// TestBoardShowsAKeyedCreateOnceCommitted checks the after-commit work of a keyed create: the board's version is
// bumped (after the COMMIT), so the board revalidated with its old ETag is answered afresh with the new task.
func TestBoardShowsAKeyedCreateOnceCommitted(t *testing.T) {
	inst := startInstance(t)
	a := inst.Register(t)
	rid := apptest.CreateResidence(t, inst, a, "Board")
	board := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/tasks", Token: a.Token})
	require.Equal(t, http.StatusOK, board.Status)
	etag := board.Header.Get("ETag")
	again := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/tasks", Token: a.Token,
		Header: http.Header{"If-None-Match": {etag}}})
	if again.Status == http.StatusOK { // the first board is tagged from its rows, the next from versions
		etag = again.Header.Get("ETag")
	}

	r := mustSend(t, inst, jsonRequest("/tasks", a.Token, `{"residence_id":`+itoa(rid)+`,"title":"Keyed"}`), newKey())
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	after := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/tasks", Token: a.Token,
		Header: http.Header{"If-None-Match": {etag}}})
	require.Equal(t, http.StatusOK, after.Status, "the board's version was not bumped after the commit")
	require.Contains(t, string(after.Body), `"Keyed"`)
}

// TestUploadWhoseTransactionFailsLeavesNoFile makes a keyed upload's transaction fail after the document's
// row was inserted (its answer cannot be stored): the file stored before the insert is deleted with the
// rollback, and the retry stores one file and one row.
func TestUploadWhoseTransactionFailsLeavesNoFile(t *testing.T) {
	inst, dir := apptest.StartDocuments(t, nil)
	a := inst.Register(t)
	rid := apptest.CreateResidence(t, inst, a, "Uploads")
	apptest.DBExec(t, inst, `CREATE FUNCTION idempotency_test_fail() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'storing fails'; END $$`)
	apptest.DBExec(t, inst, `CREATE TRIGGER idempotency_test_fail BEFORE INSERT ON idempotency_keys
		FOR EACH ROW EXECUTE FUNCTION idempotency_test_fail()`)
	body, ct := apptest.MultipartBody(t, map[string]string{"residence_id": itoa(rid), "title": "Manual", "type": "manual"},
		&apptest.FilePart{Name: "manual.pdf", ContentType: "application/pdf", Content: apptest.TestPDF})
	req := request{path: "/documents", token: a.Token, body: body, contentType: ct}
	key := newKey()
	before := apptest.StoredFiles(t, dir)

	r := mustSend(t, inst, req, key)
	apptest.RequireAPIError(t, r, http.StatusServiceUnavailable, "unavailable", "")
	require.Empty(t, apptest.AddedFiles(t, dir, before), "the file was deleted with the rolled-back row")
	count := countOf(inst, `SELECT count(*) FROM documents WHERE residence_id = $1`, rid)
	require.Equal(t, int64(0), count(t))

	apptest.DBExec(t, inst, `DROP TRIGGER idempotency_test_fail ON idempotency_keys`)
	require.Equal(t, http.StatusCreated, mustSend(t, inst, req, key).Status)
	require.Len(t, apptest.AddedFiles(t, dir, before), 1)
	require.Equal(t, int64(1), count(t))
}
