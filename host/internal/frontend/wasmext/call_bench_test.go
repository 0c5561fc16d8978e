package wasmext_test

import (
	"context"
	"testing"
	"time"
)

// BenchmarkRenderCall measures single gr_render and gr_extension calls into the Go test
// plugin, without the page around them: a tiny tree, a card with an entity and ten
// key-value pairs, and a card with a 20-row table.
func BenchmarkRenderCall(b *testing.B) {
	l := load(b, "host/internal/frontend/wasmext/testdata/cards", time.Second)
	for _, c := range []struct{ name, in string }{
		{"text", `{"extension":"page:cards","config":{},"path":"/cards","query":{}}`},
		{"facts", `{"extension":"entity-card:cards/facts","config":{},"path":"/catalog/default/component/payments","query":{},"entity":{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"payments","title":"Payments service","description":"Takes the money.","tags":["go"]},"spec":{"lifecycle":"production","owner":"group:default/team-a","type":"service"},"relations":[{"type":"ownedBy","targetRef":"group:default/team-a"}]}}`},
		{"table", `{"extension":"entity-card:cards/table","config":{},"path":"/catalog/default/component/payments","query":{},"entity":{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"payments"}}}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := l.plugin.Call(context.Background(), "gr_render", []byte(c.in)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("extension", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := l.plugin.Call(context.Background(), "gr_extension", []byte(`{"extension":"nav-item:cards","config":{}}`)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
