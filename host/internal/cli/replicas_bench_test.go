package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog/gen"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/loadtest"
	"greenroom.dev/greenroom/host/internal/pgtest"
)

// BenchmarkReplicasHTTP100k: the catalog REST API at 100,000 generated entities on a
// replica of a PostgreSQL database beside a host on bbolt, and two replicas against
// one.
//
// Three hosts run in this process: one on bbolt, and two replicas on one PostgreSQL
// database (A ingests, B loads what A wrote). Latency: wrk with 16 connections and
// --latency against the bbolt host and against replica B in turn, three alternating
// rounds, medians: <route>-p99-us for each and <route>-p99-x-bbolt, their ratio (goal
// ≤ 1.2). Throughput on by-query: two wrk processes of 8 connections each run at once,
// one against A and one against B (the load split evenly by connection, as a
// round-robin balancer in front of two replicas would), against both against B alone
// (the same two processes, one replica): two-replicas-x-one (goal ≥ 1.7). Every host and
// both wrks share the machine's cores, so the ratio is bounded by them, not by the
// replicas. replica-start-s is how long replica B took from its start to serving
// every entity A wrote (goal ≤ 10 s).
func BenchmarkReplicasHTTP100k(b *testing.B) {
	if _, err := exec.LookPath("wrk"); err != nil {
		b.Skip("wrk is not installed (Debian: apt-get install wrk)")
	}
	dir := filepath.Join(os.TempDir(), "greenroom-bench-catalog", fmt.Sprintf("http-v%d-100k", gen.Version))
	root := filepath.Join(dir, "all.yaml")
	if _, err := os.Stat(root); err != nil {
		if root, err = gen.Generate(dir, 100000, 42); err != nil {
			b.Fatal(err)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	startHost := func(database string) *host {
		work := b.TempDir()
		cfgPath := filepath.Join(work, "app-config.yaml")
		os.WriteFile(cfgPath, []byte(fmt.Sprintf(`
backend:
  listen: {host: 127.0.0.1, port: 0}
  database: %s
catalog:
  processingInterval: 1h
  rules: [{allow: [Component, System, API, Resource, Location, Template, Group, User, Domain]}]
  locations: [{type: file, target: %s}]
`, database, root)), 0o644)
		cfg, err := config.Load([]string{cfgPath}, nil)
		if err != nil {
			b.Fatal(err)
		}
		h, err := start(context.Background(), log, cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { h.stop(context.Background()) })
		return h
	}
	waitCount := func(h *host, n int) {
		for deadline := time.Now().Add(20 * time.Minute); !h.catalog.Ready() || h.catalog.Count() < n; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				b.Fatalf("the host has %d of %d entities", h.catalog.Count(), n)
			}
		}
	}
	bolt := startHost(fmt.Sprintf("{connection: %s}", filepath.Join(b.TempDir(), "g.db")))
	waitCount(bolt, 100000)
	n := bolt.catalog.Count()
	cluster := pgtest.Start(b)
	url := cluster.NewDatabase()
	a := startHost(fmt.Sprintf("{client: pg, connection: %q}", url))
	waitCount(a, n)
	began := time.Now()
	rb := startHost(fmt.Sprintf("{client: pg, connection: %q}", url))
	waitCount(rb, n)
	startB := time.Since(began)

	var list []struct {
		Kind     string `json:"kind"`
		Metadata struct{ Namespace, Name string }
	}
	getJSON(b, "http://"+bolt.addr+"/api/catalog/entities?filter=kind=component&fields=kind,metadata.namespace,metadata.name&limit=1000", &list)
	var lua strings.Builder
	lua.WriteString("local paths = {\n")
	for _, e := range list {
		fmt.Fprintf(&lua, "  %q,\n", fmt.Sprintf("/api/catalog/entities/by-name/%s/%s/%s", strings.ToLower(e.Kind), e.Metadata.Namespace, e.Metadata.Name))
	}
	lua.WriteString("}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format(\"GET\", paths[(i % #paths) + 1])\nend\n")
	script := filepath.Join(b.TempDir(), "by-name.lua")
	os.WriteFile(script, []byte(lua.String()), 0o644)
	const byQuery = "/api/catalog/entities/by-query?filter=kind=component,spec.lifecycle=production&limit=50"
	routes := []struct{ name, path, script string }{
		{"by-name", "/", script},
		{"by-query", byQuery, ""},
		{"facets", "/api/catalog/entity-facets?facet=spec.type&filter=kind=component", ""},
	}
	for _, h := range []*host{bolt, a, rb} { // warm each host's query caches
		for _, r := range routes[1:] {
			var v any
			getJSON(b, "http://"+h.addr+r.path, &v)
		}
	}

	const rounds = 3
	p99 := map[string][]float64{}
	rps := map[string][]float64{}
	b.ResetTimer()
	for range b.N {
		for range rounds {
			for _, r := range routes {
				for _, h := range []struct {
					name string
					h    *host
				}{{"bbolt", bolt}, {"pg", rb}} {
					_, l := loadtest.WrkLatency(b, "http://"+h.h.addr+r.path, r.script, 2*time.Second, 16)
					p99[r.name+"/"+h.name] = append(p99[r.name+"/"+h.name], float64(l.Microseconds()))
				}
			}
			for _, targets := range []struct {
				name string
				hs   [2]*host
			}{{"one", [2]*host{rb, rb}}, {"two", [2]*host{a, rb}}} {
				var wg sync.WaitGroup
				var got [2]float64
				for i, h := range targets.hs {
					wg.Add(1)
					go func() {
						defer wg.Done()
						got[i], _ = loadtest.WrkLatency(b, "http://"+h.addr+byQuery, "", 3*time.Second, 8)
					}()
				}
				wg.Wait()
				rps[targets.name] = append(rps[targets.name], got[0]+got[1])
			}
		}
	}
	b.StopTimer()
	for _, r := range routes {
		bb, pg := loadtest.Median(p99[r.name+"/bbolt"]), loadtest.Median(p99[r.name+"/pg"])
		b.ReportMetric(bb, r.name+"-bbolt-p99-us")
		b.ReportMetric(pg, r.name+"-pg-p99-us")
		b.ReportMetric(pg/bb, r.name+"-p99-x-bbolt")
	}
	one, two := loadtest.Median(rps["one"]), loadtest.Median(rps["two"])
	b.ReportMetric(one, "by-query-one-replica-req/s")
	b.ReportMetric(two, "by-query-two-replicas-req/s")
	b.ReportMetric(two/one, "two-replicas-x-one")
	b.ReportMetric(startB.Seconds(), "replica-start-s")
}
