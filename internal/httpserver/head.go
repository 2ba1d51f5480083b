package httpserver

import (
	"net/http"

	"github.com/homekeep/homekeep/internal/reqinfo"
)

// HeadAsGet serves a HEAD request as the GET it mirrors (RFC 9110: the same status and headers, no body), for
// every route: neither chi's routes nor the generated API declare HEAD. The handler runs as for GET; the
// net/http server drops the body of a response to HEAD, and still sets Content-Length from a body it
// buffered whole, so the headers match GET's. Handlers that would read a large body only to have it dropped
// check reqinfo.IsHead.
func HeadAsGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		get := r.WithContext(reqinfo.AsHead(r.Context()))
		get.Method = http.MethodGet
		next.ServeHTTP(w, get)
	})
}
