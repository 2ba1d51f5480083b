package api_test

import (
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/homekeep/homekeep/internal/apptest"
)

// benchGet measures one authenticated GET end to end through a real server, reporting SQL statements per
// request next to time and allocations. Run with `make bench`.
func benchGet(b *testing.B, inst *apptest.Instance, token, path string) {
	b.Helper()
	benchRequest(b, inst, token, path, nil, http.StatusOK)
}

// benchRequest is benchGet with extra request headers and the status every answer must have.
func benchRequest(b *testing.B, inst *apptest.Instance, token, path string, header http.Header, want int) {
	b.Helper()
	client := &http.Client{Timeout: 10 * time.Second} // not the contract-checking one: measure the server
	req, err := http.NewRequest(http.MethodGet, inst.API+path, nil)
	if err != nil {
		b.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+token)
	get := func() {
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			b.Fatalf("status %d, want %d", resp.StatusCode, want)
		}
	}
	for range 5 {
		get() // warm the caches and the connection
	}
	before := inst.Stmts.Snapshot()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		get()
	}
	b.StopTimer()
	b.ReportMetric(float64(inst.Stmts.RoundTrips(before))/float64(b.N), "sql/op")
}

func BenchmarkGetMeWarm(b *testing.B) {
	inst := apptest.Start(b, apptest.Options{NoSeed: true})
	acct := inst.Register(b)
	benchGet(b, inst, acct.Token, "/auth/me")
}

func BenchmarkResidencesWarm(b *testing.B) {
	inst := apptest.Start(b, apptest.Options{NoSeed: true})
	acct := inst.Register(b)
	for i := range 3 {
		inst.Do(b, apptest.Request{Method: http.MethodPost, Path: "/residences", Token: acct.Token,
			Body: map[string]any{"name": fmt.Sprintf("Home %d", i)}})
	}
	benchGet(b, inst, acct.Token, "/residences")
}

func BenchmarkStaticDataWarm(b *testing.B) {
	inst := apptest.Start(b, apptest.Options{})
	acct := inst.Register(b)
	benchGet(b, inst, acct.Token, "/static-data")
}
