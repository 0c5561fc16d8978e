package ext

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/frontend/ui"
)

// recorder notes the order factories run in.
type recorder struct{ calls []string }

func (r *recorder) element(id string) Factory {
	return FactoryFunc(func(_ context.Context, in FactoryInput) ([]Value, error) {
		r.calls = append(r.calls, id)
		return []Value{ElementRef.Value(ElementFunc(func(context.Context, *RenderContext) (ui.Node, error) {
			return ui.Text(id), nil
		}))}, nil
	})
}

func (r *recorder) nav(id string) Factory {
	return FactoryFunc(func(_ context.Context, in FactoryInput) ([]Value, error) {
		r.calls = append(r.calls, id)
		return []Value{NavTargetRef.Value(NavTarget{Title: in.ConfigString("title", "?"), Path: "/" + id})}, nil
	})
}

const navSchema = `{"type":"object","properties":{"title":{"type":"string","default":"Untitled"},"order":{"type":"integer","minimum":0}},"additionalProperties":false}`

// base is a small app: a root with a required singleton, a list input and an
// optional singleton; nav items (c disabled by default); pages; a widget under a
// page that is disabled by default.
func base(r *recorder) []Extension {
	return []Extension{
		{ID: "app", Source: "host", Factory: r.element("app"), Output: []AnyRef{ElementRef}, Inputs: []Input{
			{Name: "content", Refs: []AnyRef{ElementRef}, Singleton: true},
			{Name: "items", Refs: []AnyRef{NavTargetRef}},
			{Name: "extra", Refs: []AnyRef{ElementRef}, Singleton: true, Optional: true},
		}},
		{ID: "nav-item:a", Source: "host", AttachTo: AttachPoint{"app", "items"}, Output: []AnyRef{NavTargetRef}, ConfigSchema: []byte(navSchema), Factory: r.nav("nav-item:a")},
		{ID: "nav-item:b", Source: "host", AttachTo: AttachPoint{"app", "items"}, Output: []AnyRef{NavTargetRef}, ConfigSchema: []byte(navSchema), Factory: r.nav("nav-item:b")},
		{ID: "nav-item:c", Source: "plugin p", AttachTo: AttachPoint{"app", "items"}, Disabled: true, Output: []AnyRef{NavTargetRef}, ConfigSchema: []byte(navSchema), Factory: r.nav("nav-item:c")},
		{ID: "nav-item:d", Source: "plugin p", AttachTo: AttachPoint{"app", "items"}, Disabled: true, Output: []AnyRef{NavTargetRef}, ConfigSchema: []byte(navSchema), Factory: r.nav("nav-item:d")},
		{ID: "page:x", Source: "host", AttachTo: AttachPoint{"app", "content"}, Output: []AnyRef{ElementRef, TitleRef.Optional()}, Factory: r.element("page:x"),
			Inputs: []Input{{Name: "cards", Refs: []AnyRef{ElementRef, EntityFilterRef.Optional()}}}},
		{ID: "page:y", Source: "plugin p", AttachTo: AttachPoint{"app", "content"}, Disabled: true, Output: []AnyRef{ElementRef}, Factory: r.element("page:y")},
		{ID: "page:z", Source: "plugin p", AttachTo: AttachPoint{"app", "extra"}, Disabled: true, Output: []AnyRef{ElementRef}, Factory: r.element("page:z"),
			Inputs: []Input{{Name: "widgets", Refs: []AnyRef{ElementRef}}}},
		{ID: "widget:w", Source: "plugin p", AttachTo: AttachPoint{"page:z", "widgets"}, Output: []AnyRef{ElementRef}, Factory: r.element("widget:w")},
		{ID: "card:k", Source: "plugin p", AttachTo: AttachPoint{"page:x", "cards"}, Output: []AnyRef{ElementRef}, Factory: r.element("card:k")},
	}
}

func parseConfig(t *testing.T, src string) Extensions {
	t.Helper()
	var doc struct {
		Extensions Extensions `yaml:"extensions"`
	}
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatalf("config: %v", err)
	}
	return doc.Extensions
}

func TestBuildOrderAndActivation(t *testing.T) {
	tests := []struct {
		name   string
		config string
		items  []string
		calls  []string
	}{
		{"defaults", ``, []string{"nav-item:a", "nav-item:b"},
			[]string{"page:x|card:k", "nav-item:a", "nav-item:b", "app"}},
		{"enable a disabled-by-default extension: it goes to the end", "extensions:\n  - nav-item:c\n",
			[]string{"nav-item:a", "nav-item:b", "nav-item:c"}, nil},
		{"enabled ones go to the end in config order", "extensions:\n  - nav-item:d\n  - nav-item:c: true\n",
			[]string{"nav-item:a", "nav-item:b", "nav-item:d", "nav-item:c"}, nil},
		{"config without disabled enables", "extensions:\n  - nav-item:c:\n      config: {title: C}\n",
			[]string{"nav-item:a", "nav-item:b", "nav-item:c"}, nil},
		{"configuring an enabled extension does not move it", "extensions:\n  - nav-item:a:\n      config: {title: A}\n",
			[]string{"nav-item:a", "nav-item:b"}, nil},
		{"disable then enable moves an enabled-by-default extension to the end", "extensions:\n  - nav-item:a: false\n  - nav-item:a\n",
			[]string{"nav-item:b", "nav-item:a"}, nil},
		{"disable", "extensions:\n  - nav-item:b: false\n", []string{"nav-item:a"}, nil},
		{"disabled: true in the full form", "extensions:\n  - nav-item:b: {disabled: true}\n", []string{"nav-item:a"}, nil},
		{"later items win", "extensions:\n  - nav-item:c\n  - nav-item:c: false\n", []string{"nav-item:a", "nav-item:b"}, nil},
		{"swap pages: disable one singleton, enable another", "extensions:\n  - page:x: false\n  - page:y\n",
			[]string{"nav-item:a", "nav-item:b"}, []string{"page:y", "nav-item:a", "nav-item:b", "app"}},
		{"a child of a disabled parent is inactive; enabling the parent activates it", "extensions:\n  - page:z\n",
			[]string{"nav-item:a", "nav-item:b"}, []string{"page:x|card:k", "nav-item:a", "nav-item:b", "widget:w", "page:z", "app"}},
		{"attachTo moves an extension", "extensions:\n  - card:k:\n      attachTo: {id: app, input: extra}\n",
			[]string{"nav-item:a", "nav-item:b"}, []string{"page:x", "nav-item:a", "nav-item:b", "card:k", "app"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{}
			tree, err := Build(context.Background(), base(r), parseConfig(t, tt.config))
			if err != nil {
				t.Fatal(err)
			}
			if got := tree.Attachments("app", "items"); !reflect.DeepEqual(got, tt.items) {
				t.Errorf("items = %v, want %v", got, tt.items)
			}
			if tt.calls != nil {
				want := []string{}
				for _, c := range tt.calls {
					want = append(want, strings.Split(c, "|")...)
				}
				// Leaves first: card:k before page:x.
				want = reorderLeaves(want)
				if !reflect.DeepEqual(r.calls, want) || !reflect.DeepEqual(tree.Instantiated(), want) {
					t.Errorf("factory order = %v (tree says %v), want %v", r.calls, tree.Instantiated(), want)
				}
			}
			if len(tree.Problems()) > 0 {
				t.Errorf("problems: %v", tree.Problems())
			}
		})
	}
}

func reorderLeaves(s []string) []string {
	// The entries are written parent|child for readability; factories run child first.
	out := append([]string(nil), s...)
	for i := 0; i+1 < len(out); i++ {
		if strings.HasPrefix(out[i], "page:") && (strings.HasPrefix(out[i+1], "card:") || strings.HasPrefix(out[i+1], "widget:")) {
			out[i], out[i+1] = out[i+1], out[i]
		}
	}
	return out
}

func TestMissingDefaultParentIsInactive(t *testing.T) {
	r := &recorder{}
	exts := append(base(r), Extension{ID: "entity-card:other/x", Source: "plugin other", AttachTo: AttachPoint{"page:not-installed", "cards"},
		Output: []AnyRef{ElementRef}, Factory: r.element("entity-card:other/x")})
	tree, err := Build(context.Background(), exts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tree.Active("entity-card:other/x") {
		t.Error("an extension whose parent is not installed is active")
	}
	if ps := fmt.Sprint(tree.Problems()); !strings.Contains(ps, `extension "entity-card:other/x" attaches to "page:not-installed", which does not exist, so it is inactive`) {
		t.Errorf("problems = %s", ps)
	}
}

func TestBuildConfigDefaults(t *testing.T) {
	r := &recorder{}
	tree, err := Build(context.Background(), base(r), parseConfig(t, "extensions:\n  - nav-item:b:\n      config: {order: 2}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := tree.Config("nav-item:b"); !reflect.DeepEqual(got, map[string]any{"title": "Untitled", "order": 2.0}) {
		t.Errorf("config = %#v", got)
	}
	if got := tree.Config("nav-item:a"); !reflect.DeepEqual(got, map[string]any{"title": "Untitled"}) {
		t.Errorf("default config = %#v", got)
	}
	if tree.Active("nav-item:c") || !tree.Active("nav-item:a") || tree.Active("widget:w") {
		t.Error("Active is wrong")
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name   string
		edit   func([]Extension) []Extension
		config string
		want   []string // each must appear in the error
	}{
		{"duplicate id", func(e []Extension) []Extension {
			return append(e, Extension{ID: "nav-item:a", Source: "plugin other", AttachTo: AttachPoint{"app", "items"}, Output: []AnyRef{NavTargetRef}, Factory: e[1].Factory})
		}, ``, []string{`extension "nav-item:a" is defined twice, by host and by plugin other`}},
		{"invalid id", func(e []Extension) []Extension {
			return append(e, Extension{ID: "Page:X", Source: "plugin q", AttachTo: AttachPoint{"app", "items"}, Factory: e[1].Factory})
		}, ``, []string{`extension "Page:X" from plugin q has an invalid id`, `kind "Page" must be lower-case`}},
		{"attachTo an unknown input from config", nil, "extensions:\n  - page:z\n  - page:z:\n      attachTo: {id: widget:w, input: x}\n  - widget:w:\n      attachTo: {id: page:z, input: widgets}\n",
			[]string{`attaches to input "x" of "widget:w", which has no such input; it has no inputs`}},
		{"cycle through real inputs", func(e []Extension) []Extension {
			e[8].Inputs = []Input{{Name: "sub", Refs: []AnyRef{ElementRef}}}
			return e
		}, "extensions:\n  - page:z:\n      attachTo: {id: widget:w, input: sub}\n",
			[]string{`app.extensions[0].page:z (line 2): extension "page:z" is in an attachment cycle: page:z -> widget:w -> page:z`}},
		{"missing required singleton", nil, "extensions:\n  - page:x: false\n",
			[]string{`extension "app" input "content" needs exactly one extension and none is active`}},
		{"two extensions on a singleton", nil, "extensions:\n  - page:y\n",
			[]string{`extension "app" input "content" takes one extension but 2 are attached: page:x, page:y`}},
		{"attachment lacks required data refs", nil, "extensions:\n  - nav-item:a:\n      attachTo: {id: app, input: extra}\n",
			[]string{`app.extensions[0].nav-item:a (line 2): extension "nav-item:a" attaches to input "extra" of "app", which requires data ref "core.ui.element", but it outputs only core.nav.target`}},
		{"two values for one data ref", func(e []Extension) []Extension {
			e[6].Output = []AnyRef{ElementRef, ElementRef}
			return e
		}, ``, []string{`extension "page:y" declares data ref "core.ui.element" twice in its output`}},
		{"invalid config", nil, "extensions:\n  - nav-item:a:\n      config: {title: 5, colour: red}\n",
			[]string{`app.extensions[0].nav-item:a.config (line 2): extension "nav-item:a" has invalid config:`, `config.title: got number, want string`, `colour`}},
		{"config for an extension without a schema", nil, "extensions:\n  - page:x:\n      config: {path: /x}\n",
			[]string{`extension "page:x" takes no config`}},
		{"unknown extension", nil, "extensions:\n  - nav-item:bb: false\n",
			[]string{`app.extensions[0].nav-item:bb (line 2): extension "nav-item:bb" does not exist (did you mean "nav-item:b"?)`}},
		{"attachTo an unknown extension", nil, "extensions:\n  - card:k:\n      attachTo: {id: page:q, input: cards}\n",
			[]string{`extension "card:k" attaches to "page:q", which does not exist`}},
		{"default attachTo an unknown input", func(e []Extension) []Extension {
			e[9].AttachTo.Input = "kards"
			return e
		}, ``, []string{`extension "card:k" attaches to input "kards" of "page:x", which has no such input; its inputs are cards`}},
		{"root disabled", nil, "extensions:\n  - app: false\n", []string{`extension "app" is the root of the app and cannot be disabled`}},
		{"two roots", func(e []Extension) []Extension {
			e[9].AttachTo = AttachPoint{}
			return e
		}, ``, []string{`extension "card:k" has no attachTo, but only the root extension "app" may go without one`}},
		{"invalid config schema", func(e []Extension) []Extension {
			e[1].ConfigSchema = []byte(`{"type":"object","properties":{"title":{"type":"strang"}}}`)
			return e
		}, ``, []string{`extension "nav-item:a" from host has an invalid config schema`}},
		{"required config without default", func(e []Extension) []Extension {
			e[1].ConfigSchema = []byte(`{"type":"object","required":["token"],"properties":{"token":{"type":"string"}}}`)
			return e
		}, ``, []string{`extension "nav-item:a" has invalid config: config: missing property 'token'; set them under app.extensions with config:`}},
		{"no factory", func(e []Extension) []Extension {
			e[2].Factory = nil
			return e
		}, ``, []string{`extension "nav-item:b" from host has no factory`}},
		{"several errors at once", nil, "extensions:\n  - nope\n  - page:y\n",
			[]string{`extension "nope" does not exist`, `takes one extension but 2 are attached`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exts := base(&recorder{})
			if tt.edit != nil {
				exts = tt.edit(exts)
			}
			_, err := Build(context.Background(), exts, parseConfig(t, tt.config))
			if err == nil {
				t.Fatal("Build succeeded, want an error")
			}
			var e *Error
			if !errors.As(err, &e) || e.Extension == "" {
				t.Errorf("error %v does not name an extension", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\nlacks\n%s", err, w)
				}
			}
		})
	}
}

func TestConfigYAMLErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"extensions: {app/nav: false}", "app.extensions (line 1): must be a list"},
		{"extensions:\n  - 5", "app.extensions[0] (line 2): an item is an extension id"},
		{"extensions:\n  - [a]", "app.extensions[0] (line 2): an item is an extension id"},
		{"extensions:\n  - {a: true, b: false}", "app.extensions[0] (line 2): an item names exactly one extension"},
		{"extensions:\n  - a: maybe", `app.extensions[0].a (line 2): "maybe" is not true, false or a map`},
		{"extensions:\n  - a:\n      disable: true", `app.extensions[0].a.disable (line 3): unknown key "disable"; an extension item has attachTo, disabled and config`},
		{"extensions:\n  - a:\n      disabled: yes please", "app.extensions[0].a.disabled (line 3): must be true or false"},
		{"extensions:\n  - a:\n      attachTo: app/nav", "app.extensions[0].a.attachTo (line 3): must be a map {id"},
		{"extensions:\n  - a:\n      attachTo: [{id: x, input: y}]", "attaching to several parents is not supported"},
		{"extensions:\n  - a:\n      attachTo: {id: x}", "app.extensions[0].a.attachTo (line 3): needs both id and input"},
		{"extensions:\n  - a:\n      attachTo: {id: x, input: y, order: 1}", "app.extensions[0].a.attachTo.order (line 3): unknown key"},
		{"extensions:\n  - a:\n      config: [1]", "app.extensions[0].a.config (line 3): must be a map"},
	}
	for _, tt := range tests {
		var doc struct {
			Extensions Extensions `yaml:"extensions"`
		}
		err := yaml.Unmarshal([]byte(tt.src), &doc)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.src, err, tt.want)
		}
	}
}

func TestConfigYAMLForms(t *testing.T) {
	got := parseConfig(t, `extensions:
  - page:catalog
  - nav-item:search: false
  - app/nav:
      attachTo: { id: app/layout, input: nav }
      disabled: false
      config: { title: Backstage }
  - entity-card:x/y: null
`)
	f, tr := false, true
	_ = tr
	want := Extensions{
		{ID: "page:catalog", Disabled: &f, Path: "app.extensions[0]", Line: 2},
		{ID: "nav-item:search", Disabled: &tr, Path: "app.extensions[1].nav-item:search", Line: 3},
		{ID: "app/nav", Disabled: &f, AttachTo: &AttachPoint{"app/layout", "nav"}, Config: map[string]any{"title": "Backstage"}, Path: "app.extensions[2].app/nav", Line: 4},
		{ID: "entity-card:x/y", Disabled: &f, Path: "app.extensions[3].entity-card:x/y", Line: 8},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %s\nwant %s", dump(got), dump(want))
	}
}

func dump(x Extensions) string {
	var b strings.Builder
	for _, e := range x {
		d := "nil"
		if e.Disabled != nil {
			d = fmt.Sprint(*e.Disabled)
		}
		fmt.Fprintf(&b, "{%s disabled=%s attach=%v config=%v %s:%d} ", e.ID, d, e.AttachTo, e.Config, e.Path, e.Line)
	}
	return b.String()
}

// TestFactoryFailures checks the error boundary at instantiation: a failing factory
// does not stop the build; it is reported, and an error box naming it stands in.
func TestFactoryFailures(t *testing.T) {
	tests := []struct {
		name    string
		factory FactoryFunc
		want    string
	}{
		{"error", func(context.Context, FactoryInput) ([]Value, error) { return nil, errors.New("no backend") }, "no backend"},
		{"panic", func(context.Context, FactoryInput) ([]Value, error) { panic("boom") }, "factory panicked: boom"},
		{"two values for one data ref", func(context.Context, FactoryInput) ([]Value, error) {
			el := ElementFunc(func(context.Context, *RenderContext) (ui.Node, error) { return ui.Text("x"), nil })
			return []Value{ElementRef.Value(el), ElementRef.Value(el)}, nil
		}, `returned two values for data ref "core.ui.element"`},
		{"undeclared ref", func(context.Context, FactoryInput) ([]Value, error) {
			return []Value{TitleRef.Value("t")}, nil
		}, `returned data ref "core.title", which is not in its declared output (core.ui.element)`},
		{"missing ref", func(context.Context, FactoryInput) ([]Value, error) { return nil, nil }, `did not return data ref "core.ui.element"`},
		{"nil element", func(context.Context, FactoryInput) ([]Value, error) {
			return []Value{ElementRef.Value(nil)}, nil
		}, `data ref "core.ui.element" wants a ext.Element, got <nil>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{}
			exts := base(r)
			exts[9].Factory = tt.factory
			tree, err := Build(context.Background(), exts, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(tree.Problems()) != 1 || !strings.Contains(tree.Problems()[0].Error(), tt.want) || !strings.Contains(tree.Problems()[0].Error(), `extension "card:k" failed`) {
				t.Fatalf("problems = %v, want one naming card:k and %q", tree.Problems(), tt.want)
			}
			// page:x still ran, with an error element in place of the card.
			if !reflect.DeepEqual(r.calls, []string{"page:x", "nav-item:a", "nav-item:b", "app"}) {
				t.Errorf("calls = %v", r.calls)
			}
		})
	}
}

func TestFailedAttachmentFallback(t *testing.T) {
	var got []Attachment
	exts := base(&recorder{})
	exts[5].Factory = FactoryFunc(func(_ context.Context, in FactoryInput) ([]Value, error) {
		got = in.Input("cards")
		return []Value{ElementRef.Value(ElementFunc(func(context.Context, *RenderContext) (ui.Node, error) { return ui.Text("x"), nil }))}, nil
	})
	exts[9].Factory = FactoryFunc(func(context.Context, FactoryInput) ([]Value, error) { return nil, errors.New("kaput") })
	if _, err := Build(context.Background(), exts, nil); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "card:k" {
		t.Fatalf("cards = %v", got)
	}
	el, ok := ElementRef.Get(got[0].Data)
	if !ok {
		t.Fatal("no fallback element")
	}
	n, err := el.Render(context.Background(), &RenderContext{})
	if err != nil || n.Type != ui.TypeError || n.Title != "Extension card:k failed" || n.Text != "kaput" {
		t.Errorf("fallback = %+v, %v", n, err)
	}
	// A nav item that fails cannot be replaced by an error box: it is left out.
	exts = base(&recorder{})
	exts[1].Factory = FactoryFunc(func(context.Context, FactoryInput) ([]Value, error) { return nil, errors.New("nope") })
	tree, err := Build(context.Background(), exts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ps := fmt.Sprint(tree.Problems()); !strings.Contains(ps, `extension "nav-item:a" failed: nope`) || !strings.Contains(ps, `"nav-item:a" is left out of input "items" of "app"`) {
		t.Errorf("problems = %s", ps)
	}
}

func TestBoundary(t *testing.T) {
	tests := []struct {
		name string
		el   ElementFunc
		want ui.Node
	}{
		{"ok", func(context.Context, *RenderContext) (ui.Node, error) { return ui.Text("fine"), nil }, ui.Text("fine")},
		{"error", func(context.Context, *RenderContext) (ui.Node, error) { return ui.Node{}, errors.New("bad") },
			ui.ErrorBox("Extension card:k failed", "bad")},
		{"panic", func(context.Context, *RenderContext) (ui.Node, error) { panic("oops") },
			ui.ErrorBox("Extension card:k failed", "panic: oops")},
		{"invalid tree", func(context.Context, *RenderContext) (ui.Node, error) { return ui.Node{Type: "marquee"}, nil },
			ui.ErrorBox("Extension card:k failed", `returned an invalid UI tree: root: unknown component type "marquee"`)},
		// What a plugin says of itself (a trap's stack trace names its functions) shows
		// as an escaped excerpt of at most 1 KiB.
		{"hostile error", func(context.Context, *RenderContext) (ui.Node, error) {
			return ui.Node{}, errors.New("trap:\n\t.\x1b[2J" + strings.Repeat("$f", 10000))
		}, ui.ErrorBox("Extension card:k failed", `trap:\n\t.\x1b[2J`+strings.Repeat("$f", (1024-len(`trap:`+"\n\t.\x1b[2J"))/2)+"…")},
	}
	for _, tt := range tests {
		got, err := Boundary("card:k", tt.el, true).Render(context.Background(), &RenderContext{})
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}

	// An element that validates its own trees (as Wasm elements do with ui.Decode) is
	// not validated again: this one lies, and its tree passes unchecked. Errors and
	// panics still become error boxes.
	marquee := ui.Node{Type: "marquee"}
	got, err := Boundary("card:k", validating{func(context.Context, *RenderContext) (ui.Node, error) { return marquee, nil }}, true).Render(context.Background(), &RenderContext{})
	if err != nil || !reflect.DeepEqual(got, marquee) {
		t.Errorf("validating element: got %+v, %v", got, err)
	}
	got, _ = Boundary("card:k", validating{func(context.Context, *RenderContext) (ui.Node, error) { panic("oops") }}, true).Render(context.Background(), &RenderContext{})
	if !reflect.DeepEqual(got, ui.ErrorBox("Extension card:k failed", "panic: oops")) {
		t.Errorf("validating element that panics: got %+v", got)
	}
}

type validating struct{ ElementFunc }

func (validating) ValidatesUI() {}

func TestParseID(t *testing.T) {
	for id, want := range map[string]IDParts{
		"page:catalog/entity": {"page", "catalog", "entity"},
		"nav-item:search":     {"nav-item", "search", ""},
		"app/nav":             {"", "app", "nav"},
		"app":                 {"", "app", ""},
	} {
		got, err := ParseID(id)
		if err != nil || got != want || got.String() != id {
			t.Errorf("ParseID(%q) = %+v, %v", id, got, err)
		}
	}
	for _, bad := range []string{"", ":x", "page:", "a/", "/b", "Page:x", "a b", "page:x/y/z", "-x"} {
		if _, err := ParseID(bad); err == nil {
			t.Errorf("ParseID(%q) succeeded", bad)
		}
	}
}

func TestEntityFilter(t *testing.T) {
	svc := &Entity{Kind: "Component", Metadata: EntityMetadata{Name: "a", Tags: []string{"go"}, Links: []EntityLink{{URL: "https://x"}},
		Annotations: map[string]string{"backstage.io/techdocs-ref": "dir:.", "empty": ""}},
		Spec: map[string]any{"type": "service", "lifecycle": "production", "owner": "group:default/team-a"}}
	api := &Entity{Kind: "API", Metadata: EntityMetadata{Name: "b", Namespace: "ops"}, Spec: map[string]any{"type": "openapi"}}
	tests := []struct {
		expr     string
		svc, api bool
	}{
		{"", true, true},
		{"kind:component", true, false},
		{"kind:component,api", true, true},
		{"kind:component type:website", false, false},
		{"type:service,openapi lifecycle:production", true, false},
		{"owner:team-a", true, false},
		{"namespace:ops", false, true},
		{"tag:go has:links", true, false},
		{"has:labels", false, false},
		{"is:orphan", false, false},
		{"annotation:backstage.io/techdocs-ref,backstage.io/techdocs-entity", true, false},
		{"annotation:Backstage.io/TechDocs-Ref", true, false},
		{"annotation:empty", false, false},
	}
	for _, tt := range tests {
		f, err := ParseEntityFilter(tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		if f.Match(svc) != tt.svc || f.Match(api) != tt.api {
			t.Errorf("%q: svc %v api %v", tt.expr, f.Match(svc), f.Match(api))
		}
	}
	for _, bad := range []string{"kind", "colour:red", "has:wings", "kind:a,,b", "is:new"} {
		if _, err := ParseEntityFilter(bad); err == nil {
			t.Errorf("ParseEntityFilter(%q) succeeded", bad)
		}
	}
}

func TestDecodeValue(t *testing.T) {
	v, err := DecodeValue("core.nav.target", []byte(`{"title":"Radar","path":"/radar"}`))
	if err != nil {
		t.Fatal(err)
	}
	d, err := checkOutputs(&Extension{ID: "nav-item:radar", Output: []AnyRef{NavTargetRef}}, []Value{v})
	if err != nil {
		t.Fatal(err)
	}
	if nt, _ := NavTargetRef.Get(d); nt.Path != "/radar" {
		t.Errorf("nav target = %+v", nt)
	}
	if v, err := DecodeValue("catalog.entity-filter-expression", []byte(`"kind:api"`)); err != nil || !v.v.(EntityFilter).Match(&Entity{Kind: "API"}) {
		t.Errorf("filter: %v", err)
	}
	for _, c := range []struct{ ref, raw, want string }{
		{"core.nav.target", `{"title":""}`, "needs a title and a path"},
		{"core.ui.element", `{}`, "cannot be read from JSON"},
		{"core.routing.path", `5`, `data ref "core.routing.path" wants a string`},
		{"catalog.entity-filter-expression", `"colour:red"`, "unknown key"},
		{"core.nope", `1`, `unknown data ref "core.nope"`},
	} {
		if _, err := DecodeValue(c.ref, []byte(c.raw)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("DecodeValue(%s, %s) = %v, want %q", c.ref, c.raw, err, c.want)
		}
	}
}
