package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
)

// requestTimeout bounds one request; a soak at a fixed rate that waits longer has failed anyway.
const requestTimeout = 30 * time.Second

// apiClient sends the soak's requests to one Homekeep.
type apiClient struct {
	hc *http.Client
	// base is the server root (http://127.0.0.1:port); the API is under base + "/api".
	base string
}

func newAPIClient(base string, conns int) *apiClient {
	return &apiClient{base: base, hc: &http.Client{Timeout: requestTimeout, Transport: &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute, DisableCompression: true,
	}}}
}

func (c *apiClient) close() { c.hc.CloseIdleConnections() }

// call is one API request and the statuses that count as success.
type call struct {
	method, path string
	// token signs the request in; ip is sent as X-Forwarded-For (Homekeep trusts loopback proxies), so each
	// user's attempts are limited as one client's, as they would be in production.
	token, ip string
	// body is JSON unless contentType says otherwise.
	body        []byte
	contentType string
	header      http.Header
	want        []int
}

// statusError is an answer with a status the call did not want.
type statusError struct {
	method, path string
	status       int
	body         string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s %s: status %d: %s", e.method, e.path, e.status, e.body)
}

// answer is what the soak keeps of a response: its status, headers and body (read and closed by do).
type answer struct {
	status int
	header http.Header
	body   []byte
}

// do sends c and, when out is not nil and the answer has a body, decodes it into out.
func (c *apiClient) do(ctx context.Context, cl call, out any) (answer, error) {
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, c.base+"/api"+cl.path, body)
	if err != nil {
		return answer{}, fmt.Errorf("error building %s %s: %w", cl.method, cl.path, err)
	}
	for k, vs := range cl.header {
		req.Header[k] = vs
	}
	if cl.body != nil {
		ct := cl.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if cl.token != "" {
		req.Header.Set("Authorization", "Bearer "+cl.token)
	}
	if cl.ip != "" {
		req.Header.Set("X-Forwarded-For", cl.ip)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("error sending %s %s: %w", cl.method, cl.path, err)
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	ans := answer{status: resp.StatusCode, header: resp.Header, body: b}
	if err != nil {
		return ans, fmt.Errorf("error reading the answer to %s %s: %w", cl.method, cl.path, err)
	}
	want := cl.want
	if len(want) == 0 {
		want = []int{http.StatusOK}
	}
	if !slices.Contains(want, resp.StatusCode) {
		const n = 300
		if len(b) > n {
			b = b[:n]
		}
		return ans, &statusError{method: cl.method, path: cl.path, status: resp.StatusCode, body: string(b)}
	}
	if out != nil && len(b) > 0 && resp.StatusCode != http.StatusNotModified {
		if err := json.Unmarshal(b, out); err != nil {
			return ans, fmt.Errorf("error decoding the answer to %s %s: %w", cl.method, cl.path, err)
		}
	}
	return ans, nil
}

// jsonBody encodes v; the soak's bodies are maps and structs that always encode.
func jsonBody(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("soak: error encoding a request body: %v", err))
	}
	return b
}
