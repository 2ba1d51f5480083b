package metrics_test

import (
	"net"
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/jobs"
	"github.com/homekeep/homekeep/internal/push"
	"github.com/homekeep/homekeep/internal/push/pushtest"
	"github.com/homekeep/homekeep/internal/testsmtp"
	"github.com/homekeep/homekeep/internal/testwait"
)

// scrape reads url's metrics and parses them with Prometheus' own text parser, failing the test on anything
// a Prometheus server would refuse.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	// /metrics is not part of either OpenAPI spec, so it is fetched with a plain client.
	resp, err := http.Get(url) //nolint:noctx // a test's scrape
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	require.NoError(t, err)
	return families
}

// series returns the metric of family name whose labels include want, failing the test if there is none.
func series(t *testing.T, families map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	t.Helper()
	_, ok := families[name]
	require.True(t, ok, "no family %s", name)
	m := findSeries(families, name, want)
	require.NotNil(t, m, "%s has no series with labels %v", name, want)
	return m
}

// findSeries returns the metric of family name whose labels include want, or nil.
func findSeries(families map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	for _, m := range families[name].GetMetric() {
		if hasLabels(m, want) {
			return m
		}
	}
	return nil
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	matched := 0
	for _, l := range m.GetLabel() {
		if v, ok := want[l.GetName()]; ok && v == l.GetValue() {
			matched++
		}
	}
	return matched == len(want)
}

func TestMetrics(t *testing.T) {
	t.Parallel()

	t.Run("ExposesTrafficPoolAndBuild", func(t *testing.T) {
		t.Parallel()
		valkeyURL, prefix := apptest.SharedValkey(t)
		inst := apptest.Start(t, apptest.Options{ValkeyURL: valkeyURL, KeyPrefix: prefix})
		acct := inst.Register(t)

		const reads = 3
		var statements int64
		for range reads {
			before := inst.Stmts.Snapshot()
			r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/residences", Token: acct.Token})
			require.Equal(t, http.StatusOK, r.Status)
			statements += inst.Stmts.Statements(before)
		}
		require.Positive(t, statements, "listing residences reads PostgreSQL")
		r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me"})
		require.Equal(t, http.StatusUnauthorized, r.Status)
		r = inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/static-data", Token: acct.Token})
		require.Equal(t, http.StatusOK, r.Status)
		// Counting adds no round trip: a warm read still makes none, to PostgreSQL or to Valkey.
		before, valkeyBefore := inst.Stmts.Snapshot(), inst.Valkey.RoundTrips()
		r = inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/static-data", Token: acct.Token})
		require.Equal(t, http.StatusOK, r.Status)
		require.Zero(t, inst.Stmts.RoundTrips(before), "SQL: %v", inst.Stmts.Since(before))
		require.Zero(t, inst.Valkey.RoundTrips()-valkeyBefore)

		families := scrape(t, inst.URL+"/metrics")

		list := series(t, families, "homekeep_http_requests_total", map[string]string{"operation": "listResidences", "status": "200"})
		require.InDelta(t, reads, list.GetCounter().GetValue(), 0)
		denied := series(t, families, "homekeep_http_requests_total", map[string]string{"operation": "getMe", "status": "401"})
		require.InDelta(t, 1, denied.GetCounter().GetValue(), 0)
		registered := series(t, families, "homekeep_http_requests_total", map[string]string{"operation": "register"})
		require.InDelta(t, 1, registered.GetCounter().GetValue(), 0)

		duration := series(t, families, "homekeep_http_request_duration_seconds", map[string]string{"operation": "listResidences"})
		require.Equal(t, uint64(reads), duration.GetHistogram().GetSampleCount())
		require.Positive(t, duration.GetHistogram().GetSampleSum())

		// The histogram holds exactly what the test's own statement counter saw for these requests.
		stmts := series(t, families, "homekeep_http_request_sql_statements", map[string]string{"operation": "listResidences"})
		require.Equal(t, uint64(reads), stmts.GetHistogram().GetSampleCount())
		require.InDelta(t, float64(statements), stmts.GetHistogram().GetSampleSum(), 0)
		trips := series(t, families, "homekeep_http_request_sql_round_trips", map[string]string{"operation": "listResidences"})
		require.Equal(t, uint64(reads), trips.GetHistogram().GetSampleCount())
		require.Positive(t, trips.GetHistogram().GetSampleSum())

		for _, name := range []string{"homekeep_db_pool_conns", "homekeep_db_pool_max_conns", "homekeep_db_pool_acquires_total",
			"homekeep_db_pool_new_conns_total"} {
			m := series(t, families, name, map[string]string{"pool": "api"})
			value := m.GetGauge().GetValue() + m.GetCounter().GetValue()
			require.Positive(t, value, name)
		}
		// The token and its user were cached at registration, and start-up cached the static data: every
		// authenticated read above hit them.
		for _, cache := range []string{"token", "user", "static_data"} {
			hits := series(t, families, "homekeep_cache_hits_total", map[string]string{"cache": cache})
			require.GreaterOrEqual(t, hits.GetCounter().GetValue(), 2.0, cache)
			series(t, families, "homekeep_cache_misses_total", map[string]string{"cache": cache})
		}
		series(t, families, "homekeep_cache_hits_total", map[string]string{"cache": "residence_ids"})
		series(t, families, "homekeep_cache_hits_total", map[string]string{"cache": "paywall"})
		clientHits := series(t, families, "homekeep_valkey_client_cache_hits_total", nil)
		require.Positive(t, clientHits.GetCounter().GetValue(), "warm reads are answered from process memory")
		series(t, families, "homekeep_valkey_client_cache_misses_total", nil)
		series(t, families, "homekeep_valkey_round_trips_total", map[string]string{"kind": "request"})

		build := series(t, families, "homekeep_build_info", nil)
		require.InDelta(t, 1, build.GetGauge().GetValue(), 0)
		require.True(t, hasLabels(build, map[string]string{"go_version": goVersion(t, families)}))
	})

	t.Run("ObservesJobsAndPushes", func(t *testing.T) {
		t.Parallel()
		smtp := testsmtp.Start(t)
		fcm := pushtest.FCM(t)
		inst := apptest.Start(t, apptest.Options{Configure: apptest.WithSMTP(smtp), PushChannels: []push.Channel{fcm.Channel}})
		// Registration queues the email verification code, which the workers send.
		acct := inst.Register(t)
		apptest.Expect[client.NotificationDevice](t, inst, apptest.Request{Method: http.MethodPost,
			Path: "/notifications/devices", Token: acct.Token, Body: fcm.NewDevice(t).Registration("en")}, http.StatusCreated)
		apptest.Expect[client.NotificationTestResult](t, inst, apptest.Request{Method: http.MethodPost,
			Path: "/notifications/test", Token: acct.Token}, http.StatusOK)

		var families map[string]*dto.MetricFamily
		worked := map[string]string{"kind": jobs.KindEmailCode, "outcome": "completed"}
		testwait.Until(t, 15*time.Second, func() bool {
			families = scrape(t, inst.URL+"/metrics")
			return findSeries(families, "homekeep_jobs_worked_total", worked) != nil
		}, "no completed %s job in the metrics", jobs.KindEmailCode)
		require.InDelta(t, 1, series(t, families, "homekeep_jobs_worked_total", worked).GetCounter().GetValue(), 0)
		took := series(t, families, "homekeep_jobs_duration_seconds", map[string]string{"kind": jobs.KindEmailCode})
		require.Equal(t, uint64(1), took.GetHistogram().GetSampleCount())
		lag := series(t, families, "homekeep_jobs_queue_lag_seconds", map[string]string{"kind": jobs.KindEmailCode})
		require.Equal(t, uint64(1), lag.GetHistogram().GetSampleCount())

		jobsPool := series(t, families, "homekeep_db_pool_max_conns", map[string]string{"pool": "jobs"})
		require.Positive(t, jobsPool.GetGauge().GetValue(), "serve's workers have a pool of their own")

		sent := series(t, families, "homekeep_push_messages_total", map[string]string{"channel": "fcm", "outcome": "sent"})
		require.InDelta(t, 1, sent.GetCounter().GetValue(), 0)
		sends := series(t, families, "homekeep_push_send_duration_seconds", map[string]string{"channel": "fcm"})
		require.Equal(t, uint64(1), sends.GetHistogram().GetSampleCount())
	})

	t.Run("MovesToMetricsAddr", func(t *testing.T) {
		t.Parallel()
		addr := freeAddr(t)
		inst := apptest.Start(t, apptest.Options{Configure: func(c *config.Config) { c.MetricsAddr = addr }})
		acct := inst.Register(t)
		r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/residences", Token: acct.Token})
		require.Equal(t, http.StatusOK, r.Status)

		families := scrape(t, "http://"+addr+"/metrics")
		list := series(t, families, "homekeep_http_requests_total", map[string]string{"operation": "listResidences", "status": "200"})
		require.InDelta(t, 1, list.GetCounter().GetValue(), 0)

		resp, err := http.Get(inst.URL + "/metrics") //nolint:noctx // a test's request
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusNotFound, resp.StatusCode, "the main listener no longer serves /metrics")
	})

	t.Run("OffServesNothing", func(t *testing.T) {
		t.Parallel()
		inst := apptest.Start(t, apptest.Options{Configure: func(c *config.Config) { c.MetricsAddr = config.MetricsOff }})
		resp, err := http.Get(inst.URL + "/metrics") //nolint:noctx // a test's request
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusNotFound, resp.StatusCode)
	})
}

// goVersion reads the Go version the Go collector reports, which build info must repeat.
func goVersion(t *testing.T, families map[string]*dto.MetricFamily) string {
	t.Helper()
	for _, l := range series(t, families, "go_info", nil).GetLabel() {
		if l.GetName() == "version" {
			return l.GetValue()
		}
	}
	t.Fatal("go_info has no version label")
	return ""
}

// freeAddr returns a loopback address nothing listens on at the moment.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}
