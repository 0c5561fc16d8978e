package main

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"greenroom.dev/greenroom/plugins/techdocs/site"

	greenroom "greenroom.dev/greenroom/sdk/go"
)

// TestSearchIndexing runs the build task natively: a build hands the search index the
// site's pages and sections as Backstage's TechDocs collator makes them (one set per
// entity); a failed indexing leaves the site serving and the next check indexes the
// stored site, without a rebuild, as it does when the entity's owner changes; an entity that loses its docs annotation (on a sync)
// or leaves the catalog (on the task's pass) loses its documents, once.
func TestSearchIndexing(t *testing.T) {
	h := fakeHost(t, false)
	h.Config = map[string]any{"syncInterval": 0}
	var sent []greenroom.SearchReplace
	searchDown, gone, bare, moved := true, false, false, false
	fake := h.Call
	h.Call = func(fn string, req []byte) []byte {
		switch {
		case fn == "search_replace":
			var r greenroom.SearchReplace
			if err := json.Unmarshal(req, &r); err != nil {
				t.Fatalf("search_replace %s: %v", req, err)
			}
			sent = append(sent, r)
			if searchDown {
				return []byte(`{"error":{"code":"unavailable","message":"the index is busy"}}`)
			}
			return []byte(`{"result":{"count":1}}`)
		case fn == "catalog_get" && bare:
			return []byte(`{"result":{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"svc","namespace":"default"},"spec":{"owner":"team-a"}}}`)
		case fn == "catalog_query" && moved && !gone:
			return []byte(`{"result":{"items":[{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"svc","namespace":"default","annotations":{"backstage.io/techdocs-ref":"url:file:///srv/svc"}},"spec":{"owner":"team-b"}}],"totalItems":1,"pageInfo":{}}}`)
		case fn == "catalog_query" && gone:
			return []byte(`{"result":{"items":[],"totalItems":0,"pageInfo":{}}}`)
		case fn == "url_read_tree" && strings.Contains(string(req), `"etag":"e1"`):
			return []byte(`{"result":{"files":[],"etag":"e1","notModified":true}}`)
		}
		return fake(fn, req)
	}
	task := func() {
		t.Helper()
		if rc, out := h.CallTask([]byte(`{"name":"build","scheduledAt":"2026-12-01T10:00:00Z"}`)); rc != 0 {
			t.Fatalf("gr_task: %s", out)
		}
	}
	state := func() state {
		var st state
		json.Unmarshal(h.Files()["state/default/component/svc.json"], &st)
		return st
	}

	task() // builds; the index refuses
	if len(sent) != 1 || state().Indexed != "" || state().ETag != "e1" {
		t.Fatalf("first run: %d calls, state %+v", len(sent), state())
	}
	if _, ok := h.Files()["sites/default/component/svc/index.html"]; !ok {
		t.Fatal("a failed indexing lost the site")
	}
	searchDown = false
	task() // unchanged source: no rebuild, the stored site is indexed
	if len(sent) != 2 || !strings.HasPrefix(state().Indexed, "e1/") {
		t.Fatalf("second run: %d calls, state %+v", len(sent), state())
	}
	r := sent[1]
	if r.Type != "techdocs" || r.Source != "component:default/svc" {
		t.Errorf("type %q source %q", r.Type, r.Source)
	}
	byLoc := map[string]greenroom.SearchDocument{}
	for _, d := range r.Documents {
		byLoc[d.Location] = d
	}
	if len(r.Documents) != 4 {
		t.Errorf("%d documents, want the 2 pages and their 2 sections: %+v", len(r.Documents), r.Documents)
	}
	home, more := byLoc["/docs/default/component/svc/"], byLoc["/docs/default/component/svc/more/#more"]
	if home.Title != "Svc" || home.Text != "Svc Hello." || home.ResourceRef != "component:default/svc" {
		t.Errorf("home page: %+v", home)
	}
	want := map[string]any{"path": "more/#more", "kind": "component", "namespace": "default", "name": "svc", "owner": "team-a"}
	if got, _ := json.Marshal(more.Fields); more.Title != "More" || string(got) != mustJSON(want) {
		t.Errorf("section: %+v, fields %s, want %s", more, got, mustJSON(want))
	}

	task() // indexed and unchanged: nothing to send
	if len(sent) != 2 {
		t.Errorf("an indexed, unchanged site was sent again: %+v", sent[2:])
	}
	moved = true // a new owner: the same site, sent again with it
	task()
	if len(sent) != 3 || len(sent[2].Documents) != 4 || sent[2].Documents[0].Fields["owner"] != "team-b" {
		t.Fatalf("new owner: %d calls, last %+v", len(sent), sent[len(sent)-1])
	}
	sent = sent[:2]
	moved = false
	task() // and back
	if len(sent) != 3 || sent[2].Documents[0].Fields["owner"] != "team-a" {
		t.Fatalf("owner back: %d calls", len(sent))
	}
	sent = sent[:2]
	bare = true // the annotation is gone: a sync removes the documents
	sync := []byte(`{"method":"GET","path":"/sync/default/component/svc","route":"/sync/:namespace/:kind/:name","params":{"namespace":"default","kind":"component","name":"svc"}}`)
	rc, out := h.CallHTTP(sync)
	var resp struct{ Body []byte }
	if err := json.Unmarshal(out, &resp); rc != 0 || err != nil || !strings.Contains(string(resp.Body), "has no backstage.io/techdocs-ref annotation") {
		t.Fatalf("sync: %d %s", rc, resp.Body)
	}
	if len(sent) != 3 || sent[2].Source != "component:default/svc" || len(sent[2].Documents) != 0 || state().Indexed != "" {
		t.Fatalf("annotation removed: %d calls, state %+v", len(sent), state())
	}
	bare = false
	task() // back: the stored site is indexed again
	if len(sent) != 4 || len(sent[3].Documents) != 4 || !strings.HasPrefix(state().Indexed, "e1/") {
		t.Fatalf("annotation back: %d calls, state %+v", len(sent), state())
	}
	gone = true
	task() // the entity left the catalog
	if len(sent) != 5 || sent[4].Source != "component:default/svc" || len(sent[4].Documents) != 0 || state().Indexed != "" {
		t.Fatalf("gone: %d calls %+v, state %+v", len(sent), sent[len(sent)-1], state())
	}
	task()
	if len(sent) != 5 {
		t.Errorf("documents removed twice: %+v", sent[5:])
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestSearchDocumentFields: the entity's fields as Backstage's collator sets them:
// the owner from the ownedBy relation (its name part), the type twice, the title, and
// over-long texts cut at a character boundary rather than refused.
func TestSearchDocumentFields(t *testing.T) {
	e := &greenroom.Entity{Kind: "API", Metadata: greenroom.EntityMetadata{Name: "Pay-API", Namespace: "Shop", Title: "Payments API"},
		Spec:      map[string]any{"type": "openapi", "lifecycle": "production", "owner": "group:shop/other"},
		Relations: []greenroom.EntityRelation{{Type: "ownedBy", TargetRef: "group:shop/team-pay"}}}
	long := strings.Repeat("é", maxSearchText) // two bytes each
	docs := searchDocuments(e, []site.SearchEntry{{Location: "", Title: "Home", Text: long}, {Location: "#x", Title: " "}})
	if len(docs) != 1 {
		t.Fatalf("documents: %+v", docs)
	}
	d := docs[0]
	want := map[string]any{"path": "", "kind": "api", "namespace": "shop", "name": "pay-api", "entityTitle": "Payments API",
		"componentType": "openapi", "type": "openapi", "lifecycle": "production", "owner": "team-pay"}
	if got, _ := json.Marshal(d.Fields); string(got) != mustJSON(want) || d.Location != "/docs/shop/api/pay-api/" || d.ResourceRef != "api:shop/pay-api" {
		t.Errorf("document %s %s %s, want fields %s", d.Location, d.ResourceRef, got, mustJSON(want))
	}
	if len(d.Text) != maxSearchText || !utf8.ValidString(d.Text) {
		t.Errorf("text: %d bytes, valid %v", len(d.Text), utf8.ValidString(d.Text))
	}
}
