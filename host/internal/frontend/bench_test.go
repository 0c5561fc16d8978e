package frontend

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"testing"

	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/frontend/ui"
)

func benchCards() []ext.Extension {
	kvCard := cardReturning("entity-card:bench/kv", "", func(rc *ext.RenderContext) (ui.Node, error) {
		kv := ui.Node{Type: ui.TypeKV}
		for i := 0; i < 10; i++ {
			kv.Pairs = append(kv.Pairs, ui.Pair{Key: "key " + strconv.Itoa(i), Value: ui.Badge(rc.Entity.Metadata.Name, ui.ToneInfo)})
		}
		return ui.Card("Facts", kv), nil
	})
	tableCard := cardReturning("entity-card:bench/table", "", func(rc *ext.RenderContext) (ui.Node, error) {
		t := ui.Node{Type: ui.TypeTable, Columns: []string{"Build", "Status", "Link"}}
		for i := 0; i < 20; i++ {
			t.Rows = append(t.Rows, []ui.Node{ui.Text(strconv.Itoa(i)), ui.Badge("passed", ui.ToneSuccess), ui.Link("logs", "https://ci.example/"+strconv.Itoa(i))})
		}
		return ui.Card("CI builds", t), nil
	})
	return []ext.Extension{kvCard, tableCard}
}

// BenchmarkEntityPageBaseline writes the same page's finished UI tree as HTML, with
// no extension tree, catalog lookup or boundaries: the baseline for
// BenchmarkEntityPage's ratio.
func BenchmarkEntityPageBaseline(b *testing.B) {
	a := newApp(b, "", benchCards()...)
	rc := &ext.RenderContext{Path: "/catalog/default/component/payments", Query: url.Values{}}
	n := render(context.Background(), a.root, rc)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ui.Document(&n, ui.DocumentOptions{SiteTitle: "Greenroom"})
	}
}

// BenchmarkEntityPage renders an entity page with 5 cards: the host's About,
// Relations and Links cards and two plugin-style cards (a key-value list and a
// table) that go through the error boundary's validation. Goal (issue 6): p50 <= 3 ms
// with Wasm cards; this measures the host's share.
func BenchmarkEntityPage(b *testing.B) {
	a := newApp(b, "", benchCards()...)
	path := "/catalog/default/component/payments"
	status, html := a.RenderPage(context.Background(), path, url.Values{})
	if status != 200 {
		b.Fatalf("status %d", status)
	}
	b.SetBytes(int64(len(html)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.RenderPage(context.Background(), path, url.Values{})
	}
}

// BenchmarkCatalogIndex100k renders a filtered catalog index page over 100,000
// entities in MemoryCatalog (a linear scan; the real catalog has indexes). Goal
// (issue 6): p50 < 50 ms.
func BenchmarkCatalogIndex100k(b *testing.B) {
	es := make([]ext.Entity, 100_000)
	kinds := []string{"Component", "API", "Resource", "System"}
	for i := range es {
		es[i] = ext.Entity{Kind: kinds[i%4], Metadata: ext.EntityMetadata{Name: fmt.Sprintf("entity-%06d", i), Tags: []string{fmt.Sprintf("t%d", i%50)}},
			Spec: map[string]any{"type": "service", "lifecycle": "production", "owner": fmt.Sprintf("team-%d", i%200)}}
	}
	a, err := New(context.Background(), Options{Catalog: NewMemoryCatalog(es)})
	if err != nil {
		b.Fatal(err)
	}
	q := url.Values{"kind": {"api"}, "page": {"40"}}
	if status, _ := a.RenderPage(context.Background(), "/catalog", q); status != 200 {
		b.Fatalf("status %d", status)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.RenderPage(context.Background(), "/catalog", q)
	}
}
