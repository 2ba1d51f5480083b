package textinput

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"ASCII", "Main Street 1", true},
		{"Empty", "", true},
		{"MultibyteUTF8", "Zürich, 東京 🏠", true},
		{"NUL", "a\x00b", false},
		{"InvalidByte", "\xff@x.com", false},
		{"OverlongSlash", "\xc0\xaf", false},
		{"EncodedSurrogate", "\xed\xa0\x80", false},
		{"TruncatedSequence", "caf\xc3", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, Valid(tt.in))
		})
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want map[string]string
	}{
		{"ValidBodyPasses", `{"name":"Home","city":"Zürich","tags":["a","b"],"n":1.5,"ok":true,"x":null,"o":{"k":"v"}}`, nil},
		{"EmptyBodyPasses", ``, nil},
		{"EscapedNULNamesField", `{"name":"Home","city":"a\u0000b"}`, map[string]string{"city": Problem}},
		{"RawInvalidByteNamesField", "{\"email\":\"\xff@x.com\",\"password\":\"a long password\"}", map[string]string{"email": Problem}},
		{"OverlongEncodingNamesField", "{\"q\":\"\xc0\xaf\"}", map[string]string{"q": Problem}},
		{"EncodedSurrogateNamesField", "{\"q\":\"\xed\xa0\x80\"}", map[string]string{"q": Problem}},
		{"NestedObjectGetsDottedPath", `{"address":{"street":"ok","city":"\u0000"}}`, map[string]string{"address.city": Problem}},
		{"ArrayItemGetsIndex", `{"tags":["ok","\u0000"]}`, map[string]string{"tags.1": Problem}},
		{"ObjectInArray", `{"items":[{"a":"x"},{"b":"\u0000"}]}`, map[string]string{"items.1.b": Problem}},
		{"KeyWithNULIsNamed", `{"a\u0000":1}`, map[string]string{"a\uFFFD": Problem}},
		{"KeyWithInvalidByteIsNamed", "{\"\xff\":\"x\"}", map[string]string{"\uFFFD": Problem}},
		{"EveryBadFieldIsNamed", "{\"street\":\"\\u0000\",\"city\":\"\xfe\",\"country\":\"DE\"}",
			map[string]string{"street": Problem, "city": Problem}},
		{"EscapedBackslashBeforeU0000IsText", `{"notes":"C:\\u0000"}`, nil},
		{"LoneSurrogateEscapeDecodesToReplacement", `{"notes":"\ud800"}`, nil},
		{"TopLevelString", `"\u0000"`, map[string]string{"body": Problem}},
		{"MalformedBodyIsLeftToTheDecoder", "{\"a\":\"x\",\xff", nil},
		{"NULBeforeMalformedPartIsStillNamed", `{"a":"\u0000","b":`, map[string]string{"a": Problem}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, JSON([]byte(tt.body)))
		})
	}
}

func TestQuery(t *testing.T) {
	t.Parallel()
	const badEscape = "is not correctly percent-encoded"
	tests := []struct {
		name string
		raw  string
		want map[string]string
	}{
		{"Empty", "", nil},
		{"PlainParameters", "q=boiler&residence_id=1&type=warranty", nil},
		{"EncodedUTF8", "q=Z%C3%BCrich+s%C3%BCd", nil},
		{"EncodedInvalidByte", "q=%ff", map[string]string{"q": Problem}},
		{"OverlongEncoding", "q=%C0%AF", map[string]string{"q": Problem}},
		{"EncodedNUL", "q=%00", map[string]string{"q": Problem}},
		{"OnlyTheBadParameter", "type=warranty&q=a%00b", map[string]string{"q": Problem}},
		{"RawInvalidByte", "q=\xff", map[string]string{"q": Problem}},
		{"BadEscape", "q=%zz", map[string]string{"q": badEscape}},
		{"TruncatedEscape", "q=abc%2", map[string]string{"q": badEscape}},
		{"BadNameIsNamedAsSent", "%ff=1", map[string]string{"%ff": Problem}},
		{"EveryBadParameter", "a=%ff&b=%00&c=ok", map[string]string{"a": Problem, "b": Problem}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, Query(tt.raw))
		})
	}
}

func TestForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values map[string][]string
		want   map[string]string
	}{
		{"ValidFields", map[string][]string{"title": {"Receipt"}, "description": {"Zürich"}}, nil},
		{"NoFields", nil, nil},
		{"NULInValue", map[string][]string{"title": {"ok"}, "description": {"a\x00b"}}, map[string]string{"description": Problem}},
		{"AnyValueOfARepeatedField", map[string][]string{"title": {"ok", "\xff"}}, map[string]string{"title": Problem}},
		{"BadName", map[string][]string{"\xff": {"x"}}, map[string]string{"\uFFFD": Problem}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, Form(tt.values))
		})
	}
}

// typicalBody is a residence create of about 1 KiB, as a mobile app sends it.
var typicalBody = []byte(`{"name":"Holiday flat","street":"Seestraße 12","city":"Zürich","state_province":"ZH",` +
	`"postal_code":"8002","country":"CH","bedrooms":3,"bathrooms":1.5,"square_footage":1100,"year_built":1978,` +
	`"description":"` + strings.Repeat("Lake view, second floor, key with the neighbour. ", 16) + `"}`)

// BenchmarkJSONValid measures the check every JSON write pays: it must not allocate.
func BenchmarkJSONValid(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(typicalBody)))
	for b.Loop() {
		if JSON(typicalBody) != nil {
			b.Fatal("valid body refused")
		}
	}
}

// BenchmarkQueryValid measures the check every request with a query string pays.
func BenchmarkQueryValid(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if Query("residence_id=12&type=warranty&q=Z%C3%BCrich") != nil {
			b.Fatal("valid query refused")
		}
	}
}

// BenchmarkJSONInvalid measures the walk that names the field, which only bad requests pay.
func BenchmarkJSONInvalid(b *testing.B) {
	body := []byte(strings.Replace(string(typicalBody), `"ZH"`, `"Z\u0000H"`, 1))
	b.ReportAllocs()
	for b.Loop() {
		if JSON(body) == nil {
			b.Fatal("bad body accepted")
		}
	}
}
