package ext

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/frontend/ui"
)

func TestDeclaration(t *testing.T) {
	var d Declaration
	if err := json.Unmarshal([]byte(`{"id":"entity-card:radar/summary","attachTo":{"id":"page:x","input":"cards"},
		"output":["core.ui.element","catalog.entity-filter-expression?"],
		"inputs":[{"name":"parts","refs":["core.ui.element","core.title?"],"singleton":true,"optional":true}],
		"configSchema":{"type":"object","properties":{"limit":{"type":"integer","default":5}}}}`), &d); err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	e, err := d.Extension("plugin radar", r.element("entity-card:radar/summary"))
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Output) != 2 || e.Output[0].IsOptional() || !e.Output[1].IsOptional() || !e.Inputs[0].Refs[1].IsOptional() || !e.Inputs[0].Singleton {
		t.Fatalf("extension = %+v", e)
	}
	exts := append(base(r), e)
	tree, err := Build(context.Background(), exts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := tree.Attachments("page:x", "cards"); len(got) != 2 || got[1] != "entity-card:radar/summary" {
		t.Errorf("cards = %v", got)
	}
	if tree.Config("entity-card:radar/summary")["limit"] != 5.0 {
		t.Errorf("config = %v", tree.Config("entity-card:radar/summary"))
	}

	for _, c := range []struct{ json, want string }{
		{`{"id":"Bad","attachTo":{"id":"a","input":"b"},"output":["core.ui.element"]}`, `plugin p: extension "Bad": extension id "Bad"`},
		{`{"id":"x:y","output":["core.ui.element"]}`, `extension "x:y": attachTo needs id and input`},
		{`{"id":"x:y","attachTo":{"id":"a","input":"b"}}`, `output lists no data refs`},
		{`{"id":"x:y","attachTo":{"id":"a","input":"b"},"output":["core.ui.elemnt"]}`, `output[0]: unknown data ref "core.ui.elemnt"`},
		{`{"id":"x:y","attachTo":{"id":"a","input":"b"},"output":["core.ui.element"],"inputs":[{"name":"i","refs":["nope"]}]}`, `inputs[0].refs[0]: unknown data ref "nope"`},
		{`{"id":"x:y","attachTo":{"id":"a","input":"b"},"output":["core.ui.element"],"configSchema":{"type":5}}`, `configSchema:`},
	} {
		var d Declaration
		if err := json.Unmarshal([]byte(c.json), &d); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Extension("plugin p", r.element("x")); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.json, err, c.want)
		}
	}
}

func TestDecodeOutputs(t *testing.T) {
	element := func(raw json.RawMessage) (Element, error) {
		n, err := ui.Decode(raw)
		if err != nil {
			return nil, err
		}
		return ElementFunc(func(context.Context, *RenderContext) (ui.Node, error) { return n, nil }), nil
	}
	vals, err := DecodeOutputs([]byte(`{"core.routing.path":"/radar","core.ui.element":{"type":"text","text":"hi"},"core.nav.target":{"title":"Radar","path":"/radar"}}`), element)
	if err != nil {
		t.Fatal(err)
	}
	d, err := checkOutputs(&Extension{ID: "page:radar", Output: []AnyRef{RoutePath, ElementRef, NavTargetRef}}, vals)
	if err != nil {
		t.Fatal(err)
	}
	el, _ := ElementRef.Get(d)
	if n, _ := el.Render(context.Background(), &RenderContext{}); n.Text != "hi" {
		t.Errorf("element renders %+v", n)
	}
	for _, c := range []struct{ raw, want string }{
		{`[]`, "must be a JSON object"},
		{`{"core.routing.path":"/a","core.routing.path":"/b"}`, `two values for data ref "core.routing.path"`},
		{`{"core.ui.element":{"type":"blink"}}`, `factory output "core.ui.element": root: unknown component type "blink"`},
		{`{"core.routing.path":5}`, `data ref "core.routing.path" wants a string`},
		{`{"x.y":1}`, `unknown data ref "x.y"`},
		{`{"core.title":"a"} {}`, "unexpected data after the object"},
	} {
		if _, err := DecodeOutputs([]byte(c.raw), element); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.raw, err, c.want)
		}
	}
}

func TestRenderRequestJSON(t *testing.T) {
	rc := &RenderContext{Path: "/catalog/default/component/a", Query: map[string][]string{"tab": {"x"}},
		Params: map[string]string{"name": "a"}, Entity: &Entity{Kind: "Component", Metadata: EntityMetadata{Name: "a"}}}
	rr, err := NewRenderRequest("entity-card:p/c", map[string]any{"limit": 5.0}, rc)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rr)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"extension":"entity-card:p/c","config":{"limit":5},"path":"/catalog/default/component/a","query":{"tab":["x"]},"params":{"name":"a"},"entity":{"apiVersion":"","kind":"Component","metadata":{"name":"a"}}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}

	// An entity from the catalog goes as the catalog served it, fields the Entity type
	// does not have included.
	served := `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"a","uid":"u-1","etag":"e-1","x-team":{"chat":"#a"}},"spec":{},"status":{"items":[]}}`
	rc.Entity.JSON = json.RawMessage(served)
	rr, err = NewRenderRequest("entity-card:p/c", nil, rc)
	if err != nil || string(rr.Entity) != served {
		t.Errorf("entity from the catalog: %s %v", rr.Entity, err)
	}
}
