package capability

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/permission"
)

// TestActsForTheCaller: a plugin's host calls are decided for the caller it serves, with
// the real RBAC policy, besides the plugin's grants: a conditional read returns only the
// entities the caller may read, a denied read returns nothing, writes and URL reads need
// the caller's permissions, and a plugin's own tasks (a service) are not limited by the
// users' policy.
func TestActsForTheCaller(t *testing.T) {
	s := services(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "policy.csv"), []byte(`
p, role:default/reader, catalog.entity.read, read, allow
p, role:default/reader, greenroom.url.read, read, allow
g, group:default/team-a, role:default/reader
p, role:default/owner-reader, catalog.entity.create, create, allow
g, user:default/bob, role:default/owner-reader
`), 0o644)
	os.WriteFile(filepath.Join(dir, "conditions.yaml"), []byte(`
result: CONDITIONAL
roleEntityRef: role:default/owner-reader
pluginId: catalog
resourceType: catalog-entity
permissionMapping: [read]
conditions:
  rule: HAS_SPEC
  resourceType: catalog-entity
  params: {key: lifecycle, value: production}
`), 0o644)
	engine, err := permission.NewEngine(permission.Config{Enabled: true, RBAC: permission.RBAC{
		PoliciesCSVFile: "policy.csv", ConditionalPoliciesFile: "conditions.yaml"}}, dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Permissions = engine
	root := os.Getenv("CAPTEST_ROOT")
	funcs := link(t, NewHost(*s, nil), plugin(t, "catalog.read: {}\ncatalog.write: {}\nurl.read: {}"))
	as := func(p identity.Principal) context.Context { return identity.With(context.Background(), p) }
	ada := as(identity.NewUser("user:default/ada", []string{"group:default/team-a"}))
	bob := as(identity.NewUser("user:default/bob", nil))
	eve := as(identity.NewUser("user:default/eve", nil))
	task := as(identity.NewService("plugin:p"))
	call := func(ctx context.Context, fn, req string) (string, *abi.Error) {
		t.Helper()
		out, err := funcs[fn](ctx, []byte(req))
		if err != nil {
			return "", asABI(err).(*abi.Error)
		}
		return string(out), nil
	}
	query := `{"filter":["kind=component"],"fields":["metadata.name"]}`
	for _, c := range []struct {
		name   string
		ctx    context.Context
		query  string // the names catalog_query returns
		getWeb string // catalog_get of web: "web" or "null"
	}{
		{"reader", ada, `"api","web"`, "web"},
		{"conditional reader", bob, `"web"`, "web"},
		{"no role", eve, ``, "null"},
		{"anonymous", context.Background(), ``, "null"},
		{"the plugin's own task", task, `"api","web"`, "web"},
	} {
		out, e := call(c.ctx, "catalog_query", query)
		var names []string
		for _, n := range []string{"api", "web"} {
			if strings.Contains(out, `"name":"`+n+`"`) {
				names = append(names, `"`+n+`"`)
			}
		}
		if e != nil || strings.Join(names, ",") != c.query {
			t.Errorf("%s: catalog_query %s %v, want names %s", c.name, out, e, c.query)
		}
		out, e = call(c.ctx, "catalog_get", `{"ref":"component:default/web"}`)
		if e != nil || (c.getWeb == "null") != (out == "null") {
			t.Errorf("%s: catalog_get %s %v", c.name, out, e)
		}
		if c.getWeb == "null" {
			if out, _ := call(c.ctx, "catalog_facets", `{"facets":["kind"]}`); strings.Contains(out, "Component") {
				t.Errorf("%s: facets show what the caller may not read: %s", c.name, out)
			}
		}
	}

	ent := `{"upsert":[{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"gen"},"spec":{"type":"service","owner":"team-a","lifecycle":"production"}}]}`
	if _, e := call(ada, "catalog_apply", ent); e == nil || e.Code != abi.CodeCapabilityDenied || !strings.Contains(e.Message, "user:default/ada may not create (permission catalog.entity.create)") {
		t.Errorf("create without the permission: %v", e)
	}
	if _, e := call(bob, "catalog_apply", ent); e != nil {
		t.Errorf("create with the permission: %v", e)
	}
	if _, e := call(bob, "catalog_apply", `{"delete":["component:default/gen"]}`); e == nil || e.Code != abi.CodeCapabilityDenied {
		t.Errorf("delete without the permission: %v", e)
	}

	doc := `{"url":"file://` + filepath.Join(root, "docs", "index.md") + `"}`
	if _, e := call(ada, "url_read", doc); e != nil {
		t.Errorf("url_read for a reader: %v", e)
	}
	for name, ctx := range map[string]context.Context{"bob": bob, "anonymous": context.Background()} {
		if _, e := call(ctx, "url_read", doc); e == nil || e.Code != abi.CodeCapabilityDenied || !strings.Contains(e.Message, "greenroom.url.read") {
			t.Errorf("url_read for %s: %v", name, e)
		}
	}
}

// TestPermissionAuthorize: a plugin asks the policy about its own permission, and about
// a host permission by name only, for the caller it serves.
func TestPermissionAuthorize(t *testing.T) {
	s := services(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "policy.csv"), []byte(`
p, role:default/ci, ci.workflow.rerun, update, allow
p, role:default/ci, catalog-entity, read, allow
g, group:default/team-a, role:default/ci
`), 0o644)
	os.WriteFile(filepath.Join(dir, "conditions.yaml"), []byte(`
result: CONDITIONAL
roleEntityRef: role:default/ci
pluginId: ci
resourceType: ci-run
permissionMapping: [delete]
conditions:
  rule: IS_RUN_AUTHOR
  resourceType: ci-run
  params: {author: $currentUser}
`), 0o644)
	engine, err := permission.NewEngine(permission.Config{Enabled: true, RBAC: permission.RBAC{PoliciesCSVFile: "policy.csv", ConditionalPoliciesFile: "conditions.yaml"}}, dir,
		permission.Permission{Type: permission.Basic, Name: "ci.workflow.rerun", Attributes: permission.Attributes{Action: permission.Update}},
		permission.Permission{Type: permission.Resource, Name: "ci.run.delete", Attributes: permission.Attributes{Action: permission.Delete}, ResourceType: "ci-run"})
	if err != nil {
		t.Fatal(err)
	}
	s.Permissions = engine
	f := link(t, NewHost(*s, nil), plugin(t, "permission: {}"))["permission_authorize"]
	ada := identity.With(context.Background(), identity.NewUser("user:default/ada", []string{"group:default/team-a"}))
	bob := identity.With(context.Background(), identity.NewUser("user:default/bob", nil))
	for _, c := range []struct {
		name string
		ctx  context.Context
		req  string
		want string
	}{
		{"granted", ada, `{"permission":{"name":"ci.workflow.rerun","attributes":{"action":"update"}}}`, `{"result":"ALLOW"}`},
		{"not granted", bob, `{"permission":{"name":"ci.workflow.rerun","attributes":{"action":"update"}}}`, `{"result":"DENY"}`},
		{"conditional", ada, `{"permission":{"name":"ci.run.delete","attributes":{"action":"delete"},"resourceType":"ci-run"}}`,
			`{"result":"CONDITIONAL","pluginId":"ci","resourceType":"ci-run","conditions":{"rule":"IS_RUN_AUTHOR","resourceType":"ci-run","params":{"author":"user:default/ada"}}}`},
		// A host permission keeps its own definition, whatever type or action is asked.
		{"host permission by name", ada, `{"permission":{"name":"catalog.entity.read","attributes":{"action":"delete"}}}`, `{"result":"ALLOW"}`},
		{"anonymous", context.Background(), `{"permission":{"name":"ci.workflow.rerun","attributes":{"action":"update"}}}`, `{"result":"DENY"}`},
	} {
		out, err := f(c.ctx, []byte(c.req))
		if err != nil || string(out) != c.want {
			t.Errorf("%s: %s %v, want %s", c.name, out, err, c.want)
		}
	}
	for _, bad := range []string{`{"permission":{}}`, `{"permission":{"name":"catalog.made.up"}}`} {
		if _, err := f(ada, []byte(bad)); err == nil || !strings.Contains(err.Error(), "invalid_argument") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
