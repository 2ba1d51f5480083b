package textinput

import (
	"github.com/ogen-go/ogen/middleware"

	"github.com/homekeep/homekeep/internal/apierror"
)

// Middleware refuses an operation whose query string, JSON body or multipart text fields hold text that is
// not Valid, with 400 validation_failed naming every such field, before its handler runs. As ogen
// middleware it runs after the caller is authenticated and the request decoded, so it reads the body ogen
// already read and the form ogen already parsed: nothing is buffered twice, and an upload is never parsed
// for a caller who may not make it. (File contents are binary and not checked.)
func Middleware(req middleware.Request, next middleware.Next) (middleware.Response, error) {
	if r := req.Raw; r != nil {
		if bad := Query(r.URL.RawQuery); bad != nil {
			return middleware.Response{}, apierror.BadRequest(apierror.CodeValidationFailed,
				"the request has invalid parameters", bad)
		}
		if f := r.MultipartForm; f != nil {
			if bad := Form(f.Value); bad != nil {
				return middleware.Response{}, apierror.Validation(bad)
			}
		}
	}
	if bad := JSON(req.RawBody); bad != nil {
		return middleware.Response{}, apierror.Validation(bad)
	}
	return next(req)
}
