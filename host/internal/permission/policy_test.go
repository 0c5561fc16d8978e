package permission

import (
	"encoding/json"
	"testing"

	"greenroom.dev/greenroom/host/internal/identity"
)

const testCSV = `# Readers read the catalog; developers also refresh and delete it, except the
# entities the legacy role may not delete.
p, role:default/reader, catalog-entity, read, allow
g, group:default/everyone, role:default/reader

p, role:default/developer, catalog-entity, update, allow
p, role:default/developer, catalog-entity, delete, allow
p, role:default/developer, catalog.entity.create, create, allow
p, role:default/developer, catalog.location.read, read, allow
g, group:default/team-a, role:default/developer

p, role:default/no-delete, catalog-entity, delete, deny
g, user:default/carol, role:default/no-delete

# A name is more specific than a resource type.
p, role:default/no-update, catalog-entity, update, deny
p, role:default/refresher, catalog.entity.refresh, update, allow
g, user:default/dave, role:default/no-update
g, user:default/dave, role:default/refresher

# A permission with no action is granted with use.
p, role:default/greeter, hello-go.greet, use, allow
g, user:default/erin, role:default/greeter

# A policy may name a user directly.
p, user:default/frank, catalog.location.read, read, allow

# Owners: their conditional read, below; one owner also has an unconditional read.
g, user:default/olive, role:default/owner
g, user:default/oscar, role:default/owner
g, user:default/oscar, role:default/reader
g, user:default/otto, role:default/owner
g, user:default/otto, role:default/no-delete
g, user:default/otto, role:default/api-reader
`

const testConditional = `result: CONDITIONAL
roleEntityRef: role:default/owner
pluginId: catalog
resourceType: catalog-entity
permissionMapping: [read, delete]
conditions:
  anyOf:
    - rule: IS_ENTITY_OWNER
      resourceType: catalog-entity
      params:
        claims: [$ownerRefs]
    - rule: HAS_METADATA
      resourceType: catalog-entity
      params: {key: maintainer, value: $currentUser}
---
- result: CONDITIONAL
  roleEntityRef: role:default/api-reader
  pluginId: catalog
  resourceType: catalog-entity
  permissionMapping: [read]
  conditions:
    not:
      rule: IS_ENTITY_KIND
      resourceType: catalog-entity
      params: {kinds: [API]}
`

func testPolicy(t *testing.T, cfg Config) *Policy {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "rbac-policy.csv", testCSV)
	writeFile(t, dir, "conditional-policies.yaml", testConditional)
	cfg.RBAC.PoliciesCSVFile = "rbac-policy.csv"
	cfg.RBAC.ConditionalPoliciesFile = "conditional-policies.yaml"
	p, err := Load(cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func user(name string, groups ...string) identity.Principal {
	return identity.NewUser("user:default/"+name, groups)
}

var (
	greet        = Permission{Type: Basic, Name: "hello-go.greet"}
	greetRead    = Permission{Type: Basic, Name: "hello-go.list", Attributes: Attributes{Action: Read}}
	techdocsRead = Permission{Type: Resource, Name: "techdocs.entity.read", Attributes: Attributes{Action: Read}, ResourceType: CatalogEntityResource}
)

// TestDecide: the RBAC policy's rules, one case each.
func TestDecide(t *testing.T) {
	p := testPolicy(t, Config{Enabled: true, RBAC: RBAC{Admin: Admin{
		Users:      []Member{{Name: "user:default/grace"}, {Name: "group:default/admins"}},
		SuperUsers: []Member{{Name: "user:default/linus"}},
	}}})
	cases := []struct {
		name string
		who  identity.Principal
		perm Permission
		want Result
	}{
		{"nobody is denied", identity.Nobody, CatalogEntityRead, Deny},
		{"a user without roles is denied", user("zed"), CatalogEntityRead, Deny},
		{"a group's role, granted by resource type", user("ada", "group:default/everyone"), CatalogEntityRead, Allow},
		{"a resource type grant covers every permission of the type", user("ada", "group:default/everyone"), techdocsRead, Allow},
		{"only the action granted", user("ada", "group:default/everyone"), CatalogEntityDelete, Deny},
		{"a basic permission by name", user("bob", "group:default/team-a"), CatalogEntityCreate, Allow},
		{"a basic permission not granted", user("bob", "group:default/team-a"), CatalogLocationCreate, Deny},
		{"deny beats allow", user("carol", "group:default/team-a"), CatalogEntityDelete, Deny},
		{"the other actions stay", user("carol", "group:default/team-a"), CatalogEntityRefresh, Allow},
		{"a name beats a resource type", user("dave"), CatalogEntityRefresh, Allow},
		{"the type's deny counts for other names", user("dave"), Permission{Type: Resource, Name: "techdocs.entity.update", Attributes: Attributes{Action: Update}, ResourceType: CatalogEntityResource}, Deny},
		{"use grants a permission with no action", user("erin"), greet, Allow},
		{"use does not grant one with an action", user("erin"), greetRead, Deny},
		{"a policy naming the user", user("frank"), CatalogLocationRead, Allow},
		{"refs compare case-insensitively", identity.NewUser("user:default/Frank", nil), CatalogLocationRead, Allow},
		{"group refs too", user("ada", "group:default/EveryOne"), CatalogEntityRead, Allow},
		{"an admin reloads", user("grace"), AdminReload, Allow},
		{"an admin reads the audit log", user("grace"), AuditRead, Allow},
		{"an admin reads the catalog", user("grace"), CatalogEntityRead, Allow},
		{"an admin reads the policy", user("grace"), PolicyEntityRead, Allow},
		{"an admin does not delete entities", user("grace"), CatalogEntityDelete, Deny},
		{"an admin group", user("hal", "group:default/admins"), AdminReload, Allow},
		{"a super user may do anything", user("linus"), CatalogEntityDelete, Allow},
		{"even what no policy names", user("linus"), greet, Allow},
		{"conditional", user("olive"), CatalogEntityRead, Conditional},
		{"conditional for a mapped action", user("olive"), CatalogEntityDelete, Conditional},
		{"not for other actions", user("olive"), CatalogEntityRefresh, Deny},
		{"an unconditional allow beats conditions", user("oscar"), CatalogEntityRead, Allow},
		{"a deny beats conditions", user("otto"), CatalogEntityDelete, Deny},
		{"services are allowed", identity.NewService("external:ci"), CatalogEntityDelete, Allow},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := p.Decide(tc.who, tc.perm); got.Result != tc.want {
				t.Errorf("%s %s: %s, want %s", tc.who.Name(), tc.perm.Name, got.Result, tc.want)
			}
		})
	}
}

// TestDisabled: with permission.enabled false everyone may do everything, as in
// Backstage; a service's access restrictions still apply.
func TestDisabled(t *testing.T) {
	p := testPolicy(t, Config{})
	for _, who := range []identity.Principal{identity.Nobody, user("zed"), user("carol")} {
		for _, perm := range []Permission{CatalogEntityDelete, AdminReload, greet} {
			if d := p.Decide(who, perm); d.Result != Allow || d.Conditions != nil {
				t.Errorf("%s %s: %+v", who.Name(), perm.Name, d)
			}
		}
	}
	ci := identity.NewService("external:ci", identity.AccessRestriction{Plugin: "catalog", Permissions: []string{"catalog.entity.read"}})
	if d := p.Decide(ci, CatalogEntityDelete); d.Result != Deny {
		t.Errorf("restricted service: %s", d.Result)
	}
}

// TestConditions: conditions of several roles are combined with anyOf, in the order of
// the roles, with the aliases replaced by the caller's refs.
func TestConditions(t *testing.T) {
	p := testPolicy(t, Config{Enabled: true})
	owner := func(ent ...string) string {
		b, _ := json.Marshal(ent)
		return `{"anyOf":[{"rule":"IS_ENTITY_OWNER","resourceType":"catalog-entity","params":{"claims":` + string(b) + `}},` +
			`{"rule":"HAS_METADATA","resourceType":"catalog-entity","params":{"key":"maintainer","value":"user:default/` + ent[len(ent)-1][len("user:default/"):] + `"}}]}`
	}
	notAPI := `{"not":{"rule":"IS_ENTITY_KIND","resourceType":"catalog-entity","params":{"kinds":["API"]}}}`
	cases := []struct {
		name string
		who  identity.Principal
		perm Permission
		want string
	}{
		{"one role, aliases replaced", user("olive", "group:default/team-b"), CatalogEntityRead,
			owner("group:default/team-b", "user:default/olive")},
		{"another caller, other refs", user("olive"), CatalogEntityDelete, owner("user:default/olive")},
		{"two roles combined with anyOf", user("otto", "group:default/team-c"), CatalogEntityRead,
			`{"anyOf":[` + owner("group:default/team-c", "user:default/otto") + `,` + notAPI + `]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := p.Decide(tc.who, tc.perm)
			if d.Result != Conditional || d.PluginID != "catalog" || d.ResourceType != CatalogEntityResource {
				t.Fatalf("decision %+v", d)
			}
			got, _ := json.Marshal(d.Conditions)
			if string(got) != tc.want {
				t.Errorf("conditions\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
	// The shared static criteria are not changed by rendering for another caller.
	first, _ := json.Marshal(p.Decide(user("otto"), CatalogEntityRead).Conditions)
	p.Decide(user("olive", "group:default/x", "group:default/y"), CatalogEntityRead)
	again, _ := json.Marshal(p.Decide(user("otto"), CatalogEntityRead).Conditions)
	if string(first) != string(again) {
		t.Errorf("conditions changed between callers:\n%s\n%s", first, again)
	}
}

// TestOwnerRefsEmptyAndSpliced: $ownerRefs in a list is spliced in beside other values,
// with no stray commas when the caller has no refs.
func TestOwnerRefsEmptyAndSpliced(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "c.yaml", `result: CONDITIONAL
roleEntityRef: role:default/r
pluginId: catalog
resourceType: catalog-entity
permissionMapping: [read]
conditions:
  rule: IS_ENTITY_OWNER
  resourceType: catalog-entity
  params: {claims: [group:default/fixed, $ownerRefs, $currentUser]}
`)
	writeFile(t, dir, "p.csv", "g, user:default/u, role:default/r\n")
	p, err := Load(Config{Enabled: true, RBAC: RBAC{PoliciesCSVFile: "p.csv", ConditionalPoliciesFile: "c.yaml"}}, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		who  identity.Principal
		want string
	}{
		{identity.Principal{Type: identity.User, UserEntityRef: "user:default/u"}, `["group:default/fixed","user:default/u"]`},
		{user("u", `group:default/"quoted"`), `["group:default/fixed","group:default/\"quoted\"","user:default/u","user:default/u"]`},
	} {
		d := p.Decide(tc.who, CatalogEntityRead)
		if d.Conditions == nil {
			t.Fatalf("%+v", d)
		}
		want := `{"claims":` + tc.want + `}`
		if string(d.Conditions.Params) != want {
			t.Errorf("params %s, want %s", d.Conditions.Params, want)
		}
		if !json.Valid(d.Conditions.Params) {
			t.Errorf("invalid JSON %s", d.Conditions.Params)
		}
	}
}

// TestServiceRestrictions: Backstage's accessRestrictions, matched against the plugin
// that owns the permission.
func TestServiceRestrictions(t *testing.T) {
	p := testPolicy(t, Config{Enabled: true})
	readOnly := identity.NewService("external:ci", identity.AccessRestriction{Plugin: "catalog", Permissions: []string{"catalog.entity.read", "catalog.location.read"}})
	readAction := identity.NewService("external:ci", identity.AccessRestriction{Plugin: "catalog", Actions: []string{Read}})
	twoPlugins := identity.NewService("external:ci", identity.AccessRestriction{Plugin: "catalog", Permissions: []string{"catalog.entity.read"}}, identity.AccessRestriction{Plugin: "hello-go"})
	cases := []struct {
		name string
		who  identity.Principal
		perm Permission
		want Result
	}{
		{"a listed permission", readOnly, CatalogEntityRead, Allow},
		{"an unlisted permission", readOnly, CatalogEntityDelete, Deny},
		{"another plugin's permission", readOnly, AdminReload, Deny},
		{"a listed action", readAction, CatalogLocationRead, Allow},
		{"an unlisted action", readAction, CatalogEntityRefresh, Deny},
		{"no action when actions are listed", identity.NewService("s", identity.AccessRestriction{Plugin: "hello-go", Actions: []string{Read}}), greet, Deny},
		{"an unrestricted plugin", twoPlugins, greet, Allow},
		{"does not open the restricted one", twoPlugins, CatalogEntityDelete, Deny},
		{"a plugin's own identity", identity.NewService("plugin:hello-go"), CatalogEntityDelete, Allow},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := p.Decide(tc.who, tc.perm); got.Result != tc.want {
				t.Errorf("%s: %s, want %s", tc.perm.Name, got.Result, tc.want)
			}
		})
	}
}

// TestDecideBatch decides each permission in order.
func TestDecideBatch(t *testing.T) {
	p := testPolicy(t, Config{Enabled: true})
	got := p.DecideBatch(user("carol", "group:default/team-a"), []Permission{CatalogEntityDelete, CatalogEntityCreate, AdminReload})
	if len(got) != 3 || got[0].Result != Deny || got[1].Result != Allow || got[2].Result != Deny {
		t.Errorf("%+v", got)
	}
}
