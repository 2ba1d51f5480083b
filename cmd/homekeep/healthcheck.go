package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

const healthcheckSynopsis = `healthcheck [--url URL]

Asks a running "homekeep serve" whether it may take traffic (GET /readyz) and exits 0 when it answers 2xx,
1 otherwise. It exists for container health checks: the image has no shell, curl or wget. Without --url it
asks http://127.0.0.1:<port of HTTP_ADDR>/readyz.`

// healthcheckTimeout bounds the whole check; a container engine kills a check that hangs anyway, but then
// reports no reason.
const healthcheckTimeout = 5 * time.Second

// healthcheckCmd GETs the readiness endpoint of the server in the same container.
func healthcheckCmd(ctx context.Context, args []string, env lookupFunc, stdout, stderr io.Writer) error {
	fs := newFlagSet("healthcheck", healthcheckSynopsis, stdout, stderr)
	target := fs.String("url", "", "URL to GET (default: /readyz on HTTP_ADDR's port at 127.0.0.1)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	if *target == "" {
		addr, ok := env("HTTP_ADDR")
		if !ok || addr == "" {
			addr = ":8080"
		}
		u, err := readyzURL(addr)
		if err != nil {
			return err
		}
		*target = u
	}

	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *target, nil)
	if err != nil {
		return fmt.Errorf("error building the health check request for %s: %w", *target, err)
	}
	// One request per process: no keep-alive, so nothing outlives the command.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, Proxy: http.ProxyFromEnvironment}}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req) //nolint:gosec // G704: the operator names the URL
	if err != nil {
		return fmt.Errorf("error asking %s: %w", *target, err)
	}
	defer func() { _ = resp.Body.Close() }() // a read-only body: nothing to learn from closing it
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s answered %s: %s", *target, resp.Status, body)
	}
	fmt.Fprintf(stdout, "%s answered %s: %s", *target, resp.Status, body)
	return nil
}

// readyzURL turns a listen address (":8080", "0.0.0.0:8080", "[::]:8080", "10.0.0.5:8080") into the URL of
// its /readyz as seen from the same machine: an unspecified host becomes 127.0.0.1.
func readyzURL(listenAddr string) (string, error) {
	host, port, err := net.SplitHostPort(listenAddr)
	if err != nil {
		return "", fmt.Errorf("HTTP_ADDR %q: want host:port such as :8080", listenAddr)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/readyz", nil
}
