package store_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/catalog/gen"
	"greenroom.dev/greenroom/host/internal/store"
)

var allKinds = []catalog.Rule{{Allow: []string{"Component", "API", "Resource", "System", "Domain", "Group", "User", "Location", "Template"}}}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openCatalog(t testing.TB, dbPath string, locations []catalog.LocationConfig) (*store.File, *catalog.Catalog) {
	t.Helper()
	f, err := store.OpenFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	rules := allKinds
	c, err := catalog.New(context.Background(), catalog.Options{
		Config: catalog.Config{Rules: &rules, Locations: locations},
		Store:  f.Catalog(), Logger: quiet(),
	})
	if err != nil {
		f.Close()
		t.Fatal(err)
	}
	return f, c
}

func TestCatalogSurvivesRestart(t *testing.T) {
	example, _ := filepath.Abs("../../../examples/catalog/all.yaml")
	dbPath := filepath.Join(t.TempDir(), "greenroom.db")
	locs := []catalog.LocationConfig{{Type: "file", Target: example}}
	f, c := openCatalog(t, dbPath, locs)
	if err := c.RefreshAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := c.ByRef("component:default/checkout-service")
	count := c.Count()
	f.Close()

	f, c = openCatalog(t, dbPath, locs)
	defer f.Close()
	if c.Count() != count {
		t.Fatalf("after restart: %d entities, want %d", c.Count(), count)
	}
	if got := c.ByRef("component:default/checkout-service"); string(got) != string(before) {
		t.Fatalf("entity changed across restart:\n%s\n%s", before, got)
	}
	if err := c.CheckConsistency(); err != nil {
		t.Fatal(err)
	}
	v := c.Version()
	if err := c.RefreshAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.Version() != v {
		t.Fatal("unchanged files were reprocessed after restart")
	}
}

// TestCatalogConsistentAfterKill9 runs ingestion in a child process, kills it with
// SIGKILL in the middle, and checks that the store loads consistently and that a new
// pass completes the catalog.
func TestCatalogConsistentAfterKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	dir := t.TempDir()
	var locs []string
	total := 0
	for i := 0; i < 12; i++ {
		root, err := gen.GenerateIn(filepath.Join(dir, fmt.Sprintf("part%02d", i)), 600, uint64(i), fmt.Sprintf("part%02d", i))
		if err != nil {
			t.Fatal(err)
		}
		locs = append(locs, root)
	}
	dbPath := filepath.Join(dir, "greenroom.db")
	for attempt, delay := range []time.Duration{300 * time.Millisecond, 1200 * time.Millisecond, 2500 * time.Millisecond} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
		cmd.Env = append(os.Environ(), "GREENROOM_CRASH_DB="+dbPath, "GREENROOM_CRASH_LOCS="+strings.Join(locs, ","))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		started := false
		for sc.Scan() {
			if strings.Contains(sc.Text(), "CHILD-STARTED") {
				started = true
				break
			}
		}
		if !started {
			cmd.Wait()
			t.Fatal("child did not start")
		}
		go io.Copy(io.Discard, out)
		time.Sleep(delay)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Logf("attempt %d: child ended before the kill (%v); still checking the store", attempt, err)
		}
		var cfg []catalog.LocationConfig
		for _, l := range locs {
			cfg = append(cfg, catalog.LocationConfig{Type: "file", Target: l})
		}
		f, c := openCatalog(t, dbPath, cfg)
		if err := c.CheckConsistency(); err != nil {
			f.Close()
			t.Fatalf("attempt %d (killed after %v, %d entities on disk): %v", attempt, delay, c.Count(), err)
		}
		t.Logf("attempt %d: killed after %v with %d entities committed", attempt, delay, c.Count())
		if attempt == 2 {
			if err := c.RefreshAll(context.Background()); err != nil {
				t.Fatal(err)
			}
			total = c.Count()
			if err := c.CheckConsistency(); err != nil {
				t.Fatal(err)
			}
		}
		f.Close()
	}
	if want := 12 * (gen.Split(600).Total() + 2); total != want {
		t.Fatalf("after recovery: %d entities, want %d", total, want)
	}
}

// TestCrashChild is the child of TestCatalogConsistentAfterKill9.
func TestCrashChild(t *testing.T) {
	dbPath := os.Getenv("GREENROOM_CRASH_DB")
	if dbPath == "" {
		t.Skip("only runs as a child process")
	}
	var cfg []catalog.LocationConfig
	for _, l := range strings.Split(os.Getenv("GREENROOM_CRASH_LOCS"), ",") {
		cfg = append(cfg, catalog.LocationConfig{Type: "file", Target: l})
	}
	f, c := openCatalog(t, dbPath, cfg)
	defer f.Close()
	fmt.Println("CHILD-STARTED " + strconv.Itoa(c.Count()))
	for {
		if err := c.RefreshAll(context.Background()); err != nil {
			t.Fatal(err)
		}
		// Rewrite every entity on the next pass, so the store keeps being written.
		for _, l := range cfg {
			_ = os.Chtimes(l.Target, time.Now(), time.Now())
		}
	}
}

// TestCatalogStoreLargeBatch applies batches that grow the file several times over (a
// first ingest: see initialMmapSize) and checks that every value reads back and that
// later batches, deletes and a reopen see the same data.
func TestCatalogStoreLargeBatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "greenroom.db")
	f, err := store.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st := f.Catalog()
	ctx := context.Background()
	value := func(i, gen int) []byte { return []byte(strings.Repeat(fmt.Sprintf("%d-%d;", i, gen), 200)) }
	const n = 6000 // ~7 MB
	apply := func(gen int) {
		ops := make([]catalog.Op, 0, n)
		for i := 0; i < n; i++ {
			op := catalog.Op{Bucket: catalog.BucketEntities, Key: fmt.Sprintf("k%05d", i), Value: value(i, gen)}
			if gen > 0 && i%3 == 0 {
				op.Value = nil // delete
			}
			ops = append(ops, op)
		}
		if err := st.Apply(ctx, ops); err != nil {
			t.Fatal(err)
		}
	}
	check := func(st catalog.Store, gen int) {
		t.Helper()
		seen := 0
		err := st.ForEach(ctx, catalog.BucketEntities, func(k, v []byte) error {
			i, _ := strconv.Atoi(string(k[1:]))
			if gen > 0 && i%3 == 0 {
				return fmt.Errorf("%s was deleted", k)
			}
			if string(v) != string(value(i, gen)) {
				return fmt.Errorf("%s: wrong value", k)
			}
			seen++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := n
		if gen > 0 {
			want = n - (n+2)/3
		}
		if seen != want {
			t.Fatalf("generation %d: %d values, want %d", gen, seen, want)
		}
	}
	apply(0)
	check(st, 0)
	apply(1)
	check(st, 1)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	f, err = store.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	check(f.Catalog(), 1)
}

// TestCatalogStoreHugeBatch applies a first batch of about 1.8 GB, beyond the initial
// mapping, in one transaction. It writes gigabytes, so it runs only when
// GREENROOM_LARGE_TESTS is set.
func TestCatalogStoreHugeBatch(t *testing.T) {
	if os.Getenv("GREENROOM_LARGE_TESTS") == "" {
		t.Skip("set GREENROOM_LARGE_TESTS=1 to write a 1.8 GB batch")
	}
	f, err := store.OpenFile(filepath.Join(t.TempDir(), "greenroom.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st := f.Catalog()
	ctx := context.Background()
	value := make([]byte, 64<<20)
	var ops []catalog.Op
	for i := 0; i < 28; i++ { // 28 × 64 MB
		ops = append(ops, catalog.Op{Bucket: catalog.BucketEntities, Key: fmt.Sprintf("k%02d", i), Value: value})
	}
	if err := st.Apply(ctx, ops); err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := st.ForEach(ctx, catalog.BucketEntities, func(k, v []byte) error {
		if len(v) != len(value) {
			return fmt.Errorf("%s: %d bytes", k, len(v))
		}
		n++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != len(ops) {
		t.Fatalf("%d values, want %d", n, len(ops))
	}
}
