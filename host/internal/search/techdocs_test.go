package search

import (
	"slices"
	"strings"
	"testing"
)

// TestTechDocsDocuments: a site's MkDocs index becomes one document per page and
// section, with Backstage's TechDocs fields and locations, found by search under the
// techdocs type; a malformed index is an error naming the entity.
func TestTechDocsDocuments(t *testing.T) {
	ent := DocsEntity{Kind: "Component", Namespace: "default", Name: "Payments-Service", Title: "Payments", Type: "service", Lifecycle: "production", Owner: "team-payments"}
	idx := `{"config":{"lang":["en"]},"docs":[
		{"location":"","title":"Home","text":"How we take &amp; refund payments."},
		{"location":"#runbook","title":"Runbook","text":"Page the on-call &lt;payments&gt; rotation."},
		{"location":"","title":"","text":""}]}`
	docs, err := TechDocsDocuments(ent, []byte(idx))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || docs[1].Location != "/docs/default/component/payments-service/#runbook" || docs[0].Text != "How we take & refund payments." ||
		docs[1].ResourceRef != "component:default/payments-service" || !slices.Contains(docs[1].Fields, Field{"entityTitle", "Payments"}) {
		t.Fatalf("documents: %+v", docs)
	}
	e := New(Options{Logger: quiet()})
	if err := e.Replace(TypeTechDocs, "component:default/payments-service", docs); err != nil {
		t.Fatal(err)
	}
	res := e.Search(Query{Term: "runbook", Types: []string{TypeTechDocs}, Filters: map[string][]string{"owner": {"team-payments"}}, Limit: 5})
	if len(res.Hits) != 1 || res.Hits[0].Doc.Title != "Runbook" {
		t.Errorf("search: %+v", res.Hits)
	}
	if _, err := TechDocsDocuments(ent, []byte(`{"docs": "nope"}`)); err == nil || !strings.Contains(err.Error(), "techdocs Component:default/Payments-Service: search_index.json is not MkDocs' search index") {
		t.Errorf("malformed index: %v", err)
	}
}
