package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog/gen"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/search"
)

// BenchmarkSearchHTTP100k: GET /api/search/query through the whole server over 100k
// generated entities and 10k docs pages, one request at a time, for one- and two-word
// terms with a kind filter: p50/p99-us (goal p99 <= 10 ms), and speedup, the mean of
// today's substring scan through the server (the catalog's by-query with
// fullTextFilterTerm, same terms and filter) over the search route's (goal >= 100).
// Run with -benchtime 1x.
func BenchmarkSearchHTTP100k(b *testing.B) {
	dir := filepath.Join(os.TempDir(), "greenroom-bench-catalog", fmt.Sprintf("http-v%d-100k", gen.Version))
	root := filepath.Join(dir, "all.yaml")
	if _, err := os.Stat(root); err != nil {
		if root, err = gen.Generate(dir, 100_000, 42); err != nil {
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
	for !h.catalog.Ready() || h.search.Count(search.TypeCatalog) < h.catalog.Count() {
		time.Sleep(50 * time.Millisecond)
	}
	h.catalog.DisableQueryCache()
	words := []string{"deploy", "operate", "runbook", "alert", "rollback", "incident", "latency", "schema", "queue", "retry"}
	for i := range 10_000 {
		comp := fmt.Sprintf("component-%06d", i/5)
		text := ""
		for w := range 120 {
			text += words[(i*7+w*13)%len(words)] + " "
		}
		if err := h.search.Replace(search.TypeTechDocs, "component:default/"+comp+fmt.Sprint(i%5), []search.Document{{
			Title: fmt.Sprintf("Page %d of %s", i, comp), Text: text, Location: fmt.Sprintf("/docs/default/component/%s/%d", comp, i%5),
			Fields: []search.Field{{Key: "kind", Value: "component"}, {Key: "name", Value: comp}}, ResourceRef: "component:default/" + comp,
		}}); err != nil {
			b.Fatal(err)
		}
	}
	base := "http://" + h.addr
	terms := []string{"component", "000042", "component 000042", "generated catalog", "compnent", "rollback runbook"}
	get := func(u string) time.Duration {
		t0 := time.Now()
		resp, err := http.Get(u)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("%s: %d", u, resp.StatusCode)
		}
		return time.Since(t0)
	}
	var lat []time.Duration
	var ours, scan time.Duration
	n := 0
	b.ResetTimer()
	for range b.N {
		for range 30 {
			for _, term := range terms {
				d := get(base + "/api/search/query?filters[kind]=component&term=" + url.QueryEscape(term))
				lat = append(lat, d)
				ours += d
			}
		}
		for _, term := range terms {
			scan += get(base + "/api/catalog/entities/by-query?filter=kind=component&limit=25&fullTextFilterTerm=" + url.QueryEscape(term))
			n++
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-us")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-us")
	meanOurs, meanScan := ours/time.Duration(len(lat)), scan/time.Duration(n)
	b.ReportMetric(float64(meanScan.Microseconds()), "scan-mean-us")
	b.ReportMetric(float64(meanScan)/float64(meanOurs), "speedup")
}
