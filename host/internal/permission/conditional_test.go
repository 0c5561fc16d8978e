package permission

import (
	"strconv"
	"strings"
	"testing"
)

// TestConditionalBadPolicies: every kind of bad conditional policy is refused with the
// file, the line and the fix.
func TestConditionalBadPolicies(t *testing.T) {
	const head = "result: CONDITIONAL\nroleEntityRef: role:default/dev\npluginId: catalog\nresourceType: catalog-entity\npermissionMapping: [read]\n"
	leaf := func(rule, params string) string {
		return head + "conditions:\n  rule: " + rule + "\n  resourceType: catalog-entity\n  params: " + params + "\n"
	}
	cases := []struct {
		name, body string
		line       int
		want       string
	}{
		{"syntax", "result: [\n", 1, "YAML syntax error: did not find expected node content"},
		{"not a mapping", "just words\n", 1, "a document is a conditional policy"},
		{"unknown key", head + "condition: {}\n", 6, `unknown key "condition"; the keys are result, roleEntityRef, pluginId, resourceType, permissionMapping, conditions`},
		{"result", strings.Replace(leaf("HAS_LABEL", "{label: x}"), "CONDITIONAL", "ALLOW", 1), 1, `result is "ALLOW"; a conditional policy has result: CONDITIONAL`},
		{"role ref", strings.Replace(leaf("HAS_LABEL", "{label: x}"), "role:default/dev", "group:default/dev", 1), 2, `roleEntityRef: "group:default/dev" is a group; use a role ref`},
		{"missing plugin", strings.Replace(leaf("HAS_LABEL", "{label: x}"), "pluginId: catalog\n", "", 1), 1, "pluginId is missing"},
		{"wrong plugin", strings.Replace(leaf("HAS_LABEL", "{label: x}"), "pluginId: catalog", "pluginId: scaffolder", 1), 1, "resource type catalog-entity belongs to plugin catalog; set pluginId: catalog"},
		{"empty mapping", strings.Replace(leaf("HAS_LABEL", "{label: x}"), "[read]", "[]", 1), 5, "permissionMapping must be a non-empty list of actions"},
		{"create", strings.Replace(leaf("HAS_LABEL", "{label: x}"), "[read]", "[create]", 1), 5, "create permissions concern no existing resource, so they cannot be conditional"},
		{"unknown action", strings.Replace(leaf("HAS_LABEL", "{label: x}"), "[read]", "[raed]", 1), 5, `unknown action "raed" in permissionMapping; use read, update, delete or use`},
		{"action the type lacks", strings.Replace(leaf("HAS_LABEL", "{label: x}"), "[read]", "[use]", 1), 5, "no catalog-entity permission has action use; its actions are delete, read, update"},
		{"missing conditions", head, 1, "conditions is missing"},
		{"a list entry not a mapping", "- just words\n", 1, "a conditional policy is a mapping of result, roleEntityRef, pluginId, resourceType, permissionMapping and conditions"},
		{"a field not a string", strings.Replace(leaf("HAS_LABEL", "{label: x}"), "pluginId: catalog", "pluginId: [catalog]", 1), 3, "pluginId must be a non-empty string"},
		{"an action twice", strings.Replace(leaf("HAS_LABEL", "{label: x}"), "[read]", "[read, read]", 1), 5, "read is listed twice in permissionMapping"},
		{"criterion not a mapping", head + "conditions:\n  anyOf: [HAS_LABEL]\n", 7, "conditions.anyOf[0] must be a mapping: a rule ({rule, resourceType, params}) or allOf, anyOf or not"},
		{"unknown criteria key", head + "conditions:\n  oneOf: []\n", 7, `conditions: unknown key "oneOf"; a criterion is allOf, anyOf, not, or a rule with rule, resourceType and params`},
		{"YAML alias", strings.Replace(leaf("IS_ENTITY_KIND", "*k"), "[read]", "&k [read]", 1), 9, "YAML aliases (*name) and nesting over 64 levels are not allowed; repeat the value"},
		{"parallel criteria", head + "conditions:\n  anyOf: [{rule: HAS_LABEL, resourceType: catalog-entity, params: {label: x}}]\n  not: {rule: HAS_LABEL, resourceType: catalog-entity, params: {label: y}}\n", 7, "conditions has both anyOf and not; a criterion has one of allOf, anyOf and not: nest one inside the other"},
		{"rule beside criteria", head + "conditions:\n  rule: HAS_LABEL\n  allOf: [{rule: HAS_LABEL, resourceType: catalog-entity, params: {label: x}}]\n", 7, "conditions has allOf beside a rule; put the rule inside allOf"},
		{"empty anyOf", head + "conditions:\n  anyOf: []\n", 7, "conditions.anyOf must be a non-empty list of criteria"},
		{"missing rule", head + "conditions:\n  anyOf:\n    - resourceType: catalog-entity\n", 8, "conditions.anyOf[0]: rule is missing"},
		{"missing resource type", head + "conditions:\n  not:\n    rule: HAS_LABEL\n    params: {label: x}\n", 8, "conditions.not: resourceType is missing; add resourceType: catalog-entity"},
		{"other resource type", head + "conditions:\n  rule: HAS_LABEL\n  resourceType: scaffolder-action\n  params: {label: x}\n", 8, "conditions: resourceType scaffolder-action differs from the policy's catalog-entity"},
		{"unknown rule", leaf("IS_OWNER_OF", "{claims: [x]}"), 7, `conditions: unknown rule "IS_OWNER_OF" for catalog-entity; use HAS_ANNOTATION, HAS_LABEL, HAS_METADATA, HAS_SPEC, IS_ENTITY_KIND or IS_ENTITY_OWNER`},
		{"unknown param", leaf("HAS_LABEL", "{labels: x}"), 9, `conditions.params: HAS_LABEL has no parameter "labels"; its parameters are label`},
		{"missing param", leaf("HAS_ANNOTATION", "{value: x}"), 9, "conditions: HAS_ANNOTATION needs params.annotation"},
		{"no params", head + "conditions:\n  rule: IS_ENTITY_KIND\n  resourceType: catalog-entity\n", 7, "conditions: IS_ENTITY_KIND needs params.kinds"},
		{"list param given a string", leaf("IS_ENTITY_KIND", "{kinds: API}"), 9, "conditions.params.kinds is a list of strings; write [API]"},
		{"string param given a list", leaf("HAS_LABEL", "{label: [a, b]}"), 9, "conditions.params.label is a string"},
		{"owner refs as a string", leaf("HAS_METADATA", "{key: owner, value: $ownerRefs}"), 9, "conditions.params.value is a string, and $ownerRefs is a list; use $currentUser"},
		{"alias in the wrong case", leaf("IS_ENTITY_OWNER", "{claims: [$currentuser]}"), 9, `conditions.params: "$currentuser" is not an alias; the aliases are $currentUser and $ownerRefs (mind the case)`},
		{"params not a mapping", leaf("HAS_LABEL", "[x]"), 9, "conditions.params must be a mapping of the rule's parameters"},
		{"twice for a role and action", leaf("HAS_LABEL", "{label: x}") + "---\n" + leaf("HAS_LABEL", "{label: y}"), 11, "role:default/dev already has a condition for read on catalog-entity (line 1); combine the two under anyOf in one policy"},
		{"a plugin per resource type", strings.Replace(head, "catalog-entity", "scaffolder-action", 1) + "conditions: {rule: HAS_ACTION_ID, resourceType: scaffolder-action, params: {actionId: x}}\n---\n" +
			strings.NewReplacer("catalog-entity", "scaffolder-action", "pluginId: catalog", "pluginId: other", "[read]", "[use]").Replace(head) + "conditions: {rule: HAS_ACTION_ID, resourceType: scaffolder-action, params: {actionId: y}}\n",
			8, "resource type scaffolder-action belongs to plugin catalog (line 1); use pluginId: catalog"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			f := writeFile(t, dir, "conditional-policies.yaml", tc.body)
			writeFile(t, dir, "p.csv", "g, user:default/ada, role:default/dev\n")
			_, err := Load(Config{RBAC: RBAC{PoliciesCSVFile: "p.csv", ConditionalPoliciesFile: "conditional-policies.yaml"}}, dir)
			if err == nil {
				t.Fatal("loaded")
			}
			want := f + ":" + strconv.Itoa(tc.line) + ": " + tc.want
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error:\n%v\nwant it to contain:\n%s", err, want)
			}
		})
	}
}

// TestConditionalFormats: a file may hold one policy per document or a list per
// document (RHDH has used both); resource types the host does not know take any rule;
// a condition for a role nobody holds is a warning.
func TestConditionalFormats(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "c.yaml", `---
- result: CONDITIONAL
  roleEntityRef: role:default/dev
  pluginId: scaffolder
  resourceType: scaffolder-action
  permissionMapping: [use]
  conditions:
    not: {rule: HAS_ACTION_ID, resourceType: scaffolder-action, params: {actionId: quay:create-repository}}
---
result: CONDITIONAL
roleEntityRef: role:default/nobody-has-it
pluginId: catalog
resourceType: catalog-entity
permissionMapping: [update]
conditions: {rule: IS_ENTITY_OWNER, resourceType: catalog-entity, params: {claims: [$currentUser]}}
---
`)
	writeFile(t, dir, "p.csv", "g, user:default/ada, role:default/dev\n")
	p, err := Load(Config{Enabled: true, RBAC: RBAC{PoliciesCSVFile: "p.csv", ConditionalPoliciesFile: "c.yaml"}}, dir)
	if err != nil {
		t.Fatal(err)
	}
	execute := Permission{Type: Resource, Name: "scaffolder.action.execute", ResourceType: "scaffolder-action"}
	d := p.Decide(user("ada"), execute)
	if d.Result != Conditional || d.PluginID != "scaffolder" || d.Conditions.Not == nil || d.Conditions.Not.Rule != "HAS_ACTION_ID" {
		t.Errorf("%+v", d)
	}
	w := p.Warnings()
	if len(w) != 1 || !strings.Contains(w[0], "c.yaml:10: no user or group holds role:default/nobody-has-it") {
		t.Errorf("warnings %q", w)
	}
}
