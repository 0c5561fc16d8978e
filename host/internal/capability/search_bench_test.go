package capability

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"greenroom.dev/greenroom/host/internal/search"
)

// BenchmarkSearchReplaceDocsSite is the host's part of indexing a 300-page docs site:
// one search_replace of 3,000 documents (a page and its sections each, about 2.9 MB as
// the TechDocs plugin sends them), decoded, checked and indexed in place of the site's
// previous set.
func BenchmarkSearchReplaceDocsSite(b *testing.B) {
	// The SDKs' member order, which the host's fast decoder takes.
	type doc struct {
		Title       string            `json:"title"`
		Text        string            `json:"text,omitempty"`
		Location    string            `json:"location"`
		Fields      map[string]string `json:"fields,omitempty"`
		ResourceRef string            `json:"resourceRef,omitempty"`
	}
	type request struct {
		Type      string `json:"type"`
		Title     string `json:"title,omitempty"`
		Source    string `json:"source,omitempty"`
		Documents []doc  `json:"documents"`
	}
	var docs []doc
	for p := 0; p < 300; p++ {
		for s := 0; s < 10; s++ {
			loc := fmt.Sprintf("section-%d/page-%d/#topic-%d", p%10, p/10, s)
			docs = append(docs, doc{
				Title:    fmt.Sprintf("Topic %d of page %d", s, p),
				Location: "/docs/default/component/big/" + loc,
				Text: fmt.Sprintf("This part explains topic %d of page %d with inline code, emphasis and a link to the next page. ", s, p) +
					"The service reads its configuration at start-up, validates it, and refuses to start when a value is out of range; operators see the YAML path and the fix in the log. " +
					fmt.Sprintf("value_%d = compute(%d, \"text\") # step %d. Keep the defaults unless the service is under load.", s, p, s),
				ResourceRef: "component:default/big",
				Fields: map[string]string{"kind": "component", "namespace": "default", "name": "big", "componentType": "service", "type": "service",
					"lifecycle": "production", "owner": "team-a", "path": loc},
			})
		}
	}
	req := request{Type: "techdocs", Title: "Documentation", Source: "component:default/big", Documents: docs}
	msg, err := json.Marshal(req)
	if err != nil {
		b.Fatal(err)
	}
	engine := search.New(search.Options{})
	f, err := NewHost(Services{Search: engine}, nil).Link(plugin(b, "search.write: {types: [techdocs]}"), "search_replace", true)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.SetBytes(int64(len(msg)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Each call changes one document, as a rebuild after an edit does; an unchanged
		// set is not indexed again.
		docs[0].Text = fmt.Sprintf("edit %d", i)
		b.StopTimer()
		msg, _ = json.Marshal(req)
		b.StartTimer()
		if out, err := f(ctx, msg); err != nil || string(out) != `{"result":{"count":3000}}` && string(out) != `{"count":3000}` {
			b.Fatalf("%s %v", out, err)
		}
	}
}
