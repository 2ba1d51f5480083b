package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/jobs"
	"github.com/homekeep/homekeep/internal/testsmtp"
	"github.com/homekeep/homekeep/internal/testwait"
)

// traced is an instance whose spans go to an in-memory recorder.
type traced struct {
	inst *apptest.Instance
	rec  *tracetest.SpanRecorder
}

func startTraced(t *testing.T, o apptest.Options) traced {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	o.TracerProvider = tp
	return traced{inst: apptest.Start(t, o), rec: rec}
}

// requestTrace sends one request and returns its server span (named after the operation) and that span's
// children, once the server span has ended (ogen ends it after the answer is written).
func (tr traced) requestTrace(t *testing.T, req apptest.Request, op oas.OperationName) (apptest.Response, sdktrace.ReadOnlySpan, []sdktrace.ReadOnlySpan) {
	t.Helper()
	before := len(tr.rec.Ended())
	r := tr.inst.Do(t, req)
	var server sdktrace.ReadOnlySpan
	testwait.Until(t, 5*time.Second, func() bool {
		for _, s := range tr.rec.Ended()[before:] {
			if s.Name() == string(op) && s.SpanKind() == trace.SpanKindServer {
				server = s
				return true
			}
		}
		return false
	}, "no server span named %s", op)
	var children []sdktrace.ReadOnlySpan
	for _, s := range tr.rec.Ended() {
		if s.Parent().SpanID() == server.SpanContext().SpanID() {
			children = append(children, s)
		}
	}
	return r, server, children
}

func spanNames(spans []sdktrace.ReadOnlySpan) []string {
	names := make([]string, 0, len(spans))
	for _, s := range spans {
		names = append(names, s.Name())
	}
	slices.Sort(names)
	return names
}

func TestTracesNestRoundTripsUnderTheRequest(t *testing.T) {
	t.Parallel()

	// The account and its board are made on an untraced instance; the traced one shares the database, so
	// the token is new to it: its first read is cold. Without the built-board cache every board read runs its
	// statement (with it, a repeat read of an unchanged board may cost none).
	owner := apptest.Start(t, apptest.Options{NoSeed: true})
	acct := owner.Register(t)
	rid := apptest.CreateResidence(t, owner, acct, "Home")
	apptest.CreateTask(t, owner, acct, map[string]any{"residence_id": rid, "title": "Replace the HVAC filter"})
	tr := startTraced(t, apptest.Options{NoSeed: true, DatabaseURL: owner.DatabaseURL,
		Configure: func(c *config.Config) { c.BoardCacheSize = 0 }})
	board := apptest.Request{Method: http.MethodGet, Path: "/tasks", Token: acct.Token}

	r, server, children := tr.requestTrace(t, board, oas.GetBoardOperation)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, []string{"AuthTokenUser", "TaskBoardByToken"}, spanNames(children),
		"cold: the token's user and the board, each a span under the request")
	t.Logf("cold GET /api/tasks:\n%s", renderTrace(server, tr.rec.Ended()))
	for _, c := range children {
		require.Equal(t, trace.SpanKindClient, c.SpanKind(), c.Name())
		require.Equal(t, server.SpanContext().TraceID(), c.SpanContext().TraceID(), c.Name())
	}

	// Warm: the token and the user's residence ids are cached (their fills land in the background).
	apptest.Warm(t, tr.inst, acct.Token)
	testwait.Until(t, 5*time.Second, func() bool { return costOf(t, tr.inst, acct.Token, "/tasks").statements == 1 },
		"GET /tasks never became warm")
	before := tr.inst.Stmts.Snapshot()
	r, _, children = tr.requestTrace(t, board, oas.GetBoardOperation)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, []string{"TaskBoard"}, spanNames(children), "warm: the board's one statement")
	require.Equal(t, int64(1), tr.inst.Stmts.Statements(before), "the statement counter saw the same: %q",
		tr.inst.Stmts.Since(before))

	r, _, children = tr.requestTrace(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: acct.Token},
		oas.GetMeOperation)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Empty(t, spanNames(children), "warm GET /auth/me: no round trip, so no child span")

	// An error answer carries the request id (X-Request-Id, as every answer does), which its log line names
	// next to the trace id.
	r, server, _ = tr.requestTrace(t, apptest.Request{Method: http.MethodGet, Path: "/tasks", Token: "not-a-token"},
		oas.GetBoardOperation)
	require.Equal(t, http.StatusUnauthorized, r.Status, string(r.Body))
	require.NotEmpty(t, r.Header.Get("X-Request-Id"), "the error answer names its request")
	require.True(t, server.SpanContext().IsValid())
}

func TestTracesLinkAJobToTheRequestThatQueuedIt(t *testing.T) {
	t.Parallel()
	smtp := testsmtp.Start(t)
	tr := startTraced(t, apptest.Options{NoSeed: true, Configure: apptest.WithSMTP(smtp)})
	email := apptest.UniqueEmail()

	// Registering queues the verification email's job in the same statement that creates the account.
	r, server, children := tr.requestTrace(t, apptest.Post("/auth/register",
		map[string]any{"email": email, "password": apptest.TestPassword}), oas.RegisterOperation)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	require.Contains(t, spanNames(children), "UserRegister")
	smtp.Next(t, email)

	var job sdktrace.ReadOnlySpan
	testwait.Until(t, 5*time.Second, func() bool {
		for _, s := range tr.rec.Ended() {
			if s.Name() == "river.work/"+jobs.KindEmailCode {
				job = s
				return true
			}
		}
		return false
	}, "the job's span never ended")
	require.Equal(t, trace.SpanKindConsumer, job.SpanKind())
	require.Len(t, job.Links(), 1, "the job links to the request that queued it")
	require.Equal(t, server.SpanContext().TraceID(), job.Links()[0].SpanContext.TraceID())
	require.Equal(t, server.SpanContext().SpanID(), job.Links()[0].SpanContext.SpanID())
	// The job's own statements nest under the job's span.
	var jobSQL []sdktrace.ReadOnlySpan
	for _, s := range tr.rec.Ended() {
		if s.Parent().SpanID() == job.SpanContext().SpanID() {
			jobSQL = append(jobSQL, s)
		}
	}
	require.NotEmpty(t, jobSQL, "the job's statements are spans under it")
	t.Logf("POST /api/auth/register:\n%s\nits job, linked to trace %s:\n%s", renderTrace(server, tr.rec.Ended()),
		job.Links()[0].SpanContext.TraceID(), renderTrace(job, tr.rec.Ended()))
}

// renderTrace draws root and its descendants among spans as an indented tree with each span's offset from
// the root's start and its duration (the README shows one captured this way: go test -v -run TestTraces).
func renderTrace(root sdktrace.ReadOnlySpan, spans []sdktrace.ReadOnlySpan) string {
	var sb strings.Builder
	var walk func(s sdktrace.ReadOnlySpan, depth int)
	walk = func(s sdktrace.ReadOnlySpan, depth int) {
		fmt.Fprintf(&sb, "%-44s %8s %9s  %s\n", strings.Repeat("  ", depth)+s.Name(),
			"+"+s.StartTime().Sub(root.StartTime()).Round(10*time.Microsecond).String(),
			s.EndTime().Sub(s.StartTime()).Round(10*time.Microsecond).String(), strings.ToLower(s.SpanKind().String()))
		for _, c := range spans {
			if c.Parent().SpanID() == s.SpanContext().SpanID() {
				walk(c, depth+1)
			}
		}
	}
	walk(root, 0)
	return sb.String()
}

func TestTracesShowValkeyRoundTripsButNotCacheHits(t *testing.T) {
	t.Parallel()
	url, prefix := apptest.SharedValkey(t)
	tr := startTraced(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix})
	acct := tr.inst.Register(t)
	me := apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: acct.Token}

	// Warm: the token and the user are read from process memory (the client-side cache and the in-process
	// tier): no child span, and the client-side cache hit is an event on the request's span.
	apptest.Warm(t, tr.inst, acct.Token)
	r, server, children := tr.requestTrace(t, me, oas.GetMeOperation)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Empty(t, spanNames(children), "warm: no round trip, no span")
	require.True(t, slices.ContainsFunc(server.Events(), func(e sdktrace.Event) bool {
		return e.Name == "valkey client-side cache hit"
	}), "the cache hit is an event on the request's span: %v", server.Events())

	// The token's key gone from Valkey: its read goes to Valkey (a span), then to PostgreSQL.
	var names []string
	whileForgotten(t, tr.inst, prefix, acct.Token, func() []string {
		before := tr.inst.Stmts.Snapshot()
		_, _, children = tr.requestTrace(t, me, oas.GetMeOperation)
		names = spanNames(children)
		return tr.inst.Stmts.Since(before)
	})
	require.Contains(t, names, "GET", "the token's read went to Valkey: %q", names)
	require.Contains(t, names, "AuthTokenUser", "then to PostgreSQL: %q", names)
}
