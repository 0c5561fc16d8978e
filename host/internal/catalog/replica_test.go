package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/units"
)

// TestReloadSeesAnotherReplicasWrites: two catalogs on one store, as two replicas on
// one database. What the leader processes reaches the follower only through Reload,
// which brings in the changed entities with their relations both ways, the locations,
// and moves the version on, so that a reader of Changed reads the changed entities.
func TestReloadSeesAnotherReplicasWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.yaml")
	writeFile(t, path, comp("one", "")+"---\n"+comp("two", "  dependsOn: [component:one]\n"))
	shared := NewMemoryStore()
	cfg := Config{Locations: []LocationConfig{{Type: "file", Target: path}}}
	leader := newTestCatalog(t, cfg, shared)
	follower := newTestCatalog(t, cfg, shared)
	before := follower.Version()
	if err := leader.RefreshAll(ctx); err != nil {
		t.Fatal(err)
	}
	if follower.ByRef("component:one") != nil || follower.Ready() {
		t.Fatal("the follower has the leader's writes before reloading")
	}
	if err := follower.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if !follower.Ready() {
		t.Error("a reloaded follower is not ready")
	}
	two := string(follower.ByRef("component:default/two"))
	if !strings.Contains(two, `"dependsOn"`) || !strings.Contains(two, `"type":"dependsOn","targetRef":"component:default/one"`) {
		t.Errorf("follower's two lacks its relation: %s", two)
	}
	one := string(follower.ByRef("component:default/one"))
	if !strings.Contains(one, `"type":"dependencyOf","targetRef":"component:default/two"`) {
		t.Errorf("follower's one lacks the reverse relation: %s", one)
	}
	if follower.Count() != leader.Count() || len(follower.Locations()) != len(leader.Locations()) {
		t.Errorf("follower has %d entities, %d locations; leader %d, %d", follower.Count(), len(follower.Locations()), leader.Count(), len(leader.Locations()))
	}
	if keys, _, ok := follower.Changed(before); !ok || !slices.Contains(keys, "component:default/one") || !slices.Contains(keys, "component:default/two") {
		t.Errorf("Changed after a reload = %q, %v; want both entities", keys, ok)
	}

	// A removal on the leader disappears from the follower on its next reload.
	writeFile(t, path, comp("one", ""))
	if err := leader.RefreshAll(ctx); err != nil {
		t.Fatal(err)
	}
	if err := follower.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if follower.ByRef("component:default/two") != nil {
		t.Error("an entity the leader removed is still on the follower")
	}
}

// TestLeadAgain: Lead processes until its context ends and may run again when the
// lease comes back, picking up changes made meanwhile.
func TestLeadAgain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	writeFile(t, path, comp("one", ""))
	c := newTestCatalog(t, Config{ProcessingInterval: ptr(units.Duration(10 * time.Millisecond)), Locations: []LocationConfig{{Type: "file", Target: path}}}, nil)
	for _, name := range []string{"one", "two"} {
		writeFile(t, path, comp(name, ""))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- c.Lead(ctx) }()
		for deadline := time.Now().Add(5 * time.Second); c.ByRef("component:"+name) == nil; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("Lead did not process %s", name)
			}
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("Lead returned %v", err)
		}
	}
}

// failingStore fails every Apply while down is set, as a database that went away.
type failingStore struct {
	*MemoryStore
	down bool
}

func (s *failingStore) Apply(ctx context.Context, ops []Op) error {
	if s.down {
		return &Error{Name: "ServiceUnavailableError", Message: "the database is unavailable"}
	}
	return s.MemoryStore.Apply(ctx, ops)
}

// TestAddLocationStoreDown: a location whose registration the store refused is not
// registered, so the same request succeeds once the store is back (instead of a 409
// "already exists" for a location that was never stored).
func TestAddLocationStoreDown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	writeFile(t, path, comp("one", ""))
	st := &failingStore{MemoryStore: NewMemoryStore()}
	c := newTestCatalog(t, Config{}, st)
	st.down = true
	_, _, _, err := c.AddLocation(context.Background(), "file", path, false)
	var ce *Error
	if !errors.As(err, &ce) || ce.Name != "ServiceUnavailableError" {
		t.Fatalf("add with the store down: %v", err)
	}
	if n := len(c.Locations()); n != 0 {
		t.Fatalf("%d locations registered though the store refused", n)
	}
	st.down = false
	if _, _, _, err := c.AddLocation(context.Background(), "file", path, false); err != nil {
		t.Fatalf("add once the store is back: %v", err)
	}
	if c.ByRef("component:one") == nil {
		t.Error("the location's entity is missing")
	}
}

// TestSharedReadyOnceLoaded: a catalog on a store shared with other replicas is ready
// as soon as New has loaded it, with what the store holds, without a processing pass
// or a Reload; one on its own store waits for its first pass.
func TestSharedReadyOnceLoaded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.yaml")
	writeFile(t, path, comp("one", ""))
	shared := NewMemoryStore()
	cfg := Config{Locations: []LocationConfig{{Type: "file", Target: path}}}
	if err := newTestCatalog(t, cfg, shared).RefreshAll(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		shared bool
		ready  bool
	}{{false, false}, {true, true}} {
		c, err := New(ctx, Options{Config: cfg, Store: shared, BaseDir: "/", Logger: discardLogger(), Shared: tc.shared})
		if err != nil {
			t.Fatal(err)
		}
		if c.Ready() != tc.ready || c.ByRef("component:one") == nil {
			t.Errorf("Shared %v: ready %v (want %v), has one: %v", tc.shared, c.Ready(), tc.ready, c.ByRef("component:one") != nil)
		}
	}
}

// TestReloadChangedMatchesFullLoad: a follower that reloads only the changed rows after
// each of the leader's passes serves exactly what a catalog loaded whole from the same
// store serves — every document (relations both ways, statuses of a Location whose
// target is missing, orphans), the facets and the locations — through additions,
// edits, relation changes, a file dropped from a Location and entities removed.
func TestReloadChangedMatchesFullLoad(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	root := filepath.Join(dir, "all.yaml")
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	shared := NewMemoryStore()
	cfg := Config{Locations: []LocationConfig{{Type: "file", Target: root}}, OrphanStrategy: "keep"}
	leader := newTestCatalog(t, cfg, shared)
	follower := newTestCatalog(t, cfg, shared)
	steps := []struct {
		name          string
		rootT, aT, bT string
		missing       string // the content of missing.yaml; "" removes it
	}{
		{"first", locationFile("./a.yaml", "./b.yaml"), comp("one", "") + "---\n" + comp("two", "  dependsOn: [component:one]\n"), comp("three", "  dependsOn: [component:two]\n"), ""},
		{"edit and relation moved", locationFile("./a.yaml", "./b.yaml"), comp("one", "  dependsOn: [component:three]\n") + "---\n" + comp("two", ""), comp("three", "  dependsOn: [component:two]\n"), ""},
		{"a target missing", locationFile("./a.yaml", "./b.yaml", "./missing.yaml"), comp("one", ""), comp("three", "") + "---\n" + comp("four", "  dependsOn: [component:one]\n"), ""},
		{"the missing target appears", locationFile("./a.yaml", "./b.yaml", "./missing.yaml"), comp("one", ""), comp("three", "") + "---\n" + comp("four", "  dependsOn: [component:one]\n"), comp("five", "")},
		{"and goes again", locationFile("./a.yaml", "./b.yaml", "./missing.yaml"), comp("one", ""), comp("three", "") + "---\n" + comp("four", "  dependsOn: [component:one]\n"), ""},
		{"a file dropped (orphans kept)", locationFile("./a.yaml"), comp("one", ""), comp("three", ""), ""},
		{"entities removed", locationFile("./a.yaml"), "", "", ""},
	}
	for _, st := range steps {
		writeFile(t, root, st.rootT)
		writeFile(t, a, st.aT)
		writeFile(t, b, st.bT)
		if missing := filepath.Join(dir, "missing.yaml"); st.missing != "" {
			writeFile(t, missing, st.missing)
		} else {
			_ = os.Remove(missing)
		}
		if err := leader.RefreshAll(ctx); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if err := follower.Reload(ctx); err != nil {
			t.Fatalf("%s: reload: %v", st.name, err)
		}
		whole := newTestCatalog(t, cfg, shared)
		docs := func(c *Catalog, filter ...string) []string {
			f, err := ParseFilter(filter)
			if err != nil {
				t.Fatal(err)
			}
			all, _ := c.Select(Selection{Filter: f, Limit: -1})
			out := make([]string, len(all))
			for i, d := range all {
				out[i] = string(d)
			}
			slices.Sort(out)
			return out
		}
		got, want := docs(follower), docs(whole)
		if len(want) == 0 && st.name != "entities removed" {
			t.Fatalf("%s: the leader wrote nothing", st.name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: the follower serves\n%s\nwhere a whole load serves\n%s", st.name, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		// The relations index, by relation and target.
		for _, rel := range []string{"dependsOn", "dependencyOf"} {
			for _, name := range []string{"one", "two", "three", "four"} {
				q := "relations." + rel + "=component:default/" + name
				if got, want := docs(follower, q), docs(whole, q); !slices.Equal(got, want) {
					t.Errorf("%s: %s finds %d entities on the follower, %d on a whole load", st.name, q, len(got), len(want))
				}
			}
		}
		if err := follower.CheckConsistency(); err != nil {
			t.Errorf("%s: %v", st.name, err)
		}
		f1, f2 := follower.Facets([]string{"kind", "spec.type"}, Filter{}), whole.Facets([]string{"kind", "spec.type"}, Filter{})
		if fmt.Sprint(f1) != fmt.Sprint(f2) {
			t.Errorf("%s: facets %v, whole load %v", st.name, f1, f2)
		}
		if fmt.Sprint(follower.Locations()) != fmt.Sprint(whole.Locations()) {
			t.Errorf("%s: locations %v, whole load %v", st.name, follower.Locations(), whole.Locations())
		}
	}
}

// countingStore counts the keys Reload reads back by Get.
type countingStore struct {
	*MemoryStore
	got []string
}

func (s *countingStore) Get(ctx context.Context, bucket string, keys []string, fn func(key, value []byte, version uint64) error) error {
	if bucket == BucketEntities {
		s.got = append(s.got, keys...)
	}
	return s.MemoryStore.Get(ctx, bucket, keys, fn)
}

// TestReloadSkipsOwnWrites: a replica that processed (and wrote) the catalog itself
// reloads, after another replica's write of one entity, only that entity: it knows
// the versions of its own writes.
func TestReloadSkipsOwnWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.yaml")
	writeFile(t, path, comp("one", "")+"---\n"+comp("two", "")+"---\n"+comp("three", ""))
	shared := NewMemoryStore()
	cfg := Config{Locations: []LocationConfig{{Type: "file", Target: path}}}
	counting := &countingStore{MemoryStore: shared}
	leader := newTestCatalog(t, cfg, counting)
	other := newTestCatalog(t, cfg, shared)
	if err := leader.RefreshAll(ctx); err != nil {
		t.Fatal(err)
	}
	doc := `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"four"},"spec":{"type":"service","lifecycle":"production","owner":"team-a"}}`
	if err := other.ApplyProvider(ctx, "p", []json.RawMessage{json.RawMessage(doc)}, nil); err != nil {
		t.Fatal(err)
	}
	if err := leader.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if leader.ByRef("component:four") == nil {
		t.Fatal("the leader does not serve the other replica's write")
	}
	if !slices.Equal(counting.got, []string{"component:default/four"}) {
		t.Errorf("the leader read back %q; want only the other replica's component:default/four", counting.got)
	}
}
