package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apitest"
	"github.com/homekeep/homekeep/internal/apptest"
)

// notText is what a field whose text is not valid UTF-8, or holds NUL, is told.
const notText = "must be valid UTF-8 text without NUL characters"

// textFixture is one account's residence with a task, a completion-free history, a contractor and a
// document, so every write has something to change and the test can tell that nothing did.
type textFixture struct {
	inst                              *apptest.Instance
	owner                             apptest.Account
	residenceID, taskID, contractorID int64
	documentID                        int64
	residencePath, taskPath           string
	contractorPath, documentPath      string
	completionsPath                   string
}

func newTextFixture(t *testing.T, inst *apptest.Instance) textFixture {
	t.Helper()
	f := textFixture{inst: inst, owner: inst.Register(t)}
	f.residenceID = apptest.CreateResidence(t, inst, f.owner, "Home")
	f.taskID = apptest.CreateTask(t, inst, f.owner, map[string]any{"residence_id": f.residenceID, "title": "Replace the filter"})
	f.contractorID = apptest.CreateContractor(t, inst, f.owner, map[string]any{"residence_id": f.residenceID, "name": "Bob"}).ID
	f.documentID = apptest.CreateDocument(t, inst, f.owner, map[string]any{"residence_id": f.residenceID, "title": "Manual"}).ID
	f.residencePath = fmt.Sprintf("/residences/%d", f.residenceID)
	f.taskPath = fmt.Sprintf("/tasks/%d", f.taskID)
	f.contractorPath = fmt.Sprintf("/contractors/%d", f.contractorID)
	f.documentPath = fmt.Sprintf("/documents/%d", f.documentID)
	f.completionsPath = f.taskPath + "/completions"
	return f
}

// state reads everything the account can see, so a refused request can be shown to have changed nothing.
func (f textFixture) state(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, path := range []string{"/auth/me", "/residences", f.residencePath, f.taskPath, f.completionsPath,
		"/contractors", f.contractorPath, "/documents", f.documentPath} {
		r := f.inst.Do(t, apptest.Request{Method: http.MethodGet, Path: path, Token: f.owner.Token})
		require.Equal(t, http.StatusOK, r.Status, "GET %s: %s", path, r.Body)
		fmt.Fprintf(&b, "%s: %s\n", path, r.Body)
	}
	return b.String()
}

// requireNamed checks a 400 validation_failed that names each field with want.
func requireNamed(t *testing.T, r apptest.Response, want map[string]string) {
	t.Helper()
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	e := r.Err(t)
	require.Equal(t, "validation_failed", e.Error.Code, string(r.Body))
	for field, msg := range want {
		require.Contains(t, e.Error.Fields.Value, field, string(r.Body))
		require.Equal(t, msg, e.Error.Fields.Value[field], "message for %s", field)
	}
}

// TestTextInputIsValidated sends NUL characters and invalid UTF-8 in JSON bodies and query strings: each
// gets a 400 naming the field, never a 500, and nothing stored changes.
func TestTextInputIsValidated(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	f := newTextFixture(t, inst)

	tests := []struct {
		name, method, path string
		// body is sent as it is, raw bytes included.
		body      string
		anonymous bool
		want      map[string]string
	}{
		{"ResidenceCreateStreetNUL", http.MethodPost, "/residences", `{"name":"Cabin","street":"Main\u0000St"}`, false,
			map[string]string{"street": notText}},
		{"ResidenceCreateCityInvalidUTF8", http.MethodPost, "/residences", "{\"name\":\"Cabin\",\"city\":\"Z\xfcrich\"}", false,
			map[string]string{"city": notText}},
		{"ResidenceCreateEveryAddressField", http.MethodPost, "/residences",
			`{"name":"Cabin","state_province":"\u0000","postal_code":"1\u00002","country":"D\u0000E","description":"\u0000"}`, false,
			map[string]string{"state_province": notText, "postal_code": notText, "country": notText, "description": notText}},
		{"ResidencePatchDescription", http.MethodPatch, f.residencePath, `{"description":"view\u0000"}`, false,
			map[string]string{"description": notText}},
		{"TaskCreateDescription", http.MethodPost, "/tasks",
			fmt.Sprintf(`{"residence_id":%d,"title":"Gutters","description":"\u0000"}`, f.residenceID), false,
			map[string]string{"description": notText}},
		{"TaskPatchTitleInvalidUTF8", http.MethodPatch, f.taskPath, "{\"title\":\"\xc0\xaf\"}", false,
			map[string]string{"title": notText}},
		{"CompletionNotes", http.MethodPost, f.completionsPath, `{"notes":"done\u0000"}`, false,
			map[string]string{"notes": notText}},
		{"ContractorCreateAddressAndNotes", http.MethodPost, "/contractors",
			fmt.Sprintf(`{"residence_id":%d,"name":"Eve","address":"\u0000","notes":"\u0000"}`, f.residenceID), false,
			map[string]string{"address": notText, "notes": notText}},
		{"ContractorPatchNotesInvalidUTF8", http.MethodPatch, f.contractorPath, "{\"notes\":\"\xff\"}", false,
			map[string]string{"notes": notText}},
		{"DocumentCreateDescription", http.MethodPost, "/documents",
			fmt.Sprintf(`{"residence_id":%d,"title":"Receipt","description":"\u0000"}`, f.residenceID), false,
			map[string]string{"description": notText}},
		{"DocumentPatchDescription", http.MethodPatch, f.documentPath, `{"description":"a\u0000b"}`, false,
			map[string]string{"description": notText}},
		{"UnknownKeyWithNUL", http.MethodPatch, f.documentPath, `{"x\u0000":"y"}`, false,
			map[string]string{"x\uFFFD": notText}},
		{"LoginEmailInvalidUTF8", http.MethodPost, "/auth/login", "{\"email\":\"\xff@x.com\",\"password\":\"a long password\"}", true,
			map[string]string{"email": notText}},
		{"LoginEmailNUL", http.MethodPost, "/auth/login", `{"email":"me\u0000@x.com","password":"a long password"}`, true,
			map[string]string{"email": notText}},
		{"RegisterEmailNUL", http.MethodPost, "/auth/register", `{"email":"new\u0000@x.com","password":"a long password"}`, true,
			map[string]string{"email": notText}},
		{"DocumentSearchInvalidByte", http.MethodGet, "/documents?q=%ff", "", false, map[string]string{"q": notText}},
		{"DocumentSearchOverlongSlash", http.MethodGet, "/documents?q=%C0%AF", "", false, map[string]string{"q": notText}},
		{"DocumentSearchBadEscape", http.MethodGet, "/documents?q=%zz", "", false,
			map[string]string{"q": "is not correctly percent-encoded"}},
		{"TemplateSearchNUL", http.MethodGet, "/task-templates?q=%00", "", false, map[string]string{"q": notText}},
		{"ContractorSearchNUL", http.MethodGet, "/contractors?q=plumb%00", "", false, map[string]string{"q": notText}},
		{"ParameterNameInvalidUTF8", http.MethodGet, "/documents?%ff=1", "", false, map[string]string{"%ff": notText}},
	}
	// One after another: each compares everything stored before and after.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.state(t)
			req := apptest.Request{Method: tt.method, Path: tt.path, Invalid: true}
			if tt.body != "" {
				req.Body = tt.body
			}
			if !tt.anonymous {
				req.Token = f.owner.Token
			}
			requireNamed(t, inst.Do(t, req), tt.want)
			require.Equal(t, before, f.state(t), "nothing stored changed")
		})
	}
	t.Run("ValidTextStillWorks", func(t *testing.T) {
		r := inst.Do(t, apptest.Request{Method: http.MethodPatch, Path: f.residencePath, Token: f.owner.Token,
			Body: map[string]any{"city": "Zürich", "description": `a backslash \u0000 is text`}})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var res client.Residence
		r.JSON(t, &res)
		require.Equal(t, "Zürich", res.City)
		require.Equal(t, `a backslash \u0000 is text`, res.Description)
		docs := apptest.ListDocuments(t, inst, f.owner, "?q=Man%C3%BCal")
		require.Empty(t, docs, "an encoded UTF-8 search term is searched for")
	})
}

// formPart is one part of a hand-made multipart body: a text field, or a file when fileName is set.
type formPart struct {
	name, fileName string
	content        []byte
}

func textPart(name, value string) formPart { return formPart{name: name, content: []byte(value)} }

func pdfPart() formPart {
	return formPart{name: "file", fileName: "receipt.pdf", content: apptest.TestPDF}
}

// sendForm sends a multipart request that may break the spec (its response is still checked).
func sendForm(t *testing.T, inst *apptest.Instance, method, path, token string, parts ...formPart) apptest.Response {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		if p.fileName != "" {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, p.name, p.fileName))
			h.Set("Content-Type", "application/pdf")
		} else {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, p.name))
		}
		pw, err := w.CreatePart(h)
		require.NoError(t, err)
		_, err = pw.Write(p.content)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	req, err := http.NewRequestWithContext(apitest.WithInvalidRequest(context.Background()), method, inst.API+path, &b)
	require.NoError(t, err)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := inst.Client.Do(req)
	require.NoError(t, err, "%s %s", method, path)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return apptest.Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// TestMultipartTextIsValidated does the same for the text fields of the two upload operations.
func TestMultipartTextIsValidated(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	f := newTextFixture(t, inst)
	rid := fmt.Sprint(f.residenceID)

	tests := []struct {
		name, method, path string
		parts              []formPart
		want               map[string]string
	}{
		{"CreateDescriptionNUL", http.MethodPost, "/documents",
			[]formPart{textPart("residence_id", rid), textPart("title", "Receipt"), textPart("description", "a\x00b"), pdfPart()},
			map[string]string{"description": notText}},
		{"CreateTitleInvalidUTF8", http.MethodPost, "/documents",
			[]formPart{textPart("residence_id", rid), textPart("title", "Re\xffceipt"), pdfPart()},
			map[string]string{"title": notText}},
		{"CreateEveryTextField", http.MethodPost, "/documents",
			[]formPart{textPart("residence_id", rid), textPart("title", "Receipt"), textPart("vendor", "\x00"),
				textPart("model_number", "\xc0\xaf"), textPart("serial_number", "\x00"), textPart("warranty_provider", "\x00"),
				textPart("claim_phone", "\x00"), textPart("claim_url", "https://x.example/\x00"), pdfPart()},
			map[string]string{"vendor": notText, "model_number": notText, "serial_number": notText,
				"warranty_provider": notText, "claim_phone": notText, "claim_url": notText}},
		{"ReplaceWithTextFieldNUL", http.MethodPut, f.documentPath + "/file",
			[]formPart{pdfPart(), textPart("note", "\x00")}, map[string]string{"note": notText}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.state(t)
			requireNamed(t, sendForm(t, inst, tt.method, tt.path, f.owner.Token, tt.parts...), tt.want)
			require.Equal(t, before, f.state(t), "nothing stored changed")
		})
	}
}
