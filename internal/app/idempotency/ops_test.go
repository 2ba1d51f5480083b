package idempotency_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// keyedOp is one operation that honours Idempotency-Key, as the tests drive it: request builds it with one
// of two different bodies (variant 0 or 1) for acct, and count says how many things it has created so far.
type keyedOp struct {
	name    string
	request func(variant int) request
	count   func(t *testing.T) int64
}

// request is one call, JSON or multipart.
type request struct {
	path        string
	token       string
	body        []byte
	contentType string
}

// newKey returns a fresh random key.
func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// send posts r with key (none when empty) through the contract-checking client; it fails the test on a
// transport error, and is safe to call from goroutines (it reports rather than stops).
func send(inst *apptest.Instance, r request, key string) (apptest.Response, error) {
	hr, err := http.NewRequestWithContext(context.Background(), http.MethodPost, inst.API+r.path, bytes.NewReader(r.body))
	if err != nil {
		return apptest.Response{}, err
	}
	hr.Header.Set("Content-Type", r.contentType)
	hr.Header.Set("Authorization", "Bearer "+r.token)
	if key != "" {
		hr.Header.Set("Idempotency-Key", key)
	}
	resp, err := inst.Client.Do(hr)
	if err != nil {
		return apptest.Response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return apptest.Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, err
}

func mustSend(t *testing.T, inst *apptest.Instance, r request, key string) apptest.Response {
	t.Helper()
	resp, err := send(inst, r, key)
	require.NoError(t, err, "POST %s", r.path)
	return resp
}

func jsonRequest(path, token, body string) request {
	return request{path: path, token: token, body: []byte(body), contentType: "application/json"}
}

func countOf(inst *apptest.Instance, sql string, args ...any) func(t *testing.T) int64 {
	return func(t *testing.T) int64 {
		t.Helper()
		var n int64
		apptest.DBQueryRow(t, inst, sql, args, &n)
		return n
	}
}

// keyedOps sets up, on inst (which stores files), every operation that honours Idempotency-Key, each for a
// fresh account so that their counts are their own.
func keyedOps(t *testing.T, inst *apptest.Instance) []keyedOp {
	t.Helper()
	var ops []keyedOp

	{
		a := inst.Register(t)
		ops = append(ops, keyedOp{name: "createResidence",
			request: func(v int) request {
				return jsonRequest("/residences", a.Token, fmt.Sprintf(`{"name":"Home %d"}`, v))
			},
			count: countOf(inst, `SELECT count(*) FROM residences WHERE owner_id = $1`, a.ID)})
	}
	{
		owner, joiner := inst.Register(t), inst.Register(t)
		rid := apptest.CreateResidence(t, inst, owner, "Shared")
		code := apptest.ShareCode(t, inst, owner, rid, "editor")
		ops = append(ops, keyedOp{name: "joinResidence",
			request: func(v int) request {
				c := code
				if v == 1 { // the same code in lower case: another body
					c = string(bytes.ToLower([]byte(code)))
				}
				return jsonRequest("/residences/join", joiner.Token, fmt.Sprintf(`{"code":%q}`, c))
			},
			count: countOf(inst, `SELECT count(*) FROM residence_members WHERE user_id = $1`, joiner.ID)})
	}
	{
		a := inst.Register(t)
		rid := apptest.CreateResidence(t, inst, a, "Codes")
		roles := []string{"editor", "viewer"}
		ops = append(ops, keyedOp{name: "createShareCode",
			request: func(v int) request {
				return jsonRequest(fmt.Sprintf("/residences/%d/share-code", rid), a.Token, fmt.Sprintf(`{"role":%q}`, roles[v]))
			},
			count: countOf(inst, `SELECT count(*) FROM share_codes WHERE residence_id = $1`, rid)})
	}
	{
		a := inst.Register(t)
		rid := apptest.CreateResidence(t, inst, a, "Tasks")
		ops = append(ops, keyedOp{name: "createTask",
			request: func(v int) request {
				return jsonRequest("/tasks", a.Token, fmt.Sprintf(`{"residence_id":%d,"title":"Task %d"}`, rid, v))
			},
			count: countOf(inst, `SELECT count(*) FROM tasks WHERE residence_id = $1`, rid)})
	}
	{
		a := inst.Register(t)
		rid := apptest.CreateResidence(t, inst, a, "Completions")
		tid := apptest.CreateTask(t, inst, a, map[string]any{"residence_id": rid, "title": "Filter"})
		ops = append(ops, keyedOp{name: "completeTask",
			request: func(v int) request {
				return jsonRequest(fmt.Sprintf("/tasks/%d/completions", tid), a.Token, fmt.Sprintf(`{"notes":"done %d"}`, v))
			},
			count: countOf(inst, `SELECT count(*) FROM task_completions WHERE task_id = $1`, tid)})
	}
	{
		a := inst.Register(t)
		rid := apptest.CreateResidence(t, inst, a, "Contractors")
		ops = append(ops, keyedOp{name: "createContractor",
			request: func(v int) request {
				return jsonRequest("/contractors", a.Token, fmt.Sprintf(`{"residence_id":%d,"name":"Plumber %d"}`, rid, v))
			},
			count: countOf(inst, `SELECT count(*) FROM contractors WHERE residence_id = $1`, rid)})
	}
	{
		a := inst.Register(t)
		rid := apptest.CreateResidence(t, inst, a, "Documents")
		ops = append(ops, keyedOp{name: "createDocument",
			request: func(v int) request {
				// A new encoding each time (a new random boundary), as a client that builds the upload again sends.
				body, ct := apptest.MultipartBody(t, map[string]string{"residence_id": strconv.FormatInt(rid, 10),
					"title": fmt.Sprintf("Manual %d", v), "type": "manual"},
					&apptest.FilePart{Name: "manual.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.4\n% manual\n%%EOF\n")})
				return request{path: "/documents", token: a.Token, body: body, contentType: ct}
			},
			count: countOf(inst, `SELECT count(*) FROM documents WHERE residence_id = $1`, rid)})
	}
	{
		a := inst.Register(t)
		ops = append(ops, keyedOp{name: "registerNotificationDevice",
			request: func(v int) request {
				return jsonRequest("/notifications/devices", a.Token, fmt.Sprintf(`{"platform":"ios","token":"device-%d"}`, v))
			},
			count: countOf(inst, `SELECT count(*) FROM notification_devices WHERE user_id = $1`, a.ID)})
	}
	return ops
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
