package scorecard

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/catalog/gen"
)

// benchRules are ten rules of the kinds operators write: fields, annotations, tags,
// relations, string functions, an implication and a fact.
var benchRules = []Rule{
	{ID: "owner", Level: "Bronze", Expression: `entity.spec.owner != ""`},
	{ID: "description", Level: "Bronze", Expression: `has(entity.metadata.description) && entity.metadata.description.size() > 10`},
	{ID: "type", Level: "Bronze", Expression: `has(entity.spec.type) && entity.spec.type in ["service", "website", "library"]`},
	{ID: "system", Level: "Silver", Expression: `has(entity.spec.system)`},
	{ID: "tags", Level: "Silver", Expression: `entity.metadata.tags.size() > 0`},
	{ID: "owned", Level: "Silver", Expression: `entity.relations.exists(r, r.type == "ownedBy")`},
	{ID: "lowercase", Level: "Silver", Expression: `entity.metadata.name.lowerAscii() == entity.metadata.name`},
	{ID: "paged", Level: "Gold", Expression: `entity.spec.lifecycle != "production" || "pagerduty.com/service-id" in entity.metadata.annotations`},
	{ID: "docs", Level: "Gold", Expression: `"backstage.io/techdocs-ref" in entity.metadata.annotations`},
	{ID: "ci", Level: "Gold", Expression: `"ci.successRate30d" in facts && facts["ci.successRate30d"] >= 0.9`},
}

var (
	benchOnce sync.Once
	benchCat  *catalog.Catalog
)

// benchCatalog ingests the generated catalog of 100k entities once (the files are
// written once per machine, under GREENROOM_BENCH_DIR or the temporary directory, as
// the catalog's benchmarks do).
func benchCatalog(b *testing.B) *catalog.Catalog {
	b.Helper()
	benchOnce.Do(func() {
		n := 100_000
		dir := os.Getenv("GREENROOM_BENCH_DIR")
		if dir == "" {
			dir = filepath.Join(os.TempDir(), "greenroom-catalog-bench")
		}
		dir = filepath.Join(dir, fmt.Sprintf("v%d-%d", gen.Version, n))
		root := filepath.Join(dir, "all.yaml")
		if _, err := os.Stat(root); err != nil {
			if root, err = gen.Generate(dir, n, 42); err != nil {
				b.Fatal(err)
			}
		}
		rules := []catalog.Rule{{Allow: []string{"Component", "API", "Resource", "System", "Domain", "Group", "User", "Location"}}}
		c, err := catalog.New(context.Background(), catalog.Options{
			Config: catalog.Config{Rules: &rules, Locations: []catalog.LocationConfig{{Type: "file", Target: root}}},
			Logger: quiet(),
		})
		if err != nil {
			b.Fatal(err)
		}
		if err := c.RefreshAll(context.Background()); err != nil {
			b.Fatal(err)
		}
		benchCat = c
	})
	return benchCat
}

func benchEngine(b *testing.B, c *catalog.Catalog) *Engine {
	b.Helper()
	def := Definition{ID: "bench", Filter: []string{"kind=component", "kind=api", "kind=resource"},
		Levels: []Level{{Name: "Bronze"}, {Name: "Silver"}, {Name: "Gold"}}, Rules: benchRules}
	cfg := Config{Definitions: []Definition{def}}
	cfg.ApplyDefaults()
	e, err := New(Options{Config: cfg, Catalog: c, Logger: quiet()})
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// BenchmarkFull100k: a scorecard of 10 rules evaluated over every entity of a 100k
// catalog (every entity is read; components, APIs and resources are rated). Goal: <= 2 s.
func BenchmarkFull100k(b *testing.B) {
	c := benchCatalog(b)
	e := benchEngine(b, c)
	// Each run rates every entity afresh: no result of a previous run is reused.
	cpu0 := cpuTime()
	b.ResetTimer()
	for range b.N {
		e.Full()
	}
	b.StopTimer()
	s, _ := e.Scorecard("bench")
	b.ReportMetric(float64(s.Total), "rated")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/full")
	// The CPU the process spent, over both cores: on a shared machine the wall time
	// above depends on the load, this does not.
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/full")
}

// BenchmarkChangeVisible100k: with the engine running over a 100k catalog, one entity
// changes (through the catalog's provider API, as a plugin's catalog_apply) and the
// time until its new level is what Entity answers. Goal: <= 50 ms.
func BenchmarkChangeVisible100k(b *testing.B) {
	c := benchCatalog(b)
	e := benchEngine(b, c)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	defer func() { cancel(); <-done }()
	for len(e.Entity("component:default/bench-changed")) == 0 && e.Scorecards()[0].Total == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	entity := func(i int) json.RawMessage {
		meta := `"name":"bench-changed","description":"A component that changes in the benchmark"`
		if i%2 == 1 {
			meta += `,"annotations":{"pagerduty.com/service-id":"P1"}`
		}
		return json.RawMessage(`{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{` + meta + `},"spec":{"type":"service","lifecycle":"production","owner":"group:default/team-a"}}`)
	}
	var worst time.Duration
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if err := c.ApplyProvider(ctx, "bench", []json.RawMessage{entity(i)}, nil); err != nil {
			b.Fatal(err)
		}
		want := i%2 == 1
		for {
			r := e.Entity("component:default/bench-changed")
			if len(r) == 1 && r[0].Rules[7].Passed == want {
				break
			}
			time.Sleep(100 * time.Microsecond)
		}
		worst = max(worst, time.Since(start))
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/visible")
	b.ReportMetric(float64(worst.Milliseconds()), "ms/worst")
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
