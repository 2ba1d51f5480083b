package api_test

import (
	"fmt"
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
	benchRequest(b, inst, acct.Token, "/tasks", http.Header{"If-None-Match": {etag}}, http.StatusNotModified)
}
