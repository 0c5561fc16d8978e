package wasmext_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/capability"
	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/frontend"
	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/frontend/wasmext"
	"greenroom.dev/greenroom/host/internal/plugin"
	"greenroom.dev/greenroom/host/internal/plugintest"
	"greenroom.dev/greenroom/host/internal/runtime"
)

// The repository's frontend plugins, built from source and loaded as an operator would
// (plugin.Load: manifest, grants, config schema and defaults), with the real catalog of
// examples/catalog behind the catalog host functions.

// exampleCatalog reads examples/catalog into a real catalog, and gives the pages the same
// entities.
func exampleCatalog(t *testing.T) (*catalog.Catalog, *frontend.MemoryCatalog) {
	t.Helper()
	rules := []catalog.Rule{{Allow: []string{"Component", "API", "Resource", "System", "Domain", "Group", "User", "Location", "Template"}}}
	target := filepath.Join(plugintest.Root(t), "examples", "catalog", "all.yaml")
	c, err := catalog.New(context.Background(), catalog.Options{
		Config: catalog.Config{Rules: &rules, Locations: []catalog.LocationConfig{{Type: "file", Target: target}}},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RefreshAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	res, err := c.QueryEntities(catalog.PluginQuery{Limit: 1000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var es []ext.Entity
	for _, raw := range res.Items {
		var e ext.Entity
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatal(err)
		}
		es = append(es, e)
	}
	return c, frontend.NewMemoryCatalog(es)
}

// catalogHost links the catalog capabilities over the real catalog.
func catalogHost(c *catalog.Catalog) *capability.Host {
	return capability.NewHost(capability.Services{Catalog: c}, nil)
}

// loadPlugins writes app-config.yaml, loads its plugins and returns their extensions.
func loadPlugins(t *testing.T, dir, appConfig string, deps plugin.Deps) []ext.Extension {
	t.Helper()
	p := filepath.Join(dir, "app-config.yaml")
	if err := os.WriteFile(p, []byte(appConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load([]string{p}, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	eng, err := runtime.NewEngine(context.Background(), runtime.EngineConfig{CacheDir: filepath.Join(os.TempDir(), "greenroom-test-wasm-cache"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close(context.Background()) })
	deps.Engine, deps.Logger = eng, slog.New(slog.DiscardHandler)
	var exts []ext.Extension
	for i := range cfg.Plugins {
		pl, err := plugin.Load(context.Background(), deps, cfg, &cfg.Plugins[i])
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pl.Close(context.Background()) })
		e, err := wasmext.Extensions(pl.ID, pl.Manifest.ID, pl.Manifest.Extensions, pl)
		if err != nil {
			t.Fatal(err)
		}
		exts = append(exts, e...)
	}
	return exts
}

func TestTechRadarPlugin(t *testing.T) {
	dir := t.TempDir()
	plugintest.Copy(t, plugintest.Go(t, "plugins/tech-radar"), filepath.Join(dir, "tech-radar.wasm"))
	exts := loadPlugins(t, dir, `
plugins:
  - id: tech-radar
    source: tech-radar.wasm
    config:
      title: Acme Tech Radar
      entries:
        - {name: Go, quadrant: languages & frameworks, ring: adopt, url: "https://go.dev"}
        - {name: Self-hosted VMs, quadrant: Platforms, ring: Hold, moved: out}
  - id: default-radar
    source: tech-radar.wasm
`, plugin.Deps{})
	if len(exts) != 4 {
		t.Fatalf("%d extensions", len(exts))
	}
	// One module configured as two plugins: the second one's extensions take its config id
	// as their namespace, and app.extensions moves its page.
	if exts[2].ID != "page:default-radar" || exts[3].ID != "nav-item:default-radar" || exts[3].Source != "plugin default-radar" {
		t.Fatalf("extensions of the second plugin: %s, %s", exts[2].ID, exts[3].ID)
	}
	a, err := frontend.New(context.Background(), frontend.Options{Extensions: exts, Config: appConfig(t, `
extensions:
  - page:default-radar:
      config: {path: /radar}
  - nav-item:default-radar:
      config: {title: Radar, path: /radar}
`)})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Problems()) > 0 {
		t.Errorf("problems: %v", a.Problems())
	}
	for path, want := range map[string][]string{
		"/tech-radar": {
			`<title>Acme Tech Radar | Greenroom</title>`, `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Technology radar"`,
			`<a class="gr-nav-link" href="/tech-radar" aria-current="page">Tech Radar</a>`,
			`<a href="https://go.dev"><g class="gr-radar-blip"><title>Go</title>`, `<g class="gr-radar-blip gr-radar-out"><title>Self-hosted VMs</title>`,
			// The schema's defaults filled in what the operator left out.
			`>Languages &amp; Frameworks<`, `>Do not start anything new with it.<`,
		},
		"/radar": {
			`<title>Tech Radar | Greenroom</title>`, `<a class="gr-nav-link" href="/radar" aria-current="page">Radar</a>`, `<title>Kubernetes</title>`, `<title>WebAssembly plugins</title>`,
		},
	} {
		status, html := get(t, a, path)
		if status != 200 {
			t.Errorf("%s: status %d", path, status)
		}
		for _, w := range want {
			if !strings.Contains(html, w) {
				t.Errorf("%s lacks %s", path, w)
			}
		}
	}
	if _, home := get(t, a, "/"); !strings.Contains(home, `href="/tech-radar"`) || !strings.Contains(home, `href="/radar"`) {
		t.Error("the home page lacks a nav link to a radar")
	}

	// A bad entry is a start-up problem naming the extension; the page is left out.
	dir = t.TempDir()
	plugintest.Copy(t, plugintest.Go(t, "plugins/tech-radar"), filepath.Join(dir, "tech-radar.wasm"))
	exts = loadPlugins(t, dir, "plugins:\n  - id: tech-radar\n    source: tech-radar.wasm\n    config:\n      entries: [{name: Cobol, quadrant: Mainframes, ring: Hold}]\n", plugin.Deps{})
	a, err = frontend.New(context.Background(), frontend.Options{Extensions: exts})
	if err != nil {
		t.Fatal(err)
	}
	if p := a.Problems(); len(p) == 0 || !strings.Contains(p[0].Error(), "page:tech-radar") || !strings.Contains(p[0].Error(), `entries[0] (Cobol): quadrant "Mainframes" is not one of`) {
		t.Errorf("problems: %v", p)
	}
	if status, _ := get(t, a, "/tech-radar"); status != 404 {
		t.Errorf("/tech-radar with a failed factory: %d", status)
	}
}

func TestEntityCardPlugin(t *testing.T) {
	c, pages := exampleCatalog(t)
	dir := t.TempDir()
	plugintest.Copy(t, plugintest.Go(t, "examples/entity-card"), filepath.Join(dir, "entity-card.wasm"))
	for _, tc := range []struct {
		grant string
		want  []string
	}{
		{"    grants:\n      catalog.read: {}\n", []string{
			">At a glance<", `<a class="gr-link" href="/catalog/default/group/team-payments">group:default/team-payments</a>`,
			`<a class="gr-link" href="/catalog/default/component/ledger-worker">component:default/ledger-worker</a>`,
			`<a class="gr-link" href="/catalog/default/system/payments">system:default/payments</a>`,
		}},
		// Without the grant the optional capability is a stub: the card says what is missing.
		{"", []string{">At a glance<", "Unknown: grant catalog.read to the entity-card plugin to see this."}},
	} {
		exts := loadPlugins(t, dir, "plugins:\n  - id: entity-card\n    source: entity-card.wasm\n"+tc.grant, plugin.Deps{Host: catalogHost(c)})
		a, err := frontend.New(context.Background(), frontend.Options{Catalog: pages, Extensions: exts})
		if err != nil {
			t.Fatal(err)
		}
		status, html := get(t, a, "/catalog/default/component/payments-service")
		if status != 200 || strings.Contains(html, `role="alert"`) {
			t.Errorf("status %d, error box: %v", status, strings.Contains(html, `role="alert"`))
		}
		for _, w := range tc.want {
			if !strings.Contains(html, w) {
				t.Errorf("grant %q: page lacks %s", tc.grant, w)
			}
		}
		// The card's default filter keeps it off group pages.
		if _, html := get(t, a, "/catalog/default/group/team-payments"); strings.Contains(html, ">At a glance<") {
			t.Error("the card shows on a group page")
		}
	}
}
