package soak

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"sync/atomic"
)

// password is every soak account's password.
const password = "soak correct horse battery"

// samplePDF is the file the upload operation sends: a minimal valid PDF (Homekeep recognises files by their
// bytes).
var samplePDF = []byte("%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n" +
	"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")

// op is one kind of request in the mix. Weights are per cent of all requests.
type op struct {
	name   string
	weight int
	write  bool
	run    func(ctx context.Context, d *driver) error
}

// acked counts the writes Homekeep acknowledged, which the consistency checks expect to find exactly once
// each in the database.
type acked struct {
	tasks, completions, contractors, documents, documentBytes, joins atomic.Int64
	// keyed counts the creating requests sent with an Idempotency-Key, replayed those sent again with the
	// same key (a client retrying after a lost answer), which must not create anything twice.
	keyed, replayed atomic.Int64
}

// mix is the workload: 80% reads, 20% writes.
var mix = []op{
	{name: "board", weight: 25, run: board(false)},
	{name: "board_if_none_match", weight: 15, run: board(true)},
	{name: "residences", weight: 8, run: getPath(func(*residence, int64) string { return "/residences" })},
	{name: "task", weight: 10, run: getPath(func(_ *residence, t int64) string { return fmt.Sprintf("/tasks/%d", t) })},
	{name: "completions", weight: 7, run: getPath(func(_ *residence, t int64) string {
		return fmt.Sprintf("/tasks/%d/completions", t)
	})},
	{name: "documents", weight: 5, run: getPath(func(r *residence, _ int64) string {
		return fmt.Sprintf("/documents?residence_id=%d", r.id)
	})},
	{name: "contractors", weight: 3, run: getPath(func(*residence, int64) string { return "/contractors" })},
	{name: "me", weight: 5, run: getPath(func(*residence, int64) string { return "/auth/me" })},
	{name: "static_data", weight: 2, run: getPath(func(*residence, int64) string { return "/static-data" })},

	{name: "create_task", weight: 4, write: true, run: createTask},
	{name: "complete_task", weight: 5, write: true, run: completeTask},
	{name: "update_task", weight: 4, write: true, run: updateTask},
	{name: "create_contractor", weight: 2, write: true, run: createContractor},
	{name: "upload_document", weight: 2, write: true, run: uploadDocument},
	{name: "join", weight: 1, write: true, run: join},
	{name: "login", weight: 2, write: true, run: login},
}

// board reads GET /tasks, the app's home screen; conditional sends the ETag the user last saw, and then a
// 304 is as right as a 200 (someone else may have changed the board since).
func board(conditional bool) func(context.Context, *driver) error {
	return func(ctx context.Context, d *driver) error {
		u, _, _ := d.world.pick()
		tok, tag := u.auth()
		cl := call{method: http.MethodGet, path: "/tasks", token: tok, ip: u.ip}
		if conditional && tag != "" {
			cl.header = http.Header{"If-None-Match": {tag}}
			cl.want = []int{http.StatusOK, http.StatusNotModified}
		}
		resp, err := d.api.do(ctx, cl, nil)
		if err != nil {
			return err
		}
		u.setETag(resp.header.Get("ETag"))
		return nil
	}
}

// getPath reads a path built from a residence and a task of a random user's.
func getPath(path func(*residence, int64) string) func(context.Context, *driver) error {
	return func(ctx context.Context, d *driver) error {
		u, r, t := d.world.pick()
		tok, _ := u.auth()
		_, err := d.api.do(ctx, call{method: http.MethodGet, path: path(r, t), token: tok, ip: u.ip}, nil)
		return err
	}
}

// create sends a creating request (201 wanted) as a client of the generated SDKs would: half of them with an
// Idempotency-Key, and one keyed request in five sent a second time with the same key, as a retry after a
// lost answer. The retry must answer the first response again, byte for byte, with Idempotent-Replayed,
// and create nothing: the consistency checks count each acknowledged write once.
func create(ctx context.Context, d *driver, cl call, out any) error {
	cl.want = []int{http.StatusCreated}
	keyed, replay := d.world.intn(2) == 0, d.world.intn(5) == 0
	if keyed {
		cl.header = http.Header{"Idempotency-Key": {"soak-" + runID() + runID()}}
		d.acked.keyed.Add(1)
	}
	first, err := d.api.do(ctx, cl, out)
	if err != nil || !keyed || !replay {
		return err
	}
	again, err := d.api.do(ctx, cl, nil)
	if err != nil {
		return fmt.Errorf("replaying with the same Idempotency-Key: %w", err)
	}
	if again.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again.body, first.body) {
		return fmt.Errorf("%s %s: a retry with the same Idempotency-Key did not answer the first response again "+
			"(Idempotent-Replayed %q; first %.200s; again %.200s)", cl.method, cl.path,
			again.header.Get("Idempotent-Replayed"), first.body, again.body)
	}
	d.acked.replayed.Add(1)
	return nil
}

func createTask(ctx context.Context, d *driver) error {
	u, r, _ := d.world.pick()
	tok, _ := u.auth()
	body := map[string]any{"residence_id": r.id, "title": fmt.Sprintf("Soak task %d", d.world.intn(1_000_000))}
	if f := d.world.frequency(); f != 0 {
		body["frequency_id"] = f
	}
	var out struct {
		ID int64 `json:"id"`
	}
	if err := create(ctx, d, call{method: http.MethodPost, path: "/tasks", token: tok, ip: u.ip, body: jsonBody(body)},
		&out); err != nil {
		return err
	}
	d.acked.tasks.Add(1)
	d.world.addTask(r, out.ID)
	return nil
}

func completeTask(ctx context.Context, d *driver) error {
	u, _, t := d.world.pick()
	tok, _ := u.auth()
	body := map[string]any{"notes": "done during the soak", "actual_cost": 12.5}
	if err := create(ctx, d, call{method: http.MethodPost, path: fmt.Sprintf("/tasks/%d/completions", t), token: tok,
		ip: u.ip, body: jsonBody(body)}, nil); err != nil {
		return err
	}
	d.acked.completions.Add(1)
	return nil
}

func updateTask(ctx context.Context, d *driver) error {
	u, _, t := d.world.pick()
	tok, _ := u.auth()
	body := map[string]any{"description": fmt.Sprintf("updated during the soak (%d)", d.world.intn(1_000_000))}
	_, err := d.api.do(ctx, call{method: http.MethodPatch, path: fmt.Sprintf("/tasks/%d", t), token: tok, ip: u.ip,
		body: jsonBody(body)}, nil)
	return err
}

func createContractor(ctx context.Context, d *driver) error {
	u, r, _ := d.world.pick()
	tok, _ := u.auth()
	body := map[string]any{"residence_id": r.id, "name": fmt.Sprintf("Soak Plumbing %d", d.world.intn(1_000_000))}
	if err := create(ctx, d, call{method: http.MethodPost, path: "/contractors", token: tok, ip: u.ip,
		body: jsonBody(body)}, nil); err != nil {
		return err
	}
	d.acked.contractors.Add(1)
	return nil
}

// uploadDocument creates a document with its file (multipart), which lands in the file store.
func uploadDocument(ctx context.Context, d *driver) error {
	u, r, _ := d.world.pick()
	tok, _ := u.auth()
	body, ct, err := multipartDocument(r.id)
	if err != nil {
		return err
	}
	if err := create(ctx, d, call{method: http.MethodPost, path: "/documents", token: tok, ip: u.ip, body: body,
		contentType: ct}, nil); err != nil {
		return err
	}
	d.acked.documents.Add(1)
	d.acked.documentBytes.Add(int64(len(samplePDF)))
	return nil
}

func multipartDocument(residenceID int64) ([]byte, string, error) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, f := range [][2]string{{"residence_id", strconv.FormatInt(residenceID, 10)}, {"title", "Soak receipt"},
		{"type", "receipt"}} {
		if err := w.WriteField(f[0], f[1]); err != nil {
			return nil, "", fmt.Errorf("error encoding the upload: %w", err)
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="receipt.pdf"`)
	h.Set("Content-Type", "application/pdf")
	part, err := w.CreatePart(h)
	if err == nil {
		_, err = part.Write(samplePDF)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		return nil, "", fmt.Errorf("error encoding the upload: %w", err)
	}
	return b.Bytes(), w.FormDataContentType(), nil
}

// join joins a user to a residence it does not belong to yet with the residence's share code; once every
// pair has joined, it joins one already joined, which answers 200 with joined false.
func join(ctx context.Context, d *driver) error {
	m, fresh := d.world.takeJoinable()
	if !fresh {
		u, r, _ := d.world.pick()
		m = membership{u: u, r: r}
	}
	tok, _ := m.u.auth()
	var out struct {
		Joined bool `json:"joined"`
	}
	if _, err := d.api.do(ctx, call{method: http.MethodPost, path: "/residences/join", token: tok, ip: m.u.ip,
		body: jsonBody(map[string]any{"code": m.r.code})}, &out); err != nil {
		return err
	}
	if out.Joined != fresh {
		return fmt.Errorf("POST /residences/join: joined is %v for a user who was%s a member", out.Joined,
			map[bool]string{true: " not", false: ""}[fresh])
	}
	if fresh {
		d.acked.joins.Add(1)
		d.world.addMember(m.u, m.r)
	}
	return nil
}

// login signs a user in again; later requests use the new token, as a reinstalled app would.
func login(ctx context.Context, d *driver) error {
	u, _, _ := d.world.pick()
	var out struct {
		Token string `json:"token"`
	}
	if _, err := d.api.do(ctx, call{method: http.MethodPost, path: "/auth/login", ip: u.ip,
		body: jsonBody(map[string]any{"email": u.email, "password": password})}, &out); err != nil {
		return err
	}
	u.setToken(out.Token)
	return nil
}
