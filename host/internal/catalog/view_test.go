package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

// ownedByPayments is the example catalog's team-payments' read scope, and the entities
// it holds.
var (
	ownedByPayments = Equals("relations.ownedBy", "group:default/team-payments", "user:default/grace")
	paymentsOwns    = []string{"api:default/ledger-events", "api:default/payments-api", "component:default/ledger-worker", "component:default/payments-service", "resource:default/payments-db", "system:default/payments"}
)

func refOfJSON(t *testing.T, b []byte) string {
	t.Helper()
	var e struct {
		Kind     string
		Metadata struct{ Namespace, Name string }
	}
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return strings.ToLower(e.Kind + ":" + e.Metadata.Namespace + "/" + e.Metadata.Name)
}

func errName(err error) string {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.Name
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return ""
}

// TestViewPluginReads checks the host calls' reads (catalog_get, catalog_query with its
// cursors, catalog_facets) and Has through a View: DENY sees nothing, CONDITIONAL only
// what the conditions match, on every page.
func TestViewPluginReads(t *testing.T) {
	c := exampleCatalog(t)
	tests := []struct {
		name  string
		scope Expr
		want  []string
		kinds map[string]int
	}{
		{"deny", Nothing(), nil, map[string]int{}},
		{"owner", ownedByPayments, paymentsOwns, map[string]int{"Component": 2, "API": 2, "Resource": 1, "System": 1}},
	}
	for _, tt := range tests {
		v := c.Within(tt.scope)
		for _, ref := range []string{"component:default/payments-service", "component:default/checkout-service", "group:default/team-payments"} {
			e, err := v.GetEntity(ref, nil)
			if err != nil {
				t.Fatal(err)
			}
			if want := slices.Contains(tt.want, ref); (e != nil) != want {
				t.Errorf("%s: get %s: %s, want found=%v", tt.name, ref, e, want)
			}
		}
		// Has answers as ByRefs does, for a key of an entity in scope, out of scope, or
		// of no entity.
		keys := []string{"component:default/payments-service", "component:default/checkout-service", "component:default/nope", ""}
		has, byRefs := v.Has(keys), v.ByRefs(keys, nil)
		for i, k := range keys {
			if want := slices.Contains(tt.want, k); has[i] != want || (byRefs[i] != nil) != want {
				t.Errorf("%s: Has(%q) = %v, ByRefs found %v; want %v", tt.name, k, has[i], byRefs[i] != nil, want)
			}
		}
		var got []string
		res, err := v.QueryEntities(PluginQuery{Limit: 2}, nil)
		for pages := 0; ; pages++ {
			if err != nil {
				t.Fatal(err)
			}
			if res.TotalItems != len(tt.want) {
				t.Errorf("%s: page %d: totalItems %d, want %d", tt.name, pages, res.TotalItems, len(tt.want))
			}
			for _, it := range res.Items {
				got = append(got, refOfJSON(t, it))
			}
			if res.PageInfo.NextCursor == "" {
				break
			}
			res, err = v.QueryEntities(PluginQuery{Cursor: res.PageInfo.NextCursor, Limit: 2}, nil)
		}
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: query pages hold %v, want %v", tt.name, got, tt.want)
		}
		// A cursor made without the scope still pages within it.
		first, _ := c.QueryEntities(PluginQuery{Filter: []string{"kind=component"}, Limit: 1}, nil)
		next, err := v.QueryEntities(PluginQuery{Cursor: first.PageInfo.NextCursor, Limit: 10}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range next.Items {
			if r := refOfJSON(t, it); !slices.Contains(tt.want, r) {
				t.Errorf("%s: a foreign cursor's page holds %s", tt.name, r)
			}
		}
		f, err := v.QueryFacets([]string{"kind"}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		for _, fc := range f["kind"] {
			counts[fc.Value] = fc.Count
		}
		if l, ok := f["kind"]; !ok || l == nil || len(counts) != len(tt.kinds) {
			t.Errorf("%s: facets %v, want %v", tt.name, f, tt.kinds)
		}
		for k, n := range tt.kinds {
			if counts[k] != n {
				t.Errorf("%s: facet kind=%s counts %d, want %d", tt.name, k, counts[k], n)
			}
		}
	}
}

func uidOf(t *testing.T, c *Catalog, ref string) string {
	t.Helper()
	return mustDecode(t, c.ByRef(ref))["metadata"].(map[string]any)["uid"].(string)
}

// TestViewDeleteAndRefresh checks DeleteByUID and RefreshEntity with the caller's read
// scope and its decision for their own permission.
func TestViewDeleteAndRefresh(t *testing.T) {
	ctx := context.Background()
	c := exampleCatalog(t)
	hidden := Not(Equals("metadata.name", "storefront-web"))
	tests := []struct {
		name       string
		read, may  Expr
		ref        string
		err        string // error name; "" for success
		goneAfter  bool   // the delete happened
		refreshErr string
	}{
		{"allowed", Expr{}, Expr{}, "component:checkout-service", "", true, ""},
		{"denied", Expr{}, Nothing(), "component:payments-service", "NotAllowedError", false, "NotAllowedError"},
		{"conditional, not matching", Expr{}, ownedByPayments, "api:checkout-api", "NotAllowedError", false, "NotAllowedError"},
		{"conditional, matching", Expr{}, ownedByPayments, "component:ledger-worker", "", true, ""},
		{"unreadable is absent", hidden, Expr{}, "component:storefront-web", "", false, "NotFoundError"},
		{"unreadable under a conditional", hidden, Equals("kind", "component"), "component:storefront-web", "NotAllowedError", false, "NotAllowedError"},
	}
	for _, tt := range tests {
		v := c.Within(tt.read)
		if err := v.RefreshEntity(ctx, tt.ref, tt.may); errName(err) != tt.refreshErr {
			t.Errorf("%s: refresh: %v, want %s", tt.name, err, tt.refreshErr)
		}
		err := v.DeleteByUID(ctx, uidOf(t, c, tt.ref), tt.may)
		if errName(err) != tt.err {
			t.Errorf("%s: delete: %v, want %s", tt.name, err, tt.err)
		}
		if gone := c.ByRef(tt.ref) == nil; gone != tt.goneAfter {
			t.Errorf("%s: deleted=%v, want %v", tt.name, gone, tt.goneAfter)
		}
	}
	// An absent entity: ALLOW finds nothing to do (delete) or nothing to refresh (404);
	// a CONDITIONAL decision cannot match it (403), as in Backstage.
	absent := []struct {
		may             Expr
		delErr, refrErr string
	}{
		{Expr{}, "", "NotFoundError"},
		{ownedByPayments, "NotAllowedError", "NotAllowedError"},
		{Nothing(), "NotAllowedError", "NotAllowedError"},
	}
	for _, a := range absent {
		if err := c.Within(Expr{}).DeleteByUID(ctx, "00000000-0000-4000-8000-000000000000", a.may); errName(err) != a.delErr {
			t.Errorf("delete absent under %s: %v, want %s", a.may, err, a.delErr)
		}
		if err := c.Within(Expr{}).RefreshEntity(ctx, "component:nope", a.may); errName(err) != a.refrErr {
			t.Errorf("refresh absent under %s: %v, want %s", a.may, err, a.refrErr)
		}
	}
}

// TestViewAncestry checks that a root outside the scope is refused, and that the chain
// ends before the first ancestor outside it.
func TestViewAncestry(t *testing.T) {
	c := exampleCatalog(t)
	keepRoot := Or(ownedByPayments, Equals("metadata.name", "acme-catalog"))
	tests := []struct {
		name  string
		scope Expr
		ref   [3]string
		err   string
		chain int // items
	}{
		{"all", Expr{}, [3]string{"component", "default", "payments-service"}, "", 3},
		{"absent", Expr{}, [3]string{"component", "default", "nope"}, "NotFoundError", 0},
		{"denied", Nothing(), [3]string{"component", "default", "payments-service"}, "NotAllowedError", 0},
		{"outside", ownedByPayments, [3]string{"component", "default", "checkout-service"}, "NotAllowedError", 0},
		{"absent under a conditional", ownedByPayments, [3]string{"component", "default", "nope"}, "NotAllowedError", 0},
		{"ancestors pruned", ownedByPayments, [3]string{"component", "default", "payments-service"}, "", 1},
		{"first ancestor kept", keepRoot, [3]string{"component", "default", "payments-service"}, "", 2},
	}
	for _, tt := range tests {
		root, items, err := c.Within(tt.scope).Ancestry(tt.ref[0], tt.ref[1], tt.ref[2])
		if errName(err) != tt.err {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.err)
			continue
		}
		if err != nil {
			continue
		}
		if root != "component:default/payments-service" || len(items) != tt.chain {
			t.Errorf("%s: root %s, %d items, want %d", tt.name, root, len(items), tt.chain)
			continue
		}
		last := items[len(items)-1]
		if tt.chain < 3 && len(last.ParentEntityRefs) != 0 {
			t.Errorf("%s: the last item still names its pruned parent %v", tt.name, last.ParentEntityRefs)
		}
		for _, it := range items {
			if r := refOfJSON(t, it.Entity); !(tt.scope.All() || slices.Contains(paymentsOwns, r) || r == "location:default/acme-catalog") {
				t.Errorf("%s: chain holds %s", tt.name, r)
			}
		}
	}
}
