package catalog

import (
	"path/filepath"
	"testing"

	"greenroom.dev/greenroom/host/internal/catalog/gen"
)

// TestGeneratedCatalogShape checks that the generator's catalog loads without errors
// and has about 6.5 relations per entity, as the benchmarks assume.
func TestGeneratedCatalogShape(t *testing.T) {
	root, err := gen.Generate(filepath.Join(t.TempDir(), "g"), 2000, 1)
	if err != nil {
		t.Fatal(err)
	}
	rules := allKinds
	c := newTestCatalog(t, Config{Rules: &rules, Locations: []LocationConfig{{Type: "file", Target: root}}}, nil)
	refresh(t, c)
	items, total := c.Select(Selection{Limit: -1})
	if total != gen.Split(2000).Total()+2 {
		t.Fatalf("total %d", total)
	}
	rels := 0
	for _, it := range items {
		m := mustDecode(t, it)
		if m["status"] != nil {
			t.Fatalf("entity with errors: %v", m["status"])
		}
		rels += len(m["relations"].([]any))
	}
	perEntity := float64(rels) / float64(total)
	t.Logf("%.2f relations per entity", perEntity)
	if perEntity < 6 || perEntity > 7 {
		t.Fatalf("%.2f relations per entity, want about 6.5", perEntity)
	}
}
