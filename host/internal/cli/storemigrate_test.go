package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/pgtest"
	"greenroom.dev/greenroom/host/internal/store"
	"greenroom.dev/greenroom/host/internal/store/pgstore"
)

func runCommand(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Run(&Env{Stdout: &out, Stderr: &errb, Getenv: func(string) (string, bool) { return "", false }}, args)
	return code, out.String(), errb.String()
}

// TestStoreMigrate: greenroom store migrate copies every area of a bbolt file into an
// empty PostgreSQL database, prints counts and checksums that match, and the copy
// serves the same values (file times and quota usage too); it refuses a database that
// holds data, and a source file that does not exist.
func TestStoreMigrate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "greenroom.db")
	f, err := store.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ops []catalog.Op
	for i := range 2500 {
		ops = append(ops, catalog.Op{Bucket: catalog.BucketEntities, Key: "component:default/c" + string(rune('a'+i%26)) + strings.Repeat("x", i%7) + time.Duration(i).String(), Value: []byte(`{"n":1}`)})
	}
	ops = append(ops, catalog.Op{Bucket: catalog.BucketLocations, Key: "l1", Value: []byte(`{"id":"l1"}`)})
	if err := f.Catalog().Apply(ctx, ops); err != nil {
		t.Fatal(err)
	}
	if err := f.KV().Put("hello-go", []byte("counter"), []byte("41"), 1000); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Files().Write("techdocs", []store.FileWrite{{Path: "default/component/x/index.html", Content: []byte("<h1>x</h1>")}}, "", store.FileLimits{}); err != nil {
		t.Fatal(err)
	}
	_, wantMod, _ := f.Files().Read("techdocs", "default/component/x/index.html")
	if err := f.Bucket("home").Put("stars/user:default/ada", []byte(`["component:default/x"]`)); err != nil {
		t.Fatal(err)
	}
	kvUsed, _ := f.KV().Usage("hello-go")
	filesUsed, _ := f.Files().Usage("techdocs")
	f.Close()

	cluster := pgtest.Start(t)
	url := cluster.NewDatabase()
	code, out, errs := runCommand("store", "migrate", "--from", "bbolt:"+path, "--to", "pg:"+url)
	if code != 0 {
		t.Fatalf("migrate exited %d: %s %s", code, out, errs)
	}
	for _, want := range []string{"catalog        2501       2501", "kv                1          1", "files             1          1", "state             1          1", "copied and verified"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "MISMATCH") {
		t.Errorf("mismatch:\n%s", out)
	}

	db, err := pgstore.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := db.KVStore().Get("hello-go", []byte("counter")); err != nil || string(v) != "41" {
		t.Errorf("kv = %q, %v", v, err)
	}
	content, mod, err := db.FileStore().Read("techdocs", "default/component/x/index.html")
	if err != nil || string(content) != "<h1>x</h1>" || !mod.Equal(wantMod) {
		t.Errorf("file = %q %v %v; want its time %v", content, mod, err, wantMod)
	}
	if u, _ := db.KVStore().Usage("hello-go"); u != kvUsed {
		t.Errorf("kv usage %d, bbolt had %d", u, kvUsed)
	}
	if u, _ := db.FileStore().Usage("techdocs"); u != filesUsed {
		t.Errorf("files usage %d, bbolt had %d", u, filesUsed)
	}
	if v, ok, _ := db.StateBucket("home").Get("stars/user:default/ada"); !ok || string(v) != `["component:default/x"]` {
		t.Errorf("stars = %q %v", v, ok)
	}

	// And back: from PostgreSQL into a new bbolt file, with the quota counters rebuilt.
	back := filepath.Join(t.TempDir(), "back.db")
	code, out, errs = runCommand("store", "migrate", "--from", "pg:"+url, "--to", "bbolt:"+back)
	if code != 0 || !strings.Contains(out, "copied and verified") {
		t.Fatalf("migrate back exited %d: %s %s", code, out, errs)
	}
	bf, err := store.OpenFile(back)
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := bf.KV().Usage("hello-go"); u != kvUsed {
		t.Errorf("kv usage back on bbolt %d, want %d", u, kvUsed)
	}
	if u, _ := bf.Files().Usage("techdocs"); u != filesUsed {
		t.Errorf("files usage back on bbolt %d, want %d", u, filesUsed)
	}
	if _, mod, err := bf.Files().Read("techdocs", "default/component/x/index.html"); err != nil || !mod.Equal(wantMod) {
		t.Errorf("file back on bbolt: %v %v", mod, err)
	}
	bf.Close()

	code, _, errs = runCommand("store", "migrate", "--from", "bbolt:"+path, "--to", "pg:"+url)
	if code == 0 || !strings.Contains(errs, "--to already holds data") {
		t.Errorf("a second migrate into the same database: %d %s", code, errs)
	}
	code, _, errs = runCommand("store", "migrate", "--from", "bbolt:"+filepath.Join(t.TempDir(), "nope.db"), "--to", "pg:"+cluster.NewDatabase())
	if code == 0 || !strings.Contains(errs, "--from") || !strings.Contains(errs, "nope.db") {
		t.Errorf("a missing source: %d %s", code, errs)
	}
	code, _, errs = runCommand("store", "migrate", "--from", "mysql:x", "--to", "pg:"+url)
	if code != ExitUsage || !strings.Contains(errs, "bbolt or pg") {
		t.Errorf("an unknown kind: %d %s", code, errs)
	}
}
