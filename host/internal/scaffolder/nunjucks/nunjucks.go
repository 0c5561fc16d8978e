// Package nunjucks renders the templating of Backstage's software templates: `${{ }}`
// expressions in a template's values and in skeleton files, `{% if %}`, `{% for %}` and
// `{% set %}` blocks, Nunjucks' common filters, and the filters the caller adds
// (Backstage's parseRepoUrl, parseEntityRef, pick, projectSlug live in the scaffolder).
//
// The engine is gonja (github.com/nikolalohinski/gonja/v2), a Jinja2 implementation in
// Go: Nunjucks is a port of Jinja2, so the syntax templates use (filters with
// arguments, `a if c else b`, `~`, loops with `loop.index`, whitespace control with
// `{%-`) parses unchanged, and gonja lets the delimiters be `${{ }}`. Where Jinja2
// and Nunjucks print a value differently (True, 4.0, ['a', 'b']), every printed
// expression is passed through a filter that prints it as JavaScript does (true, 4,
// a,b), so a file renders as Backstage renders it.
//
// Sandbox: a template reaches only the scope it is given. Nothing in the environment
// reads files, the network, the process's environment or its clock: the template
// loader holds the one template being rendered, and the blocks that load other
// templates (include, import, from, extends) and the ones that can recurse without end
// (macro, call, recursive loops) are not available. range() is capped, and so are the
// size of a rendering and the number of loop items per rendering, so that a template
// cannot exhaust the host's memory.
package nunjucks

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/nikolalohinski/gonja/v2"
	"github.com/nikolalohinski/gonja/v2/builtins"
	controlStructures "github.com/nikolalohinski/gonja/v2/builtins/control_structures"
	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
)

func init() {
	// gonja logs its parsing through logrus by default; the host does not want it.
	gonja.SetLoggerOutput(io.Discard)
}

// Filter is a filter the caller adds: in is the filtered value and args the
// arguments, both as JSON values (nil, bool, float64, string, []any, map[string]any).
type Filter func(in any, args []any) (any, error)

// Options configure an Engine.
type Options struct {
	// Cookiecutter switches the delimiters to `{{ }}` (fetch:template's
	// cookiecutterCompat) and adds the jsonify filter.
	Cookiecutter bool
	// TrimBlocks removes the first newline after a block; LstripBlocks strips the
	// spaces before a block on its line (fetch:template's trimBlocks, lstripBlocks).
	TrimBlocks, LstripBlocks bool
	// Filters are added to the built-in ones, replacing any of the same name.
	Filters map[string]Filter
	// MaxOutput caps one rendering in bytes; default 64 MiB.
	MaxOutput int
}

// Engine renders templates. It is safe for concurrent use.
type Engine struct {
	cfg    *config.Config
	env    *exec.Environment
	maxOut int
}

// maxLoopItems caps the items range() produces in one rendering.
const maxLoopItems = 1_000_000

// allowed are the blocks a template may use.
var allowed = []string{"if", "for", "set", "raw", "filter", "with", "break", "continue", "autoescape", "do"}

// New builds an engine.
func New(o Options) *Engine {
	cfg := config.New()
	cfg.VariableStartString, cfg.VariableEndString = "${{", "}}"
	if o.Cookiecutter {
		cfg.VariableStartString = "{{"
	}
	cfg.TrimBlocks, cfg.LeftStripBlocks = o.TrimBlocks, o.LstripBlocks
	cfg.KeepTrailingNewline = true
	filters := exec.NewFilterSet(map[string]exec.FilterFunction{}).Update(builtins.Filters)
	own := map[string]exec.FilterFunction{
		"__str":  strFilter,
		"__get":  getFilter,
		"dump":   dumpFilter,
		"string": strFilter,
		"nl2br":  nl2brFilter,
	}
	if o.Cookiecutter {
		own["jsonify"] = dumpFilter
	}
	for name, f := range o.Filters {
		own[name] = adapt(name, f)
	}
	filters.Update(exec.NewFilterSet(own))
	structures := map[string]parser.ControlStructureParser{}
	all := controlStructures.All
	for _, name := range allowed {
		if all.Exists(name) {
			p, _ := all.Get(name)
			structures[name] = p
		}
	}
	globals := exec.EmptyContext().Update(builtins.GlobalFunctions)
	globals.Set("range", rangeFunc)
	max := o.MaxOutput
	if max <= 0 {
		max = 64 << 20
	}
	return &Engine{cfg: cfg, maxOut: max, env: &exec.Environment{
		Context:           globals,
		Filters:           filters,
		Tests:             builtins.Tests,
		ControlStructures: exec.NewControlStructureSet(structures),
		Methods:           builtins.Methods,
	}}
}

// budgetKey holds a rendering's loop budget in its scope.
const budgetKey = "__greenroom_budget"

type budget struct{ left atomic.Int64 }

func (e *Engine) parse(src string) (*exec.Template, error) {
	src = jsEquality(src, e.cfg)
	loader, err := loaders.NewMemoryLoader(map[string]string{"/template": src})
	if err != nil {
		return nil, err
	}
	t, err := exec.NewTemplate("/template", e.cfg, loader, e.env)
	if err != nil {
		return nil, cleanError(err, src)
	}
	if err := rewrite(t.Root(), e.env.Filters); err != nil {
		return nil, err
	}
	return t, nil
}

// jsEquality turns JavaScript's === and !== (which Nunjucks accepts) into == and != inside
// the template's tags; the text around them is left alone.
func jsEquality(src string, cfg *config.Config) string {
	if !strings.Contains(src, "==") {
		return src
	}
	var b strings.Builder
	rest := src
	for {
		i := strings.Index(rest, cfg.VariableStartString)
		j := strings.Index(rest, cfg.BlockStartString)
		start, end := i, cfg.VariableEndString
		if i < 0 || (j >= 0 && j < i) {
			start, end = j, cfg.BlockEndString
		}
		if start < 0 {
			b.WriteString(rest)
			return b.String()
		}
		k := strings.Index(rest[start:], end)
		if k < 0 {
			b.WriteString(rest)
			return b.String()
		}
		tag := rest[start : start+k+len(end)]
		tag = strings.ReplaceAll(strings.ReplaceAll(tag, "!==", "!="), "===", "==")
		b.WriteString(rest[:start])
		b.WriteString(tag)
		rest = rest[start+k+len(end):]
	}
}

// Template is a parsed template, to render many times.
type Template struct {
	e *Engine
	t *exec.Template
}

// Parse parses src.
func (e *Engine) Parse(src string) (*Template, error) {
	t, err := e.parse(src)
	if err != nil {
		return nil, err
	}
	return &Template{e, t}, nil
}

// Render renders src with scope.
func (e *Engine) Render(src string, scope map[string]any) (string, error) {
	if !strings.Contains(src, e.cfg.VariableStartString) && !strings.Contains(src, "{%") && !strings.Contains(src, "{#") {
		return src, nil
	}
	t, err := e.Parse(src)
	if err != nil {
		return "", err
	}
	return t.Render(scope)
}

// Render renders the template with scope.
func (t *Template) Render(scope map[string]any) (string, error) {
	w := &capped{max: t.e.maxOut}
	data := make(map[string]any, len(scope)+1)
	for k, v := range scope {
		data[k] = v
	}
	b := &budget{}
	b.left.Store(maxLoopItems)
	data[budgetKey] = b
	if err := t.t.Execute(w, exec.NewContext(data)); err != nil {
		if errors.Is(err, errTooLarge) {
			return "", fmt.Errorf("the rendering is over %d bytes", t.e.maxOut)
		}
		return "", cleanError(err, "")
	}
	return w.b.String(), nil
}

var single = regexp.MustCompile(`^\s*\$\{\{([^{}]*)\}\}\s*$`)

// SingleExpression reports whether s is one `${{ expr }}` and nothing else (Backstage
// keeps the JSON type of such a value), and returns expr.
func SingleExpression(s string) (string, bool) {
	m := single.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// Eval evaluates one expression (what stands between `${{` and `}}`) and returns its
// value as JSON: nil, bool, float64, string, []any or map[string]any. An undefined
// value is nil.
func (e *Engine) Eval(expr string, scope map[string]any) (any, error) {
	// The value goes through JSON as Backstage's does (dump, then JSON.parse).
	out, err := e.Render(e.cfg.VariableStartString+" ("+expr+") | dump "+e.cfg.VariableEndString, scope)
	if err != nil {
		return nil, err
	}
	if out == "" {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		return nil, fmt.Errorf("%s: the value is not JSON: %w", strings.TrimSpace(expr), err)
	}
	return v, nil
}

// cleanError shortens gonja's error chain to what a template author needs: the line
// and the expression.
func cleanError(err error, src string) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "unable to execute template: ")
	if src != "" {
		msg = strings.Replace(msg, "failed to parse template '"+src+"': ", "", 1)
	}
	// A filter's own error is the message; gonja's wrappers around it are noise.
	if i := strings.LastIndex(msg, "invalid call to filter '"); i >= 0 {
		line := ""
		if m := lineOf.FindStringSubmatch(msg); m != nil {
			line = "line " + m[1] + ": "
		}
		rest := msg[i+len("invalid call to filter '"):]
		if j := strings.Index(rest, "': "); j >= 0 {
			msg = line + rest[j+3:]
		}
	}
	return errors.New(msg)
}

var lineOf = regexp.MustCompile(`at line (\d+)`)

var errTooLarge = errors.New("rendering too large")

type capped struct {
	b   strings.Builder
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if c.b.Len()+len(p) > c.max {
		return 0, errTooLarge
	}
	return c.b.Write(p)
}

func (c *capped) WriteString(s string) (int, error) {
	if c.b.Len()+len(s) > c.max {
		return 0, errTooLarge
	}
	return c.b.WriteString(s)
}

// rewrite prepares a parsed template: every printed expression is wrapped in the __str
// filter; attribute and item lookups become the __get filter, which gives undefined
// (nil) for a lookup on an undefined value, as Nunjucks does, where gonja fails (a
// lookup that is called, such as loop.cycle(...), stays as it is); a filter no one
// defines and a recursive loop are refused. It walks the tree by reflection, because
// control structures keep their parts in fields of their own types (the unexported
// ones, such as {% set %}'s, keep gonja's strict lookups).
func rewrite(root *nodes.Template, filters *exec.FilterSet) error {
	seen := map[uintptr]bool{}
	var walk func(v reflect.Value) error
	// lenient rewrites the expression held in v (a settable interface value).
	var lenient func(v reflect.Value) error
	lenient = func(v reflect.Value) error {
		if v.Kind() != reflect.Interface || v.IsNil() || !v.CanSet() {
			return nil
		}
		switch n := v.Interface().(type) {
		case *nodes.GetAttribute:
			if err := lenient(reflect.ValueOf(n).Elem().FieldByName("Node")); err != nil {
				return err
			}
			if err := walk(reflect.ValueOf(n.Node)); err != nil {
				return err
			}
			x, ok := n.Node.(nodes.Expression)
			if !ok {
				return nil
			}
			v.Set(reflect.ValueOf(&nodes.FilteredExpression{Expression: x, Filters: []*nodes.FilterCall{{Token: n.Location, Name: "__get",
				Args: []nodes.Expression{&nodes.String{Location: n.Location, Val: n.Attribute}}, Kwargs: map[string]nodes.Expression{}}}}))
		case *nodes.GetItem:
			if err := lenient(reflect.ValueOf(n).Elem().FieldByName("Node")); err != nil {
				return err
			}
			if err := walk(reflect.ValueOf(n.Node)); err != nil {
				return err
			}
			if err := walk(reflect.ValueOf(n.Arg)); err != nil {
				return err
			}
			x, okx := n.Node.(nodes.Expression)
			arg, oka := n.Arg.(nodes.Expression)
			if !okx || !oka {
				return nil
			}
			v.Set(reflect.ValueOf(&nodes.FilteredExpression{Expression: x, Filters: []*nodes.FilterCall{{Token: n.Location, Name: "__get",
				Args: []nodes.Expression{arg}, Kwargs: map[string]nodes.Expression{}}}}))
		}
		return nil
	}
	walk = func(v reflect.Value) error {
		switch v.Kind() {
		case reflect.Interface:
			if !v.IsNil() {
				return walk(v.Elem())
			}
		case reflect.Pointer:
			if v.IsNil() || seen[v.Pointer()] {
				return nil
			}
			seen[v.Pointer()] = true
			if fc, ok := v.Interface().(*nodes.FilterCall); ok && !filters.Exists(fc.Name) {
				line := 0
				if fc.Token != nil {
					line = fc.Token.Line
				}
				return fmt.Errorf("line %d: there is no filter %q", line, fc.Name)
			}
			// Nunjucks reads an object literal's bare keys ({ defaultKind: "group" }) as
			// strings; Jinja2 would look them up as variables.
			if p, ok := v.Interface().(*nodes.Pair); ok {
				if n, ok := p.Key.(*nodes.Name); ok && n.Name != nil {
					p.Key = &nodes.String{Location: n.Name, Val: n.Name.Val}
				}
			}
			if o, ok := v.Interface().(*nodes.Output); ok {
				ov := v.Elem()
				for _, f := range []string{"Expression", "Condition", "Alternative"} {
					if err := lenient(ov.FieldByName(f)); err != nil {
						return err
					}
					if err := walk(ov.FieldByName(f)); err != nil {
						return err
					}
				}
				o.Expression = wrap(o.Expression, o)
				if o.Alternative != nil {
					o.Alternative = wrap(o.Alternative, o)
				}
				return nil
			}
			if _, ok := v.Interface().(*nodes.Template); ok && v.Interface() != root {
				return nil
			}
			return walk(v.Elem())
		case reflect.Struct:
			t := v.Type()
			_, isCall := v.Addr().Interface().(*nodes.Call)
			for i := 0; i < v.NumField(); i++ {
				if !t.Field(i).IsExported() {
					continue
				}
				if t.Field(i).Name == "Recursive" && v.Field(i).Kind() == reflect.Bool && v.Field(i).Bool() {
					return errors.New("recursive loops are not available in templates")
				}
				// A called lookup (a method, loop.cycle) stays a lookup.
				if !(isCall && t.Field(i).Name == "Func") {
					if err := lenient(v.Field(i)); err != nil {
						return err
					}
				}
				if err := walk(v.Field(i)); err != nil {
					return err
				}
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				if err := lenient(v.Index(i)); err != nil {
					return err
				}
				if err := walk(v.Index(i)); err != nil {
					return err
				}
			}
		case reflect.Map:
			it := v.MapRange()
			for it.Next() {
				val := reflect.New(it.Value().Type()).Elem()
				val.Set(it.Value())
				if err := lenient(val); err != nil {
					return err
				}
				if err := walk(val); err != nil {
					return err
				}
				if v.Type().Elem().Kind() == reflect.Interface {
					v.SetMapIndex(it.Key(), val)
				}
			}
		}
		return nil
	}
	return walk(reflect.ValueOf(root))
}

// getFilter is a lookup that gives undefined on an undefined value: an attribute, then
// an item (as gonja's attribute lookup), or an item, then an attribute.
func getFilter(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	if in.IsNil() || len(params.Args) == 0 {
		return exec.AsValue(nil)
	}
	key := params.Args[0]
	switch {
	case key.IsString():
		if v, ok := in.GetAttribute(key.String()); ok {
			return v
		}
		if v, ok := in.GetItem(key.String()); ok {
			return v
		}
	case key.IsInteger():
		if v, ok := in.GetItem(key.Integer()); ok {
			return v
		}
	}
	return exec.AsValue(nil)
}

func wrap(x nodes.Expression, o *nodes.Output) nodes.Expression {
	return &nodes.FilteredExpression{Expression: x, Filters: []*nodes.FilterCall{{Token: o.Start, Name: "__str", Kwargs: map[string]nodes.Expression{}}}}
}

// strFilter prints a value as JavaScript's String() does, except that an object prints
// as JSON (JavaScript prints "[object Object]").
func strFilter(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	return exec.AsValue(JSString(Plain(in)))
}

// JSString prints a JSON value as JavaScript's String() does, with an object as JSON.
func JSString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	case float64:
		return jsNumber(x)
	case []any:
		parts := make([]string, len(x))
		for i, it := range x {
			parts[i] = JSString(it)
		}
		return strings.Join(parts, ",")
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	}
}

func jsNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == math.Trunc(f) && math.Abs(f) < 1e21:
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// nl2brFilter is Nunjucks' nl2br: each line break becomes <br />.
func nl2brFilter(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	s := JSString(Plain(in))
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "<br />\n")
	return exec.AsValue(s)
}

// dumpFilter is Nunjucks' dump: JSON.stringify, with an optional indent.
func dumpFilter(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	v := Plain(in)
	var (
		b   []byte
		err error
	)
	if a := params.First(); a != nil && !a.IsNil() {
		indent := ""
		if a.IsInteger() {
			indent = strings.Repeat(" ", a.Integer())
		} else {
			indent = a.String()
		}
		b, err = marshal(v, indent)
	} else {
		b, err = marshal(v, "")
	}
	if err != nil {
		return exec.AsValue(err)
	}
	if v == nil && in.IsNil() {
		// JSON.stringify(undefined) is undefined, which prints as nothing.
		return exec.AsValue("")
	}
	return exec.AsValue(string(b))
}

func marshal(v any, indent string) ([]byte, error) {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if indent != "" {
		enc.SetIndent("", indent)
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(sb.String(), "\n")), nil
}

func adapt(name string, f Filter) exec.FilterFunction {
	return func(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
		if in.IsError() {
			return in
		}
		args := make([]any, len(params.Args))
		for i, a := range params.Args {
			args[i] = Plain(a)
		}
		out, err := f(Plain(in), args)
		if err != nil {
			return exec.AsValue(fmt.Errorf("%s: %w", name, err))
		}
		return exec.AsValue(out)
	}
}

func rangeFunc(e *exec.Evaluator, params *exec.VarArgs) ([]int, error) {
	start, stop, step := 0, 0, 1
	ints := make([]int, len(params.Args))
	for i, a := range params.Args {
		if !a.IsInteger() {
			return nil, errors.New("range: expected [start, ]stop[, step] where all arguments are integers")
		}
		ints[i] = a.Integer()
	}
	switch len(ints) {
	case 1:
		stop = ints[0]
	case 2:
		start, stop = ints[0], ints[1]
	case 3:
		start, stop, step = ints[0], ints[1], ints[2]
	default:
		return nil, errors.New("range: expected [start, ]stop[, step]")
	}
	if step == 0 {
		return nil, errors.New("range: step cannot be 0")
	}
	n := 0
	if step > 0 && stop > start {
		n = (stop - start + step - 1) / step
	} else if step < 0 && stop < start {
		n = (start - stop - step - 1) / -step
	}
	if raw, ok := e.Environment.Context.Get(budgetKey); ok {
		if b, ok := raw.(*budget); ok && b.left.Add(-int64(n)) < 0 {
			return nil, fmt.Errorf("range: over %d items in one rendering", maxLoopItems)
		}
	}
	out := make([]int, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, start+i*step)
	}
	return out, nil
}

// Plain turns a gonja value, or any Go value, into a JSON value: nil, bool, float64,
// string, []any or map[string]any.
func Plain(v any) any {
	if gv, ok := v.(*exec.Value); ok {
		if gv == nil || gv.IsNil() {
			return nil
		}
		v = gv.Interface()
	}
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return x
	case bool:
		return x
	case float64:
		return x
	case int:
		return float64(x)
	case *exec.Dict:
		out := make(map[string]any, len(x.Pairs))
		for _, p := range x.Pairs {
			out[JSString(Plain(p.Key))] = Plain(p.Value)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, it := range x {
			out[k] = Plain(it)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = Plain(it)
		}
		return out
	case fmt.Stringer:
		if _, isMap := v.(interface{ Keys() []string }); !isMap {
			rv := reflect.ValueOf(v)
			if rv.Kind() != reflect.Map && rv.Kind() != reflect.Slice && rv.Kind() != reflect.Struct && rv.Kind() != reflect.Pointer {
				return x.String()
			}
		}
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil
		}
		return Plain(rv.Elem().Interface())
	case reflect.Bool:
		return rv.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(rv.Uint())
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	case reflect.String:
		return rv.String()
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = Plain(rv.Index(i).Interface())
		}
		return out
	case reflect.Map:
		out := make(map[string]any, rv.Len())
		keys := rv.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		for _, k := range keys {
			out[fmt.Sprint(Plain(k.Interface()))] = Plain(rv.MapIndex(k).Interface())
		}
		return out
	case reflect.Struct:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		var out any
		_ = json.Unmarshal(b, &out)
		return out
	}
	return fmt.Sprint(v)
}
