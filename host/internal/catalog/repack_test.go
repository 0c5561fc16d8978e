package catalog

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestRepack forces maybeRepack to copy entities and documents and checks that the
// catalog serves the same bytes, stays consistent and keeps processing afterwards.
func TestRepack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "catalog-info.yaml")
	var b strings.Builder
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&b, "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: c%d}\nspec: {type: service, lifecycle: production, owner: team-%d, dependsOn: [\"component:c%d\"]}\n", i, i%3, (i+1)%30)
	}
	for i := 0; i < 3; i++ {
		fmt.Fprintf(&b, "---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-%d}\nspec: {type: team, children: []}\n", i)
	}
	writeFile(t, path, b.String())
	rules := allKinds
	c := newTestCatalog(t, Config{Rules: &rules, Locations: []LocationConfig{{Type: "file", Target: path}}}, nil)
	ctx := context.Background()
	if err := c.RefreshAll(ctx); err != nil {
		t.Fatal(err)
	}
	snapshot := func() map[string][]byte {
		out := map[string][]byte{}
		for _, k := range []string{"component:default/c0", "component:default/c7", "group:default/team-1"} {
			out[k] = c.ByKey(k)
		}
		all, _, _ := c.SelectJSON(nil, Selection{Limit: -1}, nil)
		out["all"] = all
		return out
	}
	before := snapshot()
	c.mu.Lock()
	old := c.ents["component:default/c0"]
	c.packAfterBulk() // edges and lists into shared arrays, as after a large batch
	c.entAlloc, c.docAlloc = 1<<30, 1<<40
	c.maybeRepack()
	moved := c.ents["component:default/c0"] != old
	for k, e := range c.ents {
		if c.byUID[e.uid] != e || !c.idx.holds(e) {
			t.Errorf("%s: uid index or slot does not point at the repacked entity", k)
		}
	}
	c.mu.Unlock()
	if !moved {
		t.Fatal("entities were not repacked")
	}
	if err := c.CheckConsistency(); err != nil {
		t.Fatal(err)
	}
	for k, v := range snapshot() {
		if !bytes.Equal(v, before[k]) {
			t.Errorf("%s changed by repacking:\n%s\n%s", k, before[k], v)
		}
	}
	// Processing goes on: change an owner and drop an entity.
	writeFile(t, path, strings.Replace(strings.Replace(b.String(), "owner: team-0", "owner: team-2", 1), "metadata: {name: c5}", "metadata: {name: c5x}", 1))
	if err := c.RefreshAll(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.CheckConsistency(); err != nil {
		t.Fatal(err)
	}
	if c.ByKey("component:default/c5") != nil || c.ByKey("component:default/c5x") == nil {
		t.Error("refresh after repacking did not replace c5")
	}
	if got := c.ByKey("component:default/c0"); !bytes.Contains(got, []byte(`"targetRef":"group:default/team-2"`)) {
		t.Errorf("c0 after refresh: %s", got)
	}
	if got := c.ByKey("group:default/team-2"); !bytes.Contains(got, []byte(`"targetRef":"component:default/c0"`)) {
		t.Errorf("team-2 after refresh lacks ownerOf c0: %s", got)
	}
	if got := c.ByKey("group:default/team-0"); bytes.Contains(got, []byte(`"targetRef":"component:default/c0"`)) {
		t.Errorf("team-0 after refresh still owns c0: %s", got)
	}
	// Edges removed from one packed list leave their neighbours alone.
	if got := c.ByKey("group:default/team-1"); !bytes.Equal(got, before["group:default/team-1"]) {
		t.Errorf("team-1 changed:\n%s\n%s", before["group:default/team-1"], got)
	}
}
