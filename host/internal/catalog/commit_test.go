package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestRestitchWithoutStoreWritesInvalidatesQueries: a batch whose stitching changes an
// entity's document moves it to a new index slot, so cached query results (slot lists)
// must be dropped even when the batch has nothing to write to the store, or a repeated
// query reads the freed slot. Today every such change is also a store write; the test
// breaks that link on purpose (an in-memory status change) to hold the invariant.
func TestRestitchWithoutStoreWritesInvalidatesQueries(t *testing.T) {
	rules := allKinds
	c := newTestCatalog(t, Config{Rules: &rules, Locations: []LocationConfig{{Type: "file", Target: filepath.Join(exampleDir(t), "all.yaml")}}}, nil)
	if err := c.RefreshAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	sel := Selection{Filter: Filter{{{key: "kind", values: []string{"component"}}}}, Limit: -1}
	before, total := c.Select(sel) // fills the query cache
	if total == 0 {
		t.Fatal("no components in the example catalog")
	}
	c.mu.Lock()
	b := newBatch(c)
	b.init()
	changed := ""
	for _, e := range c.ents {
		if e.kind == "component" && changed == "" {
			e.errors = append(e.errors, processingError("InputError", "changed in memory only"))
			b.dirty[e.key] = true
			changed = e.key
		}
	}
	err := b.commit(context.Background())
	c.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	after, total2 := c.Select(sel)
	if total2 != total || len(after) != len(before) {
		t.Fatalf("after re-stitching, the query finds %d of %d components", total2, total)
	}
	found := false
	for _, b := range after {
		found = found || bytes.Contains(b, []byte("changed in memory only"))
	}
	if !found {
		t.Errorf("the query still serves %s as it was before the change", changed)
	}
}

// TestDryRunRelations: a dry run answers entities as they would be served, relations
// sorted by type and target and without duplicates, on the same encoder as serving.
func TestDryRunRelations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "catalog-info.yaml")
	writeFile(t, path, `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: a}
spec: {type: service, lifecycle: production, owner: team-a, system: s, dependsOn: ["component:c", "component:b", "component:c"]}
`)
	c := newTestCatalog(t, Config{}, nil)
	_, ents, _, err := c.AddLocation(context.Background(), "file", path, true)
	if err != nil {
		t.Fatal(err)
	}
	var comp []byte
	for _, e := range ents {
		if bytes.Contains(e, []byte(`"kind":"Component"`)) {
			comp = e
		}
	}
	if comp == nil {
		t.Fatalf("the dry run has no component: %s", ents)
	}
	var got struct {
		Metadata struct {
			Etag string `json:"etag"`
		} `json:"metadata"`
		Relations []struct{ Type, TargetRef string } `json:"relations"`
	}
	if err := json.Unmarshal(comp, &got); err != nil {
		t.Fatalf("%v: %s", err, comp)
	}
	want := []string{"dependsOn component:default/b", "dependsOn component:default/c", "ownedBy group:default/team-a", "partOf system:default/s"}
	var have []string
	for _, r := range got.Relations {
		have = append(have, r.Type+" "+r.TargetRef)
	}
	if strings.Join(have, "; ") != strings.Join(want, "; ") {
		t.Errorf("relations %q, want %q", have, want)
	}
	if len(got.Metadata.Etag) != 40 {
		t.Errorf("etag %q is not filled in", got.Metadata.Etag)
	}
}
