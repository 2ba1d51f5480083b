// Package documents implements the Documents operations of the API: documents and warranties, with an
// optional file each (PDF, JPEG, PNG, HEIC or WebP) that is uploaded as multipart, replaced, and downloaded
// whole or by byte range.
//
// State: a document's file lives in blob storage (see documents_file.go); the row keeps its metadata. The
// order of operations keeps the two consistent: a file is written before the row that names it (and deleted
// again if the row is refused or fails), and deleted only after the statement that removed its row has
// committed (app.DeleteFiles, which the residence and account deletions use too).
//
// Failure handling: whatever a crash leaves behind, a file without a row, is deleted by the periodic sweep
// (package filesweep, which looks only under the documents' key prefix). A file is typed by its first
// bytes, never by what the client declares, and held to MAX_UPLOAD_SIZE while it streams to storage.
package documents
