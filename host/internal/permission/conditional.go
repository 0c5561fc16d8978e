package permission

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Aliases in conditional policy params, replaced per request (RHDH's conditional
// aliases): $currentUser by the caller's user entity ref, $ownerRefs by its ownership
// refs (the user and its groups; in a list, they are spliced in).
const (
	AliasCurrentUser = "$currentUser"
	AliasOwnerRefs   = "$ownerRefs"
)

// conditionalPolicy is one entry of the conditional policies file: the role may act
// (for the mapped actions) on the resources of resourceType that match the criteria.
type conditionalPolicy struct {
	Role, PluginID, ResourceType string
	Actions                      []string
	Tree                         *ctree
	Line                         int
}

// ruleParam describes one param of a rule the host knows.
type ruleParam struct {
	name     string
	list     bool // a list of strings, else a string
	required bool
}

// knownRules are the rules of the resource types the host evaluates, with their params
// (Backstage's catalog rules, RHDH's policy rule), and the plugin owning each type.
var knownRules = map[string]map[string][]ruleParam{
	CatalogEntityResource: {
		RuleIsEntityOwner: {{"claims", true, true}},
		RuleIsEntityKind:  {{"kinds", true, true}},
		RuleHasAnnotation: {{"annotation", false, true}, {"value", false, false}},
		RuleHasLabel:      {{"label", false, true}},
		RuleHasMetadata:   {{"key", false, true}, {"value", false, false}},
		RuleHasSpec:       {{"key", false, true}, {"value", false, false}},
	},
	PolicyEntityResource: {
		"IS_OWNER": {{"owners", true, true}},
	},
}

var resourcePlugins = map[string]string{CatalogEntityResource: "catalog", PolicyEntityResource: "permission"}

var conditionalKeys = []string{"result", "roleEntityRef", "pluginId", "resourceType", "permissionMapping", "conditions"}

// parseConditional parses RHDH's conditional policies file: YAML documents, each a
// conditional policy or a list of them:
//
//	result: CONDITIONAL
//	roleEntityRef: role:default/developer
//	pluginId: catalog
//	resourceType: catalog-entity
//	permissionMapping: [read, update]
//	conditions:
//	  rule: IS_ENTITY_OWNER
//	  resourceType: catalog-entity
//	  params: {claims: [$ownerRefs]}
func parseConditional(file string, data []byte, known map[string]Permission) ([]conditionalPolicy, FileErrors) {
	var out []conditionalPolicy
	var errs FileErrors
	bad := func(line int, format string, a ...any) {
		errs = append(errs, &FileError{File: file, Line: line, Msg: fmt.Sprintf(format, a...), conditional: true})
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	type slot struct {
		line   int
		plugin string
	}
	seen := map[[3]string]int{} // role, resource type, action -> line
	plugins := map[string]slot{}
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if err == io.EOF {
			break
		}
		if err != nil {
			bad(yamlLine(err), "YAML syntax error: %s", strings.TrimPrefix(yamlMsg(err), "yaml: "))
			break
		}
		if len(doc.Content) == 0 {
			continue
		}
		if a := findAlias(&doc, 0); a != nil {
			bad(a.Line, "YAML aliases (*name) and nesting over 64 levels are not allowed; repeat the value")
			continue
		}
		root := doc.Content[0]
		var entries []*yaml.Node
		switch {
		case root.Kind == yaml.ScalarNode && root.Tag == "!!null":
			continue
		case root.Kind == yaml.MappingNode:
			entries = []*yaml.Node{root}
		case root.Kind == yaml.SequenceNode:
			entries = root.Content
		default:
			bad(root.Line, "a document is a conditional policy (result, roleEntityRef, pluginId, resourceType, permissionMapping, conditions) or a list of them")
			continue
		}
		for _, n := range entries {
			cp, problems := parseConditionalPolicy(n, known)
			for _, p := range problems {
				bad(p.line, "%s", p.msg)
			}
			if len(problems) > 0 {
				continue
			}
			if want := resourcePlugins[cp.ResourceType]; want != "" && cp.PluginID != want {
				bad(cp.Line, "resource type %s belongs to plugin %s; set pluginId: %s", cp.ResourceType, want, want)
				continue
			}
			if prev, ok := plugins[cp.ResourceType]; ok && prev.plugin != cp.PluginID {
				bad(cp.Line, "resource type %s belongs to plugin %s (line %d); use pluginId: %s", cp.ResourceType, prev.plugin, prev.line, prev.plugin)
				continue
			}
			plugins[cp.ResourceType] = slot{cp.Line, cp.PluginID}
			dup := false
			for _, a := range cp.Actions {
				key := [3]string{cp.Role, cp.ResourceType, a}
				if prev, ok := seen[key]; ok {
					bad(cp.Line, "%s already has a condition for %s on %s (line %d); combine the two under anyOf in one policy", cp.Role, a, cp.ResourceType, prev)
					dup = true
				}
			}
			if dup {
				continue
			}
			for _, a := range cp.Actions {
				seen[[3]string{cp.Role, cp.ResourceType, a}] = cp.Line
			}
			out = append(out, cp)
		}
	}
	return out, errs
}

// findAlias finds an alias node (which could expand without bound) or a node nested too
// deep.
func findAlias(n *yaml.Node, depth int) *yaml.Node {
	if n.Kind == yaml.AliasNode || depth > 64 {
		return n
	}
	for _, c := range n.Content {
		if a := findAlias(c, depth+1); a != nil {
			return a
		}
	}
	return nil
}

type problem struct {
	line int
	msg  string
}

func parseConditionalPolicy(n *yaml.Node, known map[string]Permission) (conditionalPolicy, []problem) {
	cp := conditionalPolicy{Line: n.Line}
	var probs []problem
	bad := func(line int, format string, a ...any) {
		probs = append(probs, problem{line, fmt.Sprintf(format, a...)})
	}
	if n.Kind != yaml.MappingNode {
		bad(n.Line, "a conditional policy is a mapping of result, roleEntityRef, pluginId, resourceType, permissionMapping and conditions")
		return cp, probs
	}
	fields := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(conditionalKeys, k.Value) {
			bad(k.Line, "unknown key %q; the keys are %s", k.Value, strings.Join(conditionalKeys, ", "))
			continue
		}
		fields[k.Value] = v
	}
	str := func(key string) (string, int) {
		v := fields[key]
		if v == nil {
			bad(n.Line, "%s is missing", key)
			return "", n.Line
		}
		if v.Kind != yaml.ScalarNode || v.Value == "" {
			bad(v.Line, "%s must be a non-empty string", key)
			return "", v.Line
		}
		return v.Value, v.Line
	}
	if res, line := str("result"); res != "" && res != string(Conditional) {
		bad(line, "result is %q; a conditional policy has result: CONDITIONAL (what is not conditional goes in the CSV file)", res)
	}
	if ref, line := str("roleEntityRef"); ref != "" {
		role, err := parseRef(ref, "role")
		if err != nil {
			bad(line, "roleEntityRef: %v", err)
		}
		cp.Role = role
	}
	cp.PluginID, _ = str("pluginId")
	cp.ResourceType, _ = str("resourceType")
	rules, knownType := knownRules[cp.ResourceType]
	var typeActions []string
	for _, perm := range known {
		if perm.Type == Resource && perm.ResourceType == cp.ResourceType && !slices.Contains(typeActions, PolicyAction(perm)) {
			typeActions = append(typeActions, PolicyAction(perm))
		}
	}
	slices.Sort(typeActions)
	if pm := fields["permissionMapping"]; pm == nil {
		bad(n.Line, "permissionMapping is missing; list the actions the condition applies to, e.g. [read]")
	} else if pm.Kind != yaml.SequenceNode || len(pm.Content) == 0 {
		bad(pm.Line, "permissionMapping must be a non-empty list of actions: read, update, delete or use")
	} else {
		for _, a := range pm.Content {
			switch {
			case a.Value == Create:
				bad(a.Line, "create permissions concern no existing resource, so they cannot be conditional; grant them in the CSV file")
			case !slices.Contains(policyActions, a.Value) || a.Kind != yaml.ScalarNode:
				bad(a.Line, "unknown action %q in permissionMapping; use read, update, delete or use", a.Value)
			case len(typeActions) > 0 && !slices.Contains(typeActions, a.Value):
				bad(a.Line, "no %s permission has action %s; its actions are %s", cp.ResourceType, a.Value, strings.Join(typeActions, ", "))
			case slices.Contains(cp.Actions, a.Value):
				bad(a.Line, "%s is listed twice in permissionMapping", a.Value)
			default:
				cp.Actions = append(cp.Actions, a.Value)
			}
		}
	}
	if c := fields["conditions"]; c == nil {
		bad(n.Line, "conditions is missing; give a rule ({rule, resourceType, params}) or allOf, anyOf or not")
	} else if cp.ResourceType != "" {
		tree, cprobs := compileCriteria(c, "conditions", cp.ResourceType, rules, knownType)
		probs = append(probs, cprobs...)
		cp.Tree = tree
	}
	return cp, probs
}

// ctree is a compiled criteria tree. A subtree without aliases is rendered once, at
// load (static); one with aliases is rendered per request.
type ctree struct {
	allOf, anyOf []*ctree
	not          *ctree
	rule, rtype  string
	params       *pobject
	static       *Criteria
}

var criteriaKeys = []string{"allOf", "anyOf", "not", "rule", "resourceType", "params"}

func compileCriteria(n *yaml.Node, path, resourceType string, rules map[string][]ruleParam, knownType bool) (*ctree, []problem) {
	var probs []problem
	bad := func(line int, format string, a ...any) {
		probs = append(probs, problem{line, fmt.Sprintf(format, a...)})
	}
	if n.Kind != yaml.MappingNode {
		bad(n.Line, "%s must be a mapping: a rule ({rule, resourceType, params}) or allOf, anyOf or not", path)
		return nil, probs
	}
	fields := map[string]*yaml.Node{}
	var found []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(criteriaKeys, k.Value) {
			bad(k.Line, "%s: unknown key %q; a criterion is allOf, anyOf, not, or a rule with rule, resourceType and params", path, k.Value)
			continue
		}
		fields[k.Value] = v
		if k.Value == "allOf" || k.Value == "anyOf" || k.Value == "not" {
			found = append(found, k.Value)
		}
	}
	if len(probs) > 0 {
		return nil, probs
	}
	t := &ctree{}
	switch {
	case len(found) > 1:
		bad(n.Line, "%s has both %s; a criterion has one of allOf, anyOf and not: nest one inside the other", path, strings.Join(found, " and "))
	case len(found) == 1 && (fields["rule"] != nil || fields["params"] != nil || fields["resourceType"] != nil):
		bad(n.Line, "%s has %s beside a rule; put the rule inside %s", path, found[0], found[0])
	case len(found) == 1 && found[0] == "not":
		sub, p := compileCriteria(fields["not"], path+".not", resourceType, rules, knownType)
		probs = append(probs, p...)
		t.not = sub
	case len(found) == 1:
		list := fields[found[0]]
		if list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
			bad(list.Line, "%s.%s must be a non-empty list of criteria", path, found[0])
			break
		}
		for i, c := range list.Content {
			sub, p := compileCriteria(c, fmt.Sprintf("%s.%s[%d]", path, found[0], i), resourceType, rules, knownType)
			probs = append(probs, p...)
			if found[0] == "allOf" {
				t.allOf = append(t.allOf, sub)
			} else {
				t.anyOf = append(t.anyOf, sub)
			}
		}
	default:
		probs = append(probs, compileLeaf(t, n, fields, path, resourceType, rules, knownType)...)
	}
	if len(probs) > 0 {
		return nil, probs
	}
	if !t.hasAlias() {
		c := t.render("", nil)
		t.static = &c
	}
	return t, nil
}

func compileLeaf(t *ctree, n *yaml.Node, fields map[string]*yaml.Node, path, resourceType string, rules map[string][]ruleParam, knownType bool) []problem {
	var probs []problem
	bad := func(line int, format string, a ...any) {
		probs = append(probs, problem{line, fmt.Sprintf(format, a...)})
	}
	rule, rt := fields["rule"], fields["resourceType"]
	if rule == nil || rule.Kind != yaml.ScalarNode || rule.Value == "" {
		bad(n.Line, "%s: rule is missing; name a rule of %s (or use allOf, anyOf or not)", path, resourceType)
		return probs
	}
	if rt == nil || rt.Kind != yaml.ScalarNode || rt.Value == "" {
		bad(n.Line, "%s: resourceType is missing; add resourceType: %s", path, resourceType)
		return probs
	}
	if rt.Value != resourceType {
		bad(rt.Line, "%s: resourceType %s differs from the policy's %s; a policy's conditions concern its own resource type", path, rt.Value, resourceType)
		return probs
	}
	t.rule, t.rtype = rule.Value, rt.Value
	var specs []ruleParam
	if knownType {
		var ok bool
		if specs, ok = rules[rule.Value]; !ok {
			names := make([]string, 0, len(rules))
			for r := range rules {
				names = append(names, r)
			}
			slices.Sort(names)
			bad(rule.Line, "%s: unknown rule %q for %s; use %s", path, rule.Value, resourceType, orList(names))
			return probs
		}
	}
	params := fields["params"]
	if params == nil {
		if knownType {
			for _, s := range specs {
				if s.required {
					bad(n.Line, "%s: %s needs params.%s", path, rule.Value, s.name)
				}
			}
		}
		return probs
	}
	if params.Kind != yaml.MappingNode {
		bad(params.Line, "%s.params must be a mapping of the rule's parameters", path)
		return probs
	}
	obj, err := compileObject(params)
	if err != nil {
		bad(errLine(err, params.Line), "%s.params: %v", path, err)
		return probs
	}
	t.params = obj
	if !knownType {
		return probs
	}
	have := map[string]*yaml.Node{}
	for i := 0; i+1 < len(params.Content); i += 2 {
		k, v := params.Content[i], params.Content[i+1]
		idx := slices.IndexFunc(specs, func(s ruleParam) bool { return s.name == k.Value })
		if idx < 0 {
			var names []string
			for _, s := range specs {
				names = append(names, s.name)
			}
			bad(k.Line, "%s.params: %s has no parameter %q; its parameters are %s", path, rule.Value, k.Value, strings.Join(names, ", "))
			continue
		}
		have[k.Value] = v
		s := specs[idx]
		switch {
		case s.list && v.Kind == yaml.ScalarNode && v.Value == AliasOwnerRefs:
		case s.list && v.Kind != yaml.SequenceNode:
			bad(v.Line, "%s.params.%s is a list of strings; write [%s]", path, k.Value, v.Value)
		case s.list:
			for _, item := range v.Content {
				if item.Kind != yaml.ScalarNode {
					bad(item.Line, "%s.params.%s is a list of strings", path, k.Value)
				}
			}
		case v.Kind != yaml.ScalarNode:
			bad(v.Line, "%s.params.%s is a string", path, k.Value)
		case v.Value == AliasOwnerRefs:
			bad(v.Line, "%s.params.%s is a string, and %s is a list; use %s", path, k.Value, AliasOwnerRefs, AliasCurrentUser)
		}
	}
	for _, s := range specs {
		if s.required && have[s.name] == nil {
			bad(params.Line, "%s: %s needs params.%s", path, rule.Value, s.name)
		}
	}
	return probs
}

func (t *ctree) hasAlias() bool {
	if t == nil {
		return false
	}
	if t.params != nil && t.params.alias {
		return true
	}
	if t.not != nil && t.not.hasAlias() {
		return true
	}
	for _, c := range t.allOf {
		if c.hasAlias() {
			return true
		}
	}
	for _, c := range t.anyOf {
		if c.hasAlias() {
			return true
		}
	}
	return false
}

// render builds the criteria for a caller. Static subtrees are shared, not copied:
// criteria in a Decision are read-only.
func (t *ctree) render(user string, owners []string) Criteria {
	if t.static != nil {
		return *t.static
	}
	var c Criteria
	switch {
	case t.not != nil:
		sub := t.not.render(user, owners)
		c.Not = &sub
	case t.allOf != nil:
		c.AllOf = make([]Criteria, len(t.allOf))
		for i, s := range t.allOf {
			c.AllOf[i] = s.render(user, owners)
		}
	case t.anyOf != nil:
		c.AnyOf = make([]Criteria, len(t.anyOf))
		for i, s := range t.anyOf {
			c.AnyOf[i] = s.render(user, owners)
		}
	default:
		c.Rule, c.ResourceType = t.rule, t.rtype
		if t.params != nil {
			c.Params = t.params.render(user, owners)
		}
	}
	return c
}

// pobject is a compiled params object: JSON with holes where aliases stand.
type pobject struct {
	keys  [][]byte // JSON-encoded keys
	vals  []pvalue
	alias bool // some value holds an alias
	lit   []byte
	size  int // bytes of the literal parts, to size the buffer
}

// pvalue is one value: literal JSON, an alias, or a list of values (that may hold aliases).
type pvalue struct {
	lit   []byte
	alias string
	list  []pvalue
	isArr bool
}

func compileObject(n *yaml.Node) (*pobject, error) {
	o := &pobject{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		kb, _ := json.Marshal(k.Value)
		pv, err := compileValue(v)
		if err != nil {
			return nil, err
		}
		o.keys = append(o.keys, kb)
		o.vals = append(o.vals, pv)
		o.size += len(kb) + pv.size() + 2
		if pv.hasAlias() {
			o.alias = true
		}
	}
	if !o.alias {
		o.lit = o.render("", nil)
	}
	return o, nil
}

type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return e.msg }

func errLine(err error, def int) int {
	var le *lineError
	if errors.As(err, &le) && le.line > 0 {
		return le.line
	}
	return def
}

func compileValue(n *yaml.Node) (pvalue, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!str" || n.Style != 0 {
			switch n.Value {
			case AliasCurrentUser, AliasOwnerRefs:
				return pvalue{alias: n.Value}, nil
			}
			for _, a := range []string{AliasCurrentUser, AliasOwnerRefs} {
				if strings.EqualFold(n.Value, a) {
					return pvalue{}, &lineError{n.Line, fmt.Sprintf("%q is not an alias; the aliases are %s and %s (mind the case)", n.Value, AliasCurrentUser, AliasOwnerRefs)}
				}
			}
		}
	case yaml.SequenceNode:
		pv := pvalue{isArr: true, list: []pvalue{}}
		for _, c := range n.Content {
			item, err := compileValue(c)
			if err != nil {
				return pvalue{}, err
			}
			pv.list = append(pv.list, item)
		}
		return pv, nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return pvalue{}, &lineError{n.Line, err.Error()}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return pvalue{}, &lineError{n.Line, fmt.Sprintf("cannot be written as JSON: %v", err)}
	}
	return pvalue{lit: b}, nil
}

func (v *pvalue) size() int {
	n := len(v.lit) + 2
	for i := range v.list {
		n += v.list[i].size() + 1
	}
	return n
}

func (v *pvalue) hasAlias() bool {
	if v.alias != "" {
		return true
	}
	for i := range v.list {
		if v.list[i].hasAlias() {
			return true
		}
	}
	return false
}

func (o *pobject) render(user string, owners []string) json.RawMessage {
	if o.lit != nil {
		return o.lit
	}
	n := o.size + len(user) + 2
	for _, r := range owners {
		n += len(r) + 3
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i := range o.keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, o.keys[i]...)
		b = append(b, ':')
		b = o.vals[i].appendTo(b, user, owners)
	}
	return append(b, '}')
}

func (v *pvalue) appendTo(b []byte, user string, owners []string) []byte {
	switch {
	case v.alias == AliasCurrentUser:
		return appendJSONString(b, user)
	case v.alias == AliasOwnerRefs:
		b = append(b, '[')
		b = appendRefs(b, owners, true)
		return append(b, ']')
	case v.isArr:
		b = append(b, '[')
		first := true
		for i := range v.list {
			it := &v.list[i]
			if it.alias == AliasOwnerRefs {
				b = appendRefs(b, owners, first)
				first = first && len(owners) == 0
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = it.appendTo(b, user, owners)
		}
		return append(b, ']')
	}
	return append(b, v.lit...)
}

func appendRefs(b []byte, refs []string, first bool) []byte {
	for _, r := range refs {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, r)
	}
	return b
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// yamlLine reads the line of a yaml.v3 syntax error ("yaml: line 7: ...").
func yamlLine(err error) int {
	msg := err.Error()
	rest, ok := strings.CutPrefix(msg, "yaml: line ")
	if !ok {
		return 0
	}
	n := 0
	for _, c := range rest {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func yamlMsg(err error) string {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "yaml: line "); ok {
		if _, after, ok := strings.Cut(rest, ": "); ok {
			return after
		}
	}
	return msg
}
