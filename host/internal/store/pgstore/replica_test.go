package pgstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/catalog/gen"
	"greenroom.dev/greenroom/host/internal/pgtest"
	"greenroom.dev/greenroom/host/internal/store/pgstore"
)

// TestWatchCatalog: a watch signals nothing for its own connection (a replica that
// listened before loading has nothing to reload), signals another replica's write
// once however many arrive before it is read, ignores this replica's own writes, and
// signals after it had to reconnect, since notifications sent meanwhile are lost.
func TestWatchCatalog(t *testing.T) {
	cluster := pgtest.Start(t)
	url := cluster.NewDatabase()
	ctx := context.Background()
	open := func() *pgstore.DB {
		db, err := pgstore.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	follower, leader := open(), open()
	w, err := follower.WatchCatalog(ctx, 50*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	quiet := func(what string) {
		t.Helper()
		select {
		case <-w.Changed():
			t.Fatalf("%s: the watch signalled a change", what)
		case <-time.After(300 * time.Millisecond):
		}
	}
	signalled := func(what string) {
		t.Helper()
		select {
		case <-w.Changed():
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no change signalled within 5s", what)
		}
	}
	quiet("just connected")
	put := func(db *pgstore.DB, key string) {
		t.Helper()
		if err := db.CatalogStore().Apply(ctx, []catalog.Op{{Bucket: catalog.BucketLocations, Key: key, Value: []byte(`{}`)}}); err != nil {
			t.Fatal(err)
		}
	}
	put(follower, "own")
	quiet("its own write")
	for _, k := range []string{"a", "b", "c"} {
		put(leader, k)
	}
	time.Sleep(300 * time.Millisecond) // all three delivered before the first read
	signalled("three writes of another replica")
	quiet("three writes read once")

	// The follower's listening session is cut: it reconnects and signals.
	if err := leader.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE pid <> pg_backend_pid() AND query LIKE 'LISTEN%'`); err != nil {
		t.Fatal(err)
	}
	signalled("reconnected")
	put(leader, "d")
	signalled("a write after reconnecting")
}

// TestCatalogRowVersions: the catalog store's row versions (catalog.VersionedStore)
// change when a row is written and only then, ApplyVersion returns the version of the
// rows it wrote, Versions lists every key, Get skips keys that are not there, and
// ForEachVersion agrees with both.
func TestCatalogRowVersions(t *testing.T) {
	cluster := pgtest.Start(t)
	db, err := pgstore.Open(context.Background(), cluster.NewDatabase())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	vs := db.CatalogStore().(catalog.VersionedStore)
	put := func(ops ...catalog.Op) {
		t.Helper()
		if err := vs.Apply(ctx, ops); err != nil {
			t.Fatal(err)
		}
	}
	versions := func() map[string]uint64 {
		t.Helper()
		out := map[string]uint64{}
		if err := vs.Versions(ctx, catalog.BucketEntities, func(k []byte, v uint64) error { out[string(k)] = v; return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	e := catalog.BucketEntities
	put(catalog.Op{Bucket: e, Key: "a", Value: []byte("1")}, catalog.Op{Bucket: e, Key: "b", Value: []byte("1")}, catalog.Op{Bucket: e, Key: "c", Value: []byte("1")})
	v1 := versions()
	if len(v1) != 3 || v1["a"] == 0 {
		t.Fatalf("versions %v", v1)
	}
	wrote, err := vs.ApplyVersion(ctx, []catalog.Op{{Bucket: e, Key: "b", Value: []byte("2")}, {Bucket: e, Key: "c"}, {Bucket: catalog.BucketSources, Key: "s", Value: []byte("{}")}})
	if err != nil {
		t.Fatal(err)
	}
	v2 := versions()
	if len(v2) != 2 || v2["a"] != v1["a"] || v2["b"] == v1["b"] || v2["b"] != wrote {
		t.Fatalf("after writing b (ApplyVersion says version %d) and deleting c: %v, before %v", wrote, v2, v1)
	}
	got := map[string]string{}
	if err := vs.Get(ctx, e, []string{"a", "b", "c", "zz"}, func(k, v []byte, ver uint64) error {
		if ver != v2[string(k)] {
			t.Errorf("Get %s: version %d, Versions says %d", k, ver, v2[string(k)])
		}
		got[string(k)] = string(v)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "map[a:1 b:2]" {
		t.Errorf("Get = %v", got)
	}
	var keys []string
	if err := vs.ForEachVersion(ctx, e, func(k, _ []byte, ver uint64) error {
		keys = append(keys, string(k))
		if ver != v2[string(k)] {
			t.Errorf("ForEachVersion %s: version %d, Versions says %d", k, ver, v2[string(k)])
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(keys, []string{"a", "b"}) {
		t.Errorf("ForEachVersion keys %q", keys)
	}
}

// TestFollowerSeesEveryWriteWithin1s: a follower on a database holding 10k generated
// entities, reloading on each notification as a replica does (at most one reload
// running and one pending), serves each of a stream of writes by another replica, one
// every 100 ms, within a second; its catalog then matches one loaded whole.
func TestFollowerSeesEveryWriteWithin1s(t *testing.T) {
	cluster := pgtest.Start(t)
	url := cluster.NewDatabase()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	root, err := gen.Generate(t.TempDir(), 10000, 42)
	if err != nil {
		t.Fatal(err)
	}
	rules := []catalog.Rule{{Allow: []string{"Component", "System", "API", "Resource", "Location", "Template", "Group", "User", "Domain"}}}
	cfg := catalog.Config{Rules: &rules, Locations: []catalog.LocationConfig{{Type: "file", Target: root}}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	open := func() *pgstore.DB {
		db, err := pgstore.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	leaderDB, followerDB := open(), open()
	leader, err := catalog.New(ctx, catalog.Options{Config: cfg, Store: leaderDB.CatalogStore(), Logger: log, Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := leader.RefreshAll(ctx); err != nil {
		t.Fatal(err)
	}
	w, err := followerDB.WatchCatalog(ctx, 100*time.Millisecond, log)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	follower, err := catalog.New(ctx, catalog.Options{Config: cfg, Store: followerDB.CatalogStore(), Logger: log, Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	if follower.Count() != leader.Count() || follower.Count() < 10000 {
		t.Fatalf("follower loaded %d entities, leader has %d", follower.Count(), leader.Count())
	}
	var (
		mu      sync.Mutex
		reloads []time.Duration
		wg      sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case <-w.Changed():
				began := time.Now()
				if err := follower.Reload(ctx); err != nil && ctx.Err() == nil {
					t.Errorf("reload: %v", err)
				}
				mu.Lock()
				reloads = append(reloads, time.Since(began))
				mu.Unlock()
			}
		}
	}()
	defer wg.Wait()
	defer cancel()

	const writes = 20
	type seen struct {
		name    string
		written time.Time
	}
	lags := make(chan time.Duration, writes)
	var watchers sync.WaitGroup
	for i := range writes {
		name := fmt.Sprintf("write %d", i)
		doc := fmt.Sprintf(`{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"streamed","description":"write %d"},"spec":{"type":"service","lifecycle":"production","owner":"team-a"}}`, i)
		written := time.Now()
		if err := leader.ApplyProvider(ctx, "stream", []json.RawMessage{json.RawMessage(doc)}, nil); err != nil {
			t.Fatal(err)
		}
		watchers.Add(1)
		go func(s seen, want string) {
			defer watchers.Done()
			for time.Since(s.written) < 5*time.Second {
				if doc := string(follower.ByRef("component:default/streamed")); strings.Contains(doc, want) || laterWrite(doc, want) {
					lags <- time.Since(s.written)
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
			t.Errorf("%s: not on the follower within 5s", s.name)
		}(seen{name, written}, fmt.Sprintf(`"write %d"`, i))
		time.Sleep(100 * time.Millisecond)
	}
	watchers.Wait()
	close(lags)
	var worst time.Duration
	for l := range lags {
		worst = max(worst, l)
	}
	mu.Lock()
	t.Logf("%d writes at 10k entities: worst lag %v; %d reloads: %v", writes, worst, len(reloads), reloads)
	mu.Unlock()
	if worst > time.Second {
		t.Errorf("a write reached the follower after %v; want within 1s", worst)
	}
	whole, err := catalog.New(ctx, catalog.Options{Config: cfg, Store: followerDB.CatalogStore(), Logger: log, Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	if follower.Count() != whole.Count() || string(follower.ByRef("component:default/streamed")) != string(whole.ByRef("component:default/streamed")) {
		t.Errorf("the follower has %d entities, a whole load %d; streamed:\n%s\n%s", follower.Count(), whole.Count(), follower.ByRef("component:default/streamed"), whole.ByRef("component:default/streamed"))
	}
}

// laterWrite reports whether doc holds a write after the one whose description is want
// (a follower may skip from an older write straight to a newer one).
func laterWrite(doc, want string) bool {
	var n, m int
	if _, err := fmt.Sscanf(want, `"write %d"`, &n); err != nil {
		return false
	}
	i := strings.Index(doc, `"write `)
	if i < 0 {
		return false
	}
	if _, err := fmt.Sscanf(doc[i:], `"write %d"`, &m); err != nil {
		return false
	}
	return m > n
}
