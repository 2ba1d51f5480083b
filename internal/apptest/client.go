package apptest

import (
	"testing"

	"github.com/homekeep/homekeep/client"
)

// APIClient returns the public Go client (package client) for this instance, authenticated with token (empty
// for none). It sends through i.Client, so every request and response is still checked against the spec;
// tests that call the API as a Go user would use it, and decode what they send by hand into the same types.
func (i *Instance) APIClient(t testing.TB, token string) *client.Client {
	t.Helper()
	c, err := client.NewClient(i.API, client.BearerToken(token), client.WithClient(i.Client))
	if err != nil {
		t.Fatalf("apptest: building the API client: %v", err)
	}
	return c
}
