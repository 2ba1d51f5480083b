package residences_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
)

// TestConcurrentShareCodesAllSucceed issues share codes for one residence from several requests at once, as
// an owner tapping "share" on two devices does: each request gets its code, and afterwards exactly one of
// those codes lets people join (the spec: a new code replaces the previous one). Found by the conformance
// walk (internal/app/api/conformance_test.go), whose valid share-code requests once ran side by side.
func TestConcurrentShareCodesAllSucceed(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	owner := inst.Register(t)
	rid := apptest.CreateResidence(t, inst, owner, "Shared at once")
	issueCodeOK(t, inst, owner.Token, rid, map[string]any{"role": "viewer"}) // a code to replace

	const n = 6
	answers := make([]apptest.Response, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			answers[i], errs[i] = apptest.TryDo(inst, apptest.Request{Method: http.MethodPost,
				Path: fmt.Sprintf("/residences/%d/share-code", rid), Token: owner.Token, Body: map[string]any{}})
		})
	}
	wg.Wait()

	joined := 0
	for i, r := range answers {
		require.NoError(t, errs[i])
		require.Equal(t, http.StatusCreated, r.Status, "request %d: %s", i, r.Body)
		var sc client.ShareCode
		r.JSON(t, &sc)
		if tryJoin(t, inst, inst.Register(t).Token, sc.Code, nil).Status == http.StatusOK {
			joined++
		}
	}
	require.Equal(t, 1, joined, "exactly one of the codes issued at once is the residence's live code")
}
