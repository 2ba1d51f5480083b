package apidocs

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestYAMLToJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml, want string
	}{
		{"KeepsKeyOrder", "b: 1\na: 2\nc: {z: 1, y: 2}\n", `{"b":1,"a":2,"c":{"z":1,"y":2}}`},
		{"ResolvesScalarTypes", "s: text\ni: 10\nf: 1.5\nt: true\nn: null\nq: '10'\nh: 0x1F\n",
			`{"s":"text","i":10,"f":1.5,"t":true,"n":null,"q":"10","h":31}`},
		{"KeepsTimestampsAsWritten", "d: 2024-01-31\nts: 2024-01-31T10:00:00Z\n",
			`{"d":"2024-01-31","ts":"2024-01-31T10:00:00Z"}`},
		{"TurnsEveryKeyIntoAString", "200: ok\ntrue: yes\n1.5: x\n", `{"200":"ok","true":"yes","1.5":"x"}`},
		{"ConvertsSequences", "l: [a, 1, [b]]\nempty: []\n", `{"l":["a",1,["b"]],"empty":[]}`},
		{"ResolvesAliases", "a: &x {k: v}\nb: *x\n", `{"a":{"k":"v"},"b":{"k":"v"}}`},
		{"KeepsMultiLineText", "d: |\n  one\n  two\n", `{"d":"one\ntwo\n"}`},
		{"DoesNotEscapeHTML", "d: a <b> & c\n", `{"d":"a <b> & c"}`},
		{"EscapesWhatJSONMust", "d: \"tab\\there \\\"q\\\" \\u0001\"\n", `{"d":"tab\there \"q\" \u0001"}`},
		{"KeepsUnicode", "d: Grüße\n", `{"d":"Grüße"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := yamlToJSON([]byte(tt.yaml))
			require.NoError(t, err)
			require.Equal(t, tt.want, string(got))
		})
	}
}

// TestWriteStringEscapesAsEncodingJSON compares writeString with encoding/json (HTML escaping off) on the
// characters JSON treats specially.
func TestWriteStringEscapesAsEncodingJSON(t *testing.T) {
	t.Parallel()
	var every strings.Builder
	for c := range rune(0x80) {
		every.WriteRune(c)
	}
	tests := []string{
		"", "plain", every.String(), "\u2028 and \u2029", "invalid \xff\xfe UTF-8", "cut \xe2\x82",
		"Grüße, 日本, 🏠", "<b> & </b>", `"quoted" \back\slash`,
	}
	for _, s := range tests {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		require.NoError(t, enc.Encode(s))
		var got bytes.Buffer
		writeString(&got, s)
		if !utf8.ValidString(s) {
			// Invalid bytes become U+FFFD; encoding/json writes it escaped (Go 1.26) or as the character
			// itself (Go 1.27), so compare what the two decode to.
			var wantS, gotS string
			require.NoError(t, json.Unmarshal(want.Bytes(), &wantS))
			require.NoError(t, json.Unmarshal(got.Bytes(), &gotS), "writeString(%q) = %s", s, got.String())
			require.Equal(t, wantS, gotS, "writeString(%q)", s)
			continue
		}
		require.Equal(t, strings.TrimSuffix(want.String(), "\n"), got.String(), "writeString(%q)", s)
	}
}

func TestYAMLToJSONRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"InvalidYAML", "a: [\n", "error parsing YAML"},
		{"MergeKeys", "a: &x {k: v}\nb:\n  <<: *x\n", "merge keys"},
		{"NotANumberJSONCanHold", "a: .nan\n", "line 1"},
		{"Infinity", "a: .inf\n", "line 1"},
		{"ComplexKeys", "? [a, b]\n: v\n", "not a scalar"},
		{"Empty", "", "not a single document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := yamlToJSON([]byte(tt.yaml))
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}
