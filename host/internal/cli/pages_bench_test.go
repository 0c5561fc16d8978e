package cli

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/catalog/gen"
	"greenroom.dev/greenroom/host/internal/frontend"
)

// BenchmarkCatalogIndex100k renders the catalog index page (paginated, with its facet
// filters) over the real catalog holding 100,000 generated entities: unfiltered, filtered
// by kind and lifecycle, and with a text search. Target: p50 under 50 ms.
func BenchmarkCatalogIndex100k(b *testing.B) {
	dir := filepath.Join(os.TempDir(), "greenroom-bench-catalog", "pages-100k")
	root := filepath.Join(dir, "all.yaml")
	if _, err := os.Stat(root); err != nil {
		if root, err = gen.Generate(dir, 100000, 42); err != nil {
			b.Fatal(err)
		}
	}
	all := []catalog.Rule{{Allow: []string{"Component", "System", "API", "Resource", "Location", "Template", "Group", "User", "Domain"}}}
	c, err := catalog.New(context.Background(), catalog.Options{
		Config: catalog.Config{Locations: []catalog.LocationConfig{{Type: "file", Target: root}}, Rules: &all},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.RefreshAll(context.Background()); err != nil {
		b.Fatal(err)
	}
	app, err := frontend.New(context.Background(), frontend.Options{Catalog: catalogSource{c: c}})
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range []struct{ name, query string }{
		{"all", ""},
		{"kind+lifecycle", "kind=Component&lifecycle=production"},
		{"search", "q=service-1"},
		{"page-50", "kind=Component&page=50"},
	} {
		b.Run(q.name, func(b *testing.B) {
			vals, _ := url.ParseQuery(q.query)
			times := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				start := time.Now()
				status, html := app.RenderPage(context.Background(), "/catalog", vals)
				times = append(times, time.Since(start))
				if status != 200 || len(html) == 0 {
					b.Fatalf("status %d", status)
				}
			}
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
