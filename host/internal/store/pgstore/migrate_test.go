package pgstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"greenroom.dev/greenroom/host/internal/pgtest"
	"greenroom.dev/greenroom/host/internal/store/pgstore"
)

// TestMigrate: replicas starting together migrate the schema once; a reopen keeps the
// data and the version; a database with a newer schema is refused with both versions
// named, and left as it was.
func TestMigrate(t *testing.T) {
	ctx := context.Background()
	cluster := pgtest.Start(t)
	dsn := cluster.NewDatabase()

	var wg sync.WaitGroup
	errs := make([]error, 4)
	dbs := make([]*pgstore.DB, 4)
	for i := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = pgstore.Open(ctx, dsn)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
	}
	if err := dbs[0].StateBucket("auth").Put("k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	for _, db := range dbs {
		db.Close()
	}

	db, err := pgstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := db.Version(ctx); err != nil || v != pgstore.SchemaVersion {
		t.Fatalf("version = %d, %v; want %d", v, err, pgstore.SchemaVersion)
	}
	if v, ok, err := db.StateBucket("auth").Get("k"); !ok || string(v) != "v" || err != nil {
		t.Fatalf("data after reopen = %q %v %v", v, ok, err)
	}
	if n, err := db.Rows(ctx, "greenroom_schema"); err != nil || n != int64(pgstore.SchemaVersion) {
		t.Fatalf("greenroom_schema has %d rows (%v); concurrent starts migrated more than once", n, err)
	}

	newer := pgstore.SchemaVersion + 1
	if err := db.Exec(ctx, fmt.Sprintf("INSERT INTO greenroom_schema (version) VALUES (%d)", newer)); err != nil {
		t.Fatal(err)
	}
	_, err = pgstore.Open(ctx, dsn)
	if err == nil {
		t.Fatal("opened a database with a newer schema")
	}
	for _, want := range []string{fmt.Sprintf("version %d", newer), fmt.Sprintf("this build's %d", pgstore.SchemaVersion), "127.0.0.1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if v, ok, _ := db.StateBucket("auth").Get("k"); !ok || string(v) != "v" {
		t.Error("refusing a newer schema lost data")
	}
}

// TestOpenUnreachable: a database that does not answer fails Open with the address.
func TestOpenUnreachable(t *testing.T) {
	cluster := pgtest.Start(t)
	url := cluster.URL("postgres")
	cluster.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10e9)
	defer cancel()
	_, err := pgstore.Open(ctx, url)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("127.0.0.1:%d", cluster.Port)) {
		t.Fatalf("open a stopped database: %v; want an error naming 127.0.0.1:%d", err, cluster.Port)
	}
}
