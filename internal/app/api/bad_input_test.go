package api_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
)

// TestBadInputIsRefused sends NUL bytes, invalid UTF-8, over-long, over-large, out-of-range, malformed and
// wrong-typed values to every field of every operation in api/openapi.yaml that takes a body or query
// parameters (JSON and multipart bodies, nested fields and array items, query and path parameters), one field
// at a time on an otherwise valid request. Each must get a 4xx with the Error shape whose `fields` names the
// field, with a message free of Go internals, and none may change a row of any table.
//
// The fields and what to send come from the spec; only a valid request per operation is written by hand
// (inputBaselines), and an operation without one fails the test. A field whose schema leaves a limit unstated
// (a string without maxLength, a number without a range) fails it too: the spec must say what the column
// accepts. Header parameters (If-None-Match, Range, If-Range) are left out: they are compared, never stored,
// and Go's client refuses to send a NUL or a raw control byte in a header anyway.
//
// One instance and one database serve all ~860 requests, eight at a time; the snapshot of every table is
// taken before and after them all.
func TestBadInputIsRefused(t *testing.T) {
	t.Parallel()
	inst, smtp := startInputInstance(t)
	fixture := newInputFixture(t, inst, smtp)
	cases := badInputs(t, specOperations(t), inputBaselines(fixture), fixture.owner.Token)

	before := tableRows(t, inst)
	answers := sendConcurrently(t, inst, cases)
	after := tableRows(t, inst)

	byOp := map[string][]int{}
	for i, c := range cases {
		byOp[c.Op] = append(byOp[c.Op], i)
	}
	for _, op := range slices.Sorted(maps.Keys(byOp)) {
		t.Run(op, func(t *testing.T) {
			for _, i := range byOp[op] {
				if problem := cases[i].check(answers[i]); problem != "" {
					t.Errorf("%s", problem)
				}
			}
		})
	}
	t.Run("NoRowChanged", func(t *testing.T) {
		for _, table := range slices.Sorted(maps.Keys(before)) {
			added, removed := rowDiff(before[table], after[table])
			if len(added)+len(removed) > 0 {
				t.Errorf("table %s changed: rows now present %s; rows gone %s", table, clip(added), clip(removed))
			}
		}
	})
}

// badInput is one bad request: a baseline with one field made bad.
type badInput struct {
	Op    string
	Where string // "body", "form", "query" or "path"
	Field string // as the error's `fields` must name it
	What  string
	// Status is the status it must get; 0 accepts any 4xx (an id of no row: 404 is as right as 400), and
	// only a 400 must then name the field.
	Status int
	Req    inputRequest
}

// answer is what the server said to one badInput.
type answer struct {
	resp apptest.Response
	err  error
}

// internalWording matches text that only makes sense to someone reading Homekeep's Go code.
var internalWording = regexp.MustCompile(`strconv\.|invalid syntax|unexpected byte|decode field|callback:|` +
	`\bint(32|64)?: value|\bfloat(64)?: value|\d\.\d{6}\b|%!|multipart:|mime:|\bhttp: |\bjx\b|ogen|\bEOF\b|` +
	`pgx|SQLSTATE|invalid byte sequence`)

// check returns what is wrong with the answer, or "".
func (c badInput) check(a answer) string {
	what := fmt.Sprintf("%s %s: %s %s = %s", c.Req.Method, c.Req.Path, c.Where, c.Field, c.What)
	if a.err != nil {
		return fmt.Sprintf("%s: %v", what, a.err)
	}
	r := a.resp
	switch {
	case c.Status != 0 && r.Status != c.Status:
		return fmt.Sprintf("%s: got status %d, want %d: %s", what, r.Status, c.Status, clipBody(r.Body))
	case c.Status == 0 && (r.Status < 400 || r.Status > 499):
		return fmt.Sprintf("%s: got status %d, want a 4xx: %s", what, r.Status, clipBody(r.Body))
	}
	var e client.APIError
	if err := json.Unmarshal(r.Body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" ||
		!strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		return fmt.Sprintf("%s: status %d without the Error shape (Content-Type %q): %s", what, r.Status,
			r.Header.Get("Content-Type"), clipBody(r.Body))
	}
	if (c.Status != 0 || r.Status == http.StatusBadRequest) && !namesField(e.Error.Fields.Value, c.Field) {
		return fmt.Sprintf("%s: status %d does not name %q in fields: %s", what, r.Status, c.Field, clipBody(r.Body))
	}
	texts := []string{e.Error.Message}
	for _, v := range e.Error.Fields.Value {
		texts = append(texts, v)
	}
	for _, s := range texts {
		if internalWording.MatchString(s) {
			return fmt.Sprintf("%s: status %d, the message shows Go internals (%q): %s", what, r.Status,
				internalWording.FindString(s), clipBody(r.Body))
		}
	}
	return ""
}

// namesField reports whether fields names the field: exactly, or, for an array's item ("ids.0"), as the item
// in either notation or as the array.
func namesField(fields map[string]string, field string) bool {
	if _, ok := fields[field]; ok {
		return true
	}
	if list, ok := strings.CutSuffix(field, ".0"); ok {
		for _, name := range []string{list, list + "[0]"} {
			if _, ok := fields[name]; ok {
				return true
			}
		}
	}
	return false
}

// sendConcurrently sends every case, several at a time, and returns the answers in case order.
func sendConcurrently(t *testing.T, inst *apptest.Instance, cases []badInput) []answer {
	t.Helper()
	const workers = 8
	answers := make([]answer, len(cases))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				resp, err := cases[i].Req.send(t.Context(), inst)
				answers[i] = answer{resp: resp, err: err}
			}
		})
	}
	for i := range cases {
		next <- i
	}
	close(next)
	wg.Wait()
	return answers
}

// badInputs derives the bad requests for every operation from the spec. It fails the test for an operation
// that takes input but has no baseline, and for a field whose schema leaves a limit unstated. Operations that
// take only path parameters need no baseline: they are sent with token.
func badInputs(t *testing.T, ops []specOperation, baselines map[string]inputBaseline, token string) []badInput {
	t.Helper()
	var out []badInput
	for _, op := range ops {
		base, ok := baselines[op.ID]
		if !ok && op.takesInput() {
			t.Errorf("add a baseline for operation %s (%s %s) to inputBaselines", op.ID, op.Method, op.Path)
			continue
		}
		if !ok {
			base = inputBaseline{Token: token}
		}
		g := caseGen{t: t, op: op, base: base}
		for _, ct := range slices.Sorted(maps.Keys(op.Bodies)) {
			for _, f := range bodyFields(t, op.Bodies[ct]) {
				if finding := specFinding(f); finding != "" {
					t.Errorf("%s %s: field %s is %s", op.ID, ct, f.Path, finding)
				}
				switch ct {
				case contentJSON:
					g.jsonField(f)
				case contentMultipart:
					g.formField(f)
				default:
					t.Errorf("%s: request content type %s is not supported by the input tests yet", op.ID, ct)
				}
			}
		}
		for _, p := range op.Query {
			f := paramField(p)
			if finding := specFinding(f); finding != "" {
				t.Errorf("%s: query parameter %s is %s", op.ID, p.Name, finding)
			}
			g.queryParam(f)
		}
		for _, p := range op.PathParams {
			g.pathParam(p)
		}
		out = append(out, g.cases...)
	}
	return out
}

// caseGen builds the bad requests of one operation.
type caseGen struct {
	t     *testing.T
	op    specOperation
	base  inputBaseline
	cases []badInput
}

// request is the baseline request with the body given and the path and query changed as asked. Path
// parameters the baseline does not fill are 1.
func (g *caseGen) request(pathOver, queryOver map[string]string, contentType string, body []byte) inputRequest {
	params := map[string]string{}
	for _, p := range g.op.PathParams {
		params[p.Name] = "1"
	}
	maps.Copy(params, g.base.PathParams)
	maps.Copy(params, pathOver)
	return inputRequest{Method: g.op.Method, Path: inputBaseline{PathParams: params}.path(g.op.Path, nil),
		RawQuery: rawQuery(g.base.Query, queryOver), Token: g.base.Token, ContentType: contentType, Body: body,
		Invalid: true}
}

// baseBody is the baseline's body, JSON preferred, for cases that change no body field.
func (g *caseGen) baseBody() (contentType string, body []byte) {
	switch {
	case g.base.JSON != nil:
		b, err := jsonBody(g.base.JSON)
		require.NoError(g.t, err)
		return contentJSON, b
	case g.base.Form != nil || g.base.File != nil:
		b, ct, err := multipartForm(g.base.Form, g.base.File, fileAsIs)
		require.NoError(g.t, err)
		return ct, b
	}
	return "", nil
}

func (g *caseGen) add(where string, f specField, what string, status int, req inputRequest) {
	g.cases = append(g.cases, badInput{Op: g.op.ID, Where: where, Field: f.Path, What: what, Status: status, Req: req})
}

// badValue is one bad value for a field: what it is, the value (as JSON for bodies, as text for forms and
// query strings), and the status it must get.
type badValue struct {
	what   string
	json   any
	text   string
	status int
	// jsonOnly marks a wrong JSON type, which a form or a query string cannot express.
	jsonOnly bool
}

// badValues lists the bad values for a field's schema. inQuery asks for percent-encoded text.
func badValues(f specField, inQuery bool) []badValue {
	s := f.Schema
	var out []badValue
	add := func(what string, j any, text string, status int) {
		out = append(out, badValue{what: what, json: j, text: text, status: status})
	}
	wrongType := func(what string, j any) {
		out = append(out, badValue{what: what, json: j, status: http.StatusBadRequest, jsonOnly: true})
	}
	lit := func(r *big.Rat) string { return ratText(r) }
	switch kindOf(s) {
	case openapi3.TypeString:
		if s.Format == "binary" {
			return nil // the file part; see formFile
		}
		if inQuery {
			add("a NUL byte (%00)", nil, "a%00b", http.StatusBadRequest)
			add("invalid UTF-8 (%ff)", nil, "a%ffb", http.StatusBadRequest)
			add("an over-long UTF-8 encoding (%C0%AF)", nil, "a%C0%AFb", http.StatusBadRequest)
		} else {
			add("a NUL byte", "a\x00b", "a\x00b", http.StatusBadRequest)
			add("invalid UTF-8", rawJSON("\"a\xffb\""), "a\xffb", http.StatusBadRequest)
		}
		n := 300
		if s.MaxLength != nil {
			n = int(min(*s.MaxLength, 1<<20)) + 1
		}
		long := strings.Repeat("x", n)
		add(fmt.Sprintf("%d characters", n), long, long, http.StatusBadRequest)
		if s.MinLength > 0 {
			add("empty", "", "", http.StatusBadRequest)
		}
		if len(s.Enum) > 0 {
			add("not one of the choices", "not-a-choice", "not-a-choice", http.StatusBadRequest)
		}
		switch s.Format {
		case "date":
			add("not a date", "2024-02-30", "2024-02-30", http.StatusBadRequest)
		case "date-time":
			add("not a date-time", "2024-02-30T10:00:00Z", "2024-02-30T10:00:00Z", http.StatusBadRequest)
		}
		wrongType("a number instead of a string", 12345)
	case openapi3.TypeInteger, openapi3.TypeNumber:
		isInt := kindOf(s) == openapi3.TypeInteger
		add("a string instead of a number", "12", "twelve", http.StatusBadRequest)
		if isInt {
			add("a fraction", rawJSON("1.5"), "1.5", http.StatusBadRequest)
			if s.Format == "int32" {
				add("2^31, past int32", rawJSON("2147483648"), "2147483648", http.StatusBadRequest)
			}
			add("2^63, past int64", rawJSON("9223372036854775808"), "9223372036854775808", http.StatusBadRequest)
		} else {
			add("1e300", rawJSON("1e300"), "1e300", http.StatusBadRequest)
		}
		if s.Max != nil {
			v := lit(new(big.Rat).Add(decimal(*s.Max), step(s)))
			add("maximum + "+lit(step(s))+" = "+v, rawJSON(v), v, http.StatusBadRequest)
		}
		if s.Min != nil {
			v := lit(new(big.Rat).Sub(decimal(*s.Min), step(s)))
			add("minimum - "+lit(step(s))+" = "+v, rawJSON(v), v, http.StatusBadRequest)
		}
		if s.MultipleOf != nil && s.Min != nil {
			v := lit(new(big.Rat).Add(decimal(*s.Min), new(big.Rat).Quo(step(s), big.NewRat(10, 1))))
			add("finer than multipleOf: "+v, rawJSON(v), v, http.StatusBadRequest)
		}
		if isReference(f) && !inQuery { // a query filter on an id of no row rightly finds nothing
			add("-1, an id of no row", -1, "-1", 0)
			add("max int64, an id of no row", rawJSON("9223372036854775807"), "9223372036854775807", 0)
		}
	case openapi3.TypeBoolean:
		add("a string instead of a boolean", "yes", "maybe", http.StatusBadRequest)
	case openapi3.TypeArray:
		wrongType("a string instead of an array", "x")
	case openapi3.TypeObject:
		wrongType("a string instead of an object", "x")
	}
	return out
}

// jsonField adds the bad JSON bodies for one field.
func (g *caseGen) jsonField(f specField) {
	send := func(what string, v any, status int) {
		body, err := jsonBody(setAt(cloneJSON(g.base.JSON), f.Keys, v))
		require.NoError(g.t, err)
		g.add("body", f, what, status, g.request(nil, nil, contentJSON, body))
	}
	for _, v := range badValues(f, false) {
		if v.json != nil {
			send(v.what, v.json, v.status)
		}
	}
	if kindOf(f.Schema) == openapi3.TypeArray && f.Schema.MaxItems != nil {
		item := any(1)
		if a, ok := getAt(g.base.JSON, f.Keys).([]any); ok && len(a) > 0 {
			item = a[0]
		}
		items := make([]any, *f.Schema.MaxItems+1)
		for i := range items {
			items[i] = item
		}
		send(fmt.Sprintf("%d items", len(items)), items, http.StatusBadRequest)
	}
	if f.Required {
		send("missing", deleteKey{}, http.StatusBadRequest)
	}
}

// formField adds the bad multipart bodies for one field.
func (g *caseGen) formField(f specField) {
	send := func(what string, fields map[string]string, file *apptest.FilePart, mode fileMode, status int) {
		body, ct, err := multipartForm(fields, file, mode)
		require.NoError(g.t, err)
		g.add("form", f, what, status, g.request(nil, nil, ct, body))
	}
	with := func(v string) map[string]string {
		out := map[string]string{}
		for k, e := range g.base.Form {
			out[k] = e
		}
		out[f.Path] = v
		return out
	}
	if f.Schema.Format == "binary" {
		g.formFile(f, send)
		return
	}
	for _, v := range badValues(f, false) {
		if !v.jsonOnly {
			send(v.what, with(v.text), g.base.File, fileAsIs, v.status)
		}
	}
	if f.Required {
		fields := with("")
		delete(fields, f.Path)
		send("missing", fields, g.base.File, fileAsIs, http.StatusBadRequest)
	}
}

// formFile adds the bad file parts: missing, without a filename, over MAX_UPLOAD_SIZE, of a refused type.
func (g *caseGen) formFile(f specField, send func(string, map[string]string, *apptest.FilePart, fileMode, int)) {
	file := g.base.File
	require.NotNil(g.t, file, "%s: the baseline needs a File", g.op.ID)
	if f.Required {
		send("missing", g.base.Form, nil, fileAsIs, http.StatusBadRequest)
	}
	send("a part without a filename", g.base.Form, file, fileNoFilename, http.StatusBadRequest)
	big := &apptest.FilePart{Name: "big.pdf", ContentType: "application/pdf",
		Content: append(append([]byte{}, apptest.TestPDF...), make([]byte, inputUploadLimit)...)}
	send(fmt.Sprintf("%d bytes, over MAX_UPLOAD_SIZE", len(big.Content)), g.base.Form, big, fileAsIs,
		http.StatusRequestEntityTooLarge)
	text := &apptest.FilePart{Name: "notes.txt", ContentType: "application/pdf", Content: []byte("plain text, not a PDF\n")}
	send("a text file", g.base.Form, text, fileAsIs, http.StatusUnsupportedMediaType)
}

// queryParam adds the bad query strings for one parameter.
func (g *caseGen) queryParam(f specField) {
	ct, body := g.baseBody()
	for _, v := range badValues(f, true) {
		if v.jsonOnly {
			continue
		}
		g.add("query", f, v.what, v.status, g.request(nil, map[string]string{f.Path: v.text}, ct, body))
	}
}

// pathParam adds the bad path parameters: not a number, past int64, and an id of no row. A string path
// parameter (receiveGoogleNotification's secret) is no id and gets none.
func (g *caseGen) pathParam(p *openapi3.Parameter) {
	if !isIDParam(p) {
		return
	}
	f := paramField(p)
	ct, body := g.baseBody()
	for _, v := range []badValue{
		{what: "not a number", text: "abc", status: http.StatusBadRequest},
		{what: "a fraction", text: "1.5", status: http.StatusBadRequest},
		{what: "2^63, past int64", text: "9223372036854775808", status: http.StatusBadRequest},
		{what: "-1, an id of no row", text: "-1"},
	} {
		g.add("path", f, v.what, v.status, g.request(map[string]string{p.Name: v.text}, nil, ct, body))
	}
}

// tableRows reads every row of every table in the database, as JSON text, by table. auth_tokens.last_used_at
// is left out: it is bookkeeping that an authenticated read may write (at most every five minutes per
// token), not something a request changes.
// jobIdentity reduces a river_job row, as tableRows reads it, to its id, kind and arguments.
func jobIdentity(t *testing.T, row string) string {
	t.Helper()
	var job struct {
		ID   int64           `json:"id"`
		Kind string          `json:"kind"`
		Args json.RawMessage `json:"args"`
	}
	require.NoError(t, json.Unmarshal([]byte(row), &job), "river_job row %s", row)
	return fmt.Sprintf("job %d %s %s", job.ID, job.Kind, job.Args)
}

func tableRows(t *testing.T, inst *apptest.Instance) map[string][]string {
	t.Helper()
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, inst.DatabaseURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	// One statement over the catalog: query_to_xml runs a query per table, each row's JSON an <r> element,
	// and every table comes back, empty ones as an empty array.
	rows, err := conn.Query(ctx, `
		SELECT c.relname, coalesce(array_agg(r.v::text ORDER BY r.v::text) FILTER (WHERE r.v IS NOT NULL), '{}')
		FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		LEFT JOIN LATERAL unnest(xpath('/table/row/r/text()', query_to_xml(
			format('SELECT (to_jsonb(x) - %L)::text AS r FROM %I.%I x', 'last_used_at', n.nspname, c.relname),
			false, false, ''))) AS r(v) ON true
		WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
			AND n.nspname NOT LIKE 'pg_toast%'
		GROUP BY c.relname`)
	require.NoError(t, err)
	out := map[string][]string{}
	for rows.Next() {
		var table string
		var list []string
		require.NoError(t, rows.Scan(&table, &list))
		switch {
		case strings.HasPrefix(table, "river_") && table != "river_job":
			continue // the job queue's own bookkeeping (leader election, queues, clients), not what a request wrote
		case table == "river_job":
			// A job counts by what it is, not by how far the workers got with it (a fixture's email may be
			// running in the first snapshot and completed in the second); the periodic maintenance jobs a
			// process with workers runs on its own schedule do not count at all. Any other new job (an email a
			// bad request should not have caused) does.
			list = slices.DeleteFunc(list, func(row string) bool { return strings.Contains(row, `"periodic": true`) })
			for i, row := range list {
				list[i] = jobIdentity(t, row)
			}
		}
		out[table] = list
	}
	require.NoError(t, rows.Err())
	require.NotEmpty(t, out["users"], "the snapshot sees the fixture's rows")
	return out
}

// rowDiff returns the rows only in after and the rows only in before.
func rowDiff(before, after []string) (added, removed []string) {
	for _, r := range after {
		if !slices.Contains(before, r) {
			added = append(added, r)
		}
	}
	for _, r := range before {
		if !slices.Contains(after, r) {
			removed = append(removed, r)
		}
	}
	return added, removed
}

// clip keeps a list of rows readable in a failure message.
func clip(rows []string) string {
	s := strings.Join(rows, "\n    ")
	if len(s) > 2000 {
		s = s[:2000] + "…"
	}
	return "[\n    " + s + "]"
}

// clipBody keeps a response body readable in a failure message.
func clipBody(b []byte) string {
	if len(b) > 400 {
		return string(b[:400]) + "…"
	}
	return string(b)
}
