package app_test

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
	inst, dir := startDocuments(t, nil)
	h := newHousehold(t, inst)
	start := storedFiles(t, dir)
	own := createResidence(t, inst, h.editor, "The editor's flat")
	upload(t, inst, h.editor, own, filePart{name: "a.pdf", contentType: "application/pdf", content: testPDF})
	upload(t, inst, h.editor, own, filePart{name: "b.png", contentType: "image/png", content: testPNG})
	kept := upload(t, inst, h.editor, h.residenceID, filePart{name: "c.pdf", contentType: "application/pdf", content: testPDF})
	require.Len(t, addedFiles(t, dir, start), 3)

	r := inst.Do(t, apptest.Request{Method: http.MethodDelete, Path: "/auth/me", Token: h.editor.Token})
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	require.Len(t, addedFiles(t, dir, start), 1, "the files of the residences the account owned are gone once it answered")
	require.Equal(t, testPDF, download(t, inst, h.owner, kept.ID, nil).Body,
		"a document the account added to another household keeps its file")
}
