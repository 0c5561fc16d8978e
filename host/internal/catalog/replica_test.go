package catalog

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/units"
)

// TestReloadSeesAnotherReplicasWrites: two catalogs on one store, as two replicas on
// one database. What the leader processes reaches the follower only through Reload,
// which swaps in the whole catalog (entities, locations, relations, queries) and moves
// the version on, so that a reader of Changed reads everything again.
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
	if _, _, ok := follower.Changed(before); ok {
		t.Error("Changed after a reload did not ask the reader to read everything again")
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
