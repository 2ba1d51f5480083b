package google

import (
	"sync"

	"golang.org/x/oauth2"
)

// tokenSource hands out the access token x/oauth2 caches until shortly before it expires, and forgets it
// when the API refuses it (401: revoked, or expired early), so that the retry fetches a new one instead of
// presenting the refused one until its expiry.
type tokenSource struct {
	newSource func() oauth2.TokenSource

	mu         sync.Mutex
	src        oauth2.TokenSource
	generation int
}

func newTokenSource(newSource func() oauth2.TokenSource) *tokenSource {
	return &tokenSource{newSource: newSource, src: newSource()}
}

// token returns the current access token and the generation of the source it came from, for forget.
func (ts *tokenSource) token() (*oauth2.Token, int, error) {
	ts.mu.Lock()
	src, gen := ts.src, ts.generation
	ts.mu.Unlock()
	tok, err := src.Token()
	return tok, gen, err
}

// forget drops the cached token if it is still the one of generation gen; calls refused the same token at
// once start a single new source between them.
func (ts *tokenSource) forget(gen int) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if gen == ts.generation {
		ts.src = ts.newSource()
		ts.generation++
	}
}
