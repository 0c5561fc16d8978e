package ext

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Declaration is an extension as a plugin manifest declares it, in JSON:
//
//	{"id": "page:tech-radar", "attachTo": {"id": "app/routes", "input": "routes"},
//	 "output": ["core.routing.path", "core.ui.element"],
//	 "inputs": [{"name": "items", "refs": ["core.ui.element", "core.title?"]}],
//	 "disabled": false, "configSchema": {"type": "object", ...}}
//
// Data refs are named by id; a trailing "?" marks one optional.
type Declaration struct {
	ID           string             `json:"id"`
	AttachTo     AttachPoint        `json:"attachTo"`
	Disabled     bool               `json:"disabled,omitempty"`
	Inputs       []InputDeclaration `json:"inputs,omitempty"`
	Output       []string           `json:"output"`
	ConfigSchema json.RawMessage    `json:"configSchema,omitempty"`
}

// InputDeclaration is one input of a Declaration.
type InputDeclaration struct {
	Name      string   `json:"name"`
	Refs      []string `json:"refs"`
	Singleton bool     `json:"singleton,omitempty"`
	Optional  bool     `json:"optional,omitempty"`
}

func declaredRef(s string) (AnyRef, error) {
	id, opt := strings.CutSuffix(s, "?")
	r, ok := LookupRef(id)
	if !ok {
		return nil, fmt.Errorf("unknown data ref %q; known refs: %s", id, strings.Join(KnownRefs(), ", "))
	}
	if opt {
		r = r.asOptional()
	}
	return r, nil
}

// Extension checks the declaration and makes it an Extension with the given source
// (e.g. "plugin tech-radar") and factory. Errors name the extension and the field.
func (d Declaration) Extension(source string, f Factory) (Extension, error) {
	e := Extension{ID: d.ID, AttachTo: d.AttachTo, Disabled: d.Disabled, ConfigSchema: d.ConfigSchema, Factory: f, Source: source}
	bad := func(format string, args ...any) (Extension, error) {
		return Extension{}, fmt.Errorf("%s: extension %q: %s", source, d.ID, fmt.Sprintf(format, args...))
	}
	if _, err := ParseID(d.ID); err != nil {
		return bad("%v", err)
	}
	if d.AttachTo.ID == "" || d.AttachTo.Input == "" {
		return bad("attachTo needs id and input, e.g. {\"id\": \"app/nav\", \"input\": \"items\"}; only the host's app is a root")
	}
	if len(d.Output) == 0 {
		return bad("output lists no data refs; declare what the factory returns, e.g. [\"core.ui.element\"]")
	}
	for i, s := range d.Output {
		r, err := declaredRef(s)
		if err != nil {
			return bad("output[%d]: %v", i, err)
		}
		e.Output = append(e.Output, r)
	}
	for i, in := range d.Inputs {
		input := Input{Name: in.Name, Singleton: in.Singleton, Optional: in.Optional}
		for j, s := range in.Refs {
			r, err := declaredRef(s)
			if err != nil {
				return bad("inputs[%d].refs[%d]: %v", i, j, err)
			}
			input.Refs = append(input.Refs, r)
		}
		e.Inputs = append(e.Inputs, input)
	}
	if len(d.ConfigSchema) > 0 {
		if _, err := compileConfigSchema(d.ConfigSchema); err != nil {
			return bad("configSchema: %v", err)
		}
	}
	return e, nil
}

// DecodeOutputs reads a Wasm factory's output, a JSON object from data ref id to
// value ({"core.routing.path": "/radar", "core.ui.element": {...}}), into values.
// The element ref's value is built by element (typically an Element that calls the
// plugin's gr_render). A ref given twice is an error (two values for one data ref).
func DecodeOutputs(raw []byte, element func(json.RawMessage) (Element, error)) ([]Value, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("factory output must be a JSON object from data ref id to value")
	}
	seen := map[string]bool{}
	var vals []Value
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("factory output: %w", err)
		}
		id := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("factory output %q: %w", id, err)
		}
		if seen[id] {
			return nil, fmt.Errorf("factory output gives two values for data ref %q", id)
		}
		seen[id] = true
		if id == ElementRef.ID() {
			if element == nil {
				return nil, fmt.Errorf("factory output %q: this host cannot build elements from JSON", id)
			}
			el, err := element(v)
			if err != nil {
				return nil, fmt.Errorf("factory output %q: %w", id, err)
			}
			vals = append(vals, ElementRef.Value(el))
			continue
		}
		val, err := DecodeValue(id, v)
		if err != nil {
			return nil, fmt.Errorf("factory output: %w", err)
		}
		vals = append(vals, val)
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("factory output: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("factory output: unexpected data after the object")
	}
	return vals, nil
}

// FactoryRequest is the input of a plugin's gr_extension export.
type FactoryRequest struct {
	Extension string         `json:"extension"`
	Config    map[string]any `json:"config"`
}

// RenderRequest is the input of a plugin's gr_render export.
type RenderRequest struct {
	Extension string              `json:"extension"`
	Config    map[string]any      `json:"config"`
	Path      string              `json:"path"`
	Query     map[string][]string `json:"query"`
	Params    map[string]string   `json:"params,omitempty"`
	// Entity is the current entity on entity pages, as the catalog serves it
	// (Entity.Envelope).
	Entity json.RawMessage `json:"entity,omitempty"`
}

// NewRenderRequest describes one render of an extension for gr_render.
func NewRenderRequest(extensionID string, config map[string]any, rc *RenderContext) (RenderRequest, error) {
	q := map[string][]string(rc.Query)
	if q == nil {
		q = map[string][]string{}
	}
	if config == nil {
		config = map[string]any{}
	}
	r := RenderRequest{Extension: extensionID, Config: config, Path: rc.Path, Query: q, Params: rc.Params}
	if rc.Entity != nil {
		e, err := rc.Entity.Envelope()
		if err != nil {
			return RenderRequest{}, fmt.Errorf("entity %s: %w", rc.Entity.Ref(), err)
		}
		r.Entity = e
	}
	return r, nil
}
