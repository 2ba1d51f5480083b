package api_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"maps"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apitest"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/testsmtp"
)

// TestEveryOperationConformsToTheSpec walks every operation of api/openapi.yaml from the outside, with
// requests generated from its schemas, and holds every answer to the spec. For each operation it sends:
//
//   - ids: the fixture's ids (the valid request), an id of no row and each id of another household (404,
//     never 403 or 2xx), and malformed ids the bad-input test does not send ("1e3", "0x10", " 1", ...);
//   - auth: no token, and a token of no one (401), where the operation needs one;
//   - valid: each field at the edges its schema allows (strings of exactly minLength and maxLength, numbers at
//     minimum and maximum, every enum value, both booleans, no and maxItems array items, null where nullable,
//     left out where optional), an unknown property, an empty object, no body where the body is optional,
//     the file types an upload accepts and a file of exactly MAX_UPLOAD_SIZE. Each must succeed, unless
//     conformRefusals names the rule, stated in the spec's descriptions, by which the server refuses it
//     (TestNumericLimits also reads the numbers back from their columns);
//   - invalid: what TestBadInputIsRefused does not already send (it sends each required field missing, an
//     unknown enum value, a wrong scalar type, NUL bytes, over-long and out-of-range values): every other JSON
//     type a field does not have (null where it is not nullable, an object for an array, a boolean for a
//     number, ...), an enum value in another case, a value its pattern or format refuses, an empty object
//     where fields are required, a body that is not JSON or not an object, no body where one is required,
//     and a content type the operation does not take. Each must get a 4xx with the ApiError body, and a 400
//     must name the field;
//   - header: each header parameter with a value that matches nothing, and a satisfiable and an
//     unsatisfiable Range;
//   - references to another household's rows in bodies and queries, which must not succeed (nor leak).
//
// Every answer must be declared by the spec with a matching body and headers (the contract-checking
// transport, whose reports are laid at the door of the request that caused them), no answer may be a 5xx,
// and no answer to the fixture's accounts may contain the other household's rows. The hand-written tests
// check what each answer means; this one checks that nothing the schemas allow or refuse breaks the
// contract. One instance and database serve every request, eight at a time; requests that use up their
// target (a delete, a code, a transfer) are sent after the others.
func TestEveryOperationConformsToTheSpec(t *testing.T) {
	t.Parallel()
	started := time.Now()
	inst, smtp := startInputInstance(t)
	w := newConformWalk(t, inst, smtp)
	var cases []conformCase
	for _, op := range specOperations(t) {
		cases = append(cases, w.operationCases(op)...)
	}
	built := time.Now()
	results := w.send(cases)
	sent := time.Now()

	byOp := map[string][]int{}
	for i, c := range cases {
		byOp[c.Op] = append(byOp[c.Op], i)
	}
	failures := 0
	for _, op := range slices.Sorted(maps.Keys(byOp)) {
		t.Run(op, func(t *testing.T) {
			for _, i := range byOp[op] {
				c := cases[i]
				problem := c.check(results[i], conformMarker)
				switch {
				case c.Defect != "":
					t.Run(c.Kind+" "+c.What, func(t *testing.T) {
						if problem == "" {
							t.Logf("the known defect no longer shows: remove it from conformDefects")
						}
						t.Skipf("defect: %s (%s)", c.Defect, problem)
					})
				case problem != "":
					failures++
					t.Error(problem)
				}
			}
		})
	}

	fivexx := 0
	for _, r := range results {
		if r.resp.Status >= 500 {
			fivexx++
		}
	}
	t.Logf("%d requests to %d operations: setup %v, sending %v; %d answered 5xx, %d failed their check",
		len(cases), len(byOp), built.Sub(started).Round(time.Millisecond), sent.Sub(built).Round(time.Millisecond),
		fivexx, failures)
	for _, op := range slices.Sorted(maps.Keys(byOp)) {
		t.Log(summarize(op, cases, results, byOp[op]))
	}
	for _, note := range w.notes {
		t.Logf("not generated: %s", note)
	}
}

// conformWorkers is how many requests are in flight at once.
const conformWorkers = 8

// conformMarker names every row of the other household, so that any answer showing one is caught.
const conformMarker = "Zq7OtherHousehold"

// unknownID is an id no row has.
const unknownID = "4611686018427387904"

// Case kinds, for the per-operation summary.
const (
	kindValid   = "valid"
	kindInvalid = "invalid"
	kindIDs     = "ids"
	kindAuth    = "auth"
	kindHeader  = "header"
)

// conformCase is one request of the walk and the answers it may get.
type conformCase struct {
	Op, Kind, What string
	Req            inputRequest
	// Header is sent with the request (conditional and range headers).
	Header http.Header
	Want   outcome
	// Consumes marks a request that uses up what it targets (a delete, a code, a transfer): it is sent after
	// every other request, so that none of them finds its target gone.
	Consumes bool
	// Defect names a known server defect this case shows; the case is sent but skipped (conformDefects).
	Defect string
}

// outcome lists the answers a case may get.
type outcome struct {
	// Success accepts any 2xx; Statuses accepts each status listed; ClientError accepts any 4xx but 403
	// (a 403 would tell the caller that a row it may not see exists).
	Success     bool
	Statuses    []int
	ClientError bool
	// Fields must each be named in the error's fields when the answer is a 400.
	Fields []string
	// Why is the rule, stated in the spec's descriptions, by which the server refuses a schema-valid request.
	Why string
}

func (o outcome) accepts(status int) bool {
	return (o.Success && status >= 200 && status < 300) || slices.Contains(o.Statuses, status) ||
		(o.ClientError && status >= 400 && status < 500 && status != http.StatusForbidden)
}

func (o outcome) String() string {
	var parts []string
	if o.Success {
		parts = append(parts, "a 2xx")
	}
	for _, s := range o.Statuses {
		parts = append(parts, strconv.Itoa(s))
	}
	if o.ClientError {
		parts = append(parts, "a 4xx other than 403")
	}
	s := strings.Join(parts, " or ")
	if o.Why != "" {
		s += " (" + o.Why + ")"
	}
	return s
}

// conformResult is what one request got, with what the contract-checking transport said about it.
type conformResult struct {
	resp     apptest.Response
	err      error
	contract []string
}

// check returns what is wrong with the answer, or "".
func (c conformCase) check(res conformResult, marker string) string {
	target := c.Req.Path
	if c.Req.RawQuery != "" {
		target += "?" + c.Req.RawQuery
	}
	if len(target) > 160 {
		target = target[:160] + "…"
	}
	what := fmt.Sprintf("%s %s [%s: %s]", c.Req.Method, target, c.Kind, c.What)
	if res.err != nil {
		return fmt.Sprintf("%s: %v", what, res.err)
	}
	r := res.resp
	var problems []string
	if len(res.contract) > 0 {
		problems = append(problems, "the contract check says: "+strings.Join(res.contract, "\n"))
	}
	if !c.Want.accepts(r.Status) {
		problems = append(problems, fmt.Sprintf("got status %d, want %s", r.Status, c.Want))
	}
	if r.Status >= 400 {
		var e client.APIError
		if err := json.Unmarshal(r.Body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" ||
			!strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			problems = append(problems, fmt.Sprintf("status %d without the ApiError body (Content-Type %q)",
				r.Status, r.Header.Get("Content-Type")))
		} else {
			if r.Status == http.StatusBadRequest {
				for _, f := range c.Want.Fields {
					if !namesField(e.Error.Fields.Value, f) {
						problems = append(problems, fmt.Sprintf("the 400 does not name %q in fields", f))
					}
				}
			}
			texts := []string{e.Error.Message}
			for _, v := range e.Error.Fields.Value {
				texts = append(texts, v)
			}
			for _, s := range texts {
				if internalWording.MatchString(s) {
					problems = append(problems, fmt.Sprintf("the message shows Go internals (%q)", internalWording.FindString(s)))
				}
			}
		}
	}
	if bytes.Contains(r.Body, []byte(marker)) {
		problems = append(problems, "the answer shows another household's rows")
	}
	if len(problems) == 0 {
		return ""
	}
	return fmt.Sprintf("%s: %s\n  answer %d: %s", what, strings.Join(problems, "; "), r.Status, clipBody(r.Body))
}

// summarize is one line per operation: requests by kind, answers by status.
func summarize(op string, cases []conformCase, results []conformResult, idx []int) string {
	kinds, statuses := map[string]int{}, map[int]int{}
	for _, i := range idx {
		kinds[cases[i].Kind]++
		statuses[results[i].resp.Status]++
	}
	var k, s []string
	for _, kind := range []string{kindValid, kindInvalid, kindIDs, kindAuth, kindHeader} {
		if kinds[kind] > 0 {
			k = append(k, fmt.Sprintf("%s %d", kind, kinds[kind]))
		}
	}
	for _, st := range slices.Sorted(maps.Keys(statuses)) {
		s = append(s, fmt.Sprintf("%d×%d", st, statuses[st]))
	}
	return fmt.Sprintf("%-25s %4d requests (%s); answers %s", op, len(idx), strings.Join(k, ", "), strings.Join(s, " "))
}

// refusal is a request the schema allows but a rule the spec states in words refuses.
type refusal struct {
	op, field string // "" matches every operation, every field
	what      string // a substring of the case's description; "" matches every case
	status    int
	// named is the field a 400 names, when it is not the field sent.
	named string
	why   string
}

// conformRefusals are the schema-valid requests the server refuses, each with the rule the spec states in
// words for it. A valid case not listed here must succeed.
var conformRefusals = []refusal{
	{field: "timezone", what: "(maxLength)", status: http.StatusBadRequest,
		why: "no IANA zone name is that long, and the server requires the zone to exist (timezone's description)"},
	{op: "getUnsubscribePage", field: "token", status: http.StatusBadRequest,
		why: "a token the server did not sign is refused (the token parameter's description)"},
	{op: "unsubscribe", field: "token", status: http.StatusBadRequest,
		why: "a token the server did not sign is refused (the token parameter's description)"},
	{op: "registerNotificationDevice", field: "keys.p256dh", what: "characters", status: http.StatusBadRequest, named: "keys",
		why: "p256dh must be an uncompressed P-256 point (p256dh's description)"},
	{op: "registerNotificationDevice", field: "keys.p256dh", what: "left out", status: http.StatusBadRequest,
		why: "web needs both keys (NotificationDeviceKeys' description)"},
	{op: "registerNotificationDevice", field: "keys.auth", what: "left out", status: http.StatusBadRequest,
		why: "web needs both keys (NotificationDeviceKeys' description)"},
	{op: "registerNotificationDevice", field: "keys.auth", what: "characters", status: http.StatusBadRequest, named: "keys",
		why: "auth must be 16 bytes (the keys' description)"},
	{op: "registerNotificationDevice", field: "endpoint", what: "(maxLength)", status: http.StatusBadRequest,
		why: "a push endpoint is at most 2048 characters (endpoint's description)"},
	{op: "login", field: "email", status: http.StatusUnauthorized,
		why: "an address that is no account's answers 401 invalid_credentials (login's description)"},
	{op: "login", field: "password", status: http.StatusUnauthorized,
		why: "a wrong password answers 401 invalid_credentials (login's description)"},
	{op: "changePassword", field: "current_password", status: http.StatusBadRequest,
		why: "a wrong current password answers 400 wrong_password (the BadRequest response's description)"},
	{op: "resetPassword", field: "reset_token", status: http.StatusBadRequest,
		why: "a reset token the server did not issue is refused (ResetTokenResponse.reset_token)"},
	{op: "verifyResetCode", field: "email", status: http.StatusBadRequest, named: "code",
		why: "an address with no live reset code has no code to match"},
	{op: "applyApplePurchase", field: "signed_transaction", status: http.StatusBadRequest,
		why: "a value the App Store did not sign for this app is refused (applyApplePurchase's description); a random JWS never verifies"},
	{op: "receiveAppleNotification", field: "signedPayload", status: http.StatusBadRequest,
		why: "a payload the App Store did not sign for this app is refused (receiveAppleNotification's description)"},
	{op: "applyGooglePurchase", field: "purchase_token", status: http.StatusBadRequest,
		why: "a token Google Play does not know is refused (applyGooglePurchase's description); a made-up one never is"},
	{op: "applyGooglePurchase", field: "product_id", status: http.StatusBadRequest,
		why: "the product must be the purchase's (product_id's description: the subscription's product id)"},
	{op: "receiveGoogleNotification", field: "message.data", status: http.StatusBadRequest, named: "message",
		why: "data is a base64-encoded developer notification (its description); generated text is none"},
	{op: "receiveGoogleNotification", field: "message.publishTime", what: "(maxLength)", status: http.StatusBadRequest, named: "message",
		why: "publishTime is an RFC 3339 time (its description); generated text is none"},
	{op: "listNotifications", field: "cursor", status: http.StatusBadRequest,
		why: "a cursor is a next_cursor the feed gave out (the cursor parameter's description)"},
	// The baseline registers a web push subscription: endpoint and keys, no token.
	{op: "registerNotificationDevice", field: "platform", what: "enum value ios", status: http.StatusBadRequest, named: "token",
		why: "ios sends token, not endpoint and keys (NotificationDeviceCreate's description)"},
	{op: "registerNotificationDevice", field: "platform", what: "enum value android", status: http.StatusBadRequest, named: "token",
		why: "android sends token, not endpoint and keys (NotificationDeviceCreate's description)"},
	{op: "registerNotificationDevice", field: "token", what: "characters", status: http.StatusBadRequest,
		why: "token is refused with web (token's description)"},
	{op: "registerNotificationDevice", field: "endpoint", what: "left out", status: http.StatusBadRequest,
		why: "web sends its endpoint (NotificationDeviceCreate's description)"},
	{op: "registerNotificationDevice", field: "endpoint", what: "(minLength)", status: http.StatusBadRequest,
		why: "an endpoint is an absolute https URL for web (endpoint's description)"},
	{op: "registerNotificationDevice", field: "keys", what: "left out", status: http.StatusBadRequest,
		why: "web sends its subscription's keys (NotificationDeviceCreate's description)"},
	{op: "registerNotificationDevice", field: "keys.p256dh", what: "left out", status: http.StatusBadRequest,
		why: "both keys are required (NotificationDeviceKeys' description)"},
	{op: "registerNotificationDevice", field: "keys.auth", what: "left out", status: http.StatusBadRequest,
		why: "both keys are required (NotificationDeviceKeys' description)"},
}

// conformDefects are known server defects: the operation, a substring of the case's kind and description,
// and the defect with its owner ("what is wrong, owner: who fixes it"). Each such case is sent and shown,
// but skipped, until its owner fixes it. (The one the walk found in code nobody else owned, an upload
// naming only the first missing field, is fixed; concurrent share codes are TestConcurrentShareCodesAllSucceed.)
var conformDefects = []struct{ op, what, defect string }{}

// conformWalk holds what the walk's requests point at: the input tests' fixture, targets of the walk's own
// for operations whose valid request uses up its target, and another household's rows.
type conformWalk struct {
	t         *testing.T
	inst      *apptest.Instance
	smtp      *testsmtp.Server
	doc       *openapi3.T
	f         *inputFixture
	baselines map[string]inputBaseline
	// targets is the valid request of operations without a baseline, by operationId.
	targets map[string]inputBaseline
	// other is the other household's id of each kind of row ("residence", "user", ...).
	other map[string]string
	notes []string
}

// consumingOps are the operations whose valid request uses up its target.
var consumingOps = []string{"changePassword", "deleteCompletion", "deleteContractor", "deleteDocument",
	"deleteMe", "deleteNotificationDevice", "deleteResidence", "deleteTask", "logout", "register", "removeResidenceMember", "resetPassword",
	"transferResidence", "verifyEmail", "verifyResetCode"}

func newConformWalk(t *testing.T, inst *apptest.Instance, smtp *testsmtp.Server) *conformWalk {
	t.Helper()
	doc, err := loadSpec()
	require.NoError(t, err)
	f := newInputFixture(t, inst, smtp)
	w := &conformWalk{t: t, inst: inst, smtp: smtp, doc: doc, f: f, baselines: inputBaselines(f)}

	// The other household: a stranger's residence and its rows, each named with the marker.
	stranger := inst.Register(t)
	rid := apptest.CreateResidence(t, inst, stranger, conformMarker+" residence")
	tid := apptest.CreateTask(t, inst, stranger, map[string]any{"residence_id": rid, "title": conformMarker + " task"})
	w.other = map[string]string{
		"residence":  idText(rid),
		"task":       idText(tid),
		"user":       idText(stranger.ID),
		"contractor": idText(apptest.CreateContractor(t, inst, stranger, map[string]any{"residence_id": rid, "name": conformMarker + " contractor"}).ID),
		"document":   idText(apptest.CreateDocument(t, inst, stranger, map[string]any{"residence_id": rid, "title": conformMarker + " document"}).ID),
		"completion": idText(apptest.CompleteTask(t, inst, stranger, tid, map[string]any{"notes": conformMarker}).Completion.ID),
		"device":     idText(registerDevice(t, inst, stranger)),
	}
	var strangerNotification int64
	apptest.DBQueryRow(t, inst, "INSERT INTO notifications (user_id, kind, title) VALUES ($1, 'member_joined', $2) RETURNING id",
		[]any{stranger.ID, conformMarker + " notification"}, &strangerNotification)
	w.other["notification"] = idText(strangerNotification)

	// Targets of the operations that take only path ids: the fixture's rows, or rows of their own where
	// the request deletes its target or needs it in a given state.
	owner := f.owner.Token
	newTask := func(title string) int64 {
		return apptest.CreateTask(t, inst, f.owner, map[string]any{"residence_id": f.residenceID, "title": title})
	}
	inState := func(title, action string) int64 {
		id := newTask(title)
		r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: fmt.Sprintf("/tasks/%d/%s", id, action), Token: owner})
		require.Equal(t, http.StatusOK, r.Status, "%s: %s", action, r.Body)
		return id
	}
	leaver := inst.Register(t)
	apptest.Join(t, inst, leaver, apptest.ShareCode(t, inst, f.owner, f.residenceID, "viewer"))
	completed := newTask("Completed once")
	task := func(id int64) inputBaseline {
		return inputBaseline{Token: owner, PathParams: map[string]string{"id": idText(id)}}
	}
	w.targets = map[string]inputBaseline{
		"deleteResidence": {Token: owner, PathParams: map[string]string{"id": idText(apptest.CreateResidence(t, inst, f.owner, "To delete"))}},
		"removeResidenceMember": {Token: owner, PathParams: map[string]string{"id": idText(f.residenceID),
			"user_id": idText(leaver.ID)}},
		"deleteTask":    task(newTask("To delete")),
		"startTask":     task(newTask("To start")),
		"stopTask":      task(inState("To stop", "in-progress")),
		"cancelTask":    task(newTask("To cancel")),
		"uncancelTask":  task(inState("To uncancel", "cancel")),
		"archiveTask":   task(newTask("To archive")),
		"unarchiveTask": task(inState("To unarchive", "archive")),
		"deleteCompletion": {Token: owner, PathParams: map[string]string{"id": idText(
			apptest.CompleteTask(t, inst, f.owner, completed, nil).Completion.ID)}},
		"deleteContractor": {Token: owner, PathParams: map[string]string{"id": idText(
			apptest.CreateContractor(t, inst, f.owner, map[string]any{"residence_id": f.residenceID, "name": "To delete"}).ID)}},
		"deleteDocument": {Token: owner, PathParams: map[string]string{"id": idText(
			apptest.CreateDocument(t, inst, f.owner, map[string]any{"residence_id": f.residenceID, "title": "To delete"}).ID)}},
		"deleteNotificationDevice": {Token: owner, PathParams: map[string]string{"id": idText(registerDevice(t, inst, f.owner))}},
		"logout":                   {Token: inst.Register(t).Token},
		"deleteMe":                 {Token: inst.Register(t).Token},
	}
	return w
}

// mine is the fixture's id of each kind of row, for path parameters no baseline or target fills.
func (w *conformWalk) mine(kind string) string {
	switch kind {
	case "residence":
		return idText(w.f.residenceID)
	case "task":
		return idText(w.f.taskID)
	case "contractor":
		return idText(w.f.contractorID)
	case "document":
		return idText(w.f.documentID)
	case "user":
		return idText(w.f.member.ID)
	case "notification":
		return idText(w.f.notificationID)
	case "device":
		return idText(w.f.deviceID)
	}
	w.t.Fatalf("no fixture row of kind %q", kind)
	return ""
}

// pathKind is the kind of row a path parameter names: user_id a user, id under /notifications/devices a
// device, any other id the row of the path's first segment.
func pathKind(path, param string) string {
	if param == "user_id" {
		return "user"
	}
	if strings.HasPrefix(path, "/notifications/devices/") {
		return "device"
	}
	first, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	return strings.TrimSuffix(first, "s")
}

// refKind is the kind of row a body or query field refers to, or "" for reference data every household
// shares (categories, frequencies, templates, ...).
func refKind(f specField) string {
	name := strings.TrimSuffix(f.Path, ".0")
	switch name {
	case "residence_id":
		return "residence"
	case "task_id":
		return "task"
	case "contractor_id":
		return "contractor"
	case "assigned_to", "user_id":
		return "user"
	}
	return ""
}

// needsToken reports whether the operation requires authentication.
func (w *conformWalk) needsToken(op specOperation) bool {
	sec := w.doc.Paths.Value(op.Path).GetOperation(op.Method).Security
	if sec != nil {
		return len(*sec) > 0
	}
	return len(w.doc.Security) > 0
}

// fresh returns a baseline with a target of its own, for a valid variant of an operation whose target one
// success uses up (a code, a token, a password, an email address); ok is false for other operations.
func (w *conformWalk) fresh(op string) (inputBaseline, bool) {
	t, inst := w.t, w.inst
	b := w.baselines[op]
	b.JSON = maps.Clone(b.JSON)
	switch op {
	case "register":
		b.JSON["email"] = apptest.UniqueEmail()
	case "changePassword":
		b.Token = inst.Register(t).Token
	case "verifyEmail":
		acct := inst.Register(t)
		b.Token, b.JSON["code"] = acct.Token, w.smtp.Next(t, acct.Email).Code(t)
	case "verifyResetCode":
		acct := inst.Register(t)
		b.JSON["email"], b.JSON["code"] = acct.Email, resetCode(t, inst, w.smtp, acct)
	case "resetPassword":
		b.JSON["reset_token"] = resetToken(t, inst, w.smtp, inst.Register(t))
	case "createShareCode": // codes for one residence issued at once: see TestConcurrentShareCodesAllSucceed
		b.PathParams = map[string]string{"id": idText(apptest.CreateResidence(t, inst, w.f.owner, "To share"))}
	case "transferResidence":
		rid := apptest.CreateResidence(t, inst, w.f.owner, "To transfer")
		heir := inst.Register(t)
		apptest.Join(t, inst, heir, apptest.ShareCode(t, inst, w.f.owner, rid, "editor"))
		b.PathParams, b.JSON["user_id"] = map[string]string{"id": idText(rid)}, heir.ID
	default:
		return b, false
	}
	return b, true
}

// opGen builds the cases of one operation.
type opGen struct {
	w     *conformWalk
	op    specOperation
	base  inputBaseline
	cases []conformCase
}

// operationCases derives every case of one operation from the spec.
func (w *conformWalk) operationCases(op specOperation) []conformCase {
	base, ok := w.targets[op.ID]
	if !ok {
		base, ok = w.baselines[op.ID]
	}
	if !ok {
		base = inputBaseline{Token: w.f.owner.Token}
	}
	params := maps.Clone(base.PathParams)
	if params == nil {
		params = map[string]string{}
	}
	for _, p := range op.PathParams {
		if _, ok := params[p.Name]; !ok {
			params[p.Name] = w.mine(pathKind(op.Path, p.Name))
		}
	}
	base.PathParams = params

	g := &opGen{w: w, op: op, base: base}
	g.add(kindValid, "the fixture's request", base, g.mainType(), outcome{Success: true}, false)
	g.idCases()
	if w.needsToken(op) {
		g.authCases()
	}
	for _, ct := range slices.Sorted(maps.Keys(op.Bodies)) {
		g.bodyCases(ct, op.Bodies[ct])
	}
	g.contentTypeCases()
	for _, p := range op.Query {
		g.queryCases(paramField(p))
	}
	g.headerCases()
	for i := range g.cases {
		c := &g.cases[i]
		for _, d := range conformDefects {
			if d.op == c.Op && strings.Contains(c.Kind+" "+c.What, d.what) {
				c.Defect = d.defect
			}
		}
	}
	return g.cases
}

// mainType is the content type the operation's cases send a body as: JSON where it takes JSON.
func (g *opGen) mainType() string {
	if _, ok := g.op.Bodies[contentJSON]; ok {
		return contentJSON
	}
	if _, ok := g.op.Bodies[contentMultipart]; ok {
		return contentMultipart
	}
	return ""
}

// add appends a case sending b's request with its body as ct ("" for none).
func (g *opGen) add(kind, what string, b inputBaseline, ct string, want outcome, invalid bool) {
	g.addReq(kind, what, g.build(b, ct, invalid), want)
}

// build encodes the request of baseline b with content type ct.
func (g *opGen) build(b inputBaseline, ct string, invalid bool) inputRequest {
	req := inputRequest{Method: g.op.Method, Path: b.path(g.op.Path, nil), RawQuery: rawQuery(b.Query, nil),
		Token: b.Token, Invalid: invalid}
	switch ct {
	case contentJSON:
		body, err := jsonBody(b.JSON)
		require.NoError(g.w.t, err)
		req.ContentType, req.Body = contentJSON, body
	case contentMultipart:
		body, ct, err := multipartForm(b.Form, b.File, fileAsIs)
		require.NoError(g.w.t, err)
		req.ContentType, req.Body = ct, body
	}
	return req
}

// addReq appends a case for a built request. A successful valid request of a consuming operation is sent
// last.
func (g *opGen) addReq(kind, what string, req inputRequest, want outcome) {
	consumes := kind == kindValid && slices.Contains(consumingOps, g.op.ID) ||
		kind == kindValid && g.w.targets[g.op.ID].PathParams != nil && g.op.Method != http.MethodGet
	g.cases = append(g.cases, conformCase{Op: g.op.ID, Kind: kind, What: what, Req: req, Want: want, Consumes: consumes})
}

// variantBase is the baseline a valid variant starts from: a target of its own where one success uses the
// target up (fresh is then true), else the operation's.
func (g *opGen) variantBase() (b inputBaseline, fresh bool) {
	if b, ok := g.w.fresh(g.op.ID); ok {
		params := maps.Clone(g.base.PathParams)
		maps.Copy(params, b.PathParams)
		b.PathParams = params
		return b, true
	}
	return g.base, false
}

// valid returns the outcome of a schema-valid request: success, unless conformRefusals names a rule that
// refuses it.
func (g *opGen) valid(field, what string) outcome {
	for _, r := range conformRefusals {
		if (r.op == "" || r.op == g.op.ID) && (r.field == "" || r.field == field) && strings.Contains(what, r.what) {
			o := outcome{Statuses: []int{r.status}, Why: r.why}
			if r.status == http.StatusBadRequest && field != "" {
				o.Fields = []string{cmp.Or(r.named, field)}
			}
			return o
		}
	}
	return outcome{Success: true}
}

// idCases sends the operation with each path id unknown, of the other household, and malformed. A path
// parameter that is no id (a string, such as the Google push secret) is the handler's to check.
func (g *opGen) idCases() {
	for _, p := range g.op.PathParams {
		if !isIDParam(p) {
			continue
		}
		with := func(v string) inputBaseline {
			b := g.base
			b.PathParams = maps.Clone(b.PathParams)
			b.PathParams[p.Name] = v
			return b
		}
		notFound := outcome{Statuses: []int{http.StatusNotFound}}
		g.add(kindIDs, p.Name+" of no row", with(unknownID), g.mainType(), notFound, false)
		g.add(kindIDs, p.Name+" of another household", with(g.w.other[pathKind(g.op.Path, p.Name)]), g.mainType(), notFound, false)
		for _, bad := range []struct{ what, text string }{
			{"in exponent form", "1e3"}, {"in hex", "0x10"}, {"with a leading space", "%201"},
			{"with a digit separator", "1_000"}, {"in Arabic-Indic digits", "%D9%A3"}, {"zero", "0"},
		} {
			want := outcome{Statuses: []int{http.StatusBadRequest}, Fields: []string{p.Name}}
			if bad.text == "0" { // a valid integer that no row has, or refused as no positive id
				want = outcome{Statuses: []int{http.StatusBadRequest, http.StatusNotFound}, Fields: []string{p.Name}}
			}
			g.add(kindIDs, p.Name+" "+bad.what, with(bad.text), g.mainType(), want, true)
		}
	}
}

// authCases sends the operation without a token, and with a token of no one.
func (g *opGen) authCases() {
	unauthorized := outcome{Statuses: []int{http.StatusUnauthorized}}
	b := g.base
	b.Token = ""
	g.add(kindAuth, "no token", b, g.mainType(), unauthorized, false)
	b.Token = "conformance-token-of-no-one"
	g.add(kindAuth, "a token of no one", b, g.mainType(), unauthorized, false)
}

// bodyCases derives the valid and invalid bodies of one request content type.
func (g *opGen) bodyCases(ct string, schema *openapi3.Schema) {
	for _, f := range bodyFields(g.w.t, schema) {
		if f.Schema.Format == "binary" {
			g.fileCases(f)
			continue
		}
		seed := bodySeed(g.base, ct, f)
		values, notes := g.validValues(f, seed)
		for _, n := range notes {
			g.w.notes = append(g.w.notes, fmt.Sprintf("%s %s %s: %s", g.op.ID, ct, f.Path, n))
		}
		for _, v := range values {
			if ct == contentMultipart && v.jsonOnly {
				continue
			}
			b, fresh := g.variantBase()
			if fresh { // the value again, from the fresh target's own (its code, its email address)
				again, _ := g.validValues(f, bodySeed(b, ct, f))
				for _, a := range again {
					if a.what == v.what {
						v = a
					}
				}
			}
			g.add(kindValid, f.Path+" "+v.what, g.setField(b, ct, f, v), ct, g.valid(f.Path, f.Path+" "+v.what), false)
		}
		for _, v := range g.invalidValues(f, seed, ct) {
			want := outcome{Statuses: []int{http.StatusBadRequest}, Fields: []string{f.Path}}
			g.add(kindInvalid, f.Path+" "+v.what, g.setField(g.base, ct, f, v), ct, want, true)
		}
		if kind := refKind(f); kind != "" {
			v := value{what: "of another household", json: rawJSON(g.w.other[kind]), text: g.w.other[kind]}
			want := outcome{ClientError: true, Fields: []string{f.Path}}
			g.add(kindIDs, f.Path+" "+v.what, g.setField(g.base, ct, f, v), ct, want, false)
		}
	}

	// The body as a whole.
	required := slices.Sorted(slices.Values(schema.Required))
	b, _ := g.variantBase()
	unknown := specField{Path: "x_conformance_unknown", Keys: []any{"x_conformance_unknown"}}
	b = g.setField(b, ct, unknown, value{json: "ignored", text: "ignored"})
	if allowsUnknown(schema) {
		// kin-openapi's multipart decoder refuses a part its schema does not list, whatever
		// additionalProperties says, so such a request is not checked; the answer still is.
		g.add(kindValid, "an unknown property", b, ct, g.valid("", "an unknown property"), ct == contentMultipart)
	} else {
		g.add(kindInvalid, "an unknown property", b, ct, outcome{Statuses: []int{http.StatusBadRequest}}, true)
	}
	empty, _ := g.variantBase()
	empty.JSON, empty.Form, empty.File = map[string]any{}, map[string]string{}, nil
	if len(required) == 0 {
		g.add(kindValid, "an empty object", empty, ct, g.valid("", "an empty object"), false)
	} else {
		g.add(kindInvalid, "an empty object", empty, ct, outcome{Statuses: []int{http.StatusBadRequest}, Fields: required}, true)
	}
	if ct != contentJSON {
		return
	}
	for _, bad := range []struct{ what, body string }{
		{"a body that is not JSON", `{"`}, {"a JSON array", `[]`}, {"a JSON string", `"text"`},
		{"a JSON number", `1`}, {"JSON null", `null`}, {"a JSON object inside an array", `[{}]`},
	} {
		req := g.request(g.base, contentJSON, []byte(bad.body), true)
		g.addReq(kindInvalid, bad.what, req, outcome{Statuses: []int{http.StatusBadRequest}})
	}
}

// contentTypeCases sends no body, an empty body, and bodies of content types the operation does not take.
func (g *opGen) contentTypeCases() {
	rb := g.w.doc.Paths.Value(g.op.Path).GetOperation(g.op.Method).RequestBody
	if rb == nil {
		return
	}
	if rb.Value.Required {
		g.addReq(kindInvalid, "no body", g.request(g.base, "", nil, true), outcome{Statuses: []int{http.StatusBadRequest}})
		g.addReq(kindInvalid, "an empty body", g.request(g.base, g.mainType(), []byte{}, true),
			outcome{Statuses: []int{http.StatusBadRequest}})
	} else {
		b, _ := g.variantBase()
		g.addReq(kindValid, "no body", g.request(b, "", nil, false), g.valid("", "no body"))
	}
	unsupported := outcome{Statuses: []int{http.StatusUnsupportedMediaType}}
	jsonText, err := jsonBody(g.base.JSON)
	require.NoError(g.w.t, err)
	g.addReq(kindInvalid, "a text/plain body", g.request(g.base, "text/plain", jsonText, true), unsupported)
	if _, ok := g.op.Bodies[contentJSON]; !ok {
		g.addReq(kindInvalid, "a JSON body", g.request(g.base, contentJSON, []byte(`{}`), true), unsupported)
	}
	if _, ok := g.op.Bodies[contentMultipart]; !ok {
		form := map[string]string{}
		for k, v := range g.base.JSON {
			form[k] = fmt.Sprint(v)
		}
		body, ct, err := multipartForm(form, nil, fileAsIs)
		require.NoError(g.w.t, err)
		g.addReq(kindInvalid, "a multipart body", g.request(g.base, ct, body, true), unsupported)
	}
}

// request builds b's request with a body given as it is; ct "" sends no Content-Type.
func (g *opGen) request(b inputBaseline, ct string, body []byte, invalid bool) inputRequest {
	return inputRequest{Method: g.op.Method, Path: b.path(g.op.Path, nil), RawQuery: rawQuery(b.Query, nil),
		Token: b.Token, ContentType: ct, Body: body, Invalid: invalid}
}

// queryCases derives the valid and invalid values of one query parameter.
func (g *opGen) queryCases(f specField) {
	seed := any(nil)
	if v := g.base.Query.Get(f.Path); v != "" {
		seed = v
	}
	ct := g.mainType()
	with := func(v value) inputBaseline {
		b := g.base
		b.Query = url.Values{}
		for k, vs := range g.base.Query {
			if k != f.Path {
				b.Query[k] = vs
			}
		}
		if !v.omit {
			b.Query.Set(f.Path, v.text)
		}
		return b
	}
	values, notes := g.validValues(f, seed)
	for _, n := range notes {
		g.w.notes = append(g.w.notes, fmt.Sprintf("%s query %s: %s", g.op.ID, f.Path, n))
	}
	for _, v := range values {
		if !v.jsonOnly {
			g.add(kindValid, f.Path+" "+v.what, with(v), ct, g.valid(f.Path, f.Path+" "+v.what), false)
		}
	}
	for _, v := range g.invalidValues(f, seed, "query") {
		if !v.jsonOnly {
			g.add(kindInvalid, f.Path+" "+v.what, with(v), ct, outcome{Statuses: []int{http.StatusBadRequest}, Fields: []string{f.Path}}, true)
		}
	}
	if kind := refKind(f); kind != "" {
		// A filter on a row the caller cannot see finds nothing, or the row is not found; either way
		// nothing of it shows.
		g.add(kindIDs, f.Path+" of another household", with(value{text: g.w.other[kind]}), ct,
			outcome{Success: true, Statuses: []int{http.StatusNotFound}}, false)
	}
}

// headerCases sends each header parameter with a value that matches nothing, which the operation ignores,
// and a Range that is satisfiable and one that is not.
func (g *opGen) headerCases() {
	for _, p := range headerParams(g.w.doc, g.op) {
		if p.Name == "Idempotency-Key" {
			// A fresh key with the valid request: the work is done and its answer stored (a key on an
			// empty body would be refused before the key is looked at).
			g.cases = append(g.cases, conformCase{Op: g.op.ID, Kind: kindHeader, What: p.Name + " fresh",
				Header: http.Header{p.Name: {"conformance-" + g.op.ID}}, Req: g.build(g.base, g.mainType(), false),
				Want: outcome{Success: true}})
			continue
		}
		add := func(what, v string, want outcome) {
			c := conformCase{Op: g.op.ID, Kind: kindHeader, What: p.Name + " " + what, Header: http.Header{p.Name: {v}},
				Req: g.request(g.base, "", nil, false), Want: want}
			g.cases = append(g.cases, c)
		}
		add("that matches nothing", `"conformance"`, outcome{Success: true})
		if p.Name == "Range" {
			add("of the first byte", "bytes=0-0", outcome{Statuses: []int{http.StatusPartialContent}})
			add("past the end", "bytes=100000000-", outcome{Statuses: []int{http.StatusRequestedRangeNotSatisfiable}})
		}
	}
}

// headerParams returns the operation's header parameters (specOperation keeps only query and path ones).
func headerParams(doc *openapi3.T, op specOperation) []*openapi3.Parameter {
	item := doc.Paths.Value(op.Path)
	var out []*openapi3.Parameter
	for _, p := range slices.Concat(item.Parameters, item.GetOperation(op.Method).Parameters) {
		if p.Value.In == openapi3.ParameterInHeader {
			out = append(out, p.Value)
		}
	}
	return out
}

// fileCases adds the valid file parts: each kind the server accepts that the tests can make, and a file of
// exactly MAX_UPLOAD_SIZE bytes.
func (g *opGen) fileCases(f specField) {
	full := append(slices.Clone(apptest.TestPDF), bytes.Repeat([]byte{'\n'}, inputUploadLimit-len(apptest.TestPDF))...)
	for _, file := range []apptest.FilePart{
		{Name: "photo.png", ContentType: "image/png", Content: apptest.TestPNG},
		{Name: "photo.jpg", ContentType: "image/jpeg", Content: testJPEG()},
		{Name: "full.pdf", ContentType: "application/pdf", Content: full},
	} {
		b, _ := g.variantBase()
		b.File = &file
		what := fmt.Sprintf("%s %s of %d bytes", f.Path, file.ContentType, len(file.Content))
		g.add(kindValid, what, b, contentMultipart, g.valid(f.Path, what), false)
	}
}

// testJPEG encodes a small JPEG image.
var testJPEG = sync.OnceValue(func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		panic(err)
	}
	return b.Bytes()
})

// value is one value for a field: as JSON for bodies, as text for forms and query strings.
type value struct {
	what string
	json any
	text string
	// omit leaves the field out; jsonOnly marks a value only JSON can express.
	omit, jsonOnly bool
}

// setField returns b with field f set to v in its body of type ct.
func (g *opGen) setField(b inputBaseline, ct string, f specField, v value) inputBaseline {
	switch ct {
	case contentJSON:
		to := v.json
		if v.omit {
			to = deleteKey{}
		}
		body, ok := setAt(cloneJSON(b.JSON), f.Keys, to).(map[string]any)
		require.True(g.w.t, ok, "%s: the body is an object", g.op.ID)
		b.JSON = body
	case contentMultipart:
		b.Form = maps.Clone(b.Form)
		if b.Form == nil {
			b.Form = map[string]string{}
		}
		if v.omit {
			delete(b.Form, f.Path)
		} else {
			b.Form[f.Path] = v.text
		}
	}
	return b
}

// bodySeed is the value b's body has for f, which the values of f are made from.
func bodySeed(b inputBaseline, ct string, f specField) any {
	if ct == contentJSON {
		return getAt(b.JSON, f.Keys)
	}
	if v, ok := b.Form[f.Path]; ok {
		return v
	}
	return nil
}

// validValues lists the values at the edges of what f's schema allows, made from seed where they can be,
// and notes on edges no value was found for.
func (g *opGen) validValues(f specField, seed any) (out []value, notes []string) {
	s := f.Schema
	add := func(what string, j any, text string) { out = append(out, value{what: what, json: j, text: text}) }
	switch kindOf(s) {
	case openapi3.TypeString:
		if len(s.Enum) > 0 {
			for _, e := range s.Enum {
				add(fmt.Sprintf("enum value %v", e), e, fmt.Sprint(e))
			}
			break
		}
		seedText, _ := seed.(string)
		lengths := []uint64{s.MinLength}
		if s.MaxLength != nil {
			lengths = append(lengths, *s.MaxLength)
		}
		for i, n := range lengths {
			edge := []string{"minLength", "maxLength"}[i]
			v, ok := stringOfLength(s, seedText, int(min(n, 1<<20)))
			if !ok {
				if edge == "maxLength" {
					notes = append(notes, fmt.Sprintf("no %d-character value its schema accepts", n))
				}
				continue
			}
			add(fmt.Sprintf("of %d characters (%s)", n, edge), v, v)
		}
	case openapi3.TypeInteger, openapi3.TypeNumber:
		if isReference(f) {
			break
		}
		if s.Min != nil {
			lit := ratText(decimal(*s.Min))
			add("at minimum "+lit, rawJSON(lit), lit)
		}
		if s.Max != nil {
			lit := ratText(decimal(*s.Max))
			add("at maximum "+lit, rawJSON(lit), lit)
		}
	case openapi3.TypeBoolean:
		add("true", true, "true")
		add("false", false, "false")
	case openapi3.TypeArray:
		if s.MinItems == 0 {
			out = append(out, value{what: "with no items", json: []any{}, jsonOnly: true})
		}
		if s.MaxItems != nil {
			item := any(1)
			if a, ok := seed.([]any); ok && len(a) > 0 {
				item = a[0]
			}
			items := make([]any, *s.MaxItems)
			for i := range items {
				items[i] = item
			}
			out = append(out, value{what: fmt.Sprintf("with %d items (maxItems)", len(items)), json: items, jsonOnly: true})
		}
	}
	if s.Nullable {
		out = append(out, value{what: "null", json: nil, jsonOnly: true})
	}
	if !f.Required && len(f.Keys) > 0 {
		if _, item := f.Keys[len(f.Keys)-1].(int); !item {
			out = append(out, value{what: "left out", omit: true})
		}
	}
	return out, notes
}

// stringOfLength returns a string of exactly n characters that s accepts, made from seed: seed cut to n, or
// grown with letters, digits or spaces (whichever s's pattern allows).
func stringOfLength(s *openapi3.Schema, seed string, n int) (string, bool) {
	r := []rune(seed)
	var candidates []string
	if len(r) >= n {
		candidates = append(candidates, string(r[:n]))
	} else {
		for _, pad := range []string{"x", "7", " "} {
			candidates = append(candidates, seed+strings.Repeat(pad, n-len(r)))
		}
		candidates = append(candidates, strings.Repeat("x", n))
	}
	for _, c := range candidates {
		if utf8.RuneCountInString(c) == n && acceptsString(s, c) {
			return c, true
		}
	}
	return "", false
}

// acceptsString reports whether s accepts v, its email format included (which the schema validator leaves
// unchecked).
func acceptsString(s *openapi3.Schema, v string) bool {
	if s.VisitJSON(v) != nil {
		return false
	}
	if s.Format == "email" {
		a, err := mail.ParseAddress(v)
		return err == nil && a.Name == "" && a.Address == v
	}
	return true
}

// jsonKinds are the JSON types, each with a value of it.
var jsonKinds = []struct {
	kind string
	v    any
}{
	{"string", "7"}, {"number", 7}, {"boolean", true}, {"array", []any{}}, {"object", map[string]any{}}, {"null", nil},
}

// withArticle puts "a" or "an" before a type's name.
func withArticle(kind string) string {
	if strings.ContainsRune("aeiou", rune(kind[0])) {
		return "an " + kind
	}
	return "a " + kind
}

// jsonKind is the JSON type of a value as jsonBody encodes it.
func jsonKind(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case rawJSON:
		if strings.HasPrefix(string(v), `"`) {
			return "string"
		}
		return "number"
	}
	return "number"
}

// invalidValues lists values f's schema refuses that badValues does not send: the JSON types f does not
// have, an enum value in another case, values its pattern or format refuses.
func (g *opGen) invalidValues(f specField, seed any, where string) []value {
	s := f.Schema
	var out []value
	own := kindOf(s)
	if own == openapi3.TypeInteger {
		own = openapi3.TypeNumber
	}
	if where == contentJSON {
		covered := map[string]bool{own: true, "null": s.Nullable}
		for _, v := range badValues(f, false) {
			if v.json != nil {
				covered[jsonKind(v.json)] = true
			}
		}
		for _, k := range jsonKinds {
			if !covered[k.kind] {
				what := withArticle(k.kind) + " instead of " + withArticle(kindOf(s))
				if k.kind == "null" {
					what = "null, which is not allowed"
				}
				out = append(out, value{what: what, json: k.v, jsonOnly: true})
			}
		}
	}
	if kindOf(s) != openapi3.TypeString || s.Format == "binary" {
		return out
	}
	text := func(v string) string { return v }
	for _, e := range s.Enum {
		other := strings.ToUpper(fmt.Sprint(e))
		if !slices.Contains(s.Enum, any(other)) {
			out = append(out, value{what: "enum value " + fmt.Sprint(e) + " in upper case", json: other, text: text(other)})
			break
		}
	}
	fits := func(v string) bool {
		n := utf8.RuneCountInString(v)
		return n >= int(min(s.MinLength, 1<<20)) && (s.MaxLength == nil || n <= int(min(*s.MaxLength, 1<<20)))
	}
	if s.Pattern != "" {
		re := regexp.MustCompile(s.Pattern)
		seedText, _ := seed.(string)
		for _, c := range []string{seedText + "\nnext line", "!"} {
			if fits(c) && !re.MatchString(c) {
				out = append(out, value{what: fmt.Sprintf("%q, which its pattern refuses", c), json: c, text: text(c)})
			}
		}
	}
	switch s.Format {
	case "email":
		out = append(out, value{what: "not an email address", json: "not-an-address", text: text("not-an-address")})
	case "date":
		out = append(out, value{what: "a date-time for a date", json: "2024-01-02T03:04:05Z", text: text("2024-01-02T03:04:05Z")})
	case "date-time":
		out = append(out, value{what: "a date for a date-time", json: "2024-01-02", text: text("2024-01-02")})
	}
	return out
}

// allowsUnknown reports whether an object schema takes properties it does not list.
func allowsUnknown(s *openapi3.Schema) bool {
	ap := s.AdditionalProperties
	return ap.Has == nil || *ap.Has || ap.Schema != nil
}

// contractLog collects what the contract-checking transport reports about one request, so that a mismatch
// is laid at the door of the case that caused it rather than failing the test as a whole.
type contractLog struct {
	testing.TB
	mu   sync.Mutex
	msgs []string
}

func (l *contractLog) Errorf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, fmt.Sprintf(format, args...))
}

// headerTransport adds headers to every request it passes on.
type headerTransport struct {
	header http.Header
	next   http.RoundTripper
}

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if len(h.header) > 0 {
		r = r.Clone(r.Context())
		for k, v := range h.header {
			r.Header[k] = v
		}
	}
	return h.next.RoundTrip(r)
}

// send sends every case, conformWorkers at a time, those that use up their target after all the others, and
// returns the results in case order. Each request goes through a contract-checking transport of its own.
func (w *conformWalk) send(cases []conformCase) []conformResult {
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = conformWorkers
	defer base.CloseIdleConnections()
	results := make([]conformResult, len(cases))
	for _, last := range []bool{false, true} {
		next := make(chan int)
		var wg sync.WaitGroup
		for range conformWorkers {
			wg.Go(func() {
				for i := range next {
					log := &contractLog{TB: w.t}
					view := *w.inst
					view.Client = &http.Client{Timeout: 30 * time.Second,
						Transport: headerTransport{header: cases[i].Header, next: apitest.NewTransport(log, base)}}
					resp, err := cases[i].Req.send(w.t.Context(), &view)
					// Two valid changes of one row sent at once may meet the server's "being changed by
					// someone else; try again" (409 conflict): do as a client is told and try again.
					for try := 0; err == nil && resp.Status == http.StatusConflict &&
						strings.Contains(string(resp.Body), `"code":"conflict"`) && try < 5; try++ {
						resp, err = cases[i].Req.send(w.t.Context(), &view)
					}
					log.mu.Lock()
					results[i] = conformResult{resp: resp, err: err, contract: log.msgs}
					log.mu.Unlock()
				}
			})
		}
		for i, c := range cases {
			if c.Consumes == last {
				next <- i
			}
		}
		close(next)
		wg.Wait()
	}
	return results
}

// isIDParam reports whether the path parameter p is a row id (an integer), as every path parameter is but
// receiveGoogleNotification's secret.
func isIDParam(p *openapi3.Parameter) bool {
	return p.Schema == nil || p.Schema.Value == nil || !p.Schema.Value.Type.Is(openapi3.TypeString)
}
