package wasmext_test

import (
	"context"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"
)

// benchCards are five working Wasm cards: a key-value list, a table of 20 rows, Markdown,
// a bar chart, and the owner card, which calls catalog_get while it renders.
var benchCards = map[string]bool{
	"entity-card:cards/owner": true, "entity-card:cards/facts": true, "entity-card:cards/table": true,
	"entity-card:cards/markdown": true, "entity-card:cards/chart": true,
}

func benchPage(b *testing.B, keep func(string) bool, wantCards int) {
	l := load(b, "host/internal/frontend/wasmext/testdata/cards", time.Second)
	a := newApp(b, l, "", keep)
	ctx, path, q := context.Background(), "/catalog/default/component/payments", url.Values{}
	status, html := a.RenderPage(ctx, path, q)
	if status != 200 || strings.Count(string(html), `class="gr-card"`) < wantCards || strings.Contains(string(html), `role="alert"`) {
		b.Fatalf("status %d, %d cards, error box: %v", status, strings.Count(string(html), `class="gr-card"`), strings.Contains(string(html), `role="alert"`))
	}
	times := make([]time.Duration, 0, b.N)
	b.SetBytes(int64(len(html)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		a.RenderPage(ctx, path, q)
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(times[len(times)*99/100].Nanoseconds()), "p99-ns")
}

// BenchmarkEntityPageHostCards renders the entity page with the host's About and Relations
// cards only (the entity has no links): the baseline of BenchmarkEntityPageWasmCards.
func BenchmarkEntityPageHostCards(b *testing.B) {
	benchPage(b, func(string) bool { return false }, 2)
}

// BenchmarkEntityPageWasmCards renders the entity page with the host's two cards and
// five Wasm cards, each a gr_render call into a Go plugin. Goal (issue 6): p50 <= 3 ms.
func BenchmarkEntityPageWasmCards(b *testing.B) {
	benchPage(b, func(id string) bool { return benchCards[id] }, 7)
}
