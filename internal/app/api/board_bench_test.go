package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
)

// boardBenchInstance starts an instance with a board like the bench's: 60 tasks over 3 residences, and
// returns it with the account whose board it is. o configures the instance.
func boardBenchInstance(b *testing.B, o apptest.Options) (*apptest.Instance, apptest.Account) {
	b.Helper()
	inst := apptest.Start(b, o)
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
	return inst, acct
}

// boardBenchModes are the two places board versions live: in process (no Valkey) and in Valkey, read
// through the client-side cache (warm, no round trip either way).
func boardBenchModes(b *testing.B, run func(b *testing.B, o apptest.Options)) {
	b.Run("InProcess", func(b *testing.B) { run(b, apptest.Options{}) })
	b.Run("Valkey", func(b *testing.B) {
		url, prefix := apptest.SharedValkey(b)
		run(b, apptest.Options{ValkeyURL: url, KeyPrefix: prefix})
	})
}

// BenchmarkBoardNotModified measures a conditional board read whose client copy is current: its ETag comes
// from the residences' versions, so it is answered 304 with no statement, no Valkey round trip and no
// board built.
func BenchmarkBoardNotModified(b *testing.B) {
	boardBenchModes(b, func(b *testing.B, o apptest.Options) {
		inst, acct := boardBenchInstance(b, o)
		etag := inst.Do(b, apptest.Request{Method: http.MethodGet, Path: "/tasks", Token: acct.Token}).Header.Get("ETag")
		benchRequest(b, inst, acct.Token, "/tasks", http.Header{"If-None-Match": {etag}}, http.StatusNotModified)
	})
}

// BenchmarkBoardCached measures an unconditional board read of a board built before under the same
// versions: served from the in-process board cache, encoded by ogen, no statement.
func BenchmarkBoardCached(b *testing.B) {
	boardBenchModes(b, func(b *testing.B, o apptest.Options) {
		inst, acct := boardBenchInstance(b, o)
		benchGet(b, inst, acct.Token, "/tasks")
	})
}

// BenchmarkBoard measures an unconditional board read that runs the board statement: the board cache is
// off, so every request reads, lays out and encodes the board (what a changed board costs).
func BenchmarkBoard(b *testing.B) {
	inst, acct := boardBenchInstance(b, apptest.Options{Configure: func(c *config.Config) { c.BoardCacheSize = 0 }})
	benchGet(b, inst, acct.Token, "/tasks")
}
