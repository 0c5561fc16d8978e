package main

import (
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	greenroom "greenroom.dev/greenroom/sdk/go"
	"greenroom.dev/greenroom/sdk/go/ui"
)

// These tests run the plugin natively on the SDK's TestHost; the host's tests
// (host/internal/frontend/wasmext) run it built for wasip1, loaded as an operator would.

func manifest(t *testing.T) *greenroom.Manifest {
	t.Helper()
	b, err := os.ReadFile("plugin.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("plugin.yaml: %v", err)
	}
	j, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	m, err := greenroom.ParseManifest(j)
	if err != nil {
		t.Fatalf("plugin.yaml: %v", err)
	}
	return m
}

// defaults is the config the host passes when the operator gives none: the defaults of
// the manifest's configSchema.
func defaults(t *testing.T) map[string]any {
	var schema struct {
		Properties map[string]struct {
			Default any `json:"default"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(manifest(t).ConfigSchema, &schema); err != nil {
		t.Fatal(err)
	}
	cfg := map[string]any{}
	for k, p := range schema.Properties {
		cfg[k] = p.Default
	}
	return cfg
}

// use installs a TestHost with cfg and forgets the config decoded for the last one.
func use(t *testing.T, cfg map[string]any) *greenroom.TestHost {
	h := &greenroom.TestHost{Config: cfg}
	t.Cleanup(greenroom.UseTestHost(h))
	once, cached, radarErr, drawn = sync.Once{}, nil, nil, ui.Radar{}
	return h
}

func TestManifest(t *testing.T) {
	m := manifest(t)
	if m.ID != "tech-radar" || len(m.Routes) != 0 || len(m.Capabilities) != 0 {
		t.Errorf("plugin.yaml: %+v", m)
	}
	if err := greenroom.CheckExtensions(m); err != nil {
		t.Error(err)
	}
}

func render(t *testing.T, h *greenroom.TestHost) (int32, string) {
	rc, out := h.CallRender([]byte(`{"extension":"page:tech-radar","config":{"path":"/tech-radar"},"path":"/tech-radar","query":{}}`))
	return rc, string(out)
}

func TestDefaultRadar(t *testing.T) {
	h := use(t, defaults(t))
	rc, out := h.CallExtension([]byte(`{"extension":"page:tech-radar","config":{"path":"/radar"}}`))
	if rc != 0 || string(out) != `{"core.routing.path":"/radar","core.ui.element":{}}` {
		t.Errorf("gr_extension page: %d %s", rc, out)
	}
	rc, out = h.CallExtension([]byte(`{"extension":"nav-item:tech-radar","config":{"title":"Radar","path":"/radar"}}`))
	if rc != 0 || string(out) != `{"core.nav.target":{"title":"Radar","path":"/radar"}}` {
		t.Errorf("gr_extension nav item: %d %s", rc, out)
	}
	rc, page := render(t, h)
	if rc != 0 {
		t.Fatalf("gr_render: %s", page)
	}
	var n ui.Node
	if err := json.Unmarshal([]byte(page), &n); err != nil {
		t.Fatal(err)
	}
	if err := n.Validate(); err != nil {
		t.Errorf("the host would refuse the page: %v", err)
	}
	if n.Type != ui.TypePage || n.Title != "Tech Radar" || n.Children[0].Chart == nil || n.Children[0].Chart.Kind != ui.ChartRadar {
		t.Fatalf("page: %s", page)
	}
	r := n.Children[0].Chart.Radar
	if len(r.Quadrants) != 4 || strings.Join(r.Rings, ",") != "Adopt,Trial,Assess,Hold" || len(r.Entries) != 9 {
		t.Fatalf("radar: %+v", r)
	}
	for _, want := range []ui.RadarEntry{
		{Label: "Go", Quadrant: 0, Ring: 0, Description: "Our default for services."},
		{Label: "Rust", Quadrant: 0, Ring: 1, Moved: 1},
		{Label: "GitHub Actions", Quadrant: 1, Ring: 0},
		{Label: "Self-hosted VMs", Quadrant: 2, Ring: 3, Moved: -1},
		{Label: "WebAssembly plugins", Quadrant: 3, Ring: 1, Moved: 1},
	} {
		found := false
		for _, e := range r.Entries {
			found = found || e == want
		}
		if !found {
			t.Errorf("no entry %+v in %+v", want, r.Entries)
		}
	}
	for _, want := range []string{`"title":"Rings"`, `"key":"Hold","value":{"type":"text","text":"Do not start anything new with it."}`, `"text":"moved out","tone":"warning"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

func TestOperatorRadar(t *testing.T) {
	h := use(t, map[string]any{
		"title": "Acme radar", "description": "", "quadrants": []string{"Q1", "Q2", "Q3", "Q4"},
		"rings":   []map[string]string{{"name": "Use"}, {"name": "Avoid"}},
		"entries": []map[string]string{{"name": "Zig", "quadrant": "q4", "ring": " avoid ", "url": "https://ziglang.org"}},
	})
	rc, page := render(t, h)
	if rc != 0 || !strings.Contains(page, `"entries":[{"label":"Zig","quadrant":3,"ring":1,"href":"https://ziglang.org"}]`) ||
		!strings.Contains(page, "Nothing moved since the last edition.") {
		t.Errorf("%d %s", rc, page)
	}
	h = use(t, map[string]any{"title": "Empty", "quadrants": []string{"a", "b", "c", "d"}, "rings": []map[string]string{{"name": "r"}}})
	if rc, page := render(t, h); rc != 0 || !strings.Contains(page, "The radar is empty") {
		t.Errorf("empty radar: %d %s", rc, page)
	}
}

func TestBadConfig(t *testing.T) {
	for _, c := range []struct {
		cfg  map[string]any
		want string
	}{
		{map[string]any{"quadrants": []string{"a", "b"}, "rings": []map[string]string{{"name": "r"}}}, "the radar needs exactly 4 quadrants, got 2"},
		{map[string]any{"quadrants": []string{"a", "b", "c", "d"}}, "the radar needs 1 to 8 rings, got 0"},
		{map[string]any{"quadrants": []string{"a", "b", "c", "d"}, "rings": []map[string]string{{"name": "r"}},
			"entries": []map[string]string{{"name": "X", "quadrant": "e", "ring": "s", "moved": "up"}}},
			`entries[0] (X): quadrant \"e\" is not one of a, b, c, d; entries[0] (X): ring \"s\" is not one of r; entries[0] (X): moved \"up\" is not in, out or none`},
	} {
		h := use(t, c.cfg)
		// Both the factory (a start-up problem) and the render (an error box) report it.
		rc, out := h.CallExtension([]byte(`{"extension":"page:tech-radar","config":{}}`))
		if rc == 0 || !strings.Contains(string(out), c.want) || !strings.Contains(string(out), "invalid_argument") {
			t.Errorf("gr_extension with %v: %d %s, want %s", c.cfg, rc, out, c.want)
		}
		if rc, out := render(t, h); rc == 0 || !strings.Contains(out, c.want) {
			t.Errorf("gr_render with %v: %d %s", c.cfg, rc, out)
		}
	}
}
