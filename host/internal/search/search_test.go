package search

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/permission"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// entityYAML is a Component with the given name, title and description.
func entityYAML(name, title, desc, owner string) string {
	return fmt.Sprintf("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: %s\n  title: %q\n  description: %q\n  tags: [go]\nspec:\n  type: service\n  lifecycle: production\n  owner: %s\n", name, title, desc, owner)
}

// testCatalog writes docs into a catalog file in a temporary directory and loads it.
func testCatalog(t *testing.T, docs ...string) (*catalog.Catalog, string) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "catalog-info.yaml")
	writeCatalog(t, file, docs...)
	rules := []catalog.Rule{{Allow: []string{"Component", "API", "Group", "User", "System", "Location"}}}
	c, err := catalog.New(context.Background(), catalog.Options{
		Config: catalog.Config{Rules: &rules, Locations: []catalog.LocationConfig{{Type: "file", Target: file}}},
		Logger: quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RefreshAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c, file
}

func writeCatalog(t *testing.T, file string, docs ...string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(strings.Join(docs, "---\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}

var fixture = []string{
	entityYAML("payments", "Payments", "Moves money between ledgers", "team-a"),
	entityYAML("payments-gateway", "Payments Gateway", "Talks to card networks", "team-a"),
	entityYAML("ledger", "Ledger", "Books every payment made through payments", "team-b"),
	entityYAML("paymints", "Paymints", "A typo-named candy shop", "team-b"),
	entityYAML("checkout", "Checkout", "The shop's checkout page", "team-c"),
}

func engineOver(t *testing.T, c *catalog.Catalog) *Engine {
	t.Helper()
	e := New(Options{Logger: quiet()})
	(&CatalogCollator{Catalog: c, Engine: e}).Full()
	return e
}

func titles(r Result) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.Doc.Title)
	}
	return out
}

// TestRanking: an exact title word outranks a prefix of one, which outranks a typo,
// which outranks a match in the text only; the whole title matching comes first.
func TestRanking(t *testing.T) {
	c, _ := testCatalog(t, fixture...)
	e := engineOver(t, c)
	for _, tc := range []struct {
		term string
		want []string
	}{
		// "Payments" is the whole title; "Payments Gateway" has the exact word; "Paymints"
		// is one typo away; "Ledger" has it in its text.
		{"payments", []string{"Payments", "Payments Gateway", "Paymints", "Ledger"}},
		{"pay", []string{"Payments", "Paymints", "Payments Gateway", "Ledger"}},
		{"paymnts", []string{"Payments", "Paymints", "Payments Gateway", "Ledger"}},
		{"payments gateway", []string{"Payments Gateway"}},
		{"shop", []string{"Checkout", "Paymints"}},
		{"nothing-like-it", nil},
	} {
		got := titles(e.Search(Query{Term: tc.term, Limit: 25}))
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: got %q, want %q", tc.term, got, tc.want)
		}
	}
}

// TestFilters: field filters match exactly (case-insensitively); a field no document
// has gives nothing; type restriction applies.
func TestFilters(t *testing.T) {
	c, _ := testCatalog(t, fixture...)
	e := engineOver(t, c)
	for _, tc := range []struct {
		q    Query
		want int
	}{
		{Query{Term: "payments", Filters: map[string][]string{"owner": {"team-a"}}}, 2},
		{Query{Term: "payments", Filters: map[string][]string{"kind": {"component"}}}, 4},
		{Query{Term: "", Filters: map[string][]string{"owner": {"team-b", "team-c"}}}, 3},
		{Query{Term: "", Filters: map[string][]string{"tags": {"go"}}}, 5},
		{Query{Term: "payments", Filters: map[string][]string{"nosuchfield": {"x"}}}, 0},
		{Query{Term: "payments", Types: []string{TypeTechDocs}}, 0},
		{Query{Term: "payments", Types: []string{TypeCatalog}}, 4},
	} {
		tc.q.Limit = 25
		if got := e.Search(tc.q); got.Total != tc.want || len(got.Hits) != tc.want {
			t.Errorf("%+v: %d results (total %d), want %d", tc.q, len(got.Hits), got.Total, tc.want)
		}
	}
}

// TestCatalogIncremental: a change to an entity is searchable within a second of the
// catalog applying it, and a removed entity leaves the index.
func TestCatalogIncremental(t *testing.T) {
	c, file := testCatalog(t, fixture...)
	e := New(Options{Logger: quiet()})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- (&CatalogCollator{Catalog: c, Engine: e, Interval: 20 * time.Millisecond}).Run(ctx) }()
	waitFor(t, "the first pass", func() bool { return e.Count(TypeCatalog) == c.Count() })

	docs := append(slices.Clone(fixture[1:]), entityYAML("zebra", "Zebra Crossing", "A new service", "team-z"))
	writeCatalog(t, file, docs...)
	if err := c.RefreshAll(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	waitFor(t, "the new entity", func() bool { return len(e.Search(Query{Term: "zebra", Limit: 5}).Hits) == 1 })
	if d := time.Since(start); d > time.Second {
		t.Errorf("searchable after %v, want within 1s", d)
	}
	waitFor(t, "the removed entity to go", func() bool {
		return !slices.Contains(titles(e.Search(Query{Term: "payments", Limit: 25})), "Payments")
	})
	cancel()
	<-done
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func serve(t *testing.T, a *API, raw string, auth Authorizer) (int, map[string]any) {
	t.Helper()
	r := a.Serve(context.Background(), &Request{RawQuery: raw, Authorize: auth})
	checkOpenAPI(t, raw, r)
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("%s: body %q: %v", raw, r.Body, err)
	}
	return r.Status, body
}

// TestServeBadInput: each bad query gets a 400 InputError that says what is wrong, and
// the query syntax of other engines is plain text here.
func TestServeBadInput(t *testing.T) {
	c, _ := testCatalog(t, fixture...)
	a := &API{Engine: engineOver(t, c), Catalog: c}
	long := strings.Repeat("a", 10<<10)
	for _, tc := range []struct {
		name, raw string
		status    int
		msg       string
	}{
		{"empty term", "term=", 200, ""},
		{"no term", "", 200, ""},
		{"10 kB term", "term=" + long, 400, "over the limit of 100 (search.maxTermLength)"},
		{"unknown type", "term=x&types[]=nope", 400, `unknown type "nope"; the types are software-catalog, techdocs`},
		{"broken cursor", "term=x&pageCursor=%%%", 400, "Invalid query string"},
		{"cursor not base64", "term=x&pageCursor=***", 400, "not base64"},
		{"cursor not a page", "term=x&pageCursor=" + EncodeCursor(-1), 400, "not a page number"},
		{"cursor not a number", "term=x&pageCursor=YWJj", 400, "not a page number"},
		{"page limit", "term=x&pageLimit=1000", 400, "pageLimit \"1000\" is not a number from 1 to 100"},
		{"nested filter", "term=x&filters[a][b]=c", 400, "is not filters[<field>]=<value>"},
		{"unknown filter", "term=payments&filters[nosuch]=x", 200, ""},
		{"invalid UTF-8", "term=%ff%fe", 400, "not UTF-8"},
	} {
		status, body := serve(t, a, tc.raw, nil)
		if status != tc.status {
			t.Errorf("%s: status %d, want %d (%v)", tc.name, status, tc.status, body)
			continue
		}
		if tc.msg != "" {
			e, _ := body["error"].(map[string]any)
			if e["name"] != "InputError" || !strings.Contains(fmt.Sprint(e["message"]), tc.msg) {
				t.Errorf("%s: error %v, want an InputError saying %q", tc.name, e, tc.msg)
			}
		}
	}
	// Every special character of Lucene's, Lunr's and tsquery's syntax is text.
	for _, ch := range strings.Split(`+ - && || ! ( ) { } [ ] ^ " ~ * ? : \ / & | < > ' % $ # @ = ; , . _ `+"`", " ") {
		term := "pay" + ch + "ments"
		status, body := serve(t, a, "term="+urlEscape(term), nil)
		if status != 200 {
			t.Errorf("term %q: status %d: %v", term, status, body)
		}
		status, body = serve(t, a, "term="+urlEscape(ch), nil)
		if status != 200 {
			t.Errorf("term %q: status %d: %v", ch, status, body)
		}
	}
}

func urlEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// TestServePaging: pages of pageLimit, cursors forward and back, ranks across pages.
func TestServePaging(t *testing.T) {
	var docs []string
	for i := range 60 {
		docs = append(docs, entityYAML(fmt.Sprintf("svc-%02d", i), fmt.Sprintf("Service %02d", i), "a service", "team-a"))
	}
	c, _ := testCatalog(t, docs...)
	a := &API{Engine: engineOver(t, c), Catalog: c}
	var seen []string
	raw := "term=service&pageLimit=25"
	for page := 0; ; page++ {
		status, body := serve(t, a, raw, nil)
		if status != 200 {
			t.Fatal(body)
		}
		results := body["results"].([]any)
		for i, r := range results {
			r := r.(map[string]any)
			if rank := int(r["rank"].(float64)); rank != page*25+i+1 {
				t.Errorf("page %d result %d: rank %d", page, i, rank)
			}
			seen = append(seen, r["document"].(map[string]any)["title"].(string))
		}
		if n := body["numberOfResults"]; n != float64(60) {
			t.Errorf("numberOfResults %v, want 60", n)
		}
		if page > 0 && body["previousPageCursor"] != EncodeCursor(page-1) {
			t.Errorf("page %d: previousPageCursor %v", page, body["previousPageCursor"])
		}
		next, ok := body["nextPageCursor"].(string)
		if !ok {
			if page != 2 || len(results) != 10 {
				t.Errorf("last page %d has %d results", page, len(results))
			}
			break
		}
		raw = "term=service&pageLimit=25&pageCursor=" + next
	}
	want := slices.Clone(seen)
	slices.Sort(want)
	if !slices.Equal(seen, want) || len(seen) != 60 {
		t.Errorf("pages hold %d results, in order %v", len(seen), seen[:5])
	}
}

// TestServeHighlight: matched words are between the response's tags.
func TestServeHighlight(t *testing.T) {
	c, _ := testCatalog(t, fixture...)
	a := &API{Engine: engineOver(t, c), Catalog: c}
	_, body := serve(t, a, "term=gateway", nil)
	r := body["results"].([]any)[0].(map[string]any)
	h := r["highlight"].(map[string]any)
	pre, post := h["preTag"].(string), h["postTag"].(string)
	if got := h["fields"].(map[string]any)["title"]; got != "Payments "+pre+"Gateway"+post {
		t.Errorf("title highlight %q", got)
	}
	if !strings.HasPrefix(pre, "<") || pre == "<mark>" {
		t.Errorf("tags %q %q are not the engine's own", pre, post)
	}
}

func conditional(t *testing.T, criteria string) permission.Decision {
	t.Helper()
	var c permission.Criteria
	if err := json.Unmarshal([]byte(criteria), &c); err != nil {
		t.Fatal(err)
	}
	return permission.Decision{Result: permission.Conditional, PluginID: "catalog", ResourceType: permission.CatalogEntityResource, Conditions: &c}
}

// TestServePermissions: results honour catalog.entity.read: ALLOW sees all, DENY no
// catalog documents (but a plugin's own type still), CONDITIONAL only the entities
// its conditions match, with counts and pages over those alone.
func TestServePermissions(t *testing.T) {
	c, _ := testCatalog(t, fixture...)
	e := engineOver(t, c)
	e.Register(TypeInfo{Name: "adr", Title: "Decisions", Owner: "adr"})
	if err := e.Replace("adr", "adr", []Document{{Title: "Use payments queues", Text: "decided", Location: "/adr/1"}}); err != nil {
		t.Fatal(err)
	}
	a := &API{Engine: e, Catalog: c}
	ownedByA := conditional(t, `{"rule":"IS_ENTITY_OWNER","resourceType":"catalog-entity","params":{"claims":["group:default/team-a"]}}`)
	for _, tc := range []struct {
		name string
		d    permission.Decision
		want []string
	}{
		{"allow", permission.Decision{Result: permission.Allow}, []string{"Payments", "Payments Gateway", "Use payments queues", "Paymints", "Ledger"}},
		{"deny", permission.Decision{Result: permission.Deny}, []string{"Use payments queues"}},
		{"conditional", ownedByA, []string{"Payments", "Payments Gateway", "Use payments queues"}},
	} {
		auth := func(context.Context, permission.Permission) (permission.Decision, error) { return tc.d, nil }
		status, body := serve(t, a, "term=payments", auth)
		if status != 200 {
			t.Fatal(body)
		}
		var got []string
		for _, r := range body["results"].([]any) {
			got = append(got, r.(map[string]any)["document"].(map[string]any)["title"].(string))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
		if n := body["numberOfResults"]; n != float64(len(tc.want)) {
			t.Errorf("%s: numberOfResults %v", tc.name, n)
		}
	}
}

// TestReplaceRefuses: a malformed document or too many of them refuse the whole set
// with an error naming the source, the document and the fix; the source's previous
// documents and every other source keep being served.
func TestReplaceRefuses(t *testing.T) {
	e := New(Options{Logger: quiet(), Config: Config{MaxSourceDocuments: 1000}})
	e.Register(TypeInfo{Name: "adr", Owner: "adr"})
	good := []Document{{Title: "Keep me", Text: "old", Location: "/adr/1"}}
	if err := e.Replace("adr", "adr", good); err != nil {
		t.Fatal(err)
	}
	if err := e.Replace("adr", "other", []Document{{Title: "Other source", Location: "/adr/2"}}); err != nil {
		t.Fatal(err)
	}
	many := make([]Document, 1001)
	for i := range many {
		many[i] = Document{Title: "x", Location: "/x"}
	}
	for _, tc := range []struct {
		name string
		typ  string
		docs []Document
		want string
	}{
		{"unregistered type", "nope", good, `type "nope" is not registered`},
		{"no title", "adr", []Document{{Location: "/a"}}, "document 0 (\"\"): title is empty"},
		{"no location", "adr", []Document{{Title: "t"}}, "location is empty"},
		{"script location", "adr", []Document{{Title: "t", Location: "javascript:alert(1)"}}, "neither a path of the portal nor an http(s) URL"},
		{"reserved field", "adr", []Document{{Title: "t", Location: "/a", Fields: []Field{{"title", "x"}}}}, `field "title" is the document's own`},
		{"huge text", "adr", []Document{{Title: "t", Location: "/a", Text: strings.Repeat("x", MaxText+1)}}, "split the page into sections"},
		{"not UTF-8", "adr", []Document{{Title: "t\xff", Location: "/a"}}, "not UTF-8"},
		{"too many", "adr", many, "1001 documents, over search.maxSourceDocuments (1000)"},
	} {
		err := e.Replace(tc.typ, "adr", tc.docs)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if got := titles(e.Search(Query{Term: "", Limit: 10})); !slices.Equal(got, []string{"Keep me", "Other source"}) {
		t.Errorf("after the refusals: %q", got)
	}
}

// TestPersist: the index survives a restart; a corrupt file is kept aside and the
// index starts empty for the collators to fill; a missing file starts empty.
func TestPersist(t *testing.T) {
	c, _ := testCatalog(t, fixture...)
	file := filepath.Join(t.TempDir(), "search", "index")
	e := New(Options{File: file, Logger: quiet()})
	e.Register(TypeInfo{Name: "adr", Owner: "adr"})
	(&CatalogCollator{Catalog: c, Engine: e}).Full()
	if err := e.Replace("adr", "adr", []Document{{Title: "Decision one", Location: "/adr/1", Fields: []Field{{"status", "accepted"}}}}); err != nil {
		t.Fatal(err)
	}
	if err := e.Save(); err != nil {
		t.Fatal(err)
	}
	again := New(Options{File: file, Logger: quiet()})
	if n := again.Count(""); n != c.Count()+1 {
		t.Fatalf("after a restart: %d documents, want %d", n, c.Count()+1)
	}
	if got := titles(again.Search(Query{Term: "decision", Types: []string{"adr"}, Filters: map[string][]string{"status": {"accepted"}}, Limit: 5})); !slices.Equal(got, []string{"Decision one"}) {
		t.Errorf("the plugin's type after a restart: %q", got)
	}
	// The permission check needs the documents' refs after a restart too.
	if got := again.Search(Query{Term: "ledger", Limit: 5}); len(got.Hits) == 0 || got.Hits[0].Doc.ResourceRef != "component:default/ledger" {
		t.Errorf("ref after a restart: %+v", got.Hits)
	}

	b, _ := os.ReadFile(file)
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	broken := New(Options{File: file, Logger: quiet()})
	if n := broken.Count(""); n != 0 {
		t.Errorf("a corrupt file gave %d documents", n)
	}
	if _, err := os.Stat(file + ".corrupt"); err != nil {
		t.Errorf("the corrupt file is not kept: %v", err)
	}
	(&CatalogCollator{Catalog: c, Engine: broken}).Full()
	if err := broken.Save(); err != nil {
		t.Fatal(err)
	}
	if n := New(Options{File: file, Logger: quiet()}).Count(""); n != c.Count() {
		t.Errorf("rebuilt file holds %d documents", n)
	}
	if n := New(Options{File: filepath.Join(t.TempDir(), "missing"), Logger: quiet()}).Count(""); n != 0 {
		t.Errorf("a missing file gave %d documents", n)
	}
}

// TestReplaceKeepsUnchangedDocuments: replacing a source's documents keeps the slot of
// each one sent again unchanged at its location, and indexes what changed: new text is
// found and old text is not, a document left out is gone, a new one is there, and a
// second source of the type is untouched.
func TestReplaceKeepsUnchangedDocuments(t *testing.T) {
	e := New(Options{Logger: quiet()})
	e.Register(TypeInfo{Name: "techdocs", Owner: "techdocs"})
	site := []Document{
		{Title: "Install", Text: "apricot steps", Location: "/docs/a/install/", Fields: []Field{{"kind", "component"}}},
		{Title: "Usage", Text: "blueberry flags", Location: "/docs/a/usage/"},
		{Title: "Gone", Text: "cherry", Location: "/docs/a/gone/"},
		{Title: "Same place", Text: "dates", Location: "/docs/a/same/"},
		{Title: "Same place", Text: "dates", Location: "/docs/a/same/"},
	}
	if err := e.Replace("techdocs", "component:default/a", site); err != nil {
		t.Fatal(err)
	}
	if err := e.Replace("techdocs", "component:default/b", []Document{{Title: "Other", Text: "blueberry", Location: "/docs/b/"}}); err != nil {
		t.Fatal(err)
	}
	key := sourceKey("techdocs", "component:default/a")
	before := slices.Clone(e.idx.sources[key])
	edited := []Document{
		{Title: "Install", Text: "apricot steps", Location: "/docs/a/install/", Fields: []Field{{"kind", "component"}}},
		{Title: "Usage", Text: "elderberry flags", Location: "/docs/a/usage/"},
		{Title: "Same place", Text: "dates", Location: "/docs/a/same/"},
		{Title: "Same place", Text: "dates", Location: "/docs/a/same/"},
		{Title: "New", Text: "fig", Location: "/docs/a/new/"},
	}
	if err := e.Replace("techdocs", "component:default/a", edited); err != nil {
		t.Fatal(err)
	}
	after := e.idx.sources[key]
	if after[0] != before[0] {
		t.Errorf("the unchanged document moved from slot %d to %d", before[0], after[0])
	}
	if after[1] == before[1] {
		t.Error("the changed document kept its slot")
	}
	for term, want := range map[string][]string{
		"apricot": {"Install"}, "blueberry": {"Other"}, "elderberry": {"Usage"}, "cherry": nil,
		"fig": {"New"}, "dates": {"Same place", "Same place"},
	} {
		if got := titles(e.Search(Query{Term: term, Limit: 10})); !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", term, got, want)
		}
	}
	if n := e.Count("techdocs"); n != 6 {
		t.Errorf("count %d, want 6", n)
	}
	if got := titles(e.Search(Query{Filters: map[string][]string{"kind": {"component"}}, Limit: 10})); !slices.Equal(got, []string{"Install"}) {
		t.Errorf("field filter: %q", got)
	}
	// Sent again unchanged: nothing moves. Emptied: the source is gone.
	if err := e.Replace("techdocs", "component:default/a", edited); err != nil || !slices.Equal(e.idx.sources[key], after) {
		t.Errorf("unchanged replace moved slots: %v %v", e.idx.sources[key], err)
	}
	if err := e.Replace("techdocs", "component:default/a", nil); err != nil || e.Count("techdocs") != 1 {
		t.Errorf("emptied: %v, %d left", err, e.Count("techdocs"))
	}
	if _, ok := e.idx.sources[key]; ok {
		t.Error("an emptied source is still listed")
	}
}
