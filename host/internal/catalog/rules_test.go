package catalog

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/permission"
)

// permCatalog is a catalog for the rules: owners, kinds, labels, annotations, metadata
// and spec values in mixed case, arrays, and relations.
const permCatalog = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: web
  labels: {tier: frontend}
  annotations: {backstage.io/techdocs-ref: "dir:.", example.com/Team: Alpha}
  tags: [typescript, web]
spec: {type: website, lifecycle: production, owner: group:default/Team-A}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: api-gw
  labels: {tier: backend}
  tags: [go]
spec: {type: service, lifecycle: experimental, owner: user:jane}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger
  annotations: {backstage.io/techdocs-ref: "url:https://docs.example.com/ledger"}
  tags: [java, go]
spec: {type: service, lifecycle: production, owner: team-b, dependsOn: [component:web]}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: orders-api, labels: {tier: backend}}
spec: {type: openapi, lifecycle: production, owner: team-a, definition: "openapi: 3.0.0"}
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: {name: db}
spec: {type: database, owner: team-b}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-b}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: jane}
spec: {memberOf: [team-a]}
`

// loadPermCatalog ingests permCatalog from a file and returns the catalog and the name
// of the Location entity its location makes.
func loadPermCatalog(t *testing.T) (*Catalog, string) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "catalog.yaml")
	writeFile(t, f, permCatalog)
	rules := allKinds
	c := newTestCatalog(t, Config{Rules: &rules, Locations: []LocationConfig{{Type: "file", Target: f}}}, nil)
	refresh(t, c)
	if ents, locs := c.ProcessingErrors(); ents+locs > 0 || c.Count() != 9 {
		t.Fatalf("the catalog has %d entities, errors in %d entities and %d locations", c.Count(), ents, locs)
	}
	return c, "generated-" + hashBytes([]byte("file:"+f))
}

func crit(t *testing.T, s string) permission.Criteria {
	t.Helper()
	var c permission.Criteria
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return c
}

// names returns the sorted names of the entities a view sees, through a query and entity
// by entity.
func viewNames(t *testing.T, c *Catalog, x Expr) []string {
	t.Helper()
	v := c.Within(x)
	page, _, total := v.SelectJSON(nil, Selection{Limit: -1}, ParseFields([]string{"metadata.name"}))
	var items []struct{ Metadata struct{ Name string } }
	if err := json.Unmarshal(page, &items); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range items {
		out = append(out, it.Metadata.Name)
	}
	slices.Sort(out)
	if total != len(out) {
		t.Errorf("%s: total %d for %d items", x, total, len(out))
	}
	// Entity by entity: exactly the same ones are visible.
	all, _ := c.Select(Selection{Limit: -1})
	var one []string
	for _, it := range all {
		m := mustDecode(t, it)
		md := m["metadata"].(map[string]any)
		if v.ByName(m["kind"].(string), md["namespace"].(string), md["name"].(string)) != nil {
			one = append(one, md["name"].(string))
		}
	}
	slices.Sort(one)
	if !slices.Equal(one, out) {
		t.Errorf("%s: the query sees %v, by-name sees %v", x, out, one)
	}
	return out
}

func TestCatalogRules(t *testing.T) {
	c, loc := loadPermCatalog(t)
	everything := []string{"api-gw", "db", loc, "jane", "ledger", "orders-api", "team-a", "team-b", "web"}
	except := func(drop ...string) []string {
		return slices.DeleteFunc(slices.Clone(everything), func(s string) bool { return slices.Contains(drop, s) })
	}
	tests := []struct {
		name, criteria string
		want           []string
	}{
		// IS_ENTITY_OWNER: relations.ownedBy against full refs, any case.
		{"owner group", `{"rule":"IS_ENTITY_OWNER","resourceType":"catalog-entity","params":{"claims":["group:default/team-a"]}}`, []string{"orders-api", "web"}},
		{"owner user, upper case", `{"rule":"IS_ENTITY_OWNER","params":{"claims":["USER:default/Jane"]}}`, []string{"api-gw"}},
		{"owner user and groups", `{"rule":"IS_ENTITY_OWNER","params":{"claims":["user:default/jane","group:default/team-a","group:default/team-b"]}}`, []string{"api-gw", "db", "ledger", "orders-api", "web"}},
		{"owner short ref", `{"rule":"IS_ENTITY_OWNER","params":{"claims":["group:team-a"]}}`, nil},
		{"owner no claims", `{"rule":"IS_ENTITY_OWNER","params":{"claims":[]}}`, nil},
		// IS_ENTITY_KIND: kind, any case.
		{"kind", `{"rule":"IS_ENTITY_KIND","params":{"kinds":["component"]}}`, []string{"api-gw", "ledger", "web"}},
		{"kinds", `{"rule":"IS_ENTITY_KIND","params":{"kinds":["API","Group"]}}`, []string{"orders-api", "team-a", "team-b"}},
		// HAS_ANNOTATION: exists, or equals (any case).
		{"annotation", `{"rule":"HAS_ANNOTATION","params":{"annotation":"backstage.io/techdocs-ref"}}`, []string{"ledger", "web"}},
		{"annotation value", `{"rule":"HAS_ANNOTATION","params":{"annotation":"backstage.io/techdocs-ref","value":"DIR:."}}`, []string{"web"}},
		{"annotation key case", `{"rule":"HAS_ANNOTATION","params":{"annotation":"example.com/team","value":"alpha"}}`, []string{"web"}},
		{"annotation absent", `{"rule":"HAS_ANNOTATION","params":{"annotation":"example.com/none"}}`, nil},
		// HAS_LABEL: exists.
		{"label", `{"rule":"HAS_LABEL","params":{"label":"tier"}}`, []string{"api-gw", "orders-api", "web"}},
		{"label case", `{"rule":"HAS_LABEL","params":{"label":"Tier"}}`, []string{"api-gw", "orders-api", "web"}},
		// HAS_METADATA: exists, equals, an array contains.
		{"metadata exists", `{"rule":"HAS_METADATA","params":{"key":"tags"}}`, []string{"api-gw", "ledger", "web"}},
		{"metadata array contains", `{"rule":"HAS_METADATA","params":{"key":"tags","value":"go"}}`, []string{"api-gw", "ledger"}},
		{"metadata array, case", `{"rule":"HAS_METADATA","params":{"key":"Tags","value":"WEB"}}`, []string{"web"}},
		{"metadata nested", `{"rule":"HAS_METADATA","params":{"key":"labels.tier","value":"backend"}}`, []string{"api-gw", "orders-api"}},
		{"metadata name", `{"rule":"HAS_METADATA","params":{"key":"name","value":"WEB"}}`, []string{"web"}},
		{"metadata absent", `{"rule":"HAS_METADATA","params":{"key":"description"}}`, nil},
		// HAS_SPEC: the same over spec.
		{"spec value", `{"rule":"HAS_SPEC","params":{"key":"lifecycle","value":"production"}}`, []string{"ledger", "orders-api", "web"}},
		{"spec exists", `{"rule":"HAS_SPEC","params":{"key":"definition"}}`, []string{"orders-api"}},
		{"spec array contains", `{"rule":"HAS_SPEC","params":{"key":"dependsOn","value":"component:web"}}`, []string{"ledger"}},
		{"spec array of user", `{"rule":"HAS_SPEC","params":{"key":"memberOf","value":"team-a"}}`, []string{"jane"}},
		// Combinators and their nesting.
		{"allOf", `{"allOf":[{"rule":"IS_ENTITY_KIND","params":{"kinds":["component"]}},{"rule":"IS_ENTITY_OWNER","params":{"claims":["group:default/team-a"]}}]}`, []string{"web"}},
		{"anyOf", `{"anyOf":[{"rule":"HAS_LABEL","params":{"label":"tier"}},{"rule":"HAS_ANNOTATION","params":{"annotation":"backstage.io/techdocs-ref"}}]}`, []string{"api-gw", "ledger", "orders-api", "web"}},
		{"not", `{"not":{"rule":"IS_ENTITY_KIND","params":{"kinds":["component"]}}}`, except("api-gw", "ledger", "web")},
		{"not not", `{"not":{"not":{"rule":"IS_ENTITY_KIND","params":{"kinds":["user"]}}}}`, []string{"jane"}},
		{"allOf with not anyOf", `{"allOf":[{"rule":"IS_ENTITY_KIND","params":{"kinds":["component"]}},{"not":{"anyOf":[{"rule":"IS_ENTITY_OWNER","params":{"claims":["group:default/team-a"]}},{"rule":"HAS_SPEC","params":{"key":"lifecycle","value":"experimental"}}]}}]}`, []string{"ledger"}},
		{"not allOf", `{"not":{"allOf":[{"rule":"IS_ENTITY_KIND","params":{"kinds":["component"]}},{"rule":"HAS_SPEC","params":{"key":"lifecycle","value":"production"}}]}}`, except("ledger", "web")},
		{"anyOf with allOf and not", `{"anyOf":[{"allOf":[{"rule":"IS_ENTITY_KIND","params":{"kinds":["api"]}},{"rule":"HAS_LABEL","params":{"label":"tier"}}]},{"not":{"rule":"HAS_METADATA","params":{"key":"tags"}}}]}`, except("api-gw", "ledger", "web")},
		{"allOf of nots", `{"allOf":[{"not":{"rule":"IS_ENTITY_KIND","params":{"kinds":["component"]}}},{"not":{"rule":"IS_ENTITY_KIND","params":{"kinds":["group"]}}}]}`, []string{"db", loc, "jane", "orders-api"}},
		{"not of an empty owner", `{"not":{"rule":"IS_ENTITY_OWNER","params":{"claims":[]}}}`, everything},
	}
	for _, tt := range tests {
		x, err := CriteriaExpr(crit(t, tt.criteria))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := viewNames(t, c, x); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %s sees %v, want %v", tt.name, x, got, tt.want)
		}
	}
}

func TestCatalogRuleErrors(t *testing.T) {
	tests := []struct {
		name, criteria string
		want           []string // substrings of the error
	}{
		{"unknown rule", `{"rule":"IS_OWNER","params":{"claims":[]}}`, []string{`conditions: unknown rule "IS_OWNER"`, "HAS_ANNOTATION, HAS_LABEL, HAS_METADATA, HAS_SPEC, IS_ENTITY_KIND, IS_ENTITY_OWNER"}},
		{"other resource type", `{"rule":"HAS_TAG","resourceType":"scaffolder-action","params":{"tag":"x"}}`, []string{`unknown rule "HAS_TAG"`}},
		{"catalog rule, other type", `{"rule":"HAS_LABEL","resourceType":"scaffolder-template","params":{"label":"x"}}`, []string{`rule HAS_LABEL has resourceType "scaffolder-template"`, `"catalog-entity"`}},
		{"no params", `{"rule":"HAS_LABEL"}`, []string{"rule HAS_LABEL: params: not an object", `give {"label": "example.com/tier"}`}},
		{"positional params", `{"rule":"IS_ENTITY_KIND","params":[["component"]]}`, []string{"rule IS_ENTITY_KIND: params: not an object", `{"kinds": ["Component", "API"]}`}},
		{"missing param", `{"rule":"IS_ENTITY_OWNER","params":{}}`, []string{"rule IS_ENTITY_OWNER: params: missing claims", `give {"claims": ["user:default/jane", "group:default/team-a"]}`}},
		{"misspelt param", `{"rule":"HAS_SPEC","params":{"key":"lifecycle","vlaue":"production"}}`, []string{`rule HAS_SPEC: params: unknown param "vlaue" (the params are key, value)`}},
		{"claims not a list", `{"rule":"IS_ENTITY_OWNER","params":{"claims":"user:default/jane"}}`, []string{"claims must be a list of strings"}},
		{"kinds of numbers", `{"rule":"IS_ENTITY_KIND","params":{"kinds":[1]}}`, []string{"kinds must be a list of strings"}},
		{"value not a string", `{"rule":"HAS_ANNOTATION","params":{"annotation":"a","value":3}}`, []string{"rule HAS_ANNOTATION: params: value must be a string"}},
		{"null value", `{"rule":"HAS_METADATA","params":{"key":"a","value":null}}`, []string{"value must be a string"}},
		{"empty key", `{"rule":"HAS_METADATA","params":{"key":""}}`, []string{"rule HAS_METADATA: params: key is empty"}},
		{"empty label", `{"rule":"HAS_LABEL","params":{"label":""}}`, []string{"label is empty"}},
		{"empty criteria", `{}`, []string{"conditions: a criteria is exactly one of allOf, anyOf, not, or a rule", "has none of them"}},
		{"two forms", `{"rule":"HAS_LABEL","params":{"label":"a"},"not":{"rule":"HAS_LABEL","params":{"label":"b"}}}`, []string{"this one has not and rule"}},
		{"empty allOf", `{"allOf":[]}`, []string{"conditions.allOf: is empty; give at least one criteria"}},
		{"nested path", `{"anyOf":[{"rule":"HAS_LABEL","params":{"label":"a"}},{"not":{"allOf":[{"rule":"HAS_SPEC","params":{"key":1}}]}}]}`, []string{"conditions.anyOf[1].not.allOf[0]: rule HAS_SPEC: params: key must be a string"}},
	}
	for _, tt := range tests {
		_, err := CriteriaExpr(crit(t, tt.criteria))
		if err == nil {
			t.Errorf("%s: accepted", tt.name)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", tt.name, err, w)
			}
		}
	}
}

func TestDecisionExpr(t *testing.T) {
	owner := crit(t, `{"rule":"IS_ENTITY_OWNER","params":{"claims":["group:default/team-a"]}}`)
	tests := []struct {
		name string
		d    permission.Decision
		want string // the expression, or "error: <substring>"
	}{
		{"allow", permission.Decision{Result: permission.Allow}, "all"},
		{"deny", permission.Decision{Result: permission.Deny}, "none"},
		{"conditional", permission.Decision{Result: permission.Conditional, PluginID: "catalog", ResourceType: "catalog-entity", Conditions: &owner}, `"relations.ownedby"=["group:default/team-a"]`},
		{"no result", permission.Decision{}, `error: decision result "" is none of ALLOW, DENY, CONDITIONAL`},
		{"other plugin", permission.Decision{Result: permission.Conditional, PluginID: "scaffolder", Conditions: &owner}, `error: conditional decision for plugin "scaffolder"`},
		{"other resource", permission.Decision{Result: permission.Conditional, ResourceType: "scaffolder-template", Conditions: &owner}, `error: conditional decision for resource type "scaffolder-template"`},
		{"no conditions", permission.Decision{Result: permission.Conditional}, "error: conditional decision without conditions"},
	}
	for _, tt := range tests {
		x, err := DecisionExpr(tt.d)
		got := x.String()
		if err != nil {
			got = "error: " + err.Error()
		}
		if !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestRuleCache checks that a rule met again gives the same expression from the cache,
// and that the cache stays bounded.
func TestRuleCache(t *testing.T) {
	c := crit(t, `{"rule":"HAS_LABEL","params":{"label":"cache-test"}}`)
	x1, _ := CriteriaExpr(c)
	x2, _ := CriteriaExpr(c)
	if x1.n != x2.n || x1.String() != `"metadata.labels.cache-test"` {
		t.Fatalf("%s and %s are not the cached expression", x1, x2)
	}
	for i := range ruleCacheMax + 10 {
		x, err := CriteriaExpr(crit(t, fmt.Sprintf(`{"rule":"HAS_SPEC","params":{"key":"k%d"}}`, i)))
		if err != nil || x.String() != fmt.Sprintf(`"spec.k%d"`, i) {
			t.Fatalf("%d: %s %v", i, x, err)
		}
	}
	ruleCache.RLock()
	n := len(ruleCache.m)
	ruleCache.RUnlock()
	if n > ruleCacheMax {
		t.Fatalf("the rule cache holds %d entries, more than %d", n, ruleCacheMax)
	}
}
