package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"greenroom.dev/greenroom/host/internal/permission"
)

// The catalog's permission rules (Backstage's catalog-backend permission rules), each
// turned into the expression Backstage's toQuery gives: the index evaluates it, so a
// CONDITIONAL decision selects entities as a filter does.

// ruleSpec describes one rule: its params (required ones first) and how it becomes an
// expression.
type ruleSpec struct {
	params   []string // every param it accepts
	required int      // the first required params are required
	example  string
	build    func(p ruleParams) Expr
}

type ruleParams struct {
	strs  map[string]string
	lists map[string][]string
}

func (p ruleParams) str(name string) (string, bool) {
	s, ok := p.strs[name]
	return s, ok
}

var catalogRules = map[string]ruleSpec{
	permission.RuleIsEntityOwner: {
		params: []string{"claims"}, required: 1,
		example: `{"claims": ["user:default/jane", "group:default/team-a"]}`,
		build:   func(p ruleParams) Expr { return Equals("relations.ownedBy", p.lists["claims"]...) },
	},
	permission.RuleIsEntityKind: {
		params: []string{"kinds"}, required: 1,
		example: `{"kinds": ["Component", "API"]}`,
		build:   func(p ruleParams) Expr { return Equals("kind", p.lists["kinds"]...) },
	},
	permission.RuleHasAnnotation: {
		params: []string{"annotation", "value"}, required: 1,
		example: `{"annotation": "backstage.io/techdocs-ref", "value": "dir:."} (value is optional)`,
		build:   func(p ruleParams) Expr { return keyRule("metadata.annotations.", "annotation", p) },
	},
	permission.RuleHasLabel: {
		params: []string{"label"}, required: 1,
		example: `{"label": "example.com/tier"}`,
		build: func(p ruleParams) Expr {
			l, _ := p.str("label")
			return Exists("metadata.labels." + l)
		},
	},
	permission.RuleHasMetadata: {
		params: []string{"key", "value"}, required: 1,
		example: `{"key": "tags", "value": "java"} (value is optional)`,
		build:   func(p ruleParams) Expr { return keyRule("metadata.", "key", p) },
	},
	permission.RuleHasSpec: {
		params: []string{"key", "value"}, required: 1,
		example: `{"key": "lifecycle", "value": "production"} (value is optional)`,
		build:   func(p ruleParams) Expr { return keyRule("spec.", "key", p) },
	},
}

// keyRule is prefix+<param> existing, or equal to value when value is given.
func keyRule(prefix, param string, p ruleParams) Expr {
	k, _ := p.str(param)
	if v, ok := p.str("value"); ok {
		return Equals(prefix+k, v)
	}
	return Exists(prefix + k)
}

// listParams are the params that take a list of strings; the others take a string.
var listParams = map[string]bool{"claims": true, "kinds": true}

// CriteriaExpr turns the conditions of a CONDITIONAL decision for a catalog-entity
// permission into an expression: allOf is And, anyOf is Or, not is Not, and each rule
// (IS_ENTITY_OWNER, IS_ENTITY_KIND, HAS_ANNOTATION, HAS_LABEL, HAS_METADATA, HAS_SPEC)
// the filter Backstage's rule gives. An unknown rule, a rule of another resource type,
// or bad params is an error that names the criteria's path and the fix. Policy loaders
// call it to refuse bad conditions when a policy loads.
func CriteriaExpr(c permission.Criteria) (Expr, error) {
	return criteriaExpr(&c, "conditions")
}

func criteriaExpr(c *permission.Criteria, path string) (Expr, error) {
	var forms []string
	if c.AllOf != nil {
		forms = append(forms, "allOf")
	}
	if c.AnyOf != nil {
		forms = append(forms, "anyOf")
	}
	if c.Not != nil {
		forms = append(forms, "not")
	}
	if c.Rule != "" {
		forms = append(forms, "rule")
	}
	if len(forms) != 1 {
		has := "none of them"
		if len(forms) > 1 {
			has = strings.Join(forms, " and ")
		}
		return Expr{}, fmt.Errorf("%s: a criteria is exactly one of allOf, anyOf, not, or a rule {rule, resourceType, params}; this one has %s", path, has)
	}
	switch {
	case c.AllOf != nil || c.AnyOf != nil:
		list, name, join := c.AllOf, "allOf", And
		if c.AnyOf != nil {
			list, name, join = c.AnyOf, "anyOf", Or
		}
		if len(list) == 0 {
			return Expr{}, fmt.Errorf("%s.%s: is empty; give at least one criteria, or remove it", path, name)
		}
		xs := make([]Expr, len(list))
		for i := range list {
			x, err := criteriaExpr(&list[i], fmt.Sprintf("%s.%s[%d]", path, name, i))
			if err != nil {
				return Expr{}, err
			}
			xs[i] = x
		}
		return join(xs...), nil
	case c.Not != nil:
		x, err := criteriaExpr(c.Not, path+".not")
		if err != nil {
			return Expr{}, err
		}
		return Not(x), nil
	}
	return ruleExpr(c, path)
}

// ruleCache keeps the expressions of rules met before, by rule, resource type and raw
// params: a policy gives each caller the same conditions on every request, and decoding
// their params is most of the cost of applying a decision (about 8 µs against 0.2 µs).
// It is emptied when full.
var ruleCache = struct {
	sync.RWMutex
	m map[string]Expr
}{m: map[string]Expr{}}

const ruleCacheMax = 4096

func ruleExpr(c *permission.Criteria, path string) (Expr, error) {
	key := c.Rule + "\x00" + c.ResourceType + "\x00" + string(c.Params)
	ruleCache.RLock()
	x, ok := ruleCache.m[key]
	ruleCache.RUnlock()
	if ok {
		return x, nil
	}
	x, err := parseRule(c, path)
	if err != nil {
		return Expr{}, err
	}
	ruleCache.Lock()
	if len(ruleCache.m) >= ruleCacheMax {
		ruleCache.m = map[string]Expr{}
	}
	ruleCache.m[key] = x
	ruleCache.Unlock()
	return x, nil
}

func parseRule(c *permission.Criteria, path string) (Expr, error) {
	spec, ok := catalogRules[c.Rule]
	if !ok {
		names := make([]string, 0, len(catalogRules))
		for n := range catalogRules {
			names = append(names, n)
		}
		slices.Sort(names)
		return Expr{}, fmt.Errorf("%s: unknown rule %q for %s; the catalog's rules are %s", path, c.Rule, permission.CatalogEntityResource, strings.Join(names, ", "))
	}
	if c.ResourceType != "" && c.ResourceType != permission.CatalogEntityResource {
		return Expr{}, fmt.Errorf("%s: rule %s has resourceType %q; the catalog's rules are for %q", path, c.Rule, c.ResourceType, permission.CatalogEntityResource)
	}
	fail := func(format string, a ...any) (Expr, error) {
		return Expr{}, fmt.Errorf("%s: rule %s: params: %s; give %s", path, c.Rule, fmt.Sprintf(format, a...), spec.example)
	}
	var raw map[string]json.RawMessage
	if len(bytes.TrimSpace(c.Params)) == 0 || json.Unmarshal(c.Params, &raw) != nil || raw == nil {
		return fail("not an object")
	}
	p := ruleParams{strs: map[string]string{}, lists: map[string][]string{}}
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		v := raw[name]
		if !slices.Contains(spec.params, name) {
			return fail("unknown param %q (the params are %s)", name, strings.Join(spec.params, ", "))
		}
		if listParams[name] {
			var l []string
			if json.Unmarshal(v, &l) != nil || l == nil {
				return fail("%s must be a list of strings", name)
			}
			p.lists[name] = l
			continue
		}
		var s *string
		if json.Unmarshal(v, &s) != nil || s == nil {
			return fail("%s must be a string", name)
		}
		if *s == "" && name != "value" {
			return fail("%s is empty", name)
		}
		p.strs[name] = *s
	}
	for _, name := range spec.params[:spec.required] {
		if _, ok := raw[name]; !ok {
			return fail("missing %s", name)
		}
	}
	return spec.build(p), nil
}

// DecisionExpr is the set of entities a decision for one of the catalog's resource
// permissions (catalog.entity.read, .delete or .refresh) covers: every entity for
// ALLOW, none for DENY, those matching the conditions for CONDITIONAL (CriteriaExpr).
// A decision with another result, or a CONDITIONAL one for another plugin or resource
// type, is an error: the caller should refuse the request rather than guess.
func DecisionExpr(d permission.Decision) (Expr, error) {
	switch d.Result {
	case permission.Allow:
		return Expr{}, nil
	case permission.Deny:
		return Nothing(), nil
	case permission.Conditional:
	default:
		return Expr{}, fmt.Errorf("decision result %q is none of ALLOW, DENY, CONDITIONAL", d.Result)
	}
	if d.PluginID != "" && d.PluginID != "catalog" {
		return Expr{}, fmt.Errorf("conditional decision for plugin %q; the catalog applies only its own (pluginId catalog)", d.PluginID)
	}
	if d.ResourceType != "" && d.ResourceType != permission.CatalogEntityResource {
		return Expr{}, fmt.Errorf("conditional decision for resource type %q; the catalog applies only %q", d.ResourceType, permission.CatalogEntityResource)
	}
	if d.Conditions == nil {
		return Expr{}, fmt.Errorf("conditional decision without conditions")
	}
	return CriteriaExpr(*d.Conditions)
}
