package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/plugintest"
)

// metricsPortal is the example portal with a catalog read through the URL readers
// (file:// under a file root), a proxy endpoint to a loopback upstream, and extra config.
func metricsPortal(t *testing.T, extra string) string {
	t.Helper()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		fmt.Fprint(w, "short and stout")
	}))
	t.Cleanup(upstream.Close)
	cat := t.TempDir()
	if err := os.WriteFile(filepath.Join(cat, "web.yaml"), []byte(webComponent), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := portal(t, fmt.Sprintf(`catalog:
  locations:
    - {type: url, target: "file://%s/web.yaml"}
proxy:
  endpoints:
    /tea:
      target: %s
      credentials: dangerously-allow-unauthenticated
%s`, cat, upstream.URL, extra))
	// backend.reading is an overlay: portal's file has its own backend section.
	if err := os.WriteFile(filepath.Join(dir, "reading.yaml"), []byte(fmt.Sprintf("backend:\n  reading:\n    fileRoots: [%s]\n", cat)), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// startMetricsPortal starts metricsPortal's config with its overlay.
func startMetricsPortal(t *testing.T, dir string) *host {
	t.Helper()
	cfg, err := config.Load([]string{filepath.Join(dir, "app-config.yaml"), filepath.Join(dir, "reading.yaml")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := start(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h.stop(ctx)
	})
	return h
}

// scrape GETs a /metrics URL (with the test token) and returns the exposition.
func scrape(t *testing.T, url string, token bool) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token {
		bearer(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// promtool checks an exposition with Prometheus's own parser and linter (Debian's
// prometheus package); it skips when promtool is missing, unless the tools are required.
func promtool(t *testing.T, exposition string) {
	t.Helper()
	bin, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" || os.Getenv("GREENROOM_REQUIRE_TOOLS") != "" {
			t.Fatal("promtool is not installed; .ci/run installs Debian's prometheus package")
		}
		t.Skip("promtool is not installed (Debian package prometheus)")
	}
	cmd := exec.Command(bin, "check", "metrics")
	cmd.Stdin = strings.NewReader(exposition)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out.String())
	}
}

// TestMetricsAfterTraffic serves real traffic (plugin routes and their host calls, the
// catalog API, the proxy, a reload, the catalog's processing through the URL readers),
// then scrapes /metrics: Prometheus's parser accepts it, and each family shows the
// traffic with bounded labels.
func TestMetricsAfterTraffic(t *testing.T) {
	h := startMetricsPortal(t, metricsPortal(t, ""))
	base := "http://" + h.addr
	waitReady(t, base)
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/api/hello-go/hello?name=X", 200},
		{"GET", "/api/hello-go/hello?name=Y", 200},
		{"GET", "/api/hello-go/count", 200},
		{"GET", "/api/hello-c/hello?name=X", 200},
		{"GET", "/api/hello-go/nope", 404},
		{"GET", "/api/catalog/entities/by-name/component/default/web", 200},
		{"GET", "/api/catalog/entities/by-name/component/default/nope", 404},
		{"GET", "/api/proxy/tea/pot", 418},
		{"POST", "/api/admin/reload", 200},
	} {
		if st, body := call(t, c.method, base+c.path, nil); st != c.status {
			t.Fatalf("%s %s: %d %s, want %d", c.method, c.path, st, body, c.status)
		}
	}
	st, text := scrape(t, base+"/metrics", true)
	if st != 200 {
		t.Fatalf("GET /metrics: %d %s", st, text)
	}
	promtool(t, text)
	for _, want := range []string{
		`greenroom_http_requests_total{method="GET",route="/api/hello-go/hello",status="200"} 2`,
		`greenroom_http_requests_total{method="GET",route="/api/catalog/entities/by-name/:kind/:namespace/:name",status="200"} 1`,
		`greenroom_http_requests_total{method="GET",route="/api/catalog/entities/by-name/:kind/:namespace/:name",status="404"} 1`,
		`greenroom_http_requests_total{method="GET",route="/api/hello-go/*",status="404"} 1`,
		`greenroom_http_requests_total{method="POST",route="/api/admin/reload",status="200"} 1`,
		`greenroom_http_request_duration_seconds_count{method="GET",route="/api/hello-go/hello"} 2`,
		`greenroom_plugin_calls_total{export="gr_http",outcome="ok",plugin="hello-go"} 3`,
		`greenroom_plugin_calls_total{export="gr_http",outcome="ok",plugin="hello-c"} 1`,
		`greenroom_plugin_call_duration_seconds_count{export="gr_http",plugin="hello-go"} 3`,
		`greenroom_plugin_queue_wait_seconds_count{plugin="hello-go"}`,
		`greenroom_plugin_instances{plugin="hello-go",state="idle"}`,
		`greenroom_plugin_instances{plugin="hello-go",state="busy"} 0`,
		`greenroom_plugin_instances_max{plugin="hello-go"}`,
		`greenroom_plugin_memory_pages{plugin="hello-go"}`,
		`greenroom_plugin_memory_limit_pages{plugin="hello-go"}`,
		`greenroom_host_calls_total{capability="kv",decision="allow",function="kv_get",plugin="hello-go"} 1`,
		`greenroom_host_call_duration_seconds_count{function="kv_get"} 1`,
		`greenroom_catalog_entities{kind="Component"} 1`,
		`greenroom_catalog_entities_with_errors 0`,
		`greenroom_catalog_locations_with_errors 0`,
		`greenroom_catalog_last_refresh_timestamp_seconds `,
		`greenroom_catalog_processing_duration_seconds_count `,
		`greenroom_catalog_processing_failures_total 0`,
		`greenroom_url_reads_total{operation="read_url",reader="file",result="ok"}`,
		`greenroom_proxy_upstream_requests_total{endpoint="/tea",status="4xx"} 1`,
		`greenroom_proxy_upstream_duration_seconds_count{endpoint="/tea"} 1`,
		`greenroom_config_reloads_total{result="success"} 1`,
		`greenroom_config_reloads_total{result="failure"} 0`,
		`greenroom_config_last_reload_success_timestamp_seconds `,
		`go_goroutines `,
		`process_resident_memory_bytes `,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// Bounded labels: no raw path, entity name or query reaches a label.
	for _, leak := range []string{"name=X", "/default/web", "/default/nope", "/tea/pot", "cli-tests"} {
		if strings.Contains(text, leak) {
			t.Errorf("/metrics holds %q in a label", leak)
		}
	}
	// Every family the docs speak of is there.
	for _, f := range hostFamilies {
		if !regexp.MustCompile(`(?m)^# TYPE ` + f + ` `).MatchString(text) {
			t.Errorf("/metrics lacks the family %s", f)
		}
	}
	dashboardNamesFamilies(t, text)
}

// dashboardNamesFamilies checks that every metric the Grafana dashboard
// (docs/grafana-dashboard.json) queries is a family of the exposition text: a
// renamed or removed family breaks the dashboard's panels, and this test.
func dashboardNamesFamilies(t *testing.T, text string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(plugintest.Root(t), "docs", "grafana-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Type    string
			Targets []struct{ Expr string }
		}
		Templating struct {
			List []struct{ Definition string }
		}
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("docs/grafana-dashboard.json: %v", err)
	}
	families := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^# TYPE (\S+) (\S+)$`).FindAllStringSubmatch(text, -1) {
		families[m[1]] = m[2]
	}
	name := regexp.MustCompile(`\b(?:greenroom|go|process)_[a-z0-9_]+\b`)
	family := func(n string) bool {
		if _, ok := families[n]; ok {
			return true
		}
		for _, suffix := range []string{"_bucket", "_count", "_sum"} {
			if base, ok := strings.CutSuffix(n, suffix); ok && (families[base] == "histogram" || families[base] == "summary") {
				return true
			}
		}
		return false
	}
	var exprs []string
	queries := 0
	for _, p := range dash.Panels {
		if p.Type != "row" && len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			exprs = append(exprs, p.Title+": "+tg.Expr)
			queries++
		}
	}
	for _, v := range dash.Templating.List {
		exprs = append(exprs, "variable: "+v.Definition)
	}
	if queries < 20 {
		t.Fatalf("the dashboard has %d queries; is it the right file?", queries)
	}
	for _, e := range exprs {
		names := name.FindAllString(e, -1)
		if len(names) == 0 && !strings.HasPrefix(e, "variable: ") {
			t.Errorf("%s: names no metric", e)
		}
		for _, n := range names {
			if !family(n) {
				t.Errorf("%s: %s is not a family of /metrics", e, n)
			}
		}
	}
}

// hostFamilies are the host's own metric families.
var hostFamilies = []string{
	"greenroom_http_requests_total", "greenroom_http_request_duration_seconds",
	"greenroom_plugin_calls_total", "greenroom_plugin_call_duration_seconds", "greenroom_plugin_queue_wait_seconds",
	"greenroom_plugin_instances", "greenroom_plugin_instances_max", "greenroom_plugin_memory_pages", "greenroom_plugin_memory_limit_pages",
	"greenroom_host_calls_total", "greenroom_host_call_duration_seconds",
	"greenroom_catalog_entities", "greenroom_catalog_entities_with_errors", "greenroom_catalog_locations_with_errors",
	"greenroom_catalog_processing_duration_seconds", "greenroom_catalog_processing_failures_total", "greenroom_catalog_last_refresh_timestamp_seconds",
	"greenroom_url_reads_total", "greenroom_proxy_upstream_requests_total", "greenroom_proxy_upstream_duration_seconds",
	"greenroom_config_reloads_total", "greenroom_config_last_reload_success_timestamp_seconds",
}

// TestMetricsExposure: on backend.listen /metrics needs a caller (401 without a
// token); with metrics.listen it moves to its own listener, open there and gone from
// backend.listen; metrics.enabled: false serves it nowhere.
func TestMetricsExposure(t *testing.T) {
	t.Run("backend.listen", func(t *testing.T) {
		h := startPortal(t, portal(t, ""))
		if st, body := scrape(t, "http://"+h.addr+"/metrics", false); st != 401 || !strings.Contains(body, "AuthenticationError") {
			t.Fatalf("without a token: %d %s, want 401", st, body)
		}
		if st, body := scrape(t, "http://"+h.addr+"/metrics", true); st != 200 || !strings.Contains(body, "greenroom_http_requests_total") {
			t.Fatalf("with a token: %d %.200s", st, body)
		}
	})
	t.Run("metrics.listen", func(t *testing.T) {
		h := startPortal(t, portal(t, "metrics: {listen: '127.0.0.1:0'}\n"))
		if h.metricsAddr == "" {
			t.Fatal("no metrics listener")
		}
		if st, body := scrape(t, "http://"+h.metricsAddr+"/metrics", false); st != 200 || !strings.Contains(body, "greenroom_plugin_instances") {
			t.Fatalf("metrics listener: %d %.200s", st, body)
		}
		if st, _ := scrape(t, "http://"+h.addr+"/metrics", true); st == 200 {
			t.Fatal("backend.listen still serves /metrics")
		}
	})
	t.Run("disabled", func(t *testing.T) {
		h := startPortal(t, portal(t, "metrics: {enabled: false}\n"))
		if st, _ := scrape(t, "http://"+h.addr+"/metrics", true); st == 200 {
			t.Fatal("/metrics served with metrics.enabled: false")
		}
		if h.metrics != nil {
			t.Fatal("metrics made with metrics.enabled: false")
		}
	})
}

// TestRequestIDOnAuditEntries: the audit entries a request causes — a plugin's host
// call while serving it, an admin action — record the request's X-Request-Id, in the
// log file and in GET /api/audit.
func TestRequestIDOnAuditEntries(t *testing.T) {
	dir := portal(t, "audit: {api: {enabled: true}}\n")
	h := startPortal(t, dir)
	base := "http://" + h.addr
	send := func(method, path, id string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, nil)
		req.Header.Set("X-Request-Id", id)
		resp, err := http.DefaultClient.Do(bearer(req))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("X-Request-Id") != id {
			t.Fatalf("%s %s: %d, X-Request-Id %q", method, path, resp.StatusCode, resp.Header.Get("X-Request-Id"))
		}
	}
	send("GET", "/api/hello-go/count", "count-req-1")
	send("POST", "/api/admin/reload", "reload-req-1")
	if err := h.audit.Flush(); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(filepath.Join(dir, "data", "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	st, api := call(t, "GET", base+"/api/audit", nil)
	if st != 200 {
		t.Fatalf("GET /api/audit: %d %s", st, api)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`"function":"kv_get"[^}]*"requestId":"count-req-1"`),
		regexp.MustCompile(`"function":"reload"[^}]*"requestId":"reload-req-1"`),
	} {
		if !want.Match(file) {
			t.Errorf("the audit log file lacks %s:\n%s", want, file)
		}
		if !want.MatchString(api) {
			t.Errorf("GET /api/audit lacks %s:\n%s", want, api)
		}
	}
}

// TestAccessLogConfig: backend.accessLog: true writes one JSON line per request, with
// its request ID, to standard output (accessLogOut).
func TestAccessLogConfig(t *testing.T) {
	var out syncBuffer
	old := accessLogOut
	accessLogOut = &out
	t.Cleanup(func() { accessLogOut = old })
	dir := portal(t, "")
	overlay := filepath.Join(dir, "access.yaml")
	if err := os.WriteFile(overlay, []byte("backend:\n  accessLog: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load([]string{filepath.Join(dir, "app-config.yaml"), overlay}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := start(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.stop(context.Background()) })
	req, _ := http.NewRequest("GET", "http://"+h.addr+"/api/hello-go/hello?name=X", nil)
	req.Header.Set("X-Request-Id", "access-log-1")
	resp, err := http.DefaultClient.Do(bearer(req))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var line struct {
		RequestID, Method, Path, Route, Caller string
		Status                                 int
	}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if strings.Contains(l, "access-log-1") {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatalf("%v: %s", err, l)
			}
		}
	}
	if line.RequestID != "access-log-1" || line.Route != "/api/hello-go/hello" || line.Status != 200 || line.Caller != "cli-tests" || line.Path != "/api/hello-go/hello" {
		t.Fatalf("access log line %+v in:\n%s", line, out.String())
	}
}
