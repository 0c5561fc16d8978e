package greenroom

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"greenroom.dev/greenroom/sdk/go/ui"
)

// frontendGoldenDir holds the golden gr_extension and gr_render messages (proposed for
// abi/testdata; goldenType knows them there too).
const frontendGoldenDir = "../../abi/testdata"

// The extensions of the golden exchanges: a page whose factory passes state to its
// element, and an entity card that renders the golden entity.
func init() {
	Extension("page:tech-radar", func(r *ExtensionRequest) (*Outputs, error) {
		state, err := ElementState(map[string]string{"title": r.ConfigString("title", "Radar")})
		return &Outputs{RoutePath: r.ConfigString("path", "/radar"), Element: state}, err
	})
	Render("page:tech-radar", func(r *RenderRequest) (ui.Node, error) {
		var s struct{ Title string }
		if err := r.DecodeElement(&s); err != nil {
			return ui.Node{}, err
		}
		return ui.Page(s.Title), nil
	})
	EntityCard("entity-card:entity-card/overview", "kind:component", func(r *RenderRequest) (ui.Node, error) {
		e := r.Entity
		var tags []ui.Node
		for _, t := range e.Metadata.Tags {
			tags = append(tags, ui.Badge(t, ""))
		}
		var links [][]ui.Node
		for _, l := range e.Metadata.Links {
			links = append(links, ui.Row(ui.Link(l.Title, l.URL)))
		}
		var s struct{ Since string }
		if err := r.DecodeElement(&s); err != nil {
			return ui.Node{}, err
		}
		owner := e.SpecString("owner")
		return ui.Card("Overview",
			ui.KV(
				ui.P("Owner", ui.Link(owner, "/catalog/default/group/"+owner[strings.LastIndex(owner, "/")+1:])),
				ui.P("Lifecycle", ui.Badge(e.SpecString("lifecycle"), ui.ToneSuccess)),
				ui.P("Tags", ui.Group(tags...)),
			),
			ui.Table([]string{"Link"}, links...),
			ui.Text("Tracked since "+s.Since),
		), nil
	})
	EntityCard("entity-card:test/panics", "", func(r *RenderRequest) (ui.Node, error) {
		var m map[string]int
		//lint:ignore SA5000 deliberate: a runtime panic, as a real bug would cause
		m["x"]++ // nil map: panics
		return ui.Text("unreachable"), nil
	})
	EntityCard("entity-card:test/fails", "", func(r *RenderRequest) (ui.Node, error) {
		return ui.Node{}, Errorf(CodeUnavailable, "CI is down")
	})
}

func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(frontendGoldenDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFrontendGoldenRoundTrip(t *testing.T) {
	// The frontend messages among the ABI's golden files (golden_test.go decodes all of
	// them; this also checks what the SDK writes for them).
	files := []string{"extension-request.json", "extension-output.json", "render-request.json", "render-output.json"}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			b := readGolden(t, name)
			v := goldenType(name)
			if v == nil {
				t.Fatalf("no SDK type for %s; add one to goldenType", name)
			}
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			if err := dec.Decode(v); err != nil {
				t.Fatalf("decode %s strictly into %T: %v", name, v, err)
			}
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if want, got := normalize(t, b), normalize(t, out); !reflect.DeepEqual(want, got) {
				t.Errorf("%s does not survive a round trip\nwant %s\ngot  %s", name, b, out)
			}
		})
	}
}

// TestFrontendGoldenExchanges runs gr_extension and gr_render on the golden requests and
// compares the outputs with the golden outputs.
func TestFrontendGoldenExchanges(t *testing.T) {
	h := &TestHost{}
	rc, out := h.CallExtension(readGolden(t, "extension-request.json"))
	if rc != 0 {
		t.Fatalf("gr_extension: rc %d: %s", rc, out)
	}
	if want, got := normalize(t, readGolden(t, "extension-output.json")), normalize(t, out); !reflect.DeepEqual(want, got) {
		t.Errorf("gr_extension output\n got %s\nwant %s", out, readGolden(t, "extension-output.json"))
	}
	rc, out = h.CallRender(readGolden(t, "render-request.json"))
	if rc != 0 {
		t.Fatalf("gr_render: rc %d: %s", rc, out)
	}
	var tree ui.Node
	if err := json.Unmarshal(out, &tree); err != nil || tree.Validate() != nil {
		t.Errorf("gr_render output does not validate: %v %v", err, tree.Validate())
	}
	if want, got := normalize(t, readGolden(t, "render-output.json")), normalize(t, out); !reflect.DeepEqual(want, got) {
		t.Errorf("gr_render output\n got %s\nwant %s", out, readGolden(t, "render-output.json"))
	}
	// The page's element gets back the state its factory output.
	rc, out = h.CallRender([]byte(`{"extension":"page:tech-radar","config":{},"path":"/tech-radar","query":{},"element":{"title":"Tech Radar"}}`))
	if rc != 0 || string(out) != `{"type":"page","title":"Tech Radar"}` {
		t.Errorf("page render: rc %d %s", rc, out)
	}
}

func TestFrontendHelpersAndErrors(t *testing.T) {
	h := &TestHost{}
	for _, c := range []struct {
		export, in string
		rc         int32
		want       string
	}{
		{"extension", `{"extension":"entity-card:entity-card/overview","config":{}}`, 0, `{"core.ui.element":{},"catalog.entity-filter-expression":"kind:component"}`},
		{"extension", `{"extension":"entity-card:entity-card/overview","config":{"filter":""}}`, 0, `{"core.ui.element":{}}`},
		{"extension", `{"extension":"page:tech-radar","config":{"path":"/r"}}`, 0, `{"core.routing.path":"/r","core.ui.element":{"title":"Radar"}}`},
		{"extension", `{"extension":"page:nope","config":{}}`, 1, `{"code":"not_found","message":"no factory for extension \"page:nope\"; register one with greenroom.Extension (or Page, NavItem, EntityCard, EntityTab)"}`},
		{"extension", `not json`, 1, `"code":"invalid_argument"`},
		{"extension", `{"config":{}}`, 1, `gr_extension: the request message needs an extension id`},
		{"render", `{"extension":"entity-card:test/panics","config":{},"path":"/","query":{}}`, 1, `{"code":"internal","message":"render of extension entity-card:test/panics panicked: assignment to entry in nil map"}`},
		{"render", `{"extension":"entity-card:test/fails","config":{},"path":"/","query":{}}`, 1, `{"code":"unavailable","message":"CI is down"}`},
		{"render", `{"extension":"entity-card:nope","config":{},"path":"/","query":{}}`, 1, `no render function for extension \"entity-card:nope\"`},
		{"render", `{"extension":"page:tech-radar","config":{},"path":"/","query":{},"element":[1]}`, 1, `decoding the element state`},
	} {
		call := h.CallExtension
		if c.export == "render" {
			call = h.CallRender
		}
		rc, out := call([]byte(c.in))
		if rc != c.rc || !strings.Contains(string(out), c.want) {
			t.Errorf("%s %s: rc %d %s, want rc %d containing %s", c.export, c.in, rc, out, c.rc, c.want)
		}
	}
	if logs := h.Logs(); len(logs) == 0 || !strings.Contains(logs[0], "render panicked") {
		t.Errorf("the panic is not logged: %v", logs)
	}
}

func TestNavItemAndEntityTab(t *testing.T) {
	NavItem("nav-item:test/radar", "Radar", "/radar")
	EntityTab("entity-content:test/ci", "CI", "ci", "kind:component", func(*RenderRequest) (ui.Node, error) { return ui.Text("ci"), nil })
	defer func() {
		delete(factories, "nav-item:test/radar")
		delete(factories, "entity-content:test/ci")
		delete(renders, "entity-content:test/ci")
	}()
	out, err := CreateExtension(&ExtensionRequest{Extension: "nav-item:test/radar", Config: map[string]any{"title": "Tech Radar"}})
	if err != nil || *out.NavTarget != (NavTarget{Title: "Tech Radar", Path: "/radar"}) || out.Element != nil {
		t.Errorf("nav item: %+v %v", out, err)
	}
	out, err = CreateExtension(&ExtensionRequest{Extension: "entity-content:test/ci", Config: map[string]any{}})
	b, _ := json.Marshal(out)
	if err != nil || string(b) != `{"core.routing.path":"/ci","core.ui.element":{},"core.title":"CI","catalog.entity-filter-expression":"kind:component"}` {
		t.Errorf("entity tab: %s %v", b, err)
	}
}

func TestCheckExtensions(t *testing.T) {
	good := &Manifest{ID: "p", Extensions: json.RawMessage(`[
		{"id":"page:tech-radar","attachTo":{"id":"app/routes","input":"routes"},"output":["core.routing.path","core.ui.element"]},
		{"id":"entity-card:entity-card/overview","attachTo":{"id":"page:catalog/entity","input":"cards"},"output":["core.ui.element","catalog.entity-filter-expression?"]},
		{"id":"entity-card:test/panics","attachTo":{"id":"page:catalog/entity","input":"cards"},"output":["core.ui.element"]},
		{"id":"entity-card:test/fails","attachTo":{"id":"page:catalog/entity","input":"cards"},"output":["core.ui.element"]}]`)}
	if err := CheckExtensions(good); err != nil {
		t.Errorf("good manifest: %v", err)
	}
	bad := &Manifest{ID: "p", Extensions: json.RawMessage(`[
		{"id":"page:tech-radar","output":["core.routing.path"]},
		{"id":"nav-item:none","output":["core.nav.target"]}]`)}
	err := CheckExtensions(bad)
	for _, want := range []string{
		"extension page:tech-radar has a render function but its manifest output lacks core.ui.element",
		"extension nav-item:none has no factory",
		"extension entity-card:test/fails is registered but not declared",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckExtensions: %v, want %q", err, want)
		}
	}
}

// The host reads catalog filters as Backstage filter strings (catalog_query, catalog_facets).
func TestCatalogFilterWire(t *testing.T) {
	f := []CatalogFilter{{"spec.type": {"service", "website"}, "kind": {"component"}}, {"metadata.annotations.backstage.io/techdocs-ref": nil}}
	b, err := json.Marshal(f)
	if err != nil || string(b) != `["kind=component,spec.type=service,spec.type=website","metadata.annotations.backstage.io/techdocs-ref"]` {
		t.Fatalf("%s %v", b, err)
	}
	var back []CatalogFilter
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, f) {
		t.Errorf("decoded %v %v, want %v", back, err, f)
	}
	var obj []CatalogFilter
	if err := json.Unmarshal([]byte(`[{"kind":["api"]}]`), &obj); err != nil || obj[0]["kind"][0] != "api" {
		t.Errorf("object form: %v %v", obj, err)
	}
}

func TestDecodeRenderRequestMatchesEncodingJSON(t *testing.T) {
	inputs := []string{
		string(readGolden(t, "render-request.json")),
		`{"extension":"x","config":{},"path":"/","query":{}}`,
		`{"extension":"x","config":null,"path":"/a\"b\u00e9\ud83d\ude00","query":{"a":["1","2"],"b":[]},"params":{"p":"v"},"entity":null,"element":null}`,
		`{"extension":"x","config":{"n":1.5,"o":{"p":[true,null]}},"path":"/","query":{},"unknown":{"deep":[1,{"x":"}"}]},
		  "entity":{"kind":"API","metadata":{"name":"a","labels":{"l":"1"},"annotations":{"a/b":"c"},"uid":"u","etag":"e","extra":[1]},
		  "relations":[{"type":"t","targetRef":"r","target":{"kind":"x"}}],"status":{"items":[]},"spec":{}}}`,
	}
	for _, in := range inputs {
		var want, got RenderRequest
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if err := decodeRenderRequest([]byte(in), &got, false); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		wb, _ := json.Marshal(want)
		gb, _ := json.Marshal(got)
		if w, g := normalize(t, wb), normalize(t, gb); !reflect.DeepEqual(w, g) {
			t.Errorf("%s\n got %s\nwant %s", in, gb, wb)
		}
	}
	for _, bad := range []string{`[]`, `{"extension":1}`, `{"extension":"x","query":{"a":"b"}}`, `{"extension":"x"} x`, `{"extension":"x","entity":{"metadata":{"tags":[1]}}}`, `{"extension":"x","config":{"a":}}`} {
		var req RenderRequest
		if err := decodeRenderRequest([]byte(bad), &req, false); err == nil {
			t.Errorf("%s decodes", bad)
		}
	}
}

// EntityJSON is the entity exactly as the host sent it, with the fields Entity has no
// place for (custom metadata keys, status), and nil when there is no entity.
func TestRenderRequestEntityJSON(t *testing.T) {
	entity := `{"kind":"Component","metadata":{"name":"a","uid":"u-1","etag":"e-1","x-team":{"chat":"#a"}},` + "\n" +
		`  "spec":{"type":"service"},"status":{"items":[{"type":"t","level":"error","message":"m"}]}}`
	for _, tc := range []struct{ in, want string }{
		{`{"extension":"x","path":"/","query":{},"entity": ` + entity + ` ,"element":{}}`, entity},
		{`{"extension":"x","path":"/","query":{},"entity":null}`, ""},
		{`{"extension":"x","path":"/","query":{}}`, ""},
	} {
		var req RenderRequest
		if err := decodeRenderRequest([]byte(tc.in), &req, true); err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if string(req.EntityJSON) != tc.want {
			t.Errorf("%s: EntityJSON %q, want %q", tc.in, req.EntityJSON, tc.want)
		}
		if tc.want != "" && (req.Entity.Metadata.UID != "u-1" || req.Entity.Metadata.Etag != "e-1" || !strings.Contains(string(req.Entity.Status), `"level":"error"`)) {
			t.Errorf("%s: entity %+v", tc.in, req.Entity)
		}
	}
}
