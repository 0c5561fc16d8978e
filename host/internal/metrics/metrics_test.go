package metrics

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestLabelsBounded: methods outside the standard set and out-of-range statuses share
// one series each, so that a client cannot grow the label sets.
func TestLabelsBounded(t *testing.T) {
	m := New(Sources{})
	for _, meth := range []string{"GET", "BREW", "PROPFIND", "X-" + strings.Repeat("A", 100)} {
		m.ObserveHTTP("/healthz", meth, 200, time.Millisecond)
	}
	for _, st := range []int{0, 99, 600, 999, 404} {
		m.ObserveHTTP("/healthz", "GET", st, time.Millisecond)
	}
	body := scrape(t, m)
	for _, want := range []string{
		`greenroom_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
		`greenroom_http_requests_total{method="other",route="/healthz",status="200"} 3`,
		`greenroom_http_requests_total{method="GET",route="/healthz",status="other"} 4`,
		`greenroom_http_requests_total{method="GET",route="/healthz",status="404"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("lacks %s", want)
		}
	}
	if strings.Contains(body, "BREW") || strings.Contains(body, `status="999"`) {
		t.Error("an unbounded label value reached the exposition")
	}
}

// TestObservers: each observer method counts into its family; the cached series
// keep counting the same series.
func TestObservers(t *testing.T) {
	m := New(Sources{
		Plugins: func() []PluginStats {
			return []PluginStats{{Plugin: "p", Busy: 1, Idle: 2, Max: 4, MemoryPages: 17, LimitPages: 256}}
		},
		Catalog: func() CatalogStats {
			return CatalogStats{EntitiesByKind: map[string]int{"Component": 3}, EntitiesWithErrors: 1, LocationsWithErrors: 2, LastRefresh: time.Unix(1700000000, 0)}
		},
	})
	for range 2 {
		m.ObserveCall("p", "gr_http", "ok", time.Millisecond, 0)
		m.ObserveHostCall("p", "kv_get", "kv", "deny", time.Microsecond)
		m.ObserveRead("fetch", "read_url", "cache_hit")
		m.ObserveUpstream("/ci", "5xx", time.Millisecond)
		m.ObserveProcessing(time.Second, true)
	}
	m.ObserveCall("p", "gr_http", "queue_timeout", 0, time.Second)
	m.ObserveReload(nil)
	m.ObserveReload(errors.New("bad"))
	body := scrape(t, m)
	for _, want := range []string{
		`greenroom_plugin_calls_total{export="gr_http",outcome="ok",plugin="p"} 2`,
		`greenroom_plugin_calls_total{export="gr_http",outcome="queue_timeout",plugin="p"} 1`,
		`greenroom_plugin_call_duration_seconds_count{export="gr_http",plugin="p"} 2`,
		`greenroom_plugin_queue_wait_seconds_count{plugin="p"} 3`,
		`greenroom_host_calls_total{capability="kv",decision="deny",function="kv_get",plugin="p"} 2`,
		`greenroom_url_reads_total{operation="read_url",reader="fetch",result="cache_hit"} 2`,
		`greenroom_proxy_upstream_requests_total{endpoint="/ci",status="5xx"} 2`,
		`greenroom_catalog_processing_failures_total 2`,
		`greenroom_config_reloads_total{result="success"} 1`,
		`greenroom_config_reloads_total{result="failure"} 1`,
		`greenroom_plugin_instances{plugin="p",state="busy"} 1`,
		`greenroom_plugin_instances{plugin="p",state="idle"} 2`,
		`greenroom_plugin_memory_pages{plugin="p"} 17`,
		`greenroom_catalog_entities{kind="Component"} 3`,
		`greenroom_catalog_last_refresh_timestamp_seconds 1.7e+09`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("lacks %s", want)
		}
	}
}

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("scrape: %d", rec.Code)
	}
	return rec.Body.String()
}
