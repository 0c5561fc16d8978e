package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/plugintest"
)

// startPrometheus runs Debian's prometheus on 127.0.0.1 with a throwaway data dir,
// scraping a tiny exporter every second and evaluating one alert rule, and waits until
// the series has samples and the alert fires. It skips when prometheus is not installed
// (fails with GREENROOM_REQUIRE_TOOLS or CI set).
func startPrometheus(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("GREENROOM_REQUIRE_TOOLS") != "" || os.Getenv("CI") != "" {
			t.Fatal("prometheus is not installed (Debian: prometheus), and GREENROOM_REQUIRE_TOOLS or CI is set")
		}
		t.Skip("prometheus is not installed (Debian: prometheus)")
	}
	var scrapes atomic.Int64
	exporter := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := scrapes.Add(1)
		w.Header().Set("content-type", "text/plain; version=0.0.4")
		fmt.Fprintf(w, "# TYPE demo_requests_total counter\ndemo_requests_total{service=\"payments\"} %d\n", 10*n)
	}))
	t.Cleanup(exporter.Close)

	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "rules.yml"), []byte(`groups:
  - name: demo
    rules:
      - alert: PaymentsBusy
        expr: demo_requests_total{service="payments"} > 0
        labels: {severity: page}
        annotations: {summary: payments is serving requests}
`), 0o644)
	os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [rules.yml]
scrape_configs:
  - job_name: demo
    static_configs: [{targets: ["%s"]}]
`, strings.TrimPrefix(exporter.URL, "http://"))), 0o644)
	port := freePort(t)
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "data"),
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port), "--log.level=warn")
	logf, _ := os.Create(filepath.Join(dir, "prometheus.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	ready := func() bool {
		resp, err := http.Get(base + "/api/v1/alerts")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var a struct {
			Data struct {
				Alerts []struct{ State string } `json:"alerts"`
			} `json:"data"`
		}
		json.NewDecoder(resp.Body).Decode(&a)
		return len(a.Data.Alerts) > 0 && a.Data.Alerts[0].State == "firing" && scrapes.Load() >= 3
	}
	for deadline := time.Now().Add(60 * time.Second); !ready(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "prometheus.log"))
			t.Fatalf("prometheus did not scrape and fire the alert in 60s:\n%s", b)
		}
	}
	return base
}

// startPrometheusPortal starts a portal with the prometheus plugin whose proxy endpoint
// targets target, and a component annotated with a rule and an alert.
func startPrometheusPortal(t *testing.T, target string) string {
	t.Helper()
	dir := t.TempDir()
	plugintest.Copy(t, plugintest.Go(t, "plugins/prometheus"), filepath.Join(dir, "prometheus.wasm"))
	os.WriteFile(filepath.Join(dir, "all.yaml"), []byte(`apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
  annotations:
    prometheus.io/rule: 'demo_requests_total{service="payments"}|Requests served;absent_metric_xyz|Nothing here'
    prometheus.io/alert: PaymentsBusy
spec: {type: service, lifecycle: production, owner: team-a}
`), 0o644)
	cfg := fmt.Sprintf(`
backend:
  listen: {host: 127.0.0.1, port: 0}
  auth:
    externalAccess:
      - {type: static, options: {token: %s, subject: cli-tests}}
auth: {allowAnonymous: true}
catalog:
  rules: [{allow: [Component]}]
  locations: [{type: file, target: ./all.yaml}]
proxy:
  endpoints:
    /prometheus: {target: %s, allowedMethods: [GET]}
runtime:
  compilationCache: %s
plugins:
  - id: prometheus
    source: prometheus.wasm
    grants: {proxy: {endpoints: [/prometheus]}}
    config: {range: 2m, points: 6}
`, testToken, target, filepath.Join(os.TempDir(), "greenroom-test-wasm-cache"))
	if err := os.WriteFile(filepath.Join(dir, "app-config.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	h := startPortal(t, dir)
	base := "http://" + h.addr
	waitReady(t, base)
	return base
}

// TestPrometheusCard: the card and the tab chart a component's rule from a real
// Prometheus as SVG and list its firing alert; a rule without data says so.
func TestPrometheusCard(t *testing.T) {
	base := startPrometheusPortal(t, startPrometheus(t))
	for _, path := range []string{"/catalog/default/component/payments", "/catalog/default/component/payments/metrics"} {
		st, page := call(t, "GET", base+path, nil)
		for _, want := range []string{"Requests served", `<figure class="gr-chart gr-chart-bar"><svg`, "PaymentsBusy", ">firing<", "payments is serving requests", "Nothing here", "Prometheus has no samples for absent_metric_xyz"} {
			if st != 200 || !strings.Contains(page, want) {
				t.Errorf("GET %s: %d, lacks %q:\n%s", path, st, want, mainOf(page))
			}
		}
	}
}

// TestPrometheusDown: with the Prometheus server down, the card and the tab say so and
// the rest of the entity page renders.
func TestPrometheusDown(t *testing.T) {
	base := startPrometheusPortal(t, fmt.Sprintf("http://127.0.0.1:%d", freePort(t)))
	for _, path := range []string{"/catalog/default/component/payments", "/catalog/default/component/payments/metrics"} {
		st, page := call(t, "GET", base+path, nil)
		if st != 200 || !strings.Contains(page, "Prometheus cannot be reached") || !strings.Contains(page, "<h2>component:default/payments</h2>") {
			t.Errorf("GET %s: %d:\n%s", path, st, mainOf(page))
		}
	}
}
