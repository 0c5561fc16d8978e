package greenroom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"

	"greenroom.dev/greenroom/sdk/go/ui"
)

// Frontend plugins contribute extensions to the app's extension tree (SPEC.md section 7.3).
// The manifest declares each extension (id, attachTo, output, configSchema); the host
// calls gr_extension once per active extension at start-up (and on config reload) for its
// outputs, and gr_render for every page render of an element the extension output.

// Data ref ids an extension may output (the keys of the gr_extension output).
const (
	RefRoutePath    = "core.routing.path"
	RefNavTarget    = "core.nav.target"
	RefElement      = "core.ui.element"
	RefTitle        = "core.title"
	RefEntityFilter = "catalog.entity-filter-expression"
)

// ExtensionRequest is the input of gr_extension: which extension to create, and its
// config from app.extensions with the declaration's configSchema defaults filled in.
type ExtensionRequest struct {
	Extension string         `json:"extension"`
	Config    map[string]any `json:"config"`
}

// ConfigString returns the extension config's string value key, or def.
func (r *ExtensionRequest) ConfigString(key, def string) string {
	return configString(r.Config, key, def)
}

// DecodeConfig decodes the extension's config into v.
func (r *ExtensionRequest) DecodeConfig(v any) error { return decodeConfigMap(r.Config, v) }

// NavTarget is a navigation item: the value of core.nav.target.
type NavTarget struct {
	Title string `json:"title"`
	Path  string `json:"path"`
	Icon  string `json:"icon,omitempty"`
}

// Outputs is the output of gr_extension: one value per data ref the extension declares
// in its manifest output. Empty fields are left out.
type Outputs struct {
	// RoutePath (core.routing.path) is where a page is mounted, e.g. "/tech-radar"; for an
	// entity tab, its path segment below the entity, e.g. "/ci".
	RoutePath string `json:"core.routing.path,omitempty"`
	// NavTarget (core.nav.target) is a navigation item.
	NavTarget *NavTarget `json:"core.nav.target,omitempty"`
	// Element (core.ui.element) says that the extension renders UI. Its value is any JSON
	// the plugin wants back in every gr_render of this element (RenderRequest.Element);
	// use ElementState to set it. Nil means no element.
	Element json.RawMessage `json:"core.ui.element,omitempty"`
	// Title (core.title) is a title, e.g. of an entity tab.
	Title string `json:"core.title,omitempty"`
	// EntityFilter (catalog.entity-filter-expression) limits an entity card or tab to the
	// entities it matches, e.g. "kind:component type:service".
	EntityFilter string `json:"catalog.entity-filter-expression,omitempty"`
}

// NoState is the Element value of an element that needs no state: {}.
var NoState = json.RawMessage("{}")

// ElementState encodes v as an element's state (Outputs.Element), which the host passes
// back to gr_render as RenderRequest.Element.
func ElementState(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, Errorf(CodeInternal, "encoding the element state: %v", err)
	}
	return b, nil
}

// RenderRequest is the input of gr_render: one render of an element for one page request.
type RenderRequest struct {
	// Extension is the id of the extension whose element renders.
	Extension string `json:"extension"`
	// Config is the extension's config (as in ExtensionRequest).
	Config map[string]any `json:"config"`
	// Path is the request path, e.g. /catalog/default/component/payments.
	Path string `json:"path"`
	// Query holds the request's query parameters.
	Query map[string][]string `json:"query"`
	// Params holds the matched route's parameters (namespace, kind, name on entity pages).
	Params map[string]string `json:"params,omitempty"`
	// Entity is the current entity on entity pages (cards and tabs), nil elsewhere.
	Entity *Entity `json:"entity,omitempty"`
	// EntityJSON is the current entity exactly as the host sent it: the catalog's JSON of
	// it, with every field Entity does not have (custom metadata keys, annotations'
	// neighbours, the whole spec and status). Decode it for those. It shares the input
	// message's memory, valid while the render runs.
	EntityJSON json.RawMessage `json:"-"`
	// Element is the element's state from gr_extension (Outputs.Element); absent when it
	// was {}.
	Element json.RawMessage `json:"element,omitempty"`
}

// QueryValue returns the first value of query parameter key, or "".
func (r *RenderRequest) QueryValue(key string) string {
	if v := r.Query[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// ConfigString returns the extension config's string value key, or def.
func (r *RenderRequest) ConfigString(key, def string) string { return configString(r.Config, key, def) }

// DecodeConfig decodes the extension's config into v.
func (r *RenderRequest) DecodeConfig(v any) error { return decodeConfigMap(r.Config, v) }

// DecodeElement decodes the element's state into v.
func (r *RenderRequest) DecodeElement(v any) error {
	if len(r.Element) == 0 {
		return nil
	}
	if err := json.Unmarshal(r.Element, v); err != nil {
		return Errorf(CodeInternal, "decoding the element state: %v", err)
	}
	return nil
}

// Ref is the entity's reference kind:namespace/name, lower case ("" without an entity).
func (e *Entity) Ref() string {
	if e == nil {
		return ""
	}
	ns := e.Metadata.Namespace
	if ns == "" {
		ns = "default"
	}
	return strings.ToLower(e.Kind + ":" + ns + "/" + e.Metadata.Name)
}

// SpecString returns spec.<key> when it is a string, else "".
func (e *Entity) SpecString(key string) string {
	if e == nil {
		return ""
	}
	s, _ := e.Spec[key].(string)
	return s
}

func configString(cfg map[string]any, key, def string) string {
	if s, ok := cfg[key].(string); ok {
		return s
	}
	return def
}

func decodeConfigMap(cfg map[string]any, v any) error {
	b, err := json.Marshal(cfg)
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		return Errorf(CodeInvalidArgument, "decoding the extension config: %v", err)
	}
	return nil
}

// ExtensionFunc creates an extension's outputs (the factory).
type ExtensionFunc func(*ExtensionRequest) (*Outputs, error)

// RenderFunc renders an element. A returned error renders as an error box that names the
// extension; the rest of the page renders.
type RenderFunc func(*RenderRequest) (ui.Node, error)

var (
	factories = map[string]ExtensionFunc{}
	renders   = map[string]RenderFunc{}
)

// Extension registers the factory of the extension id (as declared in the manifest's
// extensions). Register in an init function; it panics on an empty id, a nil function or
// a duplicate.
func Extension(id string, f ExtensionFunc) {
	if id == "" || f == nil {
		panic("greenroom: Extension needs an id and a function")
	}
	if factories[id] != nil {
		panic(fmt.Sprintf("greenroom: Extension %q: already registered", id))
	}
	factories[id] = f
}

// Render registers the render function of the extension id's element. It panics on an
// empty id, a nil function or a duplicate.
func Render(id string, f RenderFunc) {
	if id == "" || f == nil {
		panic("greenroom: Render needs an id and a function")
	}
	if renders[id] != nil {
		panic(fmt.Sprintf("greenroom: Render %q: already registered", id))
	}
	renders[id] = f
}

// Page registers a page: its factory outputs core.routing.path (the extension config's
// "path", else defaultPath) and an element that render draws. Declare it in the manifest
// with attachTo {id: app/routes, input: routes} and output [core.routing.path,
// core.ui.element].
func Page(id, defaultPath string, render RenderFunc) {
	Extension(id, func(r *ExtensionRequest) (*Outputs, error) {
		p := r.ConfigString("path", defaultPath)
		if !strings.HasPrefix(p, "/") {
			return nil, Errorf(CodeInvalidArgument, "extension %s: config path %q must start with /", id, p)
		}
		return &Outputs{RoutePath: p, Element: NoState}, nil
	})
	Render(id, render)
}

// NavItem registers a navigation item: its factory outputs core.nav.target with the
// extension config's "title" and "path", else title and path. Declare it with attachTo
// {id: app/nav, input: items} and output [core.nav.target].
func NavItem(id, title, path string) {
	Extension(id, func(r *ExtensionRequest) (*Outputs, error) {
		return &Outputs{NavTarget: &NavTarget{Title: r.ConfigString("title", title), Path: r.ConfigString("path", path)}}, nil
	})
}

// EntityCard registers a card of the entity page: its factory outputs an element and,
// when the extension config's "filter" (else defaultFilter) is not empty, that entity
// filter. RenderRequest.Entity is the page's entity. Declare it with attachTo {id:
// page:catalog/entity, input: cards} and output [core.ui.element,
// catalog.entity-filter-expression?].
func EntityCard(id, defaultFilter string, render RenderFunc) {
	Extension(id, func(r *ExtensionRequest) (*Outputs, error) {
		return &Outputs{Element: NoState, EntityFilter: r.ConfigString("filter", defaultFilter)}, nil
	})
	Render(id, render)
}

// EntityTab registers a tab of the entity page: its factory outputs an element, the tab's
// title and path segment (config "title" and "path", else title and path) and the entity
// filter (config "filter", else defaultFilter). Declare it with attachTo {id:
// page:catalog/entity, input: tabs} and output [core.ui.element, core.title,
// core.routing.path, catalog.entity-filter-expression?].
func EntityTab(id, title, path, defaultFilter string, render RenderFunc) {
	Extension(id, func(r *ExtensionRequest) (*Outputs, error) {
		return &Outputs{Element: NoState, Title: r.ConfigString("title", title),
			RoutePath:    "/" + strings.TrimPrefix(r.ConfigString("path", path), "/"),
			EntityFilter: r.ConfigString("filter", defaultFilter)}, nil
	})
	Render(id, render)
}

// CreateExtension runs the factory registered for req.Extension, as gr_extension does.
// An unknown id is an *Error with CodeNotFound; a panic is an *Error with CodeInternal.
func CreateExtension(req *ExtensionRequest) (out *Outputs, err error) {
	f := factories[req.Extension]
	if f == nil {
		return nil, Errorf(CodeNotFound, "no factory for extension %q; register one with greenroom.Extension (or Page, NavItem, EntityCard, EntityTab)", req.Extension)
	}
	defer func() {
		if p := recover(); p != nil {
			Log.Error("extension factory panicked", "extension", req.Extension, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			out, err = nil, Errorf(CodeInternal, "factory of extension %s panicked: %v", req.Extension, p)
		}
	}()
	out, err = f(req)
	if err == nil && out == nil {
		out = &Outputs{}
	}
	return out, err
}

// RenderElement runs the render function registered for req.Extension, as gr_render does.
// An unknown id is an *Error with CodeNotFound; a panic is an *Error with CodeInternal.
func RenderElement(req *RenderRequest) (n ui.Node, err error) {
	f := renders[req.Extension]
	if f == nil {
		return ui.Node{}, Errorf(CodeNotFound, "no render function for extension %q; register one with greenroom.Render (or Page, EntityCard, EntityTab)", req.Extension)
	}
	defer func() {
		if p := recover(); p != nil {
			Log.Error("render panicked", "extension", req.Extension, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			n, err = ui.Node{}, Errorf(CodeInternal, "render of extension %s panicked: %v", req.Extension, p)
		}
	}()
	return f(req)
}

// extensionMessage handles one gr_extension input message.
func extensionMessage(in []byte) ([]byte, *Error) {
	var req ExtensionRequest
	if err := json.Unmarshal(in, &req); err != nil || req.Extension == "" {
		return nil, Errorf(CodeInvalidArgument, "gr_extension: the request message needs an extension id: %v", err)
	}
	out, err := CreateExtension(&req)
	if err != nil {
		return nil, asError(err)
	}
	b, merr := json.Marshal(out)
	if merr != nil {
		return nil, Errorf(CodeInternal, "gr_extension: encoding the outputs of %s: %v", req.Extension, merr)
	}
	return b, nil
}

// renderMessage handles one gr_render input message.
func renderMessage(in []byte) ([]byte, *Error) {
	var req RenderRequest
	// in is this call's input buffer, never modified: the request's strings may share it.
	if err := decodeRenderRequest(in, &req, true); err != nil || req.Extension == "" {
		return nil, Errorf(CodeInvalidArgument, "gr_render: the request message needs an extension id: %v", err)
	}
	n, err := RenderElement(&req)
	if err != nil {
		return nil, asError(err)
	}
	return n.AppendJSON(make([]byte, 0, 1024)), nil
}

// manifestExtension is what CheckExtensions reads of a manifest's extension declaration.
type manifestExtension struct {
	ID     string   `json:"id"`
	Output []string `json:"output"`
}

// CheckExtensions reports, in one error, every mismatch between the manifest's extensions
// and the registered factories and render functions: a declared extension without a
// factory, a declared core.ui.element without a render function, and a factory or render
// function that no declaration reaches. Call it from a native test of the plugin.
func CheckExtensions(m *Manifest) error {
	var decls []manifestExtension
	if len(bytes.TrimSpace(m.Extensions)) > 0 {
		if err := json.Unmarshal(m.Extensions, &decls); err != nil {
			return fmt.Errorf("plugin %s: manifest extensions: %w", m.ID, err)
		}
	}
	var problems []string
	declared := map[string]bool{}
	for i, d := range decls {
		if d.ID == "" {
			problems = append(problems, fmt.Sprintf("extensions[%d] has no id", i))
			continue
		}
		if declared[d.ID] {
			problems = append(problems, fmt.Sprintf("extension %s is declared twice", d.ID))
		}
		declared[d.ID] = true
		if factories[d.ID] == nil {
			problems = append(problems, fmt.Sprintf("extension %s has no factory; register one with greenroom.Extension", d.ID))
		}
		element := false
		for _, o := range d.Output {
			element = element || strings.TrimSuffix(o, "?") == RefElement
		}
		if element && renders[d.ID] == nil {
			problems = append(problems, fmt.Sprintf("extension %s outputs %s but has no render function; register one with greenroom.Render", d.ID, RefElement))
		}
		if !element && renders[d.ID] != nil {
			problems = append(problems, fmt.Sprintf("extension %s has a render function but its manifest output lacks %s", d.ID, RefElement))
		}
	}
	var ids []string
	for id := range factories {
		ids = append(ids, id)
	}
	for id := range renders {
		if factories[id] == nil {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		if !declared[id] {
			problems = append(problems, fmt.Sprintf("extension %s is registered but not declared in the manifest's extensions", id))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("plugin %s: %s", m.ID, strings.Join(problems, "; "))
	}
	return nil
}
