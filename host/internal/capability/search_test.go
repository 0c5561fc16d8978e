package capability

import (
	"fmt"
	"strings"
	"testing"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/search"
)

// TestSearchReplace: a plugin's collator adds documents of its granted types; another
// type, a malformed document or too many documents are refused with a message that
// names the document, the grant or the limit, and what was indexed before (its own
// set and every other source) keeps being served.
func TestSearchReplace(t *testing.T) {
	engine := search.New(search.Options{})
	if err := engine.Replace(search.TypeCatalog, "component:default/ledger", []search.Document{{Title: "Ledger", Location: "/catalog/default/component/ledger"}}); err != nil {
		t.Fatal(err)
	}
	h := NewHost(Services{Search: engine}, nil)
	funcs := link(t, h, plugin(t, "search.write: {}"))
	docs := link(t, h, plugin(t, "search.write: {types: [techdocs]}"))

	out, aerr := callFunc(t, funcs, "search_replace", `{"type":"p","title":"Decisions","documents":[{"title":"Use the ledger","text":"ledger entries","location":"/adr/1","fields":{"status":"accepted","tags":["a","b"]},"resourceRef":"Component:default/Ledger"}]}`)
	if aerr != nil || out != `{"count":1}` {
		t.Fatalf("replace: %s %v", out, aerr)
	}
	if typ, ok := engine.Type("p"); !ok || typ.Title != "Decisions" || typ.Owner != "p" {
		t.Errorf("type registered as %+v %v", typ, ok)
	}
	res := engine.Search(search.Query{Term: "ledger", Types: []string{"p"}, Filters: map[string][]string{"tags": {"b"}}, Limit: 5})
	if len(res.Hits) != 1 || res.Hits[0].Doc.ResourceRef != "component:default/ledger" {
		t.Errorf("search: %+v", res.Hits)
	}
	if _, aerr := callFunc(t, docs, "search_replace", `{"type":"techdocs","source":"component:default/ledger","documents":[{"title":"Ledger docs","location":"/docs/default/component/ledger"}]}`); aerr != nil {
		t.Errorf("techdocs: %v", aerr)
	}

	many := `{"type":"p","documents":[` + strings.TrimSuffix(strings.Repeat(`{"title":"x","location":"/x"},`, search.DefaultMaxSourceDocuments+1), ",") + `]}`
	for _, tc := range []struct {
		name, req string
		code      abi.Code
		msg       string
	}{
		{"other type", `{"type":"techdocs","documents":[]}`, abi.CodeCapabilityDenied, `plugin p may not write documents of type "techdocs"; it may write p (add the type to plugins[0].grants["search.write"].types)`},
		{"no title", `{"type":"p","documents":[{"location":"/a"}]}`, abi.CodeInvalidArgument, `document 0 (""): title is empty`},
		{"script location", `{"type":"p","documents":[{"title":"t","location":"javascript:alert(1)"}]}`, abi.CodeInvalidArgument, "neither a path of the portal nor an http(s) URL"},
		{"object field", `{"type":"p","documents":[{"title":"t","location":"/a","fields":{"x":{"y":1}}}]}`, abi.CodeInvalidArgument, `documents[0]: field "x" is neither a string nor an array of strings`},
		{"not JSON", `{"type":"p","documents":{}}`, abi.CodeInvalidArgument, "not valid JSON for this function"},
		{"too many", many, abi.CodeTooLarge, fmt.Sprintf("%d documents, over search.maxSourceDocuments (%d)", search.DefaultMaxSourceDocuments+1, search.DefaultMaxSourceDocuments)},
	} {
		_, aerr := callFunc(t, funcs, "search_replace", tc.req)
		if aerr == nil || aerr.Code != tc.code || !strings.Contains(aerr.Message, tc.msg) {
			t.Errorf("%s: %v, want %s saying %q", tc.name, aerr, tc.code, tc.msg)
		}
	}
	for typ, want := range map[string]int{"p": 1, search.TypeCatalog: 1, search.TypeTechDocs: 1} {
		if n := engine.Count(typ); n != want {
			t.Errorf("after the refusals, %s holds %d documents, want %d", typ, n, want)
		}
	}
}
