package api_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// TestNumericLimits holds the spec to what the columns accept. Every numeric field of every operation in
// api/openapi.yaml (bodies, JSON and multipart, and query parameters) that is not a row id is sent at its
// minimum and at its maximum: both are accepted, and what the column holds afterwards is exactly the value sent.
// One step past either bound, and a value finer than the column keeps (multipleOf), get a 400 naming the field.
// The baselines of input_baselines_test.go supply the rest of each request, and each is first sent as it is:
// a baseline the server refuses would make the bad-input test prove nothing.
func TestNumericLimits(t *testing.T) {
	t.Parallel()
	inst, smtp := startInputInstance(t)
	fixture := newInputFixture(t, inst, smtp)
	baselines := inputBaselines(fixture)
	ops := specOperations(t)
	conn, err := pgx.Connect(t.Context(), inst.DatabaseURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(t.Context()) })

	t.Run("BaselinesAreAccepted", func(t *testing.T) {
		for _, op := range ops {
			base, ok := baselines[op.ID]
			if !ok {
				continue // TestBadInputIsRefused names operations without a baseline
			}
			for _, ct := range requestTypes(op) {
				l := limitCase{op: op, base: base, contentType: ct}
				r := l.send(t, inst, nil, nil, false)
				require.True(t, r.Status >= 200 && r.Status < 300, "%s %s (%s) baseline: status %d: %s",
					op.Method, op.Path, ct, r.Status, r.Body)
			}
		}
	})

	for _, op := range ops {
		base, ok := baselines[op.ID]
		if !ok {
			continue
		}
		for _, ct := range slices.Sorted(maps.Keys(op.Bodies)) {
			for _, f := range bodyFields(t, op.Bodies[ct]) {
				if !isBounded(f) {
					continue
				}
				if len(f.Keys) != 1 {
					t.Errorf("%s: nested numeric field %s: read it back from its table in this test", op.ID, f.Path)
					continue
				}
				l := limitCase{op: op, base: base, contentType: ct, field: f}
				t.Run(fmt.Sprintf("%s/%s/%s", op.ID, ct, f.Path), func(t *testing.T) { l.run(t, inst, conn) })
			}
		}
		for _, p := range op.Query {
			if f := paramField(p); isBounded(f) {
				l := limitCase{op: op, base: base, contentType: firstOr(requestTypes(op)), field: f, inQuery: true}
				t.Run(fmt.Sprintf("%s/query/%s", op.ID, p.Name), func(t *testing.T) { l.run(t, inst, conn) })
			}
		}
	}
}

// isBounded reports whether a field is a number with a range to test: every numeric field but row ids.
func isBounded(f specField) bool {
	k := kindOf(f.Schema)
	return (k == openapi3.TypeInteger || k == openapi3.TypeNumber) && !isReference(f) &&
		f.Schema.Min != nil && f.Schema.Max != nil // specFinding reports a missing bound
}

// requestTypes lists the operation's request content types, or "" for one without a body.
func requestTypes(op specOperation) []string {
	if len(op.Bodies) == 0 {
		return []string{""}
	}
	return slices.Sorted(maps.Keys(op.Bodies))
}

func firstOr(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// limitCase sends one numeric field of one operation at and past its bounds.
type limitCase struct {
	op          specOperation
	base        inputBaseline
	contentType string
	field       specField
	inQuery     bool
}

// send sends the baseline with the field set to value (when value is not nil), as text in a query or form,
// as a JSON number in a JSON body.
func (l limitCase) send(t *testing.T, inst *apptest.Instance, value *big.Rat, pathOver map[string]string, invalid bool) apptest.Response {
	t.Helper()
	text := ""
	if value != nil {
		text = ratText(value)
	}
	query := map[string]string{}
	if value != nil && l.inQuery {
		query[l.field.Path] = text
	}
	req := inputRequest{Method: l.op.Method, Path: l.base.path(l.op.Path, pathOver),
		RawQuery: rawQuery(l.base.Query, query), Token: l.base.Token, Invalid: invalid}
	switch l.contentType {
	case contentJSON:
		body := cloneJSON(l.base.JSON)
		if value != nil && !l.inQuery {
			body = setAt(body, l.field.Keys, rawJSON(text))
		}
		b, err := jsonBody(body)
		require.NoError(t, err)
		req.ContentType, req.Body = contentJSON, b
	case contentMultipart:
		form := maps.Clone(l.base.Form)
		if value != nil && !l.inQuery {
			form[l.field.Path] = text
		}
		b, ct, err := multipartForm(form, l.base.File, fileAsIs)
		require.NoError(t, err)
		req.ContentType, req.Body = ct, b
	}
	r, err := req.send(t.Context(), inst)
	require.NoError(t, err)
	return r
}

// run checks both bounds, one step past each, and a value finer than multipleOf.
func (l limitCase) run(t *testing.T, inst *apptest.Instance, conn *pgx.Conn) {
	s := l.field.Schema
	lo, hi := decimal(*s.Min), decimal(*s.Max)
	// The bounds, and values at the column's scale that a binary float cannot hold exactly (0.29, and the
	// maximum less one step, 999999999999.99): a multipleOf check done in floating point would refuse them.
	values := []*big.Rat{lo, hi, new(big.Rat).Sub(hi, step(s))}
	if v := new(big.Rat).Add(lo, new(big.Rat).Mul(step(s), big.NewRat(29, 1))); v.Cmp(hi) <= 0 {
		values = append(values, v)
	}
	for _, v := range values {
		r := l.send(t, inst, v, nil, false)
		require.True(t, r.Status >= 200 && r.Status < 300, "%s = %s: status %d: %s", l.field.Path, ratText(v), r.Status, r.Body)
		l.requireStored(t, conn, r, v)
	}
	past := []*big.Rat{new(big.Rat).Add(hi, step(s)), new(big.Rat).Sub(lo, step(s))}
	if s.MultipleOf != nil {
		past = append(past, new(big.Rat).Add(lo, new(big.Rat).Quo(step(s), big.NewRat(10, 1))))
	}
	for _, v := range past {
		r := l.send(t, inst, v, nil, true)
		require.Equal(t, http.StatusBadRequest, r.Status, "%s = %s: %s", l.field.Path, ratText(v), r.Body)
		require.Contains(t, r.Err(t).Error.Fields.Value, l.field.Path, "%s = %s: %s", l.field.Path, ratText(v), r.Body)
	}
}

// requireStored reads the field's column back from the row the operation wrote and requires exactly want.
// Query parameters and fields the baseline lists as NotStored are not columns.
func (l limitCase) requireStored(t *testing.T, conn *pgx.Conn, r apptest.Response, want *big.Rat) {
	t.Helper()
	if l.inQuery || slices.Contains(l.base.NotStored, l.field.Path) {
		return
	}
	require.NotEmpty(t, l.base.Table, "%s: say in its baseline which table stores %s (Table), or that it is no column (NotStored)",
		l.op.ID, l.field.Path)
	var rowID int64
	if l.base.RowID == "" {
		var err error
		rowID, err = strconv.ParseInt(l.base.PathParams["id"], 10, 64)
		require.NoError(t, err, "%s: the row's id is the path's id", l.op.ID)
	} else {
		var body any
		require.NoError(t, json.Unmarshal(r.Body, &body))
		keys := []any{}
		for _, k := range strings.Split(l.base.RowID, ".") {
			keys = append(keys, k)
		}
		n, ok := getAt(body, keys).(float64)
		require.True(t, ok, "%s: no %s in %s", l.op.ID, l.base.RowID, r.Body)
		rowID = int64(n)
	}
	var stored *string
	err := conn.QueryRow(t.Context(), fmt.Sprintf("SELECT %s::text FROM %s WHERE id = $1",
		pgx.Identifier{l.field.Path}.Sanitize(), pgx.Identifier{l.base.Table}.Sanitize()), rowID).Scan(&stored)
	require.NoError(t, err, "reading %s.%s of row %d", l.base.Table, l.field.Path, rowID)
	require.NotNil(t, stored, "%s.%s of row %d is NULL", l.base.Table, l.field.Path, rowID)
	got, ok := new(big.Rat).SetString(*stored)
	require.True(t, ok, "%s.%s holds %q", l.base.Table, l.field.Path, *stored)
	require.Zero(t, got.Cmp(want), "%s.%s holds %s; sent %s", l.base.Table, l.field.Path, *stored, ratText(want))
}
