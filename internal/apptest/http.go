package apptest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apitest"
)

// Request is one JSON API call. Path is relative to /api.
type Request struct {
	Method, Path string
	// Token, when set, is sent as Authorization: Bearer <token>.
	Token string
	// Body is encoded as JSON unless it is a []byte or string, which are sent as they are.
	Body any
	// Invalid marks a request that deliberately breaks the spec (its response is still checked).
	Invalid bool
	Header  http.Header
}

// Response is a decoded answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test if it cannot.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("apptest: decoding %s as %T: %v", r.Body, v, err)
	}
}

// Err decodes the body as the spec's ApiError shape, failing the test if it is not one.
func (r Response) Err(t testing.TB) client.APIError {
	t.Helper()
	var e client.APIError
	r.JSON(t, &e)
	return e
}

// Do sends req through the contract-checking client.
func (i *Instance) Do(t testing.TB, req Request) Response {
	t.Helper()
	return i.do(t, i.Client, i.API, req)
}

// DoAdmin sends req to the admin API, Path relative to /api/admin, through a client that checks it against
// api/admin.yaml.
func (i *Instance) DoAdmin(t testing.TB, req Request) Response {
	t.Helper()
	return i.do(t, i.AdminClient, i.URL+"/api/admin", req)
}

func (i *Instance) do(t testing.TB, hc *http.Client, base string, req Request) Response {
	t.Helper()
	var body io.Reader
	switch b := req.Body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	case string:
		body = bytes.NewReader([]byte(b))
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("apptest: encoding body: %v", err)
		}
		body = bytes.NewReader(enc)
	}
	ctx := context.Background()
	if req.Invalid {
		ctx = apitest.WithInvalidRequest(ctx)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, base+req.Path, body)
	if err != nil {
		t.Fatalf("apptest: building request: %v", err)
	}
	for k, vs := range req.Header {
		hr.Header[k] = vs
	}
	if body != nil && hr.Header.Get("Content-Type") == "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if req.Token != "" {
		hr.Header.Set("Authorization", "Bearer "+req.Token)
	}
	resp, err := hc.Do(hr)
	if err != nil {
		t.Fatalf("apptest: %s %s: %v", req.Method, req.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("apptest: reading %s %s: %v", req.Method, req.Path, err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// UniqueEmail returns an address no other test uses.
func UniqueEmail() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "user-" + hex.EncodeToString(b) + "@example.com"
}

// TestPassword is the password Register uses.
const TestPassword = "correct horse battery"

// Account is a registered user.
type Account struct {
	ID    int64
	Email string
	Token string
}

// Register creates an account with a unique email and TestPassword, failing the test if it cannot.
func (i *Instance) Register(t testing.TB) Account {
	t.Helper()
	return i.register(t, client.OptString{})
}

// RegisterIn registers a new account that chose the timezone tz, so residences it creates or joins later do
// not change it (see users.timezone_set).
func (i *Instance) RegisterIn(t testing.TB, tz string) Account {
	t.Helper()
	return i.register(t, client.NewOptString(tz))
}

func (i *Instance) register(t testing.TB, tz client.OptString) Account {
	t.Helper()
	email := UniqueEmail()
	out, err := i.APIClient(t, "").Register(context.Background(), &client.RegisterRequest{
		Email: email, Password: TestPassword, FirstName: client.NewOptString("Test"), Timezone: tz})
	if err != nil {
		t.Fatalf("apptest: register: %v", err)
	}
	created, ok := out.(*client.AuthResponse)
	if !ok {
		t.Fatalf("apptest: register: got %T (%+v), want *client.AuthResponse", out, out)
	}
	return Account{ID: created.User.ID, Email: email, Token: created.Token}
}

// Expect sends req, fails the test unless the status is want, and decodes the body into a T, which is one
// of package client's types (they decode themselves with the generated decoders) or a slice of them. Test
// files build their small request helpers on it.
func Expect[T any](t testing.TB, i *Instance, req Request, want int) T {
	t.Helper()
	r := i.Do(t, req)
	if r.Status != want {
		t.Fatalf("apptest: %s %s: got status %d, want %d: %s", req.Method, req.Path, r.Status, want, r.Body)
	}
	var v T
	r.JSON(t, &v)
	return v
}
