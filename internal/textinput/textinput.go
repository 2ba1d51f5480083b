// Package textinput makes sure every piece of text a client sends (JSON strings and object keys, query
// parameters, multipart form fields) is valid UTF-8 without NUL characters, and names the field when it is
// not. PostgreSQL refuses such text in a text column (a 500 if it got that far), and no client has a reason
// to send it. Middleware runs the checks for every operation, so a field added later is covered too.
package textinput

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-faster/jx"
)

// Problem is what a field is told when its text is not valid UTF-8 or contains a NUL character.
const Problem = "must be valid UTF-8 text without NUL characters"

// problemEscape is what a query parameter is told when its percent-encoding cannot be decoded.
const problemEscape = "is not correctly percent-encoded"

// maxNamed bounds how many fields one answer names, so a huge bad body does not make a huge answer.
const maxNamed = 50

// escapedNUL is how JSON writes a NUL character inside a string.
var escapedNUL = []byte(`\u0000`)

// Valid reports whether s is text PostgreSQL stores: valid UTF-8 without NUL.
func Valid(s string) bool { return strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) }

func validBytes(b []byte) bool { return bytes.IndexByte(b, 0) < 0 && utf8.Valid(b) }

// JSON returns the fields of body whose string value or object key is not Valid, by dotted path ("city",
// "address.city", "tags.0"), each with Problem; nil when there is none. A body that is not JSON is left to
// the decoder to report.
//
// A body that is valid UTF-8 and has no escaped NUL cannot hold such a string, so the common case is two
// scans of the bytes and no allocation; only a suspect body is walked to find the fields. (An escaped lone
// surrogate, `\ud800`, decodes to U+FFFD and is fine.)
func JSON(body []byte) map[string]string {
	if utf8.Valid(body) && !bytes.Contains(body, escapedNUL) {
		return nil
	}
	w := jsonWalker{}
	_ = w.value(jx.DecodeBytes(body), "") // a malformed body is the decoder's to report; keep what was found
	return w.bad
}

// jsonWalker collects the paths of the strings and keys that are not text.
type jsonWalker struct{ bad map[string]string }

func (w *jsonWalker) add(path string) {
	if path == "" {
		path = "body"
	}
	if w.bad == nil {
		w.bad = map[string]string{}
	}
	if len(w.bad) < maxNamed {
		w.bad[path] = Problem
	}
}

func (w *jsonWalker) value(d *jx.Decoder, path string) error {
	switch d.Next() {
	case jx.String:
		s, err := d.StrBytes()
		if err != nil {
			return err
		}
		if !validBytes(s) {
			w.add(path)
		}
		return nil
	case jx.Object:
		return d.ObjBytes(func(d *jx.Decoder, key []byte) error {
			p := join(path, displayName(string(key)))
			if !validBytes(key) {
				w.add(p)
			}
			return w.value(d, p)
		})
	case jx.Array:
		i := 0
		return d.Arr(func(d *jx.Decoder) error {
			p := join(path, strconv.Itoa(i))
			i++
			return w.value(d, p)
		})
	default:
		return d.Skip()
	}
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// displayName makes a name safe to send back as a JSON key: what is not text becomes U+FFFD.
func displayName(s string) string {
	if Valid(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// Query returns the query parameters whose name or value is not Valid or not correctly percent-encoded, each
// with what is wrong; nil when there is none. A parameter whose own name is not text is named as it was sent
// (still percent-encoded), so the client can find it.
func Query(rawQuery string) map[string]string {
	if strings.IndexByte(rawQuery, '%') < 0 && Valid(rawQuery) {
		return nil
	}
	var bad map[string]string
	for rest := rawQuery; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		rawKey, rawValue, _ := strings.Cut(pair, "=")
		key, keyErr := url.QueryUnescape(rawKey)
		value, valueErr := url.QueryUnescape(rawValue)
		name := key
		if keyErr != nil || !Valid(key) {
			name = displayName(rawKey)
		}
		problem := ""
		switch {
		case keyErr != nil || valueErr != nil:
			problem = problemEscape
		case !Valid(key) || !Valid(value):
			problem = Problem
		default:
			continue
		}
		if bad == nil {
			bad = map[string]string{}
		}
		if len(bad) < maxNamed {
			bad[name] = problem
		}
	}
	return bad
}

// Form returns the form fields whose name or any value is not Valid, each with Problem; nil when there is
// none.
func Form(values map[string][]string) map[string]string {
	var bad map[string]string
	for name, vs := range values {
		ok := Valid(name)
		for _, v := range vs {
			ok = ok && Valid(v)
		}
		if ok {
			continue
		}
		if bad == nil {
			bad = map[string]string{}
		}
		if len(bad) < maxNamed {
			bad[displayName(name)] = Problem
		}
	}
	return bad
}
