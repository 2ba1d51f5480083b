package api_test

import (
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
)

// BenchmarkBoardNotModified measures a conditional board read whose client copy is current: one statement,
// the tag hashed from the rows, no board built or encoded, a 304.
func BenchmarkBoardNotModified(b *testing.B) {
	inst := apptest.Start(b, apptest.Options{})
	acct := inst.Register(b)
	for i := range 3 {
		var res client.Residence
		inst.Do(b, apptest.Request{Method: http.MethodPost, Path: "/residences", Token: acct.Token,
			Body: map[string]any{"name": fmt.Sprintf("Home %d", i)}}).JSON(b, &res)
		for j := range 20 {
			inst.Do(b, apptest.Request{Method: http.MethodPost, Path: "/tasks", Token: acct.Token, Body: map[string]any{
				"residence_id": res.ID, "title": fmt.Sprintf("Task %d", j), "template_id": j%40 + 1,
				"due_date": time.Now().AddDate(0, 0, j*7-30).Format("2006-01-02")}})
		}
	}
	etag := inst.Do(b, apptest.Request{Method: http.MethodGet, Path: "/tasks", Token: acct.Token}).Header.Get("ETag")
	httpClient := &http.Client{Timeout: 10 * time.Second} // not the contract-checking one: measure the server
	req, err := http.NewRequest(http.MethodGet, inst.API+"/tasks", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+acct.Token)
	req.Header.Set("If-None-Match", etag)
	get := func() {
		resp, err := httpClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotModified {
			b.Fatalf("status %d, want 304", resp.StatusCode)
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
