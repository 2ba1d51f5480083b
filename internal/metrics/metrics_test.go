package metrics_test

import (
	"net"
	"net/http"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
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
	f, ok := families[name]
	require.True(t, ok, "no family %s", name)
	for _, m := range f.GetMetric() {
		if hasLabels(m, want) {
			return m
		}
	}
	t.Fatalf("%s has no series with labels %v", name, want)
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
		for range 2 {
			r = inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/static-data", Token: acct.Token})
			require.Equal(t, http.StatusOK, r.Status)
		}

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
