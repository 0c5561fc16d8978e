package wasmext_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/frontend"
	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/frontend/wasmext"
	"greenroom.dev/greenroom/host/internal/plugintest"
	"greenroom.dev/greenroom/host/internal/runtime"
	"greenroom.dev/greenroom/host/internal/wasmfile"
)

func entities() []ext.Entity {
	return []ext.Entity{
		{APIVersion: "backstage.io/v1alpha1", Kind: "Component", Metadata: ext.EntityMetadata{
			Name: "payments", Title: "Payments service", Description: "Takes the money.", Tags: []string{"go"}},
			Spec:      map[string]any{"type": "service", "lifecycle": "production", "owner": "group:default/team-a"},
			Relations: []ext.EntityRelation{{Type: "ownedBy", TargetRef: "group:default/team-a"}}},
		{APIVersion: "backstage.io/v1alpha1", Kind: "API", Metadata: ext.EntityMetadata{Name: "payments-api"},
			Spec: map[string]any{"type": "openapi", "lifecycle": "production", "owner": "group:default/team-a"}},
		{APIVersion: "backstage.io/v1alpha1", Kind: "Group", Metadata: ext.EntityMetadata{Name: "team-a", Title: "Team A"}, Spec: map[string]any{"type": "team"}},
	}
}

// loaded is a plugin built from source and started on the runtime, with catalog_get
// answered from the same catalog that the pages show.
type loaded struct {
	plugin  *runtime.Plugin
	decls   json.RawMessage
	catalog *frontend.MemoryCatalog
}

func load(t testing.TB, dir string, timeout time.Duration) *loaded {
	t.Helper()
	wasm, err := os.ReadFile(plugintest.Go(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	mod, err := wasmfile.Parse(wasm)
	if err != nil {
		t.Fatal(err)
	}
	man, err := mod.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := runtime.NewEngine(context.Background(), runtime.EngineConfig{CacheDir: filepath.Join(os.TempDir(), "greenroom-test-wasm-cache")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close(context.Background()) })
	cat := frontend.NewMemoryCatalog(entities())
	p, err := eng.Load(context.Background(), wasm, runtime.Options{
		Name: man.ID, Timeout: timeout, Instances: 2, Logger: slog.New(slog.DiscardHandler),
		HostFuncs: map[string]runtime.HostFunc{"catalog_get": func(ctx context.Context, req []byte) ([]byte, error) {
			var r struct{ Ref string }
			if err := json.Unmarshal(req, &r); err != nil {
				return nil, err
			}
			e, err := cat.GetEntity(ctx, r.Ref)
			if err != nil || e == nil {
				return nil, err
			}
			return json.Marshal(e)
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return &loaded{plugin: p, decls: man.Extensions, catalog: cat}
}

func appConfig(t testing.TB, src string) ext.Extensions {
	t.Helper()
	var doc struct {
		Extensions ext.Extensions `yaml:"extensions"`
	}
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Extensions
}

func newApp(t testing.TB, l *loaded, cfg string, keep func(id string) bool) *frontend.App {
	t.Helper()
	exts, err := wasmext.Extensions("cards", "cards", l.decls, l.plugin)
	if err != nil {
		t.Fatal(err)
	}
	var use []ext.Extension
	for _, e := range exts {
		if keep == nil || keep(e.ID) {
			use = append(use, e)
		}
	}
	a, err := frontend.New(context.Background(), frontend.Options{Catalog: l.catalog, Extensions: use, Config: appConfig(t, cfg)})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func get(t testing.TB, a *frontend.App, target string) (int, string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	status, html := a.RenderPage(context.Background(), u.EscapedPath(), u.Query())
	return status, string(html)
}

// errorBox is how the error boundary shows a failed extension.
func errorBox(id string) string { return "Extension " + id + " failed" }

func TestWasmCardsAndErrorBoundary(t *testing.T) {
	l := load(t, "host/internal/frontend/wasmext/testdata/cards", time.Second)
	a := newApp(t, l, "extensions:\n  - entity-card:cards/owner:\n      config: {heading: Owners}\n", nil)

	// The factory that failed is reported at start-up, naming the extension.
	var problems []string
	for _, p := range a.Problems() {
		problems = append(problems, p.Error())
	}
	if s := strings.Join(problems, "\n"); !strings.Contains(s, "entity-card:cards/bad-factory") || !strings.Contains(s, "this card needs config it did not get") {
		t.Errorf("problems do not name the failed factory:\n%s", s)
	}

	for round := 0; round < 2; round++ { // a second round runs on replaced instances
		status, html := get(t, a, "/catalog/default/component/payments")
		if status != 200 {
			t.Fatalf("round %d: status %d", round, status)
		}
		for _, want := range []string{
			// Working cards: the owner card got its config through gr_extension's state and
			// read the owner through catalog_get while rendering.
			">Owners<", ">Team A<", ">Facts<", ">CI builds<", "https://ci.example/payments/19", ">Deploys<", "<h1>payments</h1>",
			// The envelope card got the entity as the catalog source gave it (shown as
			// highlighted JSON).
			">Envelope<", `{<span class="gr-hl-field">&#34;apiVersion&#34;</span>:<span class="gr-hl-str">&#34;backstage.io/v1alpha1&#34;</span>,<span class="gr-hl-field">&#34;kind&#34;</span>:<span class="gr-hl-str">&#34;Component&#34;</span>,<span class="gr-hl-field">&#34;metadata&#34;</span>:{<span class="gr-hl-field">&#34;name&#34;</span>:<span class="gr-hl-str">&#34;payments&#34;</span>`,
			// Every failure is an error box naming the extension and saying what happened.
			errorBox("entity-card:cards/fails"), "the CI server is down (unavailable)",
			errorBox("entity-card:cards/panics"), "render of extension entity-card:cards/panics panicked: assignment to entry in nil map",
			errorBox("entity-card:cards/crashes"), "plugin cards: call gr_render: trap",
			errorBox("entity-card:cards/malformed"), `plugin cards: gr_render returned a malformed UI tree: children[0]: unknown component type &#34;blink&#34;`,
			errorBox("entity-card:cards/loops"), "plugin cards: call gr_render: timeout: call exceeded its deadline (1s)",
			// The host's own cards still render.
			">About<",
		} {
			if !strings.Contains(html, want) {
				t.Errorf("round %d: page lacks %q", round, want)
			}
		}
		if strings.Contains(html, "<script>alert") || strings.Contains(html, errorBox("entity-card:cards/owner")) {
			i := strings.Index(html, errorBox("entity-card:cards/owner"))
			t.Errorf("round %d: page has script or a failed owner card: %s", round, html[i:min(len(html), i+400)])
		}
	}

	// The owner card's filter (kind:component, from its factory) keeps it off the API page.
	status, html := get(t, a, "/catalog/default/api/payments-api")
	if status != 200 || strings.Contains(html, ">Owners<") || !strings.Contains(html, ">Facts<") {
		t.Errorf("api page: status %d, owner card shown: %v", status, strings.Contains(html, ">Owners<"))
	}

	// The plugin's page, at its configured path, and its nav item.
	status, html = get(t, a, "/cards?q=x%3Cy")
	if status != 200 || !strings.Contains(html, "<h1>Cards</h1>") || !strings.Contains(html, "query q=x&lt;y") || !strings.Contains(html, `href="/cards"`) {
		t.Errorf("/cards: status %d\n%s", status, html)
	}
}

func TestDisabledThroughConfig(t *testing.T) {
	l := load(t, "host/internal/frontend/wasmext/testdata/cards", time.Second)
	a := newApp(t, l, "extensions:\n  - entity-card:cards/facts: false\n  - page:cards:\n      config: {path: /more-cards}\n", func(id string) bool {
		return id == "entity-card:cards/facts" || id == "entity-card:cards/table" || id == "page:cards" || id == "nav-item:cards"
	})
	_, html := get(t, a, "/catalog/default/component/payments")
	if strings.Contains(html, ">Facts<") || !strings.Contains(html, ">CI builds<") {
		t.Error("the disabled card renders, or the enabled one does not")
	}
	if status, _ := get(t, a, "/more-cards"); status != 200 {
		t.Errorf("/more-cards: %d", status)
	}
	if status, _ := get(t, a, "/cards"); status != 404 {
		t.Errorf("/cards after moving the page: %d", status)
	}
}

func TestDeclarationErrors(t *testing.T) {
	for _, c := range []struct{ decls, want string }{
		{`{"id":"x"}`, "plugin p: manifest extensions must be an array"},
		{`[{"id":"page:x","attachTo":{"id":"app/routes","input":"routes"},"output":["core.routing.path"],"bogus":1}]`, `plugin p: manifest extensions[0]: json: unknown field "bogus"`},
		{`[{"id":"page:x","attachTo":{"id":"app/routes","input":"routes"},"output":["core.ui.element"]},{"id":"page:y","output":["core.ui.element"]}]`, `plugin p: extension "page:y": attachTo needs id and input`},
		{`[{"id":"page:x","attachTo":{"id":"app/routes","input":"routes"},"output":["core.routing.pth"]}]`, `unknown data ref "core.routing.pth"`},
	} {
		if _, err := wasmext.Extensions("p", "p", json.RawMessage(c.decls), nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.decls, err, c.want)
		}
	}
	if exts, err := wasmext.Extensions("p", "p", nil, nil); exts != nil || err != nil {
		t.Errorf("no declarations: %v %v", exts, err)
	}
	exts, err := wasmext.Extensions("p", "p", json.RawMessage(`[{"id":"nav-item:x","attachTo":{"id":"app/nav","input":"items"},"output":["core.nav.target"]}]`), nil)
	if err != nil || len(exts) != 1 || exts[0].Source != "plugin p" || exts[0].ID != "nav-item:x" {
		t.Errorf("%+v %v", exts, err)
	}
	// Configured under another id, the plugin's own namespace follows the config id; host
	// ids and other namespaces stay.
	exts, err = wasmext.Extensions("team-radar", "radar", json.RawMessage(`[
		{"id":"page:radar","attachTo":{"id":"app/routes","input":"routes"},"output":["core.routing.path","core.ui.element"],"inputs":[{"name":"parts","refs":["core.ui.element"]}]},
		{"id":"radar/legend","attachTo":{"id":"page:radar","input":"parts"},"output":["core.ui.element"]},
		{"id":"entity-card:radar-extra/x","attachTo":{"id":"page:catalog/entity","input":"cards"},"output":["core.ui.element"]}]`), nil)
	if err != nil || len(exts) != 3 {
		t.Fatalf("%v %v", exts, err)
	}
	for i, want := range []string{"page:team-radar app/routes", "team-radar/legend page:team-radar", "entity-card:radar-extra/x page:catalog/entity"} {
		if got := exts[i].ID + " " + exts[i].AttachTo.ID; got != want {
			t.Errorf("extension %d: %s, want %s", i, got, want)
		}
	}
}
