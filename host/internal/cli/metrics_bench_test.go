package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog/gen"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/loadtest"
	"greenroom.dev/greenroom/host/internal/plugintest"
)

// benchCatalog generates (once per machine, kept in the temp dir) a catalog of n
// entities and returns its root file.
func benchCatalog(b *testing.B, n int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "greenroom-bench-catalog", fmt.Sprintf("http-v%d-%dk", gen.Version, n/1000))
	root := filepath.Join(dir, "all.yaml")
	if _, err := os.Stat(root); err != nil {
		if root, err = gen.Generate(dir, n, 42); err != nil {
			b.Fatal(err)
		}
	}
	return root
}

// benchHost starts a whole host on a generated catalog with the given plugins (config
// lines) and extra config, and waits until it is ready.
func benchHost(b *testing.B, root, plugins, extra string) *host {
	b.Helper()
	work := b.TempDir()
	plugintest.Copy(b, plugintest.Packed(b, "examples/hello-c/hello-c.wasm"), filepath.Join(work, "hello-c.wasm"))
	cfgPath := filepath.Join(work, "app-config.yaml")
	os.WriteFile(cfgPath, []byte(fmt.Sprintf(`
backend:
  listen: {host: 127.0.0.1, port: 0}
  database: {connection: %s}
  auth:
    externalAccess:
      - {type: static, options: {token: %s, subject: bench}}
runtime:
  compilationCache: %s
catalog:
  rules: [{allow: [Component, System, API, Resource, Location, Template, Group, User, Domain]}]
  locations: [{type: file, target: %s}]
plugins:
%s
%s`, filepath.Join(work, "g.db"), testToken, filepath.Join(os.TempDir(), "greenroom-test-wasm-cache"), root, plugins, extra)), 0o644)
	cfg, err := config.Load([]string{cfgPath}, nil)
	if err != nil {
		b.Fatal(err)
	}
	h, err := start(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { h.stop(context.Background()) })
	for !h.catalog.Ready() {
		time.Sleep(10 * time.Millisecond)
	}
	return h
}

// BenchmarkMetricsOverhead compares two whole hosts, one with metrics on (the default)
// and one with metrics.enabled: false, side by side in alternating wrk rounds (16
// connections): a plugin route (hello-c, a token per request) and the catalog's
// by-name over 10,000 entities. The figures that matter are the on/off ratios (goal
// ≥ 0.97).
func BenchmarkMetricsOverhead(b *testing.B) {
	if _, err := exec.LookPath("wrk"); err != nil {
		b.Skip("wrk is not installed (Debian: apt-get install wrk)")
	}
	root := benchCatalog(b, 10000)
	plugins := "  - {id: hello-c, source: hello-c.wasm, limits: {instances: 4}}"
	on := benchHost(b, root, plugins, "")
	off := benchHost(b, root, plugins, "metrics: {enabled: false}\n")
	if on.metrics == nil || off.metrics != nil {
		b.Fatal("metrics not on and off as configured")
	}
	// by-name cycles through 1,000 components, as BenchmarkCatalogHTTP10k does.
	var list []struct {
		Kind     string `json:"kind"`
		Metadata struct{ Namespace, Name string }
	}
	getJSON(b, "http://"+on.addr+"/api/catalog/entities?filter=kind=component&fields=kind,metadata.namespace,metadata.name&limit=1000", &list)
	var lua strings.Builder
	lua.WriteString("local paths = {\n")
	for _, e := range list {
		fmt.Fprintf(&lua, "  %q,\n", fmt.Sprintf("/api/catalog/entities/by-name/%s/%s/%s", strings.ToLower(e.Kind), e.Metadata.Namespace, e.Metadata.Name))
	}
	lua.WriteString("}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format(\"GET\", paths[(i % #paths) + 1])\nend\n")
	script := filepath.Join(b.TempDir(), "by-name.lua")
	os.WriteFile(script, []byte(lua.String()), 0o644)
	header := "Authorization: Bearer " + testToken
	routes := []struct{ name, path, script string }{
		{"plugin", "/api/hello-c/hello?name=X", ""},
		{"by-name", "/", script},
	}
	const rounds = 4
	d := 2 * time.Second
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, r := range routes {
			var ons, offs, ratio, cpuRatio []float64
			for round := 0; round < rounds; round++ {
				// Alternate which host goes first, so that neither gains from the order.
				var o, n float64
				var oc, nc time.Duration
				if round%2 == 0 {
					o, oc = loadtest.WrkCPU(b, "http://"+off.addr+r.path, r.script, d, header)
					n, nc = loadtest.WrkCPU(b, "http://"+on.addr+r.path, r.script, d, header)
				} else {
					n, nc = loadtest.WrkCPU(b, "http://"+on.addr+r.path, r.script, d, header)
					o, oc = loadtest.WrkCPU(b, "http://"+off.addr+r.path, r.script, d, header)
				}
				offs, ons, ratio = append(offs, o), append(ons, n), append(ratio, n/o)
				if nc > 0 {
					cpuRatio = append(cpuRatio, float64(oc)/float64(nc))
				}
			}
			b.ReportMetric(loadtest.Median(offs), r.name+"-off-req/s")
			b.ReportMetric(loadtest.Median(ons), r.name+"-on-req/s")
			b.ReportMetric(loadtest.Median(ratio), r.name+"-on/off")
			// The same comparison in CPU per request (off/on: 1 is free, 0.97 costs 3%),
			// which the machine's other load moves far less than requests per second.
			if len(cpuRatio) > 0 {
				b.ReportMetric(loadtest.Median(cpuRatio), r.name+"-cpu-off/on")
			}
		}
	}
}

// BenchmarkMetricsScrape100k measures GET /metrics (through the server, with a token)
// on a host with 100,000 catalog entities and 20 plugins, after traffic on each plugin
// so that every family has series: the median time of a scrape (goal ≤ 20 ms) and its
// size.
func BenchmarkMetricsScrape100k(b *testing.B) {
	root := benchCatalog(b, 100000)
	var plugins strings.Builder
	for i := range 20 {
		fmt.Fprintf(&plugins, "  - {id: hello-c-%d, source: hello-c.wasm, limits: {instances: 2}}\n", i)
	}
	h := benchHost(b, root, plugins.String(), "")
	base := "http://" + h.addr
	get := func(path string) (int, int) {
		req, _ := http.NewRequest("GET", base+path, nil)
		resp, err := http.DefaultClient.Do(bearer(req))
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, int(n)
	}
	for i := range 20 {
		for _, p := range []string{"/hello?name=X", "/hello", "/nope"} {
			get(fmt.Sprintf("/api/hello-c-%d%s", i, p))
		}
	}
	if st, _ := get("/metrics"); st != 200 {
		b.Fatalf("GET /metrics: %d", st)
	}
	var times []float64
	size := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		began := time.Now()
		_, size = get("/metrics")
		times = append(times, float64(time.Since(began).Microseconds())/1000)
	}
	b.StopTimer()
	sort.Float64s(times)
	b.ReportMetric(times[len(times)/2], "ms/scrape-p50")
	b.ReportMetric(times[len(times)*9/10], "ms/scrape-p90")
	b.ReportMetric(float64(size), "bytes/scrape")
}
