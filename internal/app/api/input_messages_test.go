package api_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// goWording matches text that comes from Go or ogen rather than from us: parser names, ogen's validator
// wording, the decoder's byte positions.
var goWording = regexp.MustCompile(`strconv|Parse|parsing|syntax|int:|float:|string:|len \d|less than|greater than|` +
	`value -?\d|unexpected byte|invalid value|decode|field required|query parameter|not set`)

// requireMessagesForPeople checks that no message of an error response repeats Go's or ogen's own wording.
func requireMessagesForPeople(t *testing.T, r apptest.Response) {
	t.Helper()
	e := r.Err(t)
	require.NotRegexp(t, goWording, e.Error.Message, string(r.Body))
	for field, msg := range e.Error.Fields.Value {
		require.NotRegexp(t, goWording, msg, "message for %s: %s", field, r.Body)
	}
}

// TestMultipartNamesTheField sends uploads with a missing or malformed field: each gets a 400 naming it, as
// the JSON create does, and nothing is stored.
func TestMultipartNamesTheField(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	f := newTextFixture(t, inst)
	rid := textPart("residence_id", fmt.Sprint(f.residenceID))
	title := textPart("title", "Receipt")
	fileWithoutName := formPart{name: "file", content: apptest.TestPDF}

	tests := []struct {
		name, method, path string
		parts              []formPart
		field, want        string
	}{
		{"CreateMissingTitle", http.MethodPost, "/documents", []formPart{rid, pdfPart()}, "title", "is required"},
		{"CreateEmptyTitle", http.MethodPost, "/documents", []formPart{rid, textPart("title", ""), pdfPart()},
			"title", "must be at least 1 character"},
		{"CreateTitleTooLong", http.MethodPost, "/documents", []formPart{rid, textPart("title", strings.Repeat("ü", 201)), pdfPart()},
			"title", "must be at most 200 characters"},
		{"CreateMissingResidence", http.MethodPost, "/documents", []formPart{title, pdfPart()}, "residence_id", "is required"},
		{"CreateBadResidenceID", http.MethodPost, "/documents", []formPart{textPart("residence_id", "abc"), title, pdfPart()},
			"residence_id", "must be a positive integer id"},
		{"CreateBadTaskID", http.MethodPost, "/documents", []formPart{rid, title, textPart("task_id", "1.5"), pdfPart()},
			"task_id", "must be a positive integer id"},
		{"CreateBadDate", http.MethodPost, "/documents", []formPart{rid, title, textPart("purchase_date", "2026-13-01"), pdfPart()},
			"purchase_date", "must be a date like 2026-05-01"},
		{"CreateBadExpiryDate", http.MethodPost, "/documents", []formPart{rid, title, textPart("expiry_date", "01.05.2026"), pdfPart()},
			"expiry_date", "must be a date like 2026-05-01"},
		{"CreateBadPrice", http.MethodPost, "/documents", []formPart{rid, title, textPart("purchase_price", "cheap"), pdfPart()},
			"purchase_price", "must be a number"},
		{"CreateNegativePrice", http.MethodPost, "/documents", []formPart{rid, title, textPart("purchase_price", "-1"), pdfPart()},
			"purchase_price", "must be at least 0"},
		{"CreateUnknownType", http.MethodPost, "/documents", []formPart{rid, title, textPart("type", "poem"), pdfPart()},
			"type", "is not one of the allowed values (see the API description)"},
		{"CreateMissingFile", http.MethodPost, "/documents", []formPart{rid, title}, "file", "is required"},
		{"CreateFileWithoutFilename", http.MethodPost, "/documents", []formPart{rid, title, fileWithoutName},
			"file", "must be a file: send it as a part with a filename"},
		{"ReplaceMissingFile", http.MethodPut, f.documentPath + "/file", []formPart{title}, "file", "is required"},
		{"ReplaceFileWithoutFilename", http.MethodPut, f.documentPath + "/file", []formPart{fileWithoutName},
			"file", "must be a file: send it as a part with a filename"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.state(t)
			r := sendForm(t, inst, tt.method, tt.path, f.owner.Token, tt.parts...)
			requireNamed(t, r, map[string]string{tt.field: tt.want})
			requireMessagesForPeople(t, r)
			require.Equal(t, before, f.state(t), "nothing stored changed")
		})
	}
}

// TestMessagesAreForPeople checks that what ogen reports about parameters and JSON values reaches the client
// in words an app developer can act on, without Go's error text.
func TestMessagesAreForPeople(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	owner := inst.Register(t)
	rid := apptest.CreateResidence(t, inst, owner, "Home")

	tests := []struct {
		name, method, path string
		body               string
		field              string
		// want is the message, or a pattern when it starts with ^ (the bound belongs to the spec).
		want string
	}{
		{"PathIDNotANumber", http.MethodGet, "/residences/abc", "", "id", "must be a positive integer id"},
		{"PathIDTooLarge", http.MethodGet, "/residences/99999999999999999999", "", "id", "must be a positive integer id"},
		{"SecondPathID", http.MethodDelete, fmt.Sprintf("/residences/%d/members/x", rid), "", "user_id", "must be a positive integer id"},
		{"QueryBelowMinimum", http.MethodGet, "/tasks?days_threshold=-1", "", "days_threshold", "^must be at least -?[0-9]+$"},
		{"QueryAboveMaximum", http.MethodGet, "/tasks?days_threshold=100000", "", "days_threshold", "^must be at most [0-9]+$"},
		{"QueryNotANumber", http.MethodGet, "/tasks?days_threshold=soon", "", "days_threshold", "must be a whole number"},
		{"QueryOutOfRange", http.MethodGet, "/tasks?days_threshold=99999999999", "", "days_threshold", "is out of range"},
		{"QueryIDNotANumber", http.MethodGet, "/documents?residence_id=home", "", "residence_id", "must be a positive integer id"},
		{"QueryUnknownEnumValue", http.MethodGet, "/documents?type=poem", "", "type",
			"is not one of the allowed values (see the API description)"},
		{"BodyIntegerBelowMinimum", http.MethodPost, "/residences", `{"name":"x","bedrooms":-1}`, "bedrooms", "^must be at least -?[0-9]+$"},
		{"BodyNumberBelowMinimum", http.MethodPost, "/residences", `{"name":"x","bathrooms":-0.5}`, "bathrooms", "^must be at least -?[0-9.]+$"},
		{"BodyBadDate", http.MethodPost, "/residences", `{"name":"x","purchase_date":"2026-13-01"}`, "purchase_date",
			"must be a date like 2026-05-01"},
		{"BodyWrongType", http.MethodPost, "/residences", `{"name":"x","bedrooms":"three"}`, "bedrooms",
			"has the wrong type or format (see the API description)"},
		{"BodyBoolWrongType", http.MethodPost, "/residences", `{"name":"x","is_primary":"yes"}`, "is_primary",
			"has the wrong type or format (see the API description)"},
		{"BodyTooLong", http.MethodPost, "/residences", `{"name":"` + strings.Repeat("a", 201) + `"}`, "name",
			"must be at most 200 characters"},
		{"BodyEnum", http.MethodPost, "/documents", fmt.Sprintf(`{"residence_id":%d,"title":"x","type":"poem"}`, rid), "type",
			"is not one of the allowed values (see the API description)"},
		{"BodyArrayItemWrongType", http.MethodPost, "/contractors", `{"name":"x","specialty_ids":["one"]}`, "specialty_ids",
			"has the wrong type or format (see the API description)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := apptest.Request{Method: tt.method, Path: tt.path, Token: owner.Token, Invalid: true}
			if tt.body != "" {
				req.Body = tt.body
			}
			r := inst.Do(t, req)
			require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
			e := r.Err(t)
			require.Equal(t, "validation_failed", e.Error.Code, string(r.Body))
			require.Contains(t, e.Error.Fields.Value, tt.field, string(r.Body))
			if strings.HasPrefix(tt.want, "^") {
				require.Regexp(t, tt.want, e.Error.Fields.Value[tt.field])
			} else {
				require.Equal(t, tt.want, e.Error.Fields.Value[tt.field])
			}
			requireMessagesForPeople(t, r)
		})
	}
}
