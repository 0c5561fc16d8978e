// Package wasmext turns the extensions a Wasm frontend plugin declares in its manifest
// into extensions of the app's extension tree (ext.Extension).
//
// Each declared extension's factory calls the plugin's gr_extension export with an
// ext.FactoryRequest and reads the outputs with ext.DecodeOutputs. The core.ui.element
// output becomes an element whose Render calls gr_render with the page request (path,
// query, route params, the current entity on entity pages, and the state the factory gave
// the element) and decodes the UI tree it returns with ui.DecodeFor, whose action nodes
// may post only to the plugin's own routes (/api/<config id>/...). The entity goes as the
// catalog served it (ext.Entity.Envelope), not re-encoded from the host's types. A trap,
// a timeout, an error from the plugin or a malformed UI tree fail that one render; the
// extension tree's error boundary (ext.Boundary) shows an error box naming the
// extension in its place, and the rest of the page renders with status 200.
//
// The package depends on a Caller only, which *plugin.Plugin satisfies, so it knows
// nothing of the runtime or of config.
package wasmext

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/frontend/ui"
)

// The frontend exports of ABI v1 (abi/SPEC.md section 7).
const (
	ExportExtension = abi.ExportExtension // gr_extension: an extension's outputs
	ExportRender    = abi.ExportRender    // gr_render: one render of an element
)

// Caller calls one export of a loaded plugin with an input message and returns its
// output. It must be safe for concurrent use. *plugin.Plugin satisfies it.
type Caller interface {
	Call(ctx context.Context, export string, input []byte) ([]byte, error)
}

// Extensions reads a plugin manifest's extensions (a JSON array of ext.Declaration) and
// returns one ext.Extension per declaration, in order, with Source "plugin <pluginID>".
// Null or absent declarations give none. Errors name the plugin, the index of the
// declaration and, where there is one, its id.
//
// pluginID is the plugin's id in config, manifestID the id in its manifest. When they
// differ (one module configured as several plugins), extension ids whose namespace is
// manifestID, and attachTo ids that point at them, take pluginID as their namespace
// instead, as the plugin's routes are served under its config id: page:tech-radar of a
// module configured as "team-radar" is page:team-radar in the tree and in app.extensions.
// The plugin's exports always receive the id as declared.
func Extensions(pluginID, manifestID string, declarations json.RawMessage, c Caller) ([]ext.Extension, error) {
	source := "plugin " + pluginID
	raw := bytes.TrimSpace(declarations)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("%s: manifest extensions must be an array of extension declarations: %w", source, err)
	}
	decls := make([]ext.Declaration, len(items))
	own := map[string]bool{}
	for i, item := range items {
		dec := json.NewDecoder(bytes.NewReader(item))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&decls[i]); err != nil {
			return nil, fmt.Errorf("%s: manifest extensions[%d]: %w", source, i, err)
		}
		own[decls[i].ID] = true
	}
	exts := make([]ext.Extension, 0, len(items))
	for i, d := range decls {
		declared := d.ID
		d.ID = rename(d.ID, manifestID, pluginID)
		if own[d.AttachTo.ID] { // attached to another of the plugin's extensions
			d.AttachTo.ID = rename(d.AttachTo.ID, manifestID, pluginID)
		}
		e, err := d.Extension(source, &factory{plugin: pluginID, declared: declared, caller: c})
		if err != nil {
			return nil, fmt.Errorf("%w (manifest extensions[%d])", err, i)
		}
		exts = append(exts, e)
	}
	return exts, nil
}

// rename moves an extension id from namespace from to namespace to.
func rename(id, from, to string) string {
	if from == to || from == "" {
		return id
	}
	p, err := ext.ParseID(id)
	if err != nil || p.Namespace != from {
		return id
	}
	p.Namespace = to
	return p.String()
}

// factory creates one extension's outputs through gr_extension.
type factory struct {
	plugin   string
	declared string // the extension's id in the manifest, which the plugin knows
	caller   Caller
}

func (f *factory) Create(ctx context.Context, in ext.FactoryInput) ([]ext.Value, error) {
	cfg := in.Config
	if cfg == nil {
		cfg = map[string]any{}
	}
	req, err := json.Marshal(ext.FactoryRequest{Extension: f.declared, Config: cfg})
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %s: encoding the request: %w", f.plugin, ExportExtension, err)
	}
	out, err := f.caller.Call(ctx, ExportExtension, req)
	if err != nil {
		return nil, err
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	vals, err := ext.DecodeOutputs(out, func(state json.RawMessage) (ext.Element, error) {
		return newElement(f.plugin, f.declared, cfgJSON, state, f.caller), nil
	})
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %s output: %w", f.plugin, ExportExtension, err)
	}
	return vals, nil
}

// element renders through gr_render. The parts of its request that do not change
// between renders (extension id, config, state) are encoded once.
type element struct {
	plugin    string
	extension string
	caller    Caller
	head      []byte // {"extension":...,"config":...,["element":...,]
}

func newElement(plugin, extension string, config, state json.RawMessage, c Caller) *element {
	id, _ := json.Marshal(extension)
	head := append([]byte(`{"extension":`), id...)
	head = append(head, `,"config":`...)
	head = append(head, config...)
	if s := bytes.TrimSpace(state); len(s) > 0 && !bytes.Equal(s, []byte("null")) && !isEmptyObject(s) {
		head = append(head, `,"element":`...)
		head = append(head, s...)
	}
	return &element{plugin: plugin, extension: extension, caller: c, head: head}
}

func isEmptyObject(b []byte) bool {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return false
	}
	return len(bytes.TrimSpace(b[1:len(b)-1])) == 0
}

// renderTail is the part of a render request that changes with every page request,
// but the entity, which goes in as the catalog served it.
type renderTail struct {
	Path   string              `json:"path"`
	Query  map[string][]string `json:"query"`
	Params map[string]string   `json:"params,omitempty"`
}

// request encodes the gr_render input for one page request: ext.RenderRequest's fields
// plus "element", the state from gr_extension when it is not {}.
func (e *element) request(rc *ext.RenderContext) ([]byte, error) {
	q := map[string][]string(rc.Query)
	if q == nil {
		q = map[string][]string{}
	}
	tail, err := json.Marshal(renderTail{Path: rc.Path, Query: q, Params: rc.Params})
	if err != nil {
		return nil, err
	}
	var entity []byte
	if rc.Entity != nil {
		if entity, err = rc.Entity.Envelope(); err != nil {
			return nil, err
		}
	}
	b := make([]byte, 0, len(e.head)+len(tail)+len(entity)+len(`,"entity":`))
	b = append(b, e.head...)
	b = append(b, ',')
	b = append(b, tail[1:len(tail)-1]...)
	if entity != nil {
		b = append(b, `,"entity":`...)
		b = append(b, entity...)
	}
	return append(b, '}'), nil
}

// ValidatesUI tells the error boundary that Render validated the tree: ui.DecodeFor does.
func (e *element) ValidatesUI() {}

func (e *element) Render(ctx context.Context, rc *ext.RenderContext) (ui.Node, error) {
	req, err := e.request(rc)
	if err != nil {
		return ui.Node{}, fmt.Errorf("plugin %s: %s: encoding the request: %w", e.plugin, ExportRender, err)
	}
	out, err := e.caller.Call(ctx, ExportRender, req)
	if err != nil {
		return ui.Node{}, err
	}
	n, err := ui.DecodeFor(out, "/api/"+e.plugin+"/")
	if err != nil {
		return ui.Node{}, fmt.Errorf("plugin %s: %s returned a malformed UI tree: %w", e.plugin, ExportRender, err)
	}
	return n, nil
}
