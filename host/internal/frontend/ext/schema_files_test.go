package ext

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func compileFile(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "abi", "schema", name))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(name, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validJSON(t *testing.T, s *jsonschema.Schema, js string) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(v)
}

// TestSchemaFiles checks the message schemas against what the Go code accepts.
func TestSchemaFiles(t *testing.T) {
	decl := compileFile(t, "extension-declaration.schema.json")
	for _, c := range []struct {
		js string
		ok bool
	}{
		{`{"id":"page:tech-radar","attachTo":{"id":"app/routes","input":"routes"},"output":["core.routing.path","core.ui.element"]}`, true},
		{`{"id":"entity-card:ci/builds","attachTo":{"id":"page:catalog/entity","input":"cards"},"output":["core.ui.element","catalog.entity-filter-expression?"],"disabled":true,"configSchema":{"type":"object"}}`, true},
		{`{"id":"Page:X","attachTo":{"id":"a","input":"b"},"output":["core.ui.element"]}`, false},
		{`{"id":"page:x","attachTo":{"id":"a"},"output":["core.ui.element"]}`, false},
		{`{"id":"page:x","attachTo":{"id":"a","input":"b"},"output":[]}`, false},
		{`{"id":"page:x","attachTo":{"id":"a","input":"b"},"output":["core.ui.elemnt"]}`, false},
	} {
		schemaErr := validJSON(t, decl, c.js)
		var d Declaration
		goErr := json.Unmarshal([]byte(c.js), &d)
		if goErr == nil {
			_, goErr = d.Extension("plugin p", FactoryFunc(nil))
		}
		if (schemaErr == nil) != c.ok || (goErr == nil) != c.ok {
			t.Errorf("%s: schema %v, Go %v, want ok=%v", c.js, schemaErr, goErr, c.ok)
		}
	}

	out := compileFile(t, "extension-output.schema.json")
	for _, c := range []struct {
		js string
		ok bool
	}{
		{`{"core.routing.path":"/radar","core.ui.element":{},"core.nav.target":{"title":"Radar","path":"/radar"}}`, true},
		{`{"core.routing.path":5}`, false},
		{`{"core.nav.target":{"title":""}}`, false},
		{`{"x.y":1}`, false},
	} {
		schemaErr := validJSON(t, out, c.js)
		_, goErr := DecodeOutputs([]byte(c.js), func(json.RawMessage) (Element, error) { return ElementFunc(nil), nil })
		if (schemaErr == nil) != c.ok || (goErr == nil) != c.ok {
			t.Errorf("%s: schema %v, Go %v, want ok=%v", c.js, schemaErr, goErr, c.ok)
		}
	}

	rr := compileFile(t, "render-request.schema.json")
	req, _ := NewRenderRequest("entity-card:p/c", nil, &RenderContext{Path: "/x",
		Entity: &Entity{Kind: "Component", Metadata: EntityMetadata{Name: "a"}}})
	b, _ := json.Marshal(req)
	if err := validJSON(t, rr, string(b)); err != nil {
		t.Errorf("render request %s: %v", b, err)
	}
	fr := compileFile(t, "extension-request.schema.json")
	b, _ = json.Marshal(FactoryRequest{Extension: "page:x", Config: map[string]any{}})
	if err := validJSON(t, fr, string(b)); err != nil {
		t.Errorf("factory request %s: %v", b, err)
	}
}
