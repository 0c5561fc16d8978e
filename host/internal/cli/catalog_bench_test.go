package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog/gen"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/loadtest"
)

// Backstage 4.0 on PostgreSQL 15 with a generated catalog of 10,000 entities, at its best
// setting (requests/s under wrk, 16 connections): the reference of the catalog issue.
var backstage10k = map[string]float64{"by-name": 1012, "by-query": 142, "facets": 131}

// BenchmarkCatalogHTTP10k measures the catalog REST API through the whole server (fiber,
// routing, the catalog, JSON) with wrk and 16 connections, over 10,000 generated
// entities: by-name (cycling through 1,000 components, so no one entity stays hot),
// by-query, entity-facets and a filtered, projected list. It reports requests/s, the
// ratio to Backstage's figure (goal: ≥ 50×), and, as the ceiling of the HTTP stack on
// this machine, the same server's /healthz.
func BenchmarkCatalogHTTP10k(b *testing.B) {
	if _, err := exec.LookPath("wrk"); err != nil {
		b.Skip("wrk is not installed (Debian: apt-get install wrk)")
	}
	dir := filepath.Join(os.TempDir(), "greenroom-bench-catalog", fmt.Sprintf("http-v%d-10k", gen.Version))
	root := filepath.Join(dir, "all.yaml")
	if _, err := os.Stat(root); err != nil {
		if root, err = gen.Generate(dir, 10000, 42); err != nil {
			b.Fatal(err)
		}
	}
	work := b.TempDir()
	cfgPath := filepath.Join(work, "app-config.yaml")
	os.WriteFile(cfgPath, []byte(fmt.Sprintf(`
backend:
  listen: {host: 127.0.0.1, port: 0}
  database: {connection: %s}
catalog:
  rules: [{allow: [Component, System, API, Resource, Location, Template, Group, User, Domain]}]
  locations: [{type: file, target: %s}]
`, filepath.Join(work, "g.db"), root)), 0o644)
	cfg, err := config.Load([]string{cfgPath}, nil)
	if err != nil {
		b.Fatal(err)
	}
	h, err := start(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer h.stop(context.Background())
	for !h.catalog.Ready() {
		time.Sleep(10 * time.Millisecond)
	}
	base := "http://" + h.addr

	var list []struct {
		Kind     string `json:"kind"`
		Metadata struct{ Namespace, Name string }
	}
	getJSON(b, base+"/api/catalog/entities?filter=kind=component&fields=kind,metadata.namespace,metadata.name&limit=1000", &list)
	if len(list) < 100 {
		b.Fatalf("the generated catalog has %d components; expected 1,000", len(list))
	}
	var paths []string
	for _, e := range list {
		paths = append(paths, fmt.Sprintf("/api/catalog/entities/by-name/%s/%s/%s", strings.ToLower(e.Kind), e.Metadata.Namespace, e.Metadata.Name))
	}
	script := filepath.Join(work, "by-name.lua")
	var lua strings.Builder
	lua.WriteString("local paths = {\n")
	for _, p := range paths {
		fmt.Fprintf(&lua, "  %q,\n", p)
	}
	lua.WriteString("}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format(\"GET\", paths[(i % #paths) + 1])\nend\n")
	os.WriteFile(script, []byte(lua.String()), 0o644)

	routes := []struct{ name, path, script string }{
		{"healthz", "/healthz", ""},
		{"by-name", "/", script},
		{"by-query", "/api/catalog/entities/by-query?filter=kind=component,spec.lifecycle=production&limit=50", ""},
		{"facets", "/api/catalog/entity-facets?facet=spec.type&filter=kind=component", ""},
		{"tags-fields", "/api/catalog/entities?filter=metadata.tags=java&fields=metadata.name", ""},
	}
	for _, r := range routes {
		if r.script == "" {
			var v any
			getJSON(b, base+r.path, &v)
		}
	}
	// Three alternating rounds and medians, because the shared machine's noise is larger
	// than a single run can judge.
	const rounds = 3
	got := map[string][]float64{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for round := 0; round < rounds; round++ {
			for _, r := range routes {
				got[r.name] = append(got[r.name], loadtest.Wrk(b, base+r.path, r.script, 2*time.Second))
			}
		}
	}
	b.StopTimer()
	for _, r := range routes {
		v := loadtest.Median(got[r.name])
		b.ReportMetric(v, r.name+"-req/s")
		if ref, ok := backstage10k[r.name]; ok {
			b.ReportMetric(v/ref, r.name+"-x-backstage")
		}
	}
}

func getJSON(b *testing.B, url string, v any) {
	b.Helper()
	resp, err := http.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		b.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		b.Fatalf("GET %s: %v", url, err)
	}
}
