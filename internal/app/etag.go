package app

import "strings"

// ETagMatches implements If-None-Match: a list of tags, weak or strong, or *. It walks the header in place
// rather than splitting it, as it runs on every conditional read.
func ETagMatches(header, etag string) bool {
	for header != "" {
		var candidate string
		candidate, header, _ = strings.Cut(header, ",")
		candidate = strings.TrimPrefix(strings.TrimSpace(candidate), "W/")
		if candidate == etag || candidate == "*" {
			return true
		}
	}
	return false
}
