package scaffolder

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"greenroom.dev/greenroom/host/internal/catalog/model"
	"greenroom.dev/greenroom/host/internal/permission"
)

// A template with spec.targets is a day-2 action: it acts on an existing entity of the
// catalog, which the entity's page offers it for. spec.targets says which entities
// (kind, type, filter), which parameter holds the entity's ref (parameter) and which
// parameters the entity's fields fill in (values):
//
//	spec:
//	  targets:
//	    kind: Component                  # one kind or a list
//	    type: [service, website]         # the entity's spec.type: one or a list
//	    filter:                          # as EntityPicker's catalogFilter: every key holds;
//	      spec.lifecycle: [experimental, production]  # a list of such objects: any one
//	      metadata.annotations.backstage.io/techdocs-ref: {exists: false}
//	    parameter: entity                # default: the one ui:field EntityPicker parameter
//	    values:                          # parameter: the entity's field (a dotted path)
//	      lifecycle: spec.lifecycle
//
// A task of such a template records the entity (Task.TargetRef), which must exist, be
// readable by the task's creator and match the targets.

// Targets is a template's spec.targets, parsed.
type Targets struct {
	// Match is the whole condition an entity must meet: kind, type and filter.
	Match TargetFilter
	// Kinds are the kinds named (the default kind of a short ref in Parameter).
	Kinds []string
	// Parameter is the parameter that holds the target entity's ref.
	Parameter string
	// Values maps a parameter to the entity's field that fills it in (a dotted path).
	Values map[string]string
}

// TargetFilter is a condition over entities: it matches an entity when any of its sets
// does, and a set matches when every one of its conditions holds. A nil TargetFilter
// matches every entity.
type TargetFilter [][]Condition

// Condition is one test of an entity's field, named as the catalog's filter parameter
// names it (a dotted path: kind, spec.type, metadata.annotations.backstage.io/x,
// relations.ownedBy). With Values, the field equals one of them (case-insensitively; an
// array when one of its items does); without, the field exists, or with Absent, does
// not.
type Condition struct {
	Key    string
	Values []string
	Absent bool
}

// String is the filter as the error messages show it: kind=component,spec.type=service
// (one set), sets joined by " or "; "!key" is a field that must be absent.
func (f TargetFilter) String() string {
	if len(f) == 0 {
		return "every entity"
	}
	sets := make([]string, len(f))
	for i, set := range f {
		conds := make([]string, len(set))
		for j, c := range set {
			switch {
			case c.Values != nil:
				conds[j] = c.Key + "=" + strings.Join(c.Values, "|")
			case c.Absent:
				conds[j] = "!" + c.Key
			default:
				conds[j] = c.Key
			}
		}
		sets[i] = strings.Join(conds, ",")
	}
	return strings.Join(sets, " or ")
}

// TargetsError is a template's spec.targets that cannot be used: it names the template,
// its file (the location it was read from) and the YAML path.
type TargetsError struct {
	Template, File, Path, Msg string
}

func (e *TargetsError) Error() string {
	where := e.Template
	if e.File != "" {
		where += " (" + e.File + ")"
	}
	return fmt.Sprintf("%s: %s: %s", where, e.Path, e.Msg)
}

// File is where the template was read from (its managed-by-location annotation, without
// the location type), or "".
func (t *Template) File() string {
	loc := t.Metadata.Annotations["backstage.io/managed-by-location"]
	if loc == "" {
		loc = t.Metadata.Annotations["backstage.io/managed-by-origin-location"]
	}
	if _, target, ok := strings.Cut(loc, ":"); ok {
		return target
	}
	return loc
}

// Targets parses the template's spec.targets: nil when it has none (it is not a day-2
// action), a *TargetsError when it cannot be used.
func (t *Template) Targets() (*Targets, error) {
	spec, _ := t.Raw["spec"].(map[string]any)
	raw, ok := spec["targets"]
	if !ok {
		return nil, nil
	}
	fail := func(path, format string, args ...any) error {
		return &TargetsError{Template: t.Ref(), File: t.File(), Path: path, Msg: fmt.Sprintf(format, args...)}
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fail("spec.targets", "must be an object with kind, type, filter, parameter and values (it is %s)", jsonType(raw))
	}
	for _, k := range sortedKeys(m) {
		switch k {
		case "kind", "type", "filter", "parameter", "values":
		default:
			return nil, fail("spec.targets."+k, "unknown key; spec.targets has kind, type, filter, parameter and values")
		}
	}
	tg := &Targets{Values: map[string]string{}}
	var base []Condition
	kinds, err := stringList(m["kind"])
	if err != nil {
		return nil, fail("spec.targets.kind", "%v", err)
	}
	if kinds != nil {
		tg.Kinds = kinds
		base = append(base, Condition{Key: "kind", Values: lower(kinds)})
	}
	types, err := stringList(m["type"])
	if err != nil {
		return nil, fail("spec.targets.type", "%v", err)
	}
	if types != nil {
		base = append(base, Condition{Key: "spec.type", Values: lower(types)})
	}
	var sets [][]Condition
	if f, ok := m["filter"]; ok {
		var objs []any
		path := func(i int) string { return "spec.targets.filter" }
		switch x := f.(type) {
		case map[string]any:
			objs = []any{x}
		case []any:
			objs = x
			path = func(i int) string { return fmt.Sprintf("spec.targets.filter[%d]", i) }
			if len(x) == 0 {
				return nil, fail("spec.targets.filter", "an empty list matches no entity; give one object of conditions, or leave filter out")
			}
		default:
			return nil, fail("spec.targets.filter", "must be an object of field: value conditions (as EntityPicker's catalogFilter) or a list of them (it is %s)", jsonType(f))
		}
		for i, o := range objs {
			obj, ok := o.(map[string]any)
			if !ok || len(obj) == 0 {
				return nil, fail(path(i), "must be an object of field: value conditions, like {spec.lifecycle: production} (it is %s)", jsonType(o))
			}
			set := append([]Condition{}, base...)
			for _, key := range sortedKeys(obj) {
				c, err := condition(key, obj[key])
				if err != nil {
					return nil, fail(fmt.Sprintf("%s[%s]", path(i), strconv.Quote(key)), "%v", err)
				}
				set = append(set, c)
			}
			sets = append(sets, set)
		}
	} else if len(base) > 0 {
		sets = [][]Condition{base}
	}
	if len(sets) == 0 {
		return nil, fail("spec.targets", "says no entity; give kind, type or filter (for example kind: Component)")
	}
	tg.Match = sets

	params := t.parameterFields()
	if p, ok := m["parameter"]; ok {
		name, isStr := p.(string)
		if !isStr || name == "" {
			return nil, fail("spec.targets.parameter", "must be the name of a parameter (it is %s)", jsonType(p))
		}
		if _, ok := params[name]; !ok {
			return nil, fail("spec.targets.parameter", "the template has no parameter %q; name one of spec.parameters' properties (%s)", name, strings.Join(sortedKeys(params), ", "))
		}
		tg.Parameter = name
	} else {
		var pickers []string
		for _, name := range sortedKeys(params) {
			if params[name]["ui:field"] == "EntityPicker" {
				pickers = append(pickers, name)
			}
		}
		switch len(pickers) {
		case 1:
			tg.Parameter = pickers[0]
		case 0:
			return nil, fail("spec.targets", "the template has no parameter for the entity it acts on; add one with ui:field: EntityPicker, or name it in spec.targets.parameter")
		default:
			return nil, fail("spec.targets", "the template has several EntityPicker parameters (%s); name the one for the entity it acts on in spec.targets.parameter", strings.Join(pickers, ", "))
		}
	}
	if v, ok := m["values"]; ok {
		vm, ok := v.(map[string]any)
		if !ok {
			return nil, fail("spec.targets.values", "must be an object of parameter: entity field, like {lifecycle: spec.lifecycle} (it is %s)", jsonType(v))
		}
		for _, name := range sortedKeys(vm) {
			field, ok := vm[name].(string)
			if !ok || strings.Trim(field, ".") == "" {
				return nil, fail("spec.targets.values."+name, "must be an entity field, a dotted path like spec.lifecycle (it is %s)", jsonType(vm[name]))
			}
			if _, ok := params[name]; !ok {
				return nil, fail("spec.targets.values."+name, "the template has no parameter %q; name one of spec.parameters' properties (%s)", name, strings.Join(sortedKeys(params), ", "))
			}
			tg.Values[name] = field
		}
	}
	return tg, nil
}

// condition reads one key: value of a filter object: a value (a string, number or
// boolean), a list of them (any one), or {exists: true|false}.
func condition(key string, v any) (Condition, error) {
	if strings.TrimSpace(key) == "" || strings.HasPrefix(key, ".") || strings.HasSuffix(key, ".") {
		return Condition{}, fmt.Errorf("is not a field; name one as a dotted path, like spec.lifecycle")
	}
	key = strings.ToLower(key)
	if m, ok := v.(map[string]any); ok {
		ex, isBool := m["exists"].(bool)
		if len(m) != 1 || !isBool {
			return Condition{}, fmt.Errorf("the only operator is {exists: true} or {exists: false}")
		}
		return Condition{Key: key, Absent: !ex}, nil
	}
	vals, err := stringList(v)
	if err != nil {
		return Condition{}, err
	}
	if vals == nil {
		return Condition{}, fmt.Errorf("has no value; give a value, a list of values or {exists: true}")
	}
	return Condition{Key: key, Values: lower(vals)}, nil
}

// stringList reads a scalar or a list of scalars as strings; nil for a missing value.
func stringList(v any) ([]string, error) {
	scalar := func(x any) (string, bool) {
		switch s := x.(type) {
		case string:
			return s, s != ""
		case bool:
			return strconv.FormatBool(s), true
		case float64:
			return strconv.FormatFloat(s, 'f', -1, 64), true
		}
		return "", false
	}
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		if len(x) == 0 {
			return nil, fmt.Errorf("an empty list matches nothing; give one value or more")
		}
		out := make([]string, len(x))
		for i, it := range x {
			s, ok := scalar(it)
			if !ok {
				return nil, fmt.Errorf("item %d must be a non-empty string (it is %s)", i, jsonType(it))
			}
			out[i] = s
		}
		return out, nil
	}
	if s, ok := scalar(v); ok {
		return []string{s}, nil
	}
	return nil, fmt.Errorf("must be a non-empty string or a list of them (it is %s)", jsonType(v))
}

func lower(l []string) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = strings.ToLower(s)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "the string " + strconv.Quote(x)
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// parameterFields are the properties of every form step (and of their dependencies'
// branches), by name.
func (t *Template) parameterFields() map[string]map[string]any {
	out := map[string]map[string]any{}
	steps, _ := t.ParameterSteps()
	var add func(schema map[string]any)
	add = func(schema map[string]any) {
		props, _ := schema["properties"].(map[string]any)
		for name, p := range props {
			pm, _ := p.(map[string]any)
			if _, seen := out[name]; !seen || pm["ui:field"] != nil {
				out[name] = pm
			}
		}
		deps, _ := schema["dependencies"].(map[string]any)
		for _, d := range deps {
			dm, ok := d.(map[string]any)
			if !ok {
				continue
			}
			add(dm)
			if one, ok := dm["oneOf"].([]any); ok {
				for _, b := range one {
					if bm, ok := b.(map[string]any); ok {
						add(bm)
					}
				}
			}
		}
	}
	for _, s := range steps {
		add(s)
	}
	return out
}

// EntityRef is an entity's ref as Backstage writes it: kind and namespace lower-cased,
// the name as written.
func EntityRef(e map[string]any) string { return model.RefOf(e).String() }

// FieldValue reads an entity's field by a dotted path (spec.lifecycle,
// metadata.annotations.backstage.io/techdocs-ref: a key may hold dots itself).
func FieldValue(e map[string]any, path string) (any, bool) {
	if v, ok := e[path]; ok {
		return v, true
	}
	for i := 0; i < len(path); i++ {
		if path[i] != '.' {
			continue
		}
		if sub, ok := e[path[:i]].(map[string]any); ok {
			if v, ok := FieldValue(sub, path[i+1:]); ok {
				return v, true
			}
		}
	}
	return nil, false
}

// Prefill is what a day-2 action's form starts with for entity e: the target
// parameter holds e's ref, and each parameter of spec.targets.values the entity's field
// (when e has it).
func (tg *Targets) Prefill(e map[string]any) map[string]any {
	out := map[string]any{tg.Parameter: EntityRef(e)}
	for name, field := range tg.Values {
		if v, ok := FieldValue(e, field); ok && v != nil {
			out[name] = v
		}
	}
	return out
}

// target checks the entity that values name for a day-2 action, as the caller in ctx:
// it must exist, be readable and match the template's targets. It returns the
// entity's ref.
func (s *Scaffolder) target(ctx context.Context, t *Template, tg *Targets, values map[string]any) (string, error) {
	raw, _ := values[tg.Parameter].(string)
	if strings.TrimSpace(raw) == "" {
		return "", &InputError{fmt.Sprintf("%s acts on an existing entity: give its ref in values.%s (for example component:default/my-service)", t.Ref(), tg.Parameter)}
	}
	if s.catalog == nil {
		return "", &InputError{fmt.Sprintf("%s acts on an entity of the catalog, and the catalog is not available", t.Ref())}
	}
	rc := model.RefContext{}
	if len(tg.Kinds) == 1 {
		rc.DefaultKind = tg.Kinds[0]
	}
	ref, err := model.ParseRef(raw, rc)
	if err != nil {
		return "", &InputError{fmt.Sprintf("%s: values.%s: %v", t.Ref(), tg.Parameter, err)}
	}
	e, err := s.catalog.Entity(ctx, ref.String())
	if err != nil {
		return "", err
	}
	if e == nil {
		return "", &InputError{fmt.Sprintf("%s acts on an existing entity, and there is no entity %s (values.%s)", t.Ref(), ref.String(), tg.Parameter)}
	}
	full := EntityRef(e)
	ok, err := s.catalog.Matches(ctx, full, tg.Match)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", &InputError{fmt.Sprintf("%s does not act on %s: its spec.targets take %s", t.Ref(), full, tg.Match)}
	}
	return full, nil
}

// checkTarget checks a task's target for a day-2 action, and returns its ref ("" for
// a template without spec.targets).
func (s *Scaffolder) checkTarget(ctx context.Context, t *Template, values map[string]any) (string, error) {
	tg, err := t.Targets()
	if err != nil {
		return "", &InputError{err.Error()}
	}
	if tg == nil {
		return "", nil
	}
	return s.target(ctx, t, tg, values)
}

// targetKey is the store key that lists task id under its target entity.
func targetKey(ref, id string) string { return "target/" + refKey(ref) + "/" + id }

// refKey is ref lower-cased, with the default namespace filled in.
func refKey(ref string) string {
	if r, err := model.ParseRef(ref, model.RefContext{}); err == nil {
		return r.Key()
	}
	return strings.ToLower(ref)
}

// listTarget reads the tasks that acted on the entity ref.
func (s *Scaffolder) listTarget(ref string) ([]*record, error) {
	ids, err := s.store.List("target/" + refKey(ref) + "/")
	if err != nil {
		return nil, err
	}
	out := make([]*record, 0, len(ids))
	for _, id := range ids {
		r, err := s.load(string(id))
		if err != nil {
			continue // the key outlived its task
		}
		out = append(out, r)
	}
	return out, nil
}

// Day2Action is a day-2 action that applies to an entity: the template, and the values
// the entity fills in (Targets.Prefill).
type Day2Action struct {
	Template *Template
	Values   map[string]any
}

// ActionsFor lists the day-2 actions that apply to the entity ref names, for the
// caller in ctx: the templates it may read whose spec.targets match the entity, when it
// may read the entity and create tasks (scaffolder.task.create). Templates whose
// spec.targets cannot be used come back as problems (*TargetsError), since nobody can
// tell which entities they were meant for.
func (s *Scaffolder) ActionsFor(ctx context.Context, ref string) ([]Day2Action, []error, error) {
	if s.catalog == nil || s.allowed(ctx, permission.ScaffolderTaskCreate) != nil {
		return nil, nil, nil
	}
	e, err := s.catalog.Entity(ctx, ref)
	if err != nil || e == nil {
		return nil, nil, err
	}
	ts, err := s.Templates(ctx)
	if err != nil {
		return nil, nil, err
	}
	var out []Day2Action
	var problems []error
	for _, t := range ts {
		tg, err := t.Targets()
		if err != nil {
			problems = append(problems, err)
			continue
		}
		if tg == nil {
			continue
		}
		ok, err := s.catalog.Matches(ctx, EntityRef(e), tg.Match)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			out = append(out, Day2Action{Template: t, Values: tg.Prefill(e)})
		}
	}
	return out, problems, nil
}

// CheckTargetStep checks, for the form's step (0-based), the entity a day-2 action's
// values name when that step holds the target parameter: it returns the parameter and
// why the entity cannot be acted on (nil when it can, or when the step does not hold
// the parameter). A spec.targets that cannot be used is the error, with no parameter.
func (s *Scaffolder) CheckTargetStep(ctx context.Context, t *Template, step int, values map[string]any) (string, error) {
	tg, err := t.Targets()
	if err != nil || tg == nil {
		return "", err
	}
	steps, err := t.ParameterSteps()
	if err != nil || step < 0 || step >= len(steps) {
		return "", err
	}
	props, _ := steps[step]["properties"].(map[string]any)
	if _, ok := props[tg.Parameter]; !ok {
		return "", nil
	}
	_, err = s.target(ctx, t, tg, values)
	return tg.Parameter, err
}
