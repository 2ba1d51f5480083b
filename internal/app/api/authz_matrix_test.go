package api_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/testdb"
)

// matrix is the pair of processes the app's authorization matrix runs on: one database and one Valkey, so a
// membership removed through A must be refused by B at once, whatever B's caches held.
type matrix struct {
	a, b *apptest.Instance
}

// startMatrix runs the two processes, with App Store and Google Play purchases and Web Push on, so that every
// operation can answer its success status.
func startMatrix(t *testing.T) *matrix {
	t.Helper()
	db := testdb.New(t)
	vkURL, prefix := apptest.SharedValkey(t)
	g, withGoogle, registerGoogle := startGoogle(t)
	roots := testAppleCA(t).Roots
	files := "file://" + filepath.Join(t.TempDir(), "files") // both processes serve the same files
	opts := apptest.Options{DatabaseURL: db, ValkeyURL: vkURL, KeyPrefix: prefix, AppleRoots: roots, Google: g.Endpoints(),
		Configure: func(c *config.Config) {
			withApple(c)
			withGoogle(c)
			c.Push.VAPIDSubject = "mailto:ops@homekeep.test"
			c.DBMinConns, c.DBMaxConns = 2, 8
			c.FileStorageURL = files
		}}
	m := &matrix{a: apptest.Start(t, opts)}
	m.b = apptest.Start(t, opts)
	registerGoogle(m.a)
	return m
}

// matrixTarget is what a builder made for one call: the request's parts and what must not leak from it.
type matrixTarget struct {
	// params fills the path template; query (with its "?") follows it.
	params map[string]any
	query  string
	// body is the JSON body; file (with form's fields) makes it multipart instead.
	body any
	file *apptest.FilePart
	form map[string]string
	// secrets are strings only the target's members may see (its residence's name, titles, notes); ids its
	// rows' ids.
	secrets []string
	ids     []int64
	// self is the user the target belongs to, for x-roles self (0: none).
	self int64
}

// matrixCase knows how to build one operation's target.
type matrixCase struct {
	// ok is the status of an allowed caller.
	ok int
	// fresh marks a call that changes or removes the household itself (its members, its owner, the whole
	// residence): each caller gets a household of its own.
	fresh bool
	// build makes a fresh target in h (as its owner) for caller, who is the one sending the request.
	build func(t *testing.T, m *matrix, h apptest.Household, caller apptest.Account) matrixTarget
}

// send sends the target's request for op to inst with token, and returns the answer and the request's text.
func (m *matrix) send(t *testing.T, inst *apptest.Instance, op roleOperation, tg matrixTarget, token string) (apptest.Response, string) {
	t.Helper()
	path := fillPath(t, op.Path, tg.params) + tg.query
	if tg.file != nil || tg.form != nil {
		return apptest.SendMultipart(t, inst, op.Method, path, token, tg.form, tg.file), path + fmt.Sprint(tg.form)
	}
	sent := path
	if tg.body != nil {
		b, err := json.Marshal(tg.body)
		require.NoError(t, err)
		sent += string(b)
	}
	return inst.Do(t, apptest.Request{Method: op.Method, Path: path, Token: token, Body: tg.body}), sent
}

// want is the status op answers a caller with the residence role role ("" for none) who is or is not the
// target's own user: ok when x-roles allows them, else 403 for a member of the target's residence, else 404.
func (c matrixCase) want(op roleOperation, role string, self bool) int {
	switch {
	case op.allows("user"), role != "" && op.allows(role), self && op.allows("self"):
		return c.ok
	case role != "" && op.residenceScoped():
		return http.StatusForbidden
	default:
		return http.StatusNotFound
	}
}

// refusalCodes is the error code of each refusal status.
var refusalCodes = map[int]string{http.StatusUnauthorized: "unauthorized", http.StatusForbidden: "forbidden",
	http.StatusNotFound: "not_found"}

// TestAuthorizationMatrix calls every operation of api/openapi.yaml as anonymous, as a signed-in stranger, as
// the viewer, the editor and the owner of the target's residence, and as a former member removed a moment
// before on both processes, and holds each answer to the operation's x-roles. An operation without a target
// builder in matrixCases fails: a new endpoint joins the matrix when it joins the spec.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	ops := loadRoleOperations(t, "openapi.yaml", appRoleWords)
	cases := matrixCases()
	m := startMatrix(t)
	for _, op := range ops {
		c, ok := cases[op.ID]
		if !ok {
			t.Errorf("%s (%s %s) is not in the authorization matrix: add a target builder for it to matrixCases "+
				"in internal/app/api/authz_matrix_cases_test.go", op.ID, op.Method, op.Path)
			continue
		}
		t.Run(op.ID, func(t *testing.T) {
			t.Parallel()
			runMatrixOperation(t, m, op, c)
		})
	}
	for id := range cases {
		if !slices.ContainsFunc(ops, func(o roleOperation) bool { return o.ID == id }) {
			t.Errorf("matrixCases has %s, which api/openapi.yaml no longer has: remove it", id)
		}
	}
}

// runMatrixOperation calls op as every kind of caller.
func runMatrixOperation(t *testing.T, m *matrix, op roleOperation, c matrixCase) {
	h := apptest.NewHousehold(t, m.a)
	tg := c.build(t, m, h, h.Stranger)
	before := m.householdState(t, op, h)
	r, sent := m.send(t, m.a, op, tg, "")
	if op.allows("public") {
		require.Equal(t, c.ok, r.Status, "%s as anonymous: %s", op.ID, r.Body)
		return
	}
	requireRefusal(t, op, r, sent, tg, http.StatusUnauthorized, "anonymous")
	require.Equal(t, before, m.householdState(t, op, h), "%s as anonymous: a refused call changes nothing", op.ID)

	callers := []struct {
		name, role string
		acct       func(h apptest.Household) apptest.Account
	}{
		{"stranger", "", func(h apptest.Household) apptest.Account { return h.Stranger }},
		{"viewer", "viewer", func(h apptest.Household) apptest.Account { return h.Viewer }},
		{"editor", "editor", func(h apptest.Household) apptest.Account { return h.Editor }},
		{"owner", "owner", func(h apptest.Household) apptest.Account { return h.Owner }},
	}
	for i, cl := range callers {
		if c.fresh && i > 0 {
			h = apptest.NewHousehold(t, m.a)
		}
		acct := cl.acct(h)
		tg := c.build(t, m, h, acct)
		want := c.want(op, cl.role, tg.self == acct.ID)
		before := ""
		if want != c.ok {
			before = m.householdState(t, op, h)
		}
		r, sent := m.send(t, m.a, op, tg, acct.Token)
		if want != c.ok {
			requireRefusal(t, op, r, sent, tg, want, cl.name)
			require.Equal(t, before, m.householdState(t, op, h), "%s as %s: a refused call changes nothing", op.ID, cl.name)
			if want == http.StatusNotFound && tg.params["id"] != nil {
				requireSameAsMissing(t, m, op, tg, acct, r)
			}
			continue
		}
		require.Equal(t, want, r.Status, "%s as %s: %s", op.ID, cl.name, r.Body)
		if cl.role == "" {
			requireNoLeak(t, r.Body, sent, tg.secrets, nil, op.ID+" as a stranger")
		}
	}
	if op.residenceScoped() || op.allows("self") || op.Method == http.MethodGet {
		formerMember(t, m, op, c)
	}
}

// requireRefusal checks a refused call: the status, the error code, and no trace of the target.
func requireRefusal(t *testing.T, op roleOperation, r apptest.Response, sent string, tg matrixTarget, want int, who string) {
	t.Helper()
	require.Equal(t, want, r.Status, "%s as %s: %s", op.ID, who, r.Body)
	require.Equal(t, refusalCodes[want], r.Err(t).Error.Code, "%s as %s: %s", op.ID, who, r.Body)
	requireNoLeak(t, r.Body, sent, tg.secrets, tg.ids, op.ID+" as "+who)
}

// householdState reads, as the household's owner, what a refused write to op's target could have changed:
// the residence, its members, its board, contractors and documents, and the owner's notifications and
// devices. It is "" for an operation that only reads, or that any signed-in user may call (only anonymous
// is refused those, before any handler runs).
func (m *matrix) householdState(t *testing.T, op roleOperation, h apptest.Household) string {
	t.Helper()
	if op.Method == http.MethodGet || op.allows("user") || op.allows("public") {
		return ""
	}
	var b strings.Builder
	for _, path := range []string{h.Path(""), h.Path("/members"), h.Path("/tasks"),
		fmt.Sprintf("/contractors?residence_id=%d", h.ResidenceID), fmt.Sprintf("/documents?residence_id=%d", h.ResidenceID),
		"/notifications", "/notifications/devices"} {
		r := m.a.Do(t, apptest.Request{Method: http.MethodGet, Path: path, Token: h.Owner.Token})
		fmt.Fprintf(&b, "GET %s: %d %s\n", path, r.Status, r.Body)
	}
	return b.String()
}

// missingID is an id no row has.
const missingID = 999_999_999

// requireSameAsMissing checks that refused, the answer to the caller is the answer about a row that does not
// exist, byte for byte: a 404 must not reveal that the target exists.
func requireSameAsMissing(t *testing.T, m *matrix, op roleOperation, tg matrixTarget, caller apptest.Account, refused apptest.Response) {
	t.Helper()
	missing := tg
	missing.params = maps.Clone(tg.params)
	missing.params["id"] = missingID
	r, _ := m.send(t, m.a, op, missing, caller.Token)
	require.Equal(t, r.Status, refused.Status, "%s: the refusal differs from the answer about a missing id: %s", op.ID, r.Body)
	require.Equal(t, string(r.Body), string(refused.Body), "%s: the refusal differs from the answer about a missing id", op.ID)
}

// formerMember checks the caller who was an editor of the target's residence a moment ago and whose access
// both processes had cached (it read the residence, its board and, for a read, the operation itself on each):
// removed through A, it is refused on A and on B at once, or, for a user's own list, sees nothing of it.
func formerMember(t *testing.T, m *matrix, op roleOperation, c matrixCase) {
	t.Helper()
	h := apptest.NewHousehold(t, m.a)
	former := m.a.Register(t)
	apptest.Join(t, m.a, former, apptest.ShareCode(t, m.a, h.Owner, h.ResidenceID, "editor"))
	targets := map[*apptest.Instance]matrixTarget{m.a: c.build(t, m, h, former), m.b: c.build(t, m, h, former)}
	for _, inst := range []*apptest.Instance{m.a, m.b} {
		for _, path := range []string{h.Path(""), h.Path("/tasks"), "/tasks", "/residences"} {
			r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: path, Token: former.Token})
			require.Equal(t, http.StatusOK, r.Status, "warming %s: %s", path, r.Body)
		}
		if op.Method == http.MethodGet && (op.allows("user") || op.allows("editor")) {
			for _, tg := range targets {
				r, _ := m.send(t, inst, op, tg, former.Token)
				require.Equal(t, c.ok, r.Status, "%s as a member, before the removal: %s", op.ID, r.Body)
			}
		}
	}
	r := m.a.Do(t, apptest.Request{Method: http.MethodDelete, Path: h.Path("/members/%d", former.ID), Token: h.Owner.Token})
	require.Equal(t, http.StatusNoContent, r.Status, "removing the member: %s", r.Body)
	for name, inst := range map[string]*apptest.Instance{"A": m.a, "B": m.b} {
		tg := targets[inst]
		before := m.householdState(t, op, h)
		r, sent := m.send(t, inst, op, tg, former.Token)
		who := "a former member on process " + name
		if op.allows("user") {
			require.Equal(t, c.ok, r.Status, "%s as %s: %s", op.ID, who, r.Body)
			requireNoLeak(t, r.Body, sent, tg.secrets, nil, op.ID+" as "+who)
			continue
		}
		requireRefusal(t, op, r, sent, tg, http.StatusNotFound, who)
		require.Equal(t, before, m.householdState(t, op, h), "%s as %s: a refused call changes nothing", op.ID, who)
	}
}
