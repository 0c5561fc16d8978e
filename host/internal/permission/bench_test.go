package permission

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/identity"
)

// benchPolicy writes and loads a policy of 50 roles and 500 policy lines (each role
// grants or denies ten permissions, by name or resource type), 100 groups holding two
// roles each, and conditional reads for ten roles.
func benchPolicy(b *testing.B) *Policy {
	b.Helper()
	dir := b.TempDir()
	var csv, cond strings.Builder
	actions := []string{Read, Update, Delete}
	for r := range 50 {
		for i := range 10 {
			effect := "allow"
			if (r+i)%7 == 0 {
				effect = "deny"
			}
			switch {
			case i < 3 && (r < 40 || i > 0):
				fmt.Fprintf(&csv, "p, role:default/role-%d, catalog-entity, %s, %s\n", r, actions[i], effect)
			case i < 3:
				// The conditional roles have no unconditional read.
				fmt.Fprintf(&csv, "p, role:default/role-%d, plugin-%d.extra, use, %s\n", r, r, effect)
			case i == 3:
				fmt.Fprintf(&csv, "p, role:default/role-%d, catalog.location.read, read, %s\n", r, effect)
			case i < 7:
				fmt.Fprintf(&csv, "p, role:default/role-%d, plugin-%d.thing-%d, use, %s\n", r, r, i, effect)
			default:
				fmt.Fprintf(&csv, "p, role:default/role-%d, plugin-%d.item-%d.read, read, %s\n", r, r, i, effect)
			}
		}
	}
	csv.WriteString("g, group:default/owners, role:default/role-40\ng, group:default/owners, role:default/role-45\n")
	for g := range 100 {
		fmt.Fprintf(&csv, "g, group:default/team-%d, role:default/role-%d\n", g, g%50)
		fmt.Fprintf(&csv, "g, group:default/team-%d, role:default/role-%d\n", g, (g+17)%50)
	}
	for r := 40; r < 50; r++ {
		fmt.Fprintf(&cond, "---\nresult: CONDITIONAL\nroleEntityRef: role:default/role-%d\npluginId: catalog\nresourceType: catalog-entity\npermissionMapping: [read]\n"+
			"conditions:\n  anyOf:\n    - {rule: IS_ENTITY_OWNER, resourceType: catalog-entity, params: {claims: [$ownerRefs]}}\n"+
			"    - {rule: IS_ENTITY_KIND, resourceType: catalog-entity, params: {kinds: [API, Group]}}\n", r)
	}
	if err := os.WriteFile(filepath.Join(dir, "p.csv"), []byte(csv.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "c.yaml"), []byte(cond.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	if n := strings.Count(csv.String(), "\np,") + 1; n != 500 {
		b.Fatalf("%d policy lines", n)
	}
	p, err := Load(Config{Enabled: true, RBAC: RBAC{PoliciesCSVFile: "p.csv", ConditionalPoliciesFile: "c.yaml"}}, dir)
	if err != nil {
		b.Fatal(err)
	}
	if len(p.roles) != 50 {
		b.Fatalf("%d roles", len(p.roles))
	}
	return p
}

// benchDecide runs decide b.N times and reports the median time of one decision over
// batches of 64 (p50-ns/op) beside the mean that ns/op gives.
func benchDecide(b *testing.B, decide func() Decision) {
	const batch = 64
	var lat []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += batch {
		start := time.Now()
		for j := 0; j < batch && i+j < b.N; j++ {
			decide()
		}
		lat = append(lat, time.Since(start)/batch)
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns/op")
}

// BenchmarkDecide: one decision from a loaded policy of 50 roles and 500 lines for a user
// in three groups (five roles), and a conditional one (two roles' conditions, with
// $ownerRefs filled in). Goal: p50 at most 2µs.
func BenchmarkDecide(b *testing.B) {
	p := benchPolicy(b)
	ada := identity.NewUser("user:default/ada", []string{"group:default/team-3", "group:default/team-20", "group:default/team-5"})
	olive := identity.NewUser("user:default/olive", []string{"group:default/owners", "group:default/team-x"})
	for _, bc := range []struct {
		name string
		who  identity.Principal
		perm Permission
		want Result
	}{
		{"by-resource-type", ada, CatalogEntityRead, Allow},
		{"denied", ada, CatalogEntityRefresh, Deny},
		{"by-name", ada, Permission{Type: Basic, Name: "plugin-20.thing-4"}, Allow},
		{"not-granted", ada, AdminReload, Deny},
		{"conditional", olive, CatalogEntityRead, Conditional},
	} {
		if got := p.Decide(bc.who, bc.perm).Result; got != bc.want {
			b.Fatalf("%s: %s, want %s", bc.name, got, bc.want)
		}
		b.Run(bc.name, func(b *testing.B) {
			benchDecide(b, func() Decision { return p.Decide(bc.who, bc.perm) })
		})
	}
}
