package subscriptions_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/refcache"
	"github.com/homekeep/homekeep/internal/service"
)

// limitsWorld is an instance whose operator turned limitations on (one database of its own, since the
// switch is global).
func limitsWorld(t *testing.T) *apptest.Instance {
	t.Helper()
	inst := apptest.Start(t, apptest.Options{})
	apptest.DBExec(t, inst, `UPDATE app_settings SET limitations_enabled = true`)
	return inst
}

// create sends one create of resource in residence (0: none) as acct and returns the status and body.
func create(t *testing.T, inst *apptest.Instance, acct apptest.Account, resource string, residence int64, n int) apptest.Response {
	t.Helper()
	var req apptest.Request
	switch resource {
	case "residences":
		req = apptest.Request{Method: http.MethodPost, Path: "/residences", Body: map[string]any{"name": fmt.Sprintf("Home %d", n)}}
	case "tasks":
		req = apptest.Request{Method: http.MethodPost, Path: "/tasks", Body: map[string]any{"residence_id": residence, "title": fmt.Sprintf("Task %d", n)}}
	case "contractors":
		body := map[string]any{"name": fmt.Sprintf("Contractor %d", n)}
		if residence != 0 {
			body["residence_id"] = residence
		}
		req = apptest.Request{Method: http.MethodPost, Path: "/contractors", Body: body}
	case "documents":
		req = apptest.Request{Method: http.MethodPost, Path: "/documents", Body: map[string]any{"residence_id": residence, "title": fmt.Sprintf("Doc %d", n)}}
	}
	req.Token = acct.Token
	return inst.Do(t, req)
}

// requireLimitReached checks a limit_reached answer names resource, its limit and usage, and a trigger.
func requireLimitReached(t *testing.T, r apptest.Response, resource string, limit int64, usage ...int64) {
	t.Helper()
	require.Equal(t, http.StatusForbidden, r.Status, string(r.Body))
	var e client.APIError
	r.JSON(t, &e)
	require.Equal(t, "limit_reached", e.Error.Code)
	l, ok := e.Error.Limit.Get()
	require.True(t, ok, "names the limit: %s", r.Body)
	require.Equal(t, client.LimitedResource(resource), l.Resource)
	require.Equal(t, limit, l.Limit)
	want := limit
	if len(usage) > 0 {
		want = usage[0]
	}
	require.Equal(t, want, l.Usage)
	require.Equal(t, client.LimitedResource(resource), l.UpgradeTrigger.Key)
	require.NotEmpty(t, l.UpgradeTrigger.Title)
}

func TestLimits(t *testing.T) {
	t.Parallel()
	inst := limitsWorld(t)

	t.Run("EachLimitHoldsAtItsBoundary", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			resource string
			limit    int
			inHome   bool
		}{
			{"residences", 1, false}, {"tasks", 10, true}, {"contractors", 5, true}, {"contractors", 5, false}, {"documents", 5, true},
		} {
			t.Run(fmt.Sprintf("%s%v", tc.resource, tc.inHome), func(t *testing.T) {
				t.Parallel()
				owner := inst.Register(t)
				var home int64
				start := 0
				if tc.inHome || tc.resource == "residences" {
					home = apptest.CreateResidence(t, inst, owner, "Home")
					if tc.resource == "residences" {
						start = 1
					}
				}
				if !tc.inHome {
					home = 0
				}
				for i := start; i < tc.limit; i++ {
					r := create(t, inst, owner, tc.resource, home, i)
					require.Equal(t, http.StatusCreated, r.Status, "%d: %s", i, r.Body)
				}
				requireLimitReached(t, create(t, inst, owner, tc.resource, home, tc.limit), tc.resource, int64(tc.limit))
			})
		}
	})

	t.Run("TheResidenceOwnersTierDecidesForItsMembers", func(t *testing.T) {
		t.Parallel()
		owner, member := inst.Register(t), inst.Register(t)
		home := apptest.CreateResidence(t, inst, owner, "Pro home")
		apptest.Join(t, inst, member, apptest.ShareCode(t, inst, owner, home, "editor"))
		apptest.DBExec(t, inst, `INSERT INTO subscriptions (user_id, tier, source) VALUES ($1, 'pro', 'admin')`, owner.ID)
		for i := range 12 {
			require.Equal(t, http.StatusCreated, create(t, inst, member, "tasks", home, i).Status, "a free member in a pro home")
		}
		mine := apptest.CreateResidence(t, inst, member, "Member's own")
		for i := range 10 {
			require.Equal(t, http.StatusCreated, create(t, inst, member, "tasks", mine, i).Status)
		}
		requireLimitReached(t, create(t, inst, member, "tasks", mine, 10), "tasks", 10) // the member's own home is free
	})

	t.Run("AnEndedSubscriptionIsFreeOnTheNextRequest", func(t *testing.T) {
		t.Parallel()
		owner := inst.Register(t)
		apptest.CreateResidence(t, inst, owner, "First")
		apptest.DBExec(t, inst, `INSERT INTO subscriptions (user_id, tier, source, entitled_until) VALUES ($1, 'pro', 'store', $2)`,
			owner.ID, time.Now().Add(time.Hour))
		require.Equal(t, http.StatusCreated, create(t, inst, owner, "residences", 0, 2).Status, "pro")
		apptest.DBExec(t, inst, `UPDATE subscriptions SET entitled_until = now() - interval '1 second' WHERE user_id = $1`, owner.ID)
		requireLimitReached(t, create(t, inst, owner, "residences", 0, 3), "residences", 1, 2)
	})

	t.Run("ViewersAndStrangersAreRefusedForThatNotTheLimit", func(t *testing.T) {
		t.Parallel()
		h := apptest.NewHousehold(t, inst)
		for i := range 10 {
			require.Equal(t, http.StatusCreated, create(t, inst, h.Owner, "tasks", h.ResidenceID, i).Status)
		}
		r := create(t, inst, h.Viewer, "tasks", h.ResidenceID, 11)
		apptest.RequireAPIError(t, r, http.StatusForbidden, "forbidden", "")
		r = create(t, inst, h.Stranger, "tasks", h.ResidenceID, 11)
		require.Equal(t, http.StatusNotFound, r.Status, "a stranger learns nothing of the residence: %s", r.Body)
	})
}

// TestLimitsHoldUnderConcurrency: twenty creates at once, one below the limit, let exactly one through, for
// each limited resource.
func TestLimitsHoldUnderConcurrency(t *testing.T) {
	t.Parallel()
	inst := limitsWorld(t)
	for _, tc := range []struct {
		resource string
		limit    int
		inHome   bool
	}{
		{"residences", 1, false}, {"tasks", 10, true}, {"contractors", 5, true}, {"contractors", 5, false}, {"documents", 5, true},
	} {
		t.Run(fmt.Sprintf("%s%v", tc.resource, tc.inHome), func(t *testing.T) {
			owner := inst.Register(t)
			var home int64
			if tc.inHome {
				home = apptest.CreateResidence(t, inst, owner, "Home")
				for i := range tc.limit - 1 {
					require.Equal(t, http.StatusCreated, create(t, inst, owner, tc.resource, home, i).Status)
				}
			} else if tc.resource == "contractors" {
				for i := range tc.limit - 1 {
					require.Equal(t, http.StatusCreated, create(t, inst, owner, tc.resource, 0, i).Status)
				}
			}
			statuses := make(chan int, 20)
			var wg sync.WaitGroup
			for i := range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					statuses <- create(t, inst, owner, tc.resource, home, 100+i).Status
				}()
			}
			wg.Wait()
			close(statuses)
			count := map[int]int{}
			for s := range statuses {
				count[s]++
			}
			require.Equal(t, map[int]int{http.StatusCreated: 1, http.StatusForbidden: 19}, count)
		})
	}
}

func TestGetSubscription(t *testing.T) {
	t.Parallel()
	url, prefix := apptest.SharedValkey(t)
	inst := apptest.Start(t, apptest.Options{ValkeyURL: url, KeyPrefix: prefix})
	owner := inst.Register(t)
	home := apptest.CreateResidence(t, inst, owner, "Home")
	apptest.CreateTask(t, inst, owner, map[string]any{"residence_id": home, "title": "Gutters"})
	get := func() client.Subscription {
		return apptest.Expect[client.Subscription](t, inst, apptest.Request{Method: http.MethodGet, Path: "/subscription",
			Token: owner.Token}, http.StatusOK)
	}
	s := get()
	require.Equal(t, client.SubscriptionTierFree, s.Tier)
	require.Equal(t, client.SubscriptionSourceNone, s.Source)
	require.False(t, s.LimitationsEnabled, "off by default")
	require.Equal(t, client.NewNilInt64(10), s.Limits.Tasks)
	require.True(t, s.Limits.FileBytes.Null, "unlimited")
	require.EqualValues(t, 1, s.Usage.Residences)
	require.Equal(t, []client.ResidenceUsage{{ResidenceID: home, Tasks: 1}}, s.Usage.ByResidence)
	require.Len(t, s.UpgradeTriggers, 5)
	require.NotEmpty(t, s.Features)

	apptest.DBExec(t, inst, `UPDATE app_settings SET limitations_enabled = true`)
	apptest.DBExec(t, inst, `UPDATE upgrade_triggers SET title = 'Changed' WHERE key = 'tasks'`)
	apptest.DBExec(t, inst, `INSERT INTO subscriptions (user_id, tier, source, entitled_until) VALUES ($1, 'pro', 'admin', '2999-01-01Z')`, owner.ID)
	s = get()
	require.False(t, s.LimitationsEnabled, "the paywall document is cached: a change made behind the server's back waits")
	require.Equal(t, client.SubscriptionTierPro, s.Tier, "the caller's own part is read each time")
	paywall := refcache.New(inst.Valkey, prefix, service.PaywallKey)
	defer paywall.Close()
	require.NoError(t, paywall.Invalidate(t.Context()), "what every change of it does")
	s = get()
	require.True(t, s.LimitationsEnabled, "an operator's change shows on the next request")
	require.Equal(t, client.SubscriptionTierPro, s.Tier)
	require.True(t, s.Limits.Tasks.Null)
	titles := map[client.LimitedResource]string{}
	for _, g := range s.UpgradeTriggers {
		titles[g.Key] = g.Title
	}
	require.Equal(t, "Changed", titles[client.LimitedResourceTasks])
	require.Equal(t, s.AppAccountID, get().AppAccountID, "stable")
}

// TestStoredFileBytesLimit: uploads and replacements count their bytes against the residence owner's limit,
// a replacement only by how much larger it is.
func TestStoredFileBytesLimit(t *testing.T) {
	t.Parallel()
	inst := limitsWorld(t)
	apptest.DBExec(t, inst, `UPDATE subscription_tiers SET max_file_bytes = 4000 WHERE tier = 'free'`)
	owner := inst.Register(t)
	home := apptest.CreateResidence(t, inst, owner, "Home")
	pdf := func(size int) *apptest.FilePart {
		return &apptest.FilePart{Name: "f.pdf", ContentType: "application/pdf",
			Content: append(append([]byte{}, apptest.TestPDF...), make([]byte, size-len(apptest.TestPDF))...)}
	}
	upload := func(size int) apptest.Response {
		return apptest.SendMultipart(t, inst, http.MethodPost, "/documents", owner.Token,
			map[string]string{"residence_id": fmt.Sprint(home), "title": "Manual", "type": "manual"}, pdf(size))
	}
	first := upload(2500)
	require.Equal(t, http.StatusCreated, first.Status, string(first.Body))
	var doc client.Document
	first.JSON(t, &doc)
	r := upload(2000)
	require.Equal(t, http.StatusForbidden, r.Status, string(r.Body))
	var e client.APIError
	r.JSON(t, &e)
	l, _ := e.Error.Limit.Get()
	require.Equal(t, client.LimitedResourceFileBytes, l.Resource)
	require.EqualValues(t, 4000, l.Limit)
	require.EqualValues(t, 4500, l.Usage, "stored plus the file being uploaded")

	replace := func(size int) apptest.Response {
		return apptest.SendMultipart(t, inst, http.MethodPut, fmt.Sprintf("/documents/%d/file", doc.ID), owner.Token, nil, pdf(size))
	}
	require.Equal(t, http.StatusOK, replace(3900).Status, "larger, but within the limit once the old file goes")
	r = replace(4100)
	require.Equal(t, http.StatusForbidden, r.Status, string(r.Body))
	r.JSON(t, &e)
	require.Equal(t, "limit_reached", e.Error.Code)
	s := apptest.Expect[client.Subscription](t, inst, apptest.Request{Method: http.MethodGet, Path: "/subscription",
		Token: owner.Token}, http.StatusOK)
	require.EqualValues(t, 3900, s.Usage.ByResidence[0].FileBytes, "the refused file is not counted")
}

// TestALimitChangeAppliesInEveryProcessOnItsNextRequest: the limits are read by each create's statement, not
// cached, so an operator's change to a tier reaches two processes at once.
func TestALimitChangeAppliesInEveryProcessOnItsNextRequest(t *testing.T) {
	t.Parallel()
	a := limitsWorld(t)
	b := apptest.Start(t, apptest.Options{DatabaseURL: a.DatabaseURL, NoSeed: true})
	owner := a.Register(t)
	home := apptest.CreateResidence(t, a, owner, "Home")
	for i := range 10 {
		require.Equal(t, http.StatusCreated, create(t, b, owner, "tasks", home, i).Status)
	}
	requireLimitReached(t, create(t, a, owner, "tasks", home, 10), "tasks", 10)
	apptest.DBExec(t, a, `UPDATE subscription_tiers SET max_tasks = 11 WHERE tier = 'free'`)
	require.Equal(t, http.StatusCreated, create(t, b, owner, "tasks", home, 10).Status, "process b, at once")
	requireLimitReached(t, create(t, a, owner, "tasks", home, 11), "tasks", 11)
	apptest.DBExec(t, a, `UPDATE app_settings SET limitations_enabled = false`)
	require.Equal(t, http.StatusCreated, create(t, a, owner, "tasks", home, 11).Status, "limitations off: unlimited")
	require.Equal(t, http.StatusCreated, create(t, b, owner, "tasks", home, 12).Status)
}
