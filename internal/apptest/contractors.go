package apptest

import (
	"net/http"
	"testing"

	"github.com/homekeep/homekeep/client"
)

// CreateContractor creates a contractor from body as acct and returns it.
func CreateContractor(t *testing.T, inst *Instance, acct Account, body map[string]any) client.Contractor {
	t.Helper()
	return Expect[client.Contractor](t, inst, Request{Method: http.MethodPost, Path: "/contractors", Token: acct.Token, Body: body}, http.StatusCreated)
}
