package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// TestDeleteMeDeletesFiles: deleting an account deletes the residences it owns with their documents, and their
// files go right after the commit rather than at the next orphan sweep a day later. Documents the account
// added to another household stay, and so do their files.
func TestDeleteMeDeletesFiles(t *testing.T) {
	t.Parallel()
	inst, dir := apptest.StartDocuments(t, nil)
	h := apptest.NewHousehold(t, inst)
	start := apptest.StoredFiles(t, dir)
	own := apptest.CreateResidence(t, inst, h.Editor, "The editor's flat")
	apptest.Upload(t, inst, h.Editor, own, apptest.FilePart{Name: "a.pdf", ContentType: "application/pdf", Content: apptest.TestPDF})
	apptest.Upload(t, inst, h.Editor, own, apptest.FilePart{Name: "b.png", ContentType: "image/png", Content: apptest.TestPNG})
	kept := apptest.Upload(t, inst, h.Editor, h.ResidenceID, apptest.FilePart{Name: "c.pdf", ContentType: "application/pdf", Content: apptest.TestPDF})
	require.Len(t, apptest.AddedFiles(t, dir, start), 3)

	r := inst.Do(t, apptest.Request{Method: http.MethodDelete, Path: "/auth/me", Token: h.Editor.Token})
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	require.Len(t, apptest.AddedFiles(t, dir, start), 1, "the files of the residences the account owned are gone once it answered")
	require.Equal(t, apptest.TestPDF, apptest.Download(t, inst, h.Owner, kept.ID, nil).Body,
		"a document the account added to another household keeps its file")
}
