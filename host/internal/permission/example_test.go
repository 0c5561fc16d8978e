package permission

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"greenroom.dev/greenroom/host/internal/identity"
)

// TestExamplePolicy: examples/rbac loads, and decides for the example catalog's users
// what docs/permissions.md says it does.
func TestExamplePolicy(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "examples", "rbac")
	p, err := Load(Config{Enabled: true, RBAC: RBAC{
		Admin:                   Admin{Users: []Member{{Name: "user:default/grace"}}},
		PoliciesCSVFile:         "rbac-policy.csv",
		ConditionalPoliciesFile: "conditional-policies.yaml",
	}}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if w := p.Warnings(); len(w) > 0 {
		t.Errorf("warnings: %q", w)
	}
	// The users and groups of examples/catalog/org, as sign-in resolves them.
	ada := identity.NewUser("user:default/ada", []string{"group:default/team-checkout"})
	grace := identity.NewUser("user:default/grace", []string{"group:default/team-payments", "group:default/engineering"})
	linus := identity.NewUser("user:default/linus", []string{"group:default/team-platform"})
	owned := `{"rule":"IS_ENTITY_OWNER","resourceType":"catalog-entity","params":{"claims":["group:default/team-checkout","user:default/ada"]}}`
	fromGitHub := `{"allOf":[{"rule":"HAS_ANNOTATION","resourceType":"catalog-entity","params":{"annotation":"github.com/project-slug"}},` +
		`{"not":{"rule":"IS_ENTITY_KIND","resourceType":"catalog-entity","params":{"kinds":["Group","User"]}}}]}`
	cases := []struct {
		name       string
		who        identity.Principal
		perm       Permission
		want       Result
		conditions string
	}{
		{"developers read the catalog", ada, CatalogEntityRead, Allow, ""},
		{"and register locations", ada, CatalogLocationCreate, Allow, ""},
		{"but may not unregister them", ada, CatalogLocationDelete, Deny, ""},
		{"they delete what they own", ada, CatalogEntityDelete, Conditional, owned},
		{"Ada refreshes what she owns or what comes from GitHub", ada, CatalogEntityRefresh, Conditional, `{"anyOf":[` + fromGitHub + `,` + owned + `]}`},
		{"the platform team deletes anything", linus, CatalogEntityDelete, Allow, ""},
		{"and unregisters locations", linus, CatalogLocationDelete, Allow, ""},
		{"but does not reload the config", linus, AdminReload, Deny, ""},
		{"the admin reloads it", grace, AdminReload, Allow, ""},
		{"and reads the audit log", grace, AuditRead, Allow, ""},
		{"nobody may read", identity.Nobody, CatalogEntityRead, Deny, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := p.Decide(tc.who, tc.perm)
			if d.Result != tc.want {
				t.Fatalf("%s %s: %s, want %s", tc.who.Name(), tc.perm.Name, d.Result, tc.want)
			}
			if tc.conditions != "" {
				got, _ := json.Marshal(d.Conditions)
				if string(got) != tc.conditions {
					t.Errorf("conditions\n%s\nwant\n%s", got, tc.conditions)
				}
			}
		})
	}
}

// The host loads the permission section into an Engine, decides with it on every route
// and host call, and mounts the API at /api/permission.
func ExampleAPI_Serve() {
	engine, err := NewEngine(Config{Enabled: true, RBAC: RBAC{
		PoliciesCSVFile:         "rbac-policy.csv",
		ConditionalPoliciesFile: "conditional-policies.yaml",
	}}, filepath.Join("..", "..", "..", "examples", "rbac"))
	if err != nil {
		panic(err)
	}
	ada := identity.NewUser("user:default/ada", []string{"group:default/team-checkout"})
	fmt.Println(engine.Decide(ada, CatalogLocationDelete).Result)

	// The catalog settles conditional decisions about one entity.
	owners := map[string]string{"component:default/checkout-service": "group:default/team-checkout"}
	api := NewAPI(engine, func(resourceType, ref string, c Criteria) (bool, error) {
		var p struct{ Claims []string }
		if err := json.Unmarshal(c.Params, &p); err != nil {
			return false, err
		}
		return slices.Contains(p.Claims, owners[ref]), nil
	})
	resp := api.Serve(ada, &Request{Method: "POST", Path: "/authorize", Body: []byte(`{"items":[
		{"id":"1","permission":{"type":"resource","name":"catalog.entity.delete","attributes":{"action":"delete"},"resourceType":"catalog-entity"},"resourceRef":"component:default/checkout-service"},
		{"id":"2","permission":{"type":"resource","name":"catalog.entity.delete","attributes":{"action":"delete"},"resourceType":"catalog-entity"},"resourceRef":"component:default/payments-service"}]}`)})
	fmt.Println(resp.Status, string(resp.Body))
	// Output:
	// DENY
	// 200 {"items":[{"id":"1","result":"ALLOW"},{"id":"2","result":"DENY"}]}
}
