package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/plugintest"
	"greenroom.dev/greenroom/host/internal/search"
)

// searchPortal starts a host over the example catalog with its data in dir.
func searchPortal(t *testing.T, dir string) *host {
	t.Helper()
	examples, err := filepath.Abs("../../../examples/catalog/all.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "app-config.yaml")
	os.WriteFile(cfgPath, []byte(fmt.Sprintf(`
backend:
  listen: {host: 127.0.0.1, port: 0}
catalog:
  rules: [{allow: [Component, System, API, Resource, Location, Template, Group, User, Domain]}]
  locations: [{type: file, target: %s}]
`, examples)), 0o644)
	cfg, err := config.Load([]string{cfgPath}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := start(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func searchJSON(t *testing.T, base, raw string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(base + "/api/search/query?" + raw)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("%s: %d %q", raw, resp.StatusCode, b)
	}
	return resp.StatusCode, body
}

// TestServeSearch: GET /api/search/query through the server finds catalog entities,
// answers a 10 kB term with Backstage's InputError (not a transport error), and the
// index is kept in the data directory across a restart.
func TestServeSearch(t *testing.T) {
	dir := t.TempDir()
	h := searchPortal(t, dir)
	base := "http://" + h.addr
	deadline := time.Now().Add(20 * time.Second)
	for {
		status, body := searchJSON(t, base, "term=payments&filters[kind]=Component")
		if status != 200 {
			t.Fatalf("status %d: %v", status, body)
		}
		if res, _ := body["results"].([]any); len(res) > 0 {
			doc := res[0].(map[string]any)["document"].(map[string]any)
			if doc["kind"] != "Component" || !strings.HasPrefix(doc["location"].(string), "/catalog/default/component/") {
				t.Errorf("first result %v", doc)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the catalog's entities never became searchable")
		}
		time.Sleep(50 * time.Millisecond)
	}
	status, body := searchJSON(t, base, "term="+strings.Repeat("x", 10<<10))
	if e, _ := body["error"].(map[string]any); status != 400 || e["name"] != "InputError" {
		t.Errorf("10 kB term: %d %v", status, body)
	}
	status, body = searchJSON(t, base, "term=x&pageCursor="+url.QueryEscape("not a cursor"))
	if status != 400 {
		t.Errorf("broken cursor: %d %v", status, body)
	}
	// The search page: results for the term and kind, highlighted, linking to the
	// entity; a broken page link is a 400 that says so; every page has the search box.
	for _, tc := range []struct {
		path   string
		status int
		want   []string
	}{
		{"/search?query=payments&filters%5Bkind%5D=Component", 200, []string{
			`<form class="gr-topbar-search" role="search" method="get" action="/search"><input type="search" accesskey="/" name="query" value="payments"`,
			`<a href="/catalog/default/component/payments-service" rel="nofollow"><strong><mark>payments</mark>-service</strong></a>`,
			`<option value="Component" selected>Component</option>`}},
		{"/search?query=payments&pageCursor=%21%21", 400, []string{"The page link is broken"}},
		{"/search?query=payments&types%5B%5D=nope", 400, []string{`There is no result type &#34;nope&#34;.`}},
		{"/catalog", 200, []string{`<form class="gr-topbar-search" role="search" method="get" action="/search">`}},
	} {
		resp, err := http.Get(base + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.path, resp.StatusCode, tc.status)
		}
		for _, w := range tc.want {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s: page lacks %s", tc.path, w)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h.stop(ctx)
	if _, err := os.Stat(filepath.Join(dir, "data", "search", "index")); err != nil {
		t.Fatalf("the index is not in the data directory: %v", err)
	}
	// After a restart the kept index answers at once, before the catalog's first pass.
	h = searchPortal(t, dir)
	defer h.stop(context.Background())
	if status, body := searchJSON(t, "http://"+h.addr, "term=payments"); status != 200 || len(body["results"].([]any)) == 0 {
		t.Errorf("after a restart: %d %v", status, body)
	}
}

// TestPluginCollator: a Wasm plugin granted search.write adds its documents, which
// search finds under its own type; greenroom audit shows the capability imported and
// granted; without the grant the plugin is refused at load, naming the grant to add.
func TestPluginCollator(t *testing.T) {
	wasm := plugintest.WAT(t, "host/internal/cli/testdata/collator.wat", "host/internal/cli/testdata/collator.yaml")
	dir := t.TempDir()
	plugintest.Copy(t, wasm, filepath.Join(dir, "collator.wasm"))
	cfg := func(grants string) string {
		path := filepath.Join(dir, "app-config.yaml")
		os.WriteFile(path, []byte(fmt.Sprintf(`
backend:
  listen: {host: 127.0.0.1, port: 0}
  auth:
    externalAccess:
      - {type: static, options: {token: %s, subject: cli-tests}}
plugins:
  - id: collator
    source: collator.wasm
    grants: {%s}
`, testToken, grants)), 0o644)
		return path
	}
	if code, out, errOut := run(t, "audit", "--config", cfg("search.write: {}")); code != 0 || !strings.Contains(out, "search.write") || !strings.Contains(out, "search_replace") {
		t.Errorf("audit (%d) does not show search.write:\n%s%s", code, out, errOut)
	}
	if code, out, errOut := run(t, "config", "validate", cfg("")); code == 0 || !strings.Contains(out+errOut, "search_replace") || !strings.Contains(out+errOut, "search.write") {
		t.Errorf("without the grant (%d):\n%s%s", code, out, errOut)
	}
	cfg("search.write: {}")
	h := startPortal(t, dir)
	base := "http://" + h.addr
	status, body := call(t, "GET", base+"/api/collator/", nil)
	if status != 200 || !strings.Contains(body, `"count":1`) {
		t.Fatalf("collator: %d %s", status, body)
	}
	status, res := searchJSON(t, base, "term=queues&types[]=collator&filters[status]=accepted")
	results, _ := res["results"].([]any)
	if status != 200 || len(results) != 1 {
		t.Fatalf("search: %d %v", status, res)
	}
	if doc := results[0].(map[string]any)["document"].(map[string]any); doc["title"] != "Use queues for payments" || doc["location"] != "/adr/1" {
		t.Errorf("document %v", doc)
	}
}

// TestSearchConfigReload: a reload applies a changed search section (its limits on
// terms, pages and a source's documents) without a restart, and a reload that
// removes it brings back the defaults.
func TestSearchConfigReload(t *testing.T) {
	dir := t.TempDir()
	h := searchPortal(t, dir)
	defer h.stop(context.Background())
	base := "http://" + h.addr
	cfgPath := filepath.Join(dir, "app-config.yaml")
	original, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	docs := func(n int) []search.Document {
		out := make([]search.Document, n)
		for i := range out {
			out[i] = search.Document{Title: fmt.Sprintf("doc %d", i), Location: fmt.Sprintf("/docs/%d", i)}
		}
		return out
	}
	term := "term=" + strings.Repeat("a", 30)
	// check wants the statuses of a 30-character term and of pageLimit=6, and a source
	// to be allowed `accept` documents and refused one more when limited.
	check := func(step string, termStatus, pageStatus, accept int, limited bool) {
		t.Helper()
		if status, body := searchJSON(t, base, term); status != termStatus {
			t.Errorf("%s: a 30-character term: %d %v, want %d", step, status, body, termStatus)
		}
		if status, body := searchJSON(t, base, "term=payments&pageLimit=6"); status != pageStatus {
			t.Errorf("%s: pageLimit=6: %d %v, want %d", step, status, body, pageStatus)
		}
		if err := h.search.Replace(search.TypeTechDocs, "reload-test", docs(accept)); err != nil {
			t.Errorf("%s: %d documents refused: %v", step, accept, err)
		}
		if !limited {
			return
		}
		if err := h.search.Replace(search.TypeTechDocs, "reload-test", docs(accept+1)); err == nil || !strings.Contains(err.Error(), "search.maxSourceDocuments") {
			t.Errorf("%s: %d documents: %v, want a refusal naming search.maxSourceDocuments", step, accept+1, err)
		}
	}
	reload := func(step string, cfg []byte) {
		t.Helper()
		if err := os.WriteFile(cfgPath, cfg, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := h.reload(context.Background(), []string{cfgPath}, nil); err != nil {
			t.Fatalf("%s: reload: %v", step, err)
		}
	}
	check("at start", 200, 200, 4, false)
	reload("tightened", append(append([]byte{}, original...), "search: {maxTermLength: 10, maxPageLimit: 5, maxSourceDocuments: 3}\n"...))
	check("after tightening", 400, 400, 3, true)
	reload("restored", original)
	check("after restoring", 200, 200, 4, false)
}
