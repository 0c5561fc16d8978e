package runtime

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestInstrCache(t *testing.T) {
	wasm := wat(t, "guest")
	want, err := instrument(wasm)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c := newInstrCache(dir)
	got, _, err := c.get(wasm)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("first get: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, instrVersion, "*.wasm"))
	if len(files) != 1 {
		t.Fatalf("cached files: %v", files)
	}
	if st, _ := os.Stat(filepath.Join(dir, instrVersion)); st.Mode().Perm() != 0o700 {
		t.Fatalf("cache dir mode %v", st.Mode().Perm())
	}
	// A new engine's cache reads the rewrite from disk.
	got, _, err = newInstrCache(dir).get(wasm)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("from disk: %v", err)
	}
	// Not a module: the error is remembered, nothing is written.
	if _, _, err := c.get([]byte("nope")); err == nil {
		t.Fatal("instrumenting garbage succeeded")
	}
	if files, _ := filepath.Glob(filepath.Join(dir, instrVersion, "*.wasm")); len(files) != 1 {
		t.Fatalf("a failed rewrite was cached on disk: %v", files)
	}
}
