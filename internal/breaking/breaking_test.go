package breaking

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	yaml "go.yaml.in/yaml/v3"

	"github.com/homekeep/homekeep/api"
)

// TestGate runs the gate on the project's own spec against edited copies of it: what the issue asks the gate
// to catch, and what it must let through.
func TestGate(t *testing.T) {
	t.Parallel()
	released := Spec{Name: "released.yaml", Data: []byte(api.OpenAPIYAML)}

	tests := []struct {
		name         string
		edit         func(t *testing.T, doc *yaml.Node) string // returns what it changed, for failure messages
		wantFailed   bool
		wantBreaking string // a substring of one breaking change; "" for none
	}{
		{
			name: "UnchangedSpecPasses",
			edit: func(*testing.T, *yaml.Node) string { return "nothing" },
		},
		{
			name:         "RemovedResponseFieldFails",
			edit:         removeResponseField,
			wantFailed:   true,
			wantBreaking: "[response-required-property-removed]",
		},
		{
			name: "RemovedResponseFieldWithNewMajorVersionPasses",
			edit: func(t *testing.T, doc *yaml.Node) string {
				return removeResponseField(t, doc) + ", " + bumpVersion(t, doc, 1, 0)
			},
			wantBreaking: "[response-required-property-removed]",
		},
		{
			name: "RemovedResponseFieldWithNewMinorVersionFails",
			edit: func(t *testing.T, doc *yaml.Node) string {
				return removeResponseField(t, doc) + ", " + bumpVersion(t, doc, 0, 1)
			},
			wantFailed:   true,
			wantBreaking: "[response-required-property-removed]",
		},
		{
			name: "AddedOptionalFieldPasses",
			edit: addOptionalResponseField,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var doc yaml.Node
			require.NoError(t, yaml.Unmarshal([]byte(api.OpenAPIYAML), &doc))
			what := tt.edit(t, &doc)
			data, err := yaml.Marshal(&doc)
			require.NoError(t, err)

			r, err := Check(released, Spec{Name: "current.yaml", Data: data})
			require.NoError(t, err)
			out := r.String()
			require.Equal(t, tt.wantFailed, r.Failed(), "after %s the gate said:\n%s", what, out)
			require.Equal(t, tt.wantFailed, strings.Contains(out, "FAILED"), "the verdict line disagrees:\n%s", out)
			if tt.wantBreaking == "" {
				require.Empty(t, r.Breaking, "after %s", what)
				return
			}
			require.NotEmpty(t, r.Breaking, "after %s", what)
			require.Contains(t, strings.Join(r.Breaking, "\n"), tt.wantBreaking, "after %s", what)
			require.Contains(t, out, tt.wantBreaking, "the report lists the change")
		})
	}
}

func TestMajorPart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		version string
		want    int
		wantErr bool
	}{
		{"0.1.0", 0, false},
		{"1.4.2", 1, false},
		{"v2.0", 2, false},
		{"10", 10, false},
		{"3.0.0-rc.1", 3, false},
		{"", 0, true},
		{"latest", 0, true},
		{"2024-06-01", 0, true},
		{"-1.0.0", 0, true},
	}
	for _, tt := range tests {
		got, err := majorPart(tt.version)
		if tt.wantErr {
			require.Error(t, err, "majorPart(%q)", tt.version)
			continue
		}
		require.NoError(t, err, "majorPart(%q)", tt.version)
		require.Equal(t, tt.want, got, "majorPart(%q)", tt.version)
	}
}

func TestCheckRefusesAVersionWithoutAMajorPart(t *testing.T) {
	t.Parallel()
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(api.OpenAPIYAML), &doc))
	child(t, child(t, doc.Content[0], "info"), "version").Value = "latest"
	data, err := yaml.Marshal(&doc)
	require.NoError(t, err)
	_, err = Check(Spec{Name: "released.yaml", Data: []byte(api.OpenAPIYAML)}, Spec{Name: "current.yaml", Data: data})
	require.ErrorContains(t, err, `info.version of current.yaml: "latest"`)
}

// child returns the value of key in a YAML mapping, failing the test when there is none.
func child(t *testing.T, mapping *yaml.Node, key string) *yaml.Node {
	t.Helper()
	v := lookup(mapping, key)
	require.NotNil(t, v, "no %q at line %d", key, mapping.Line)
	return v
}

// lookup returns the value of key in a YAML mapping, or nil.
func lookup(mapping *yaml.Node, key string) *yaml.Node {
	if mapping == nil || mapping.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		if mapping.Content[i].Value == key {
			return mapping.Content[i+1]
		}
	}
	return nil
}

// deref follows a local $ref ("#/components/schemas/Residence") from the document's root.
func deref(root, n *yaml.Node) *yaml.Node {
	ref := lookup(n, "$ref")
	if ref == nil {
		return n
	}
	target := root
	for _, key := range strings.Split(strings.TrimPrefix(ref.Value, "#/"), "/") {
		target = lookup(target, key)
	}
	return target
}

// responseSchema finds, in document order, the first object schema that a success response returns as
// JSON and that has a required property, and returns the schema's name and node.
func responseSchema(t *testing.T, doc *yaml.Node) (string, *yaml.Node) {
	t.Helper()
	root := doc.Content[0]
	paths := child(t, root, "paths")
	for i := 1; i < len(paths.Content); i += 2 {
		item := paths.Content[i]
		for j := 0; j+1 < len(item.Content); j += 2 {
			responses := lookup(item.Content[j+1], "responses")
			for k := 0; responses != nil && k+1 < len(responses.Content); k += 2 {
				if !strings.HasPrefix(responses.Content[k].Value, "2") {
					continue
				}
				resp := deref(root, responses.Content[k+1])
				schema := lookup(lookup(lookup(resp, "content"), "application/json"), "schema")
				ref := lookup(schema, "$ref")
				if ref == nil {
					continue
				}
				s := deref(root, schema)
				if req := lookup(s, "required"); req != nil && len(req.Content) > 0 && lookup(s, "properties") != nil {
					return strings.TrimPrefix(ref.Value, "#/components/schemas/"), s
				}
			}
		}
	}
	t.Fatal("the spec has no success response whose schema has a required property")
	return "", nil
}

// removeResponseField deletes a required property of a response schema, from its properties and required.
func removeResponseField(t *testing.T, doc *yaml.Node) string {
	t.Helper()
	name, schema := responseSchema(t, doc)
	required := child(t, schema, "required")
	field := required.Content[0].Value
	required.Content = required.Content[1:]
	props := child(t, schema, "properties")
	for i := 0; i+1 < len(props.Content); i += 2 {
		if props.Content[i].Value == field {
			props.Content = append(props.Content[:i], props.Content[i+2:]...)
			return fmt.Sprintf("removing %s.%s", name, field)
		}
	}
	t.Fatalf("%s requires %s but has no such property", name, field)
	return ""
}

// addOptionalResponseField adds an optional string property to a response schema.
func addOptionalResponseField(t *testing.T, doc *yaml.Node) string {
	t.Helper()
	name, schema := responseSchema(t, doc)
	props := child(t, schema, "properties")
	var added yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte("{type: string, description: added by the test}"), &added))
	props.Content = append(props.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "added_by_test"}, added.Content[0])
	return fmt.Sprintf("adding the optional %s.added_by_test", name)
}

// bumpVersion raises info.version's major part by major and its minor part by minor.
func bumpVersion(t *testing.T, doc *yaml.Node, major, minor int) string {
	t.Helper()
	version := child(t, child(t, doc.Content[0], "info"), "version")
	var ma, mi, patch int
	_, err := fmt.Sscanf(version.Value, "%d.%d.%d", &ma, &mi, &patch)
	require.NoError(t, err, "info.version %q is not MAJOR.MINOR.PATCH", version.Value)
	if major > 0 {
		ma, mi = ma+major, 0
	}
	was := version.Value
	version.Value = fmt.Sprintf("%d.%d.0", ma, mi+minor)
	return fmt.Sprintf("moving info.version from %s to %s", was, version.Value)
}
