package api_test

import (
	"context"
	"fmt"
	"math/big"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"
)

// The input tests (bad_input_test.go, numeric_limits_test.go) are driven by api/openapi.yaml: every operation
// that takes a body or query parameters, and every field of those, comes from the spec, so a new endpoint or
// field is tested without anyone remembering to add it. This file reads the spec; input_baselines_test.go holds
// the one hand-written part, a valid request for each operation.

const (
	contentJSON      = "application/json"
	contentMultipart = "multipart/form-data"
)

// specOperation is one operation of the spec with the inputs the tests mutate.
type specOperation struct {
	ID, Method, Path string
	// Bodies maps each request content type to its schema.
	Bodies map[string]*openapi3.Schema
	// Query and PathParams are the operation's parameters of each kind (path-level ones included).
	Query, PathParams []*openapi3.Parameter
}

// takesInput reports whether the operation has a body or query parameters, and so needs a baseline.
func (o specOperation) takesInput() bool { return len(o.Bodies) > 0 || len(o.Query) > 0 }

// loadSpec reads api/openapi.yaml once per test binary.
var loadSpec = sync.OnceValues(func() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(filepath.Join("..", "..", "..", "api", "openapi.yaml"))
	if err != nil {
		return nil, fmt.Errorf("error loading the spec: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("error validating the spec: %w", err)
	}
	return doc, nil
})

// specOperations returns every operation of the spec, sorted by operationId.
func specOperations(t *testing.T) []specOperation {
	t.Helper()
	doc, err := loadSpec()
	require.NoError(t, err)
	var out []specOperation
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			so := specOperation{ID: op.OperationID, Method: method, Path: path, Bodies: map[string]*openapi3.Schema{}}
			for _, p := range slices.Concat(item.Parameters, op.Parameters) {
				switch p.Value.In {
				case openapi3.ParameterInQuery:
					so.Query = append(so.Query, p.Value)
				case openapi3.ParameterInPath:
					so.PathParams = append(so.PathParams, p.Value)
				}
			}
			if op.RequestBody != nil {
				for ct, media := range op.RequestBody.Value.Content {
					so.Bodies[ct] = media.Schema.Value
				}
			}
			out = append(out, so)
		}
	}
	slices.SortFunc(out, func(a, b specOperation) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// specField is one input field: a property of a body (nested ones by dotted path, array items by index 0),
// or a parameter.
type specField struct {
	// Path names the field as the error's `fields` must name it: "name", "specialty_ids", "specialty_ids.0".
	Path string
	// Keys locates it in a decoded JSON body: property names, and 0 for an array's first item.
	Keys   []any
	Schema *openapi3.Schema
	// Required is true for a property its object requires (or a required parameter).
	Required bool
}

// bodyFields lists every field of a body schema, depth first, in a stable order. A construct the tests cannot
// mutate yet (oneOf, anyOf, allOf in a request) fails the test so that it gets support rather than silence.
func bodyFields(t *testing.T, schema *openapi3.Schema) []specField {
	t.Helper()
	var out []specField
	var walk func(prefix string, keys []any, s *openapi3.Schema)
	walk = func(prefix string, keys []any, s *openapi3.Schema) {
		require.Empty(t, s.OneOf, "%s: oneOf in a request body is not supported by the input tests yet", prefix)
		require.Empty(t, s.AnyOf, "%s: anyOf in a request body is not supported by the input tests yet", prefix)
		require.Empty(t, s.AllOf, "%s: allOf in a request body is not supported by the input tests yet", prefix)
		switch {
		case s.Type.Is(openapi3.TypeObject):
			names := make([]string, 0, len(s.Properties))
			for name := range s.Properties {
				names = append(names, name)
			}
			slices.Sort(names)
			for _, name := range names {
				path := name
				if prefix != "" {
					path = prefix + "." + name
				}
				k := append(slices.Clone(keys), name)
				out = append(out, specField{Path: path, Keys: k, Schema: s.Properties[name].Value,
					Required: slices.Contains(s.Required, name)})
				walk(path, k, s.Properties[name].Value)
			}
		case s.Type.Is(openapi3.TypeArray):
			path := prefix + ".0"
			k := append(slices.Clone(keys), 0)
			out = append(out, specField{Path: path, Keys: k, Schema: s.Items.Value})
			walk(path, k, s.Items.Value)
		}
	}
	walk("", nil, schema)
	return out
}

// paramField is a parameter as a field.
func paramField(p *openapi3.Parameter) specField {
	return specField{Path: p.Name, Schema: p.Schema.Value, Required: p.Required}
}

// referenceNames are the fields holding a row's id whose names do not end in _id.
var referenceNames = []string{"assigned_to"}

// isReference reports whether an integer field holds the id of a row: its bounds are the rows that exist,
// not a range the spec can state.
func isReference(f specField) bool {
	if slices.Contains(referenceNames, f.Path) {
		return true
	}
	name := f.Path
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
		if name == "0" { // an item of an id list
			name = strings.TrimSuffix(f.Path, ".0")
			return strings.HasSuffix(name, "_ids")
		}
	}
	return name == "id" || strings.HasSuffix(name, "_id") || strings.HasSuffix(name, "Id")
}

// kindOf is the schema's single type.
func kindOf(s *openapi3.Schema) string {
	for _, k := range []string{openapi3.TypeString, openapi3.TypeInteger, openapi3.TypeNumber, openapi3.TypeBoolean,
		openapi3.TypeArray, openapi3.TypeObject} {
		if s.Type.Is(k) {
			return k
		}
	}
	return ""
}

// specFinding describes a field whose schema leaves a limit unstated, or "" when it states them all: every
// free-text string needs maxLength (text columns have no length of their own), every number and integer that
// is not a row id needs minimum and maximum (the column's range), every number needs multipleOf (the column's
// decimal places), every array needs maxItems.
func specFinding(f specField) string {
	s := f.Schema
	switch kindOf(s) {
	case openapi3.TypeString:
		if s.MaxLength == nil && len(s.Enum) == 0 && s.Format != "date" && s.Format != "date-time" && s.Format != "binary" {
			return "a string without maxLength: say how long it may be (text columns accept anything)"
		}
	case openapi3.TypeInteger, openapi3.TypeNumber:
		if isReference(f) {
			return ""
		}
		if s.Min == nil || s.Max == nil {
			return "a number without minimum and maximum: state the range its column accepts"
		}
		if kindOf(s) == openapi3.TypeNumber && s.MultipleOf == nil {
			return "a number without multipleOf: state the decimal places its column keeps"
		}
	case openapi3.TypeArray:
		if s.MaxItems == nil {
			return "an array without maxItems"
		}
	case "":
		return "a schema without a type"
	}
	return ""
}

// decimal returns v exactly, as the shortest decimal that reads back as the same float64.
func decimal(v float64) *big.Rat {
	r, ok := new(big.Rat).SetString(fmt.Sprintf("%v", v))
	if !ok {
		panic(fmt.Sprintf("decimal: %v", v))
	}
	return r
}

// ratText formats r as a plain decimal literal, valid in JSON, a form and a query.
func ratText(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	// Enough places for any multipleOf the spec uses; trailing zeros trimmed.
	s := r.FloatString(12)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// step is the smallest change the field accepts: its multipleOf, else 1.
func step(s *openapi3.Schema) *big.Rat {
	if s.MultipleOf != nil {
		return decimal(*s.MultipleOf)
	}
	return big.NewRat(1, 1)
}
