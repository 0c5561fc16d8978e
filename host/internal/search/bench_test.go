package search

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/catalog/gen"
)

// benchCatalog ingests the generated catalog of n entities (the files are written once
// per machine, under GREENROOM_BENCH_DIR or the temporary directory, as the catalog's
// benchmarks do).
func benchCatalog(b *testing.B, n int) *catalog.Catalog {
	b.Helper()
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
	c.DisableQueryCache()
	return c
}

var docWords = strings.Fields(`deploy operate service runbook alert dashboard rollback incident latency
	database migration schema queue consumer producer retry timeout cache invalidation
	metrics tracing logging oncall escalation release canary feature flag config secret
	rotation backup restore capacity scaling kubernetes helm chart pipeline build test`)

// docsPages makes n TechDocs-like pages (about 120 words each) over the components.
func docsPages(n int) map[string][]Document {
	out := map[string][]Document{}
	for i := range n {
		comp := fmt.Sprintf("component-%06d", i/5)
		var text strings.Builder
		for w := range 120 {
			text.WriteString(docWords[(i*7+w*13)%len(docWords)])
			text.WriteByte(' ')
		}
		src := "component:default/" + comp
		out[src] = append(out[src], Document{
			Title: fmt.Sprintf("%s %d", strings.ToUpper(docWords[i%len(docWords)][:1])+docWords[i%len(docWords)][1:], i), Text: text.String(),
			Location:    fmt.Sprintf("/docs/default/component/%s/page-%d", comp, i%5),
			Fields:      []Field{{"kind", "component"}, {"namespace", "default"}, {"name", comp}, {"path", fmt.Sprintf("page-%d", i%5)}},
			ResourceRef: src,
		})
	}
	return out
}

func heapMB() float64 {
	runtime.GC()
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

// BenchmarkSearch100k: the index over 100k generated entities and 10k docs pages.
// build-s is the full build (goal <= 10 s); index-MB the heap it adds (goal <= 150);
// update-ms one entity's change through the collator (goal: searchable <= 1 s);
// p50/p99-us the query latency in process for one- and two-word terms with a kind
// filter; speedup the substring scan's mean (the catalog's fullText filter, today's
// search, same terms and filter, uncached) over the index's (goal >= 100).
// Run with -benchtime 1x.
func BenchmarkSearch100k(b *testing.B) {
	c := benchCatalog(b, 100_000)
	pages := docsPages(10_000)
	before := heapMB()
	var e *Engine
	var build time.Duration
	for range b.N {
		e = New(Options{Logger: quiet()})
		start := time.Now()
		(&CatalogCollator{Catalog: c, Engine: e}).Full()
		e.replaceType(TypeTechDocs, pages)
		build = time.Since(start)
	}
	b.ReportMetric(build.Seconds(), "build-s")
	b.ReportMetric(heapMB()-before, "index-MB")
	b.ReportMetric(float64(e.Count("")), "docs")

	// One entity's change, as the collator applies it.
	start := time.Now()
	(&CatalogCollator{Catalog: c, Engine: e}).Update([]string{"component:default/component-000042"})
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000, "update-ms")

	kind := map[string][]string{"kind": {"component"}}
	terms := []string{"component", "000042", "component 000042", "generated catalog", "compnent", "rollback runbook"}
	var lat []time.Duration
	var ours, scan time.Duration
	for range 20 {
		for _, term := range terms {
			t0 := time.Now()
			r := e.Search(Query{Term: term, Filters: kind, Limit: 25})
			d := time.Since(t0)
			lat = append(lat, d)
			ours += d
			if len(r.Hits) == 0 && term != "rollback runbook" {
				b.Fatalf("%q: no results", term)
			}
		}
	}
	f, err := catalog.ParseFilter([]string{"kind=component"})
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for range 2 {
		for _, term := range terms {
			t0 := time.Now()
			c.Select(catalog.Selection{Filter: f, FullText: catalog.FullText{Term: term}, Limit: 25})
			scan += time.Since(t0)
			n++
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-us")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-us")
	meanOurs := ours / time.Duration(len(lat))
	meanScan := scan / time.Duration(n)
	b.ReportMetric(float64(meanScan.Microseconds()), "scan-mean-us")
	b.ReportMetric(float64(meanScan)/float64(meanOurs), "speedup")
	runtime.KeepAlive(e)
}
