package apierror

import (
	"net/http"
	"slices"
	"strings"

	"github.com/homekeep/homekeep/internal/reqinfo"
)

// WriteNotFound answers a path no route serves: 404 not_found, "no such endpoint: GET /x". The router outside
// /api (chi) and the API server inside it (ogen's WithNotFound) both use it, so a client gets the same answer
// wherever a path is wrong.
func WriteNotFound(w http.ResponseWriter, r *http.Request) {
	Write(w, New(http.StatusNotFound, CodeNotFound, "no such endpoint: "+method(r)+" "+r.URL.Path))
}

// WriteMethodNotAllowed answers a path that exists, called with a method it does not take: 405
// method_not_allowed, with the methods it takes in the Allow header and the message. allowed is a
// comma-separated list, as ogen's WithMethodNotAllowed passes it. HEAD is added wherever GET is allowed,
// because every GET route also answers HEAD (httpserver.HeadAsGet). The router outside /api and the API
// server inside it both use it.
func WriteMethodNotAllowed(w http.ResponseWriter, r *http.Request, allowed string) {
	methods := allowMethods(allowed)
	msg := method(r) + " is not allowed on " + r.URL.Path
	if methods != "" {
		w.Header().Set("Allow", methods)
		msg += "; allowed: " + methods
	}
	Write(w, New(http.StatusMethodNotAllowed, CodeMethodNotAllowed, msg))
}

// allowMethods normalises a comma-separated method list for the Allow header: deduplicated, HEAD added
// where GET is, sorted, ", "-separated.
func allowMethods(allowed string) string {
	var methods []string
	for m := range strings.SplitSeq(allowed, ",") {
		if m = strings.TrimSpace(m); m != "" && !slices.Contains(methods, m) {
			methods = append(methods, m)
		}
	}
	if slices.Contains(methods, http.MethodGet) && !slices.Contains(methods, http.MethodHead) {
		methods = append(methods, http.MethodHead)
	}
	slices.Sort(methods)
	return strings.Join(methods, ", ")
}

// method is the request's method as the client sent it: HeadAsGet routes a HEAD request as a GET.
func method(r *http.Request) string {
	if reqinfo.IsHead(r.Context()) {
		return http.MethodHead
	}
	return r.Method
}
