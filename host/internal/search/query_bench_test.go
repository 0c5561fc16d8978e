package search

import (
	"fmt"
	"testing"
)

// synthetic is an engine of n catalog-like documents (as the generator names and
// describes components) and the docs pages, built directly, for query profiles.
func synthetic(n int) *Engine {
	e := New(Options{Logger: quiet()})
	kinds := []string{"Component", "Component", "API", "User", "Resource", "Group"}
	by := map[string][]Document{}
	for i := range n {
		k := kinds[i%len(kinds)]
		name := fmt.Sprintf("%s-%06d", map[string]string{"Component": "component", "API": "api", "User": "user", "Resource": "resource", "Group": "group"}[k], i)
		d := Document{Title: name, Location: "/catalog/default/x/" + name, ResourceRef: "x:default/" + name,
			Fields: []Field{{"kind", k}, {"lifecycle", "production"}}}
		if k == "Component" {
			d.Title, d.Keywords, d.Text = fmt.Sprintf("Component %d", i), name, fmt.Sprintf("Component number %d of the generated catalog", i)
		}
		by[name] = []Document{d}
	}
	e.replaceType(TypeCatalog, by)
	e.replaceType(TypeTechDocs, docsPages(n/10))
	return e
}

// BenchmarkQuery: one query at a time over 110k documents, per term.
func BenchmarkQuery(b *testing.B) {
	e := synthetic(100_000)
	kind := map[string][]string{"kind": {"component"}}
	for _, term := range []string{"component", "000042", "component 000042", "generated catalog", "compnent", "rollback runbook", ""} {
		b.Run(term, func(b *testing.B) {
			for range b.N {
				e.Search(Query{Term: term, Filters: kind, Limit: 25})
			}
		})
	}
}
