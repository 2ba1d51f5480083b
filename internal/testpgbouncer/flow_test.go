package testpgbouncer_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/testpgbouncer"
)

// cost is what one request sent to PostgreSQL.
type cost struct {
	Statements, RoundTrips, Sequential int64
}

// household is the state a flow builds up, step by step.
type household struct {
	owner, member     apptest.Account
	residence, taskID int64
	code              string
}

// flowStep is one request of the household flow, checked by its own assertions.
type flowStep struct {
	name string
	do   func(t *testing.T, inst *apptest.Instance, h *household)
}

// householdFlow is a representative end-to-end flow: every operation group a household touches in its
// first minutes, and an admin signing in. Each step is one request, so its cost is that request's.
var householdFlow = []flowStep{
	{"Register", func(t *testing.T, inst *apptest.Instance, h *household) { h.owner = inst.Register(t) }},
	{"RegisterMember", func(t *testing.T, inst *apptest.Instance, h *household) { h.member = inst.Register(t) }},
	{"Me", func(t *testing.T, inst *apptest.Instance, h *household) {
		require.Equal(t, http.StatusOK, apptest.Me(t, inst, h.owner.Token).Status)
	}},
	{"CreateResidence", func(t *testing.T, inst *apptest.Instance, h *household) {
		h.residence = apptest.CreateResidence(t, inst, h.owner, "Home")
	}},
	{"ShareCode", func(t *testing.T, inst *apptest.Instance, h *household) {
		h.code = apptest.ShareCode(t, inst, h.owner, h.residence, "editor")
	}},
	{"Join", func(t *testing.T, inst *apptest.Instance, h *household) { apptest.Join(t, inst, h.member, h.code) }},
	{"CreateTask", func(t *testing.T, inst *apptest.Instance, h *household) {
		h.taskID = apptest.CreateTask(t, inst, h.owner, map[string]any{"residence_id": h.residence, "title": "Clean gutters"})
	}},
	{"BoardFirst", func(t *testing.T, inst *apptest.Instance, h *household) {
		b := apptest.Expect[client.Board](t, inst, apptest.Request{Method: http.MethodGet, Path: "/tasks", Token: h.owner.Token}, http.StatusOK)
		require.NotEmpty(t, apptest.ColumnOf(b, h.taskID))
	}},
	{"BoardByMember", func(t *testing.T, inst *apptest.Instance, h *household) {
		b := apptest.ResidenceBoard(t, inst, h.member, h.residence)
		require.NotEmpty(t, apptest.ColumnOf(b, h.taskID))
	}},
	{"GetTask", func(t *testing.T, inst *apptest.Instance, h *household) {
		require.Equal(t, "Clean gutters", apptest.GetTask(t, inst, h.member, h.taskID).Title)
	}},
	{"Complete", func(t *testing.T, inst *apptest.Instance, h *household) {
		apptest.CompleteTask(t, inst, h.member, h.taskID, nil)
	}},
	{"ListCompletions", func(t *testing.T, inst *apptest.Instance, h *household) {
		require.Len(t, apptest.ListCompletions(t, inst, h.owner, h.taskID), 1)
	}},
	{"BoardAfterCompletion", func(t *testing.T, inst *apptest.Instance, h *household) {
		apptest.Expect[client.Board](t, inst, apptest.Request{Method: http.MethodGet, Path: "/tasks", Token: h.owner.Token}, http.StatusOK)
	}},
	{"Upload", func(t *testing.T, inst *apptest.Instance, h *household) {
		apptest.Upload(t, inst, h.owner, h.residence, apptest.FilePart{Name: "manual.pdf", ContentType: "application/pdf", Content: apptest.TestPDF})
	}},
	{"ListDocuments", func(t *testing.T, inst *apptest.Instance, h *household) {
		require.Len(t, apptest.ListDocuments(t, inst, h.member, fmt.Sprintf("?residence_id=%d", h.residence)), 1)
	}},
	{"ListResidences", func(t *testing.T, inst *apptest.Instance, h *household) {
		apptest.Expect[[]client.Residence](t, inst, apptest.Request{Method: http.MethodGet, Path: "/residences", Token: h.member.Token}, http.StatusOK)
	}},
	{"AdminLogin", func(t *testing.T, inst *apptest.Instance, _ *household) {
		a := inst.SignInAdmin(t, "viewer")
		require.NotEmpty(t, a.Token)
	}},
}

// runFlow runs householdFlow on inst and returns each step's cost and the household it built.
func runFlow(t *testing.T, inst *apptest.Instance) (map[string]cost, *household) {
	t.Helper()
	h := &household{}
	costs := map[string]cost{}
	for _, s := range householdFlow {
		before := inst.Stmts.Snapshot()
		s.do(t, inst, h)
		costs[s.name] = cost{Statements: inst.Stmts.Statements(before), RoundTrips: inst.Stmts.RoundTrips(before),
			Sequential: inst.Stmts.Sequential(before)}
	}
	return costs, h
}

// TestHouseholdFlowThroughPgBouncer runs a household's first requests against an instance behind a real
// PgBouncer in transaction mode (DB_POOLER=pgbouncer-transaction) and against one talking to PostgreSQL
// directly, and requires every request to pass and to cost the same statements and round trips both ways.
func TestHouseholdFlowThroughPgBouncer(t *testing.T) {
	t.Parallel()
	pb := testpgbouncer.Start(t, testpgbouncer.Options{PoolSize: 4})
	t.Logf("through %s", pb.Version)

	direct := apptest.Start(t, apptest.Options{Configure: func(c *config.Config) {
		c.DBPooler = config.PoolerNone
	}})
	pooled := apptest.Start(t, apptest.Options{Configure: func(c *config.Config) {
		c.DatabaseURL = pb.URL(t, c.DatabaseURL)
		c.DBPooler = config.PoolerPgBouncerTransaction
	}})

	directCosts, _ := runFlow(t, direct)
	pooledCosts, _ := runFlow(t, pooled)
	for _, s := range householdFlow {
		t.Logf("%-22s %+v", s.name, pooledCosts[s.name])
		require.Equal(t, directCosts[s.name], pooledCosts[s.name], "%s costs the same through PgBouncer as directly", s.name)
		require.Positive(t, pooledCosts[s.name].RoundTrips+boolInt(s.name == "Me"), "%s went to PostgreSQL", s.name)
	}
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
