package documents

import (
	"github.com/go-faster/jx"
	"github.com/ogen-go/ogen/middleware"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// errFileInJSON refuses a JSON create that carries a file member.
var errFileInJSON = apierror.Validation(map[string]string{
	"file": "cannot be sent in JSON: upload it as the file part of a multipart/form-data request"})

// RefuseFileInJSON is the ogen middleware that refuses a JSON document create whose body has a `file` member
// (other than null). JSON cannot carry a file: a client that was handed one and encoded the body as JSON
// (a browser's File becomes {}) meant to upload it, and would otherwise get a document without its file.
// A null file is what a Document without one says, and is accepted.
func RefuseFileInJSON(req middleware.Request, next middleware.Next) (middleware.Response, error) {
	if req.OperationName == oas.CreateDocumentOperation && hasFileMember(req.RawBody) {
		return middleware.Response{}, errFileInJSON
	}
	return next(req)
}

// hasFileMember reports whether body is a JSON object with a `file` member that is not null. A multipart
// body has no raw body here, and one that is not a JSON object was refused by the decoder already.
func hasFileMember(body []byte) bool {
	if len(body) == 0 {
		return false
	}
	found := false
	_ = jx.DecodeBytes(body).ObjBytes(func(d *jx.Decoder, key []byte) error {
		if string(key) == "file" && d.Next() != jx.Null {
			found = true
		}
		return d.Skip()
	})
	return found
}
