package catalog

import (
	"context"
	"path/filepath"
	"testing"
)

func TestExampleCatalogLoads(t *testing.T) {
	dir := exampleDir(t)
	rules := allKinds
	c := newTestCatalog(t, Config{Rules: &rules, Locations: []LocationConfig{{Type: "file", Target: filepath.Join(dir, "all.yaml")}}}, nil)
	if err := c.RefreshAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	items, total := c.Select(Selection{Limit: -1})
	for _, it := range items {
		m := mustDecode(t, it)
		if st, ok := m["status"]; ok {
			t.Errorf("unexpected status on %v: %v", m["metadata"].(map[string]any)["name"], st)
		}
	}
	if total != 31 {
		t.Fatalf("total = %d, want 31", total)
	}
	e := mustDecode(t, c.ByRef("component:default/checkout-service"))
	t.Logf("%v", e["relations"])
	g := mustDecode(t, c.ByRef("group:team-payments"))
	t.Logf("%v", g["relations"])
}
