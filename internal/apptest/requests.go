package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// Post is a JSON POST of body to path.
func Post(path string, body any) Request {
	return Request{Method: http.MethodPost, Path: path, Body: body}
}

// ForwardedFor is the header of a request that comes through a trusted proxy from ip.
func ForwardedFor(ip string) http.Header { return http.Header{"X-Forwarded-For": {ip}} }

// TryDo sends req without failing the test, so goroutines can use it.
func TryDo(inst *Instance, req Request) (Response, error) {
	var body io.Reader
	if req.Body != nil {
		b, err := json.Marshal(req.Body)
		if err != nil {
			return Response{}, err
		}
		body = bytes.NewReader(b)
	}
	hr, err := http.NewRequestWithContext(context.Background(), req.Method, inst.API+req.Path, body)
	if err != nil {
		return Response{}, err
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	hr.Header.Set("Authorization", "Bearer "+req.Token)
	resp, err := inst.Client.Do(hr)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, err
}

// RequireAPIError checks the status, the error code and, when given, that fields names field.
func RequireAPIError(t *testing.T, r Response, status int, code, field string) {
	t.Helper()
	require.Equal(t, status, r.Status, string(r.Body))
	e := r.Err(t)
	require.Equal(t, code, e.Error.Code, string(r.Body))
	if field != "" {
		require.Contains(t, e.Error.Fields.Value, field, string(r.Body))
	}
}
