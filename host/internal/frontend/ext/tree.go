package ext

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"greenroom.dev/greenroom/host/internal/frontend/ui"
)

// Error is a start-up error of the extension tree. It names the extension and, when
// the cause is in config, the YAML path and line.
type Error struct {
	Extension string
	Where     string
	Msg       string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("extension %q %s", e.Extension, e.Msg)
	if e.Where != "" {
		s = e.Where + ": " + s
	}
	return s
}

// Tree is a resolved and instantiated extension tree.
type Tree struct {
	nodes        map[string]*node
	order        []*node
	root         *node
	instantiated []string
	problems     []error
}

type node struct {
	ext         *Extension
	attach      AttachPoint
	attachWhere string
	disabled    bool
	config      map[string]any
	configWhere string
	parent      *node
	inCycle     bool
	active      int8 // 0 unknown, 1 active, -1 inactive
	inputs      map[string][]*node
	resolved    map[string]any
	done        bool
	data        Data
	failed      error
}

func (n *node) id() string { return n.ext.ID }

func (e *Extension) input(name string) *Input {
	for i := range e.Inputs {
		if e.Inputs[i].Name == name {
			return &e.Inputs[i]
		}
	}
	return nil
}

func (e *Extension) outputs(refID string) bool {
	for _, r := range e.Output {
		if r.ID() == refID {
			return true
		}
	}
	return false
}

func refIDs(refs []AnyRef) string {
	if len(refs) == 0 {
		return "nothing"
	}
	ids := make([]string, len(refs))
	for i, r := range refs {
		ids[i] = r.ID()
	}
	return strings.Join(ids, ", ")
}

func inputNames(e *Extension) string {
	if len(e.Inputs) == 0 {
		return "it has no inputs"
	}
	names := make([]string, len(e.Inputs))
	for i, in := range e.Inputs {
		names[i] = in.Name
	}
	return "its inputs are " + strings.Join(names, ", ")
}

// Build resolves the extensions with the operator's app.extensions and runs the
// factories of the active extensions, leaves first. Start-up errors (all of them, as
// one errors.Join of *Error values) are: invalid or duplicate ids, output declarations
// naming a data ref twice, unknown extensions in config, attachTo (from config) to an
// unknown extension, attachTo to an unknown input, the root missing or disabled, attachment cycles, singleton inputs with more than one
// attachment, required singleton inputs with none, attachments that do not output an
// input's required data refs, invalid config schemas and invalid config.
//
// An extension whose default parent is not installed stays inactive (as in Backstage)
// and is reported in Problems.
//
// A factory that fails, panics or returns outputs that break its declaration does not
// stop the build: it is reported in Problems, and where the parent's input only needs
// an element, an error box naming the extension takes its place (the error boundary).
func Build(ctx context.Context, exts []Extension, cfg Extensions) (*Tree, error) {
	t := &Tree{nodes: make(map[string]*node, len(exts))}
	var errs []error
	fail := func(id, where, format string, args ...any) {
		errs = append(errs, &Error{Extension: id, Where: where, Msg: fmt.Sprintf(format, args...)})
	}

	// Declarations.
	for i := range exts {
		e := &exts[i]
		if _, err := ParseID(e.ID); err != nil {
			fail(e.ID, "", "from %s has an invalid id: %v", source(e), err)
			continue
		}
		if prev, dup := t.nodes[e.ID]; dup {
			fail(e.ID, "", "is defined twice, by %s and by %s; extension ids must be unique: remove or rename one of them", source(prev.ext), source(e))
			continue
		}
		seen := map[string]bool{}
		for _, r := range e.Output {
			if seen[r.ID()] {
				fail(e.ID, "", "declares data ref %q twice in its output, which would give two values for one data ref; declare each ref once", r.ID())
			}
			seen[r.ID()] = true
		}
		inSeen := map[string]bool{}
		for _, in := range e.Inputs {
			if in.Name == "" || inSeen[in.Name] {
				fail(e.ID, "", "declares input %q twice or without a name; input names must be unique", in.Name)
			}
			inSeen[in.Name] = true
		}
		if e.Factory == nil {
			fail(e.ID, "", "from %s has no factory", source(e))
		}
		n := &node{ext: e, attach: e.AttachTo, disabled: e.Disabled, inputs: map[string][]*node{}}
		t.nodes[e.ID] = n
		t.order = append(t.order, n)
	}

	// Config: later items win; enabling a disabled extension moves it to the end.
	var moved []*node
	isMoved := map[*node]bool{}
	for _, entry := range cfg {
		n, ok := t.nodes[entry.ID]
		if !ok {
			fail(entry.ID, entry.where(), "does not exist%s; check the id, and that the plugin providing it is enabled", t.suggest(entry.ID))
			continue
		}
		if entry.AttachTo != nil {
			n.attach = *entry.AttachTo
			n.attachWhere = entry.where()
		}
		if entry.Config != nil {
			n.config = entry.Config
			n.configWhere = entry.Path + ".config"
			if entry.Line > 0 {
				n.configWhere += fmt.Sprintf(" (line %d)", entry.Line)
			}
		}
		disabled := entry.Disabled != nil && *entry.Disabled
		if n.disabled != disabled {
			n.disabled = disabled
			if !disabled && !isMoved[n] {
				moved = append(moved, n)
				isMoved[n] = true
			}
		}
	}
	if len(moved) > 0 {
		order := make([]*node, 0, len(t.order))
		for _, n := range t.order {
			if !isMoved[n] {
				order = append(order, n)
			}
		}
		t.order = append(order, moved...)
	}

	// The root and the parents.
	for _, n := range t.order {
		if n.attach.ID != "" {
			continue
		}
		if t.root != nil {
			fail(n.id(), "", "has no attachTo, but only the root extension %q may go without one; give it attachTo: {id, input}", t.root.id())
			continue
		}
		t.root = n
	}
	if t.root == nil && len(t.order) > 0 {
		fail("app", "", "is missing: no extension is the root (one without attachTo)")
	} else if t.root != nil && t.root.disabled {
		fail(t.root.id(), "", "is the root of the app and cannot be disabled; remove it from app.extensions")
	}
	for _, n := range t.order {
		if n == t.root || n.disabled || n.attach.ID == "" {
			continue
		}
		p, ok := t.nodes[n.attach.ID]
		if !ok {
			if n.attachWhere == "" {
				// A plugin's extension for another plugin that is not installed: as in
				// Backstage, it stays inactive. Only a config typo is an error.
				t.problems = append(t.problems, &Error{Extension: n.id(), Msg: fmt.Sprintf("attaches to %q, which does not exist, so it is inactive; enable the plugin that provides %q or disable this extension", n.attach.ID, n.attach.ID)})
				continue
			}
			fail(n.id(), n.attachWhere, "attaches to %q, which does not exist%s; fix attachTo or enable the plugin that provides it", n.attach.ID, t.suggest(n.attach.ID))
			continue
		}
		if p.ext.input(n.attach.Input) == nil {
			fail(n.id(), n.attachWhere, "attaches to input %q of %q, which has no such input; %s", n.attach.Input, p.id(), inputNames(p.ext))
			continue
		}
		n.parent = p
	}

	// Cycles.
	state := map[*node]int{}
	for _, n := range t.order {
		var path []*node
		cur := n
		for cur != nil && state[cur] == 0 {
			state[cur] = 1
			path = append(path, cur)
			cur = cur.parent
		}
		if cur != nil && state[cur] == 1 {
			start := 0
			for path[start] != cur {
				start++
			}
			cycle := path[start:]
			ids := make([]string, 0, len(cycle)+1)
			for _, c := range cycle {
				ids = append(ids, c.id())
				c.inCycle = true
			}
			ids = append(ids, cur.id())
			// Name the member whose attachTo came from config, if any: that is what to fix.
			blame := cur
			for i, c := range cycle {
				if c.attachWhere != "" {
					blame = c
					ids = append(ids[:0:0], rotate(cycle, i)...)
					ids = append(ids, c.id())
					break
				}
			}
			fail(blame.id(), blame.attachWhere, "is in an attachment cycle: %s; attach one of them to an extension under the root", strings.Join(ids, " -> "))
		}
		for _, p := range path {
			state[p] = 2
		}
	}

	// Active extensions, attached in order.
	for _, n := range t.order {
		if n != t.root && t.isActive(n) {
			n.parent.inputs[n.attach.Input] = append(n.parent.inputs[n.attach.Input], n)
		}
	}

	// Inputs, data refs and config of active extensions (config also where given).
	for _, n := range t.order {
		active := t.isActive(n)
		if active {
			for _, in := range n.ext.Inputs {
				kids := n.inputs[in.Name]
				if in.Singleton && len(kids) > 1 {
					ids := make([]string, len(kids))
					for i, k := range kids {
						ids[i] = k.id()
					}
					fail(n.id(), "", "input %q takes one extension but %d are attached: %s; disable all but one in app.extensions", in.Name, len(kids), strings.Join(ids, ", "))
				}
				if in.Singleton && !in.Optional && len(kids) == 0 {
					fail(n.id(), "", "input %q needs exactly one extension and none is active; enable one, or attach one with attachTo: {id: %s, input: %s}", in.Name, n.id(), in.Name)
				}
				for _, k := range kids {
					for _, r := range in.Refs {
						if !r.IsOptional() && !k.ext.outputs(r.ID()) {
							fail(k.id(), k.attachWhere, "attaches to input %q of %q, which requires data ref %q, but it outputs only %s; attach it to an input that accepts its outputs", in.Name, n.id(), r.ID(), refIDs(k.ext.Output))
						}
					}
				}
			}
		}
		if !active && n.config == nil {
			continue
		}
		if len(n.ext.ConfigSchema) == 0 {
			if len(n.config) > 0 {
				fail(n.id(), n.configWhere, "takes no config; remove config from its item")
			}
			n.resolved = map[string]any{}
			continue
		}
		s, err := compileConfigSchema(n.ext.ConfigSchema)
		if err != nil {
			fail(n.id(), "", "from %s has an invalid config schema: %v", source(n.ext), err)
			continue
		}
		if n.resolved, err = s.apply(n.config); err != nil {
			where := n.configWhere
			fix := "fix the values named"
			if where == "" {
				fix = "set them under app.extensions with config:"
			}
			fail(n.id(), where, "has invalid config: %v; %s", err, fix)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if t.root == nil {
		return t, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t.instantiate(ctx, t.root)
	return t, nil
}

func rotate(cycle []*node, i int) []string {
	ids := make([]string, 0, len(cycle))
	for j := range cycle {
		ids = append(ids, cycle[(i+j)%len(cycle)].id())
	}
	return ids
}

func source(e *Extension) string {
	if e.Source == "" {
		return "an unnamed source"
	}
	return e.Source
}

func (t *Tree) suggest(id string) string {
	ids := make([]string, 0, len(t.nodes))
	for k := range t.nodes {
		ids = append(ids, k)
	}
	sort.Strings(ids)
	if c := closest(id, ids); c != "" {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	return ""
}

func (t *Tree) isActive(n *node) bool {
	if n.active != 0 {
		return n.active > 0
	}
	ok := false
	switch {
	case n.disabled || n.inCycle:
	case n == t.root:
		ok = true
	case n.parent != nil:
		ok = t.isActive(n.parent)
	}
	n.active = -1
	if ok {
		n.active = 1
	}
	return ok
}

// instantiate runs factories leaves first.
func (t *Tree) instantiate(ctx context.Context, n *node) {
	if n.done {
		return
	}
	n.done = true
	in := FactoryInput{ID: n.id(), Config: n.resolved, inputs: map[string][]Attachment{}}
	for _, input := range n.ext.Inputs {
		var atts []Attachment
		for _, k := range n.inputs[input.Name] {
			t.instantiate(ctx, k)
			if k.failed == nil {
				atts = append(atts, Attachment{ID: k.id(), Data: k.data})
				continue
			}
			if d, ok := fallback(k, input); ok {
				atts = append(atts, Attachment{ID: k.id(), Data: d})
			} else {
				t.problems = append(t.problems, &Error{Extension: k.id(), Msg: fmt.Sprintf("is left out of input %q of %q because it failed", input.Name, n.id())})
			}
		}
		if input.Singleton && !input.Optional && len(atts) == 0 && n.failed == nil {
			n.failed = fmt.Errorf("input %q has no working extension", input.Name)
		}
		in.inputs[input.Name] = atts
	}
	if n.failed == nil {
		n.data, n.failed = t.create(ctx, n, in)
		t.instantiated = append(t.instantiated, n.id())
	}
	if n.failed != nil {
		t.problems = append(t.problems, &Error{Extension: n.id(), Msg: "failed: " + n.failed.Error()})
	}
}

// fallback is the error box that stands in for a failed extension, when the input
// it attaches to needs nothing but an element.
func fallback(k *node, input Input) (Data, bool) {
	for _, r := range input.Refs {
		if !r.IsOptional() && r.ID() != ElementRef.ID() {
			return Data{}, false
		}
	}
	err := k.failed
	id := k.id()
	el := ElementFunc(func(context.Context, *RenderContext) (ui.Node, error) { return ErrorNode(id, err), nil })
	return Data{id: id, values: map[string]any{ElementRef.ID(): Element(el)}}, true
}

func (t *Tree) create(ctx context.Context, n *node, in FactoryInput) (d Data, err error) {
	defer func() {
		if p := recover(); p != nil {
			d, err = Data{}, fmt.Errorf("factory panicked: %v", p)
		}
	}()
	vals, err := n.ext.Factory.Create(ctx, in)
	if err != nil {
		return Data{}, err
	}
	return checkOutputs(n.ext, vals)
}

func checkOutputs(e *Extension, vals []Value) (Data, error) {
	declared := make(map[string]AnyRef, len(e.Output))
	for _, r := range e.Output {
		declared[r.ID()] = r
	}
	d := Data{id: e.ID, values: make(map[string]any, len(vals))}
	for _, v := range vals {
		if v.ref == nil {
			return Data{}, fmt.Errorf("returned an empty value")
		}
		id := v.ref.ID()
		r, ok := declared[id]
		if !ok {
			return Data{}, fmt.Errorf("returned data ref %q, which is not in its declared output (%s)", id, refIDs(e.Output))
		}
		if _, dup := d.values[id]; dup {
			return Data{}, fmt.Errorf("returned two values for data ref %q", id)
		}
		if err := r.check(v.v); err != nil {
			return Data{}, err
		}
		val := v.v
		if id == ElementRef.ID() {
			val = Boundary(e.ID, val.(Element), !e.TrustedUI)
		}
		d.values[id] = val
	}
	for _, r := range e.Output {
		if !r.IsOptional() && !d.Has(r.ID()) {
			return Data{}, fmt.Errorf("did not return data ref %q, which its output requires", r.ID())
		}
	}
	return d, nil
}

// Root is the outputs of the root extension.
func (t *Tree) Root() Data {
	if t.root == nil {
		return Data{}
	}
	return t.root.data
}

// Problems are what went wrong without stopping the build, each naming its
// extension: factories that failed (shown as error boxes where possible) and
// extensions left inactive because their default parent is not installed. Log them
// at start-up.
func (t *Tree) Problems() []error { return t.problems }

// Instantiated lists the extensions whose factories ran, in the order they ran.
func (t *Tree) Instantiated() []string { return t.instantiated }

// Active reports whether an extension is enabled and attached under the root.
func (t *Tree) Active(id string) bool {
	n, ok := t.nodes[id]
	return ok && t.isActive(n)
}

// Attachments lists the active extensions attached to an input, in order.
func (t *Tree) Attachments(id, input string) []string {
	n, ok := t.nodes[id]
	if !ok {
		return nil
	}
	var ids []string
	for _, k := range n.inputs[input] {
		ids = append(ids, k.id())
	}
	return ids
}

// Config is an active extension's config, with defaults filled in.
func (t *Tree) Config(id string) map[string]any {
	if n, ok := t.nodes[id]; ok {
		return n.resolved
	}
	return nil
}
