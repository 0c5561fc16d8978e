package catalog

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

var allKinds = []Rule{{Allow: []string{"Component", "API", "Resource", "System", "Domain", "Group", "User", "Location", "Template"}}}

func exampleDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs("../../../examples/catalog")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func newTestCatalog(t testing.TB, cfg Config, store Store) *Catalog {
	t.Helper()
	if store == nil {
		store = NewMemoryStore()
	}
	c, err := New(context.Background(), Options{Config: cfg, Store: store, BaseDir: "/", Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustDecode(t testing.TB, b []byte) map[string]any {
	t.Helper()
	if b == nil {
		t.Fatal("entity not found")
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return m
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
