package pgstore_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog"
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
