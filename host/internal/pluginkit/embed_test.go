package pluginkit

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite _sdk from sdk/")

// sdkFiles lists the SDK files a project gets, relative to sdk/: the Go SDK without its
// tests and go.mod (the project vendors it) and with, of go/tinygo, only the TinyGo target
// that plugin build uses (the net stub belongs in the TinyGo tree), the Rust crate's
// sources, the C header and the AssemblyScript layer.
func sdkFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	walk := func(dir string, keep func(string) bool) {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			if e.IsDir() {
				if e.Name() == "testdata" || e.Name() == "wasmtest" || e.Name() == "node_modules" || rel == "go/tinygo" {
					return filepath.SkipDir
				}
				return nil
			}
			if keep(rel) {
				out = append(out, filepath.ToSlash(rel))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	walk("go", func(p string) bool { return strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") })
	walk("rust", func(p string) bool {
		return strings.HasPrefix(p, "rust/src/") && strings.HasSuffix(p, ".rs") || p == "rust/Cargo.toml"
	})
	out = append(out, "go/tinygo/wasip1-debian.json", "c/greenroom.h", "assemblyscript/assembly/index.ts")
	sort.Strings(out)
	return out
}

// TestEmbeddedSDKsCurrent: the SDK copies that plugin new writes into projects are the
// SDKs of this checkout. Run with -update to copy them again.
func TestEmbeddedSDKsCurrent(t *testing.T) {
	sdk := filepath.Join("..", "..", "..", "sdk")
	want := sdkFiles(t, sdk)
	if *update {
		if err := os.RemoveAll("_sdk"); err != nil {
			t.Fatal(err)
		}
		for _, f := range want {
			b, err := os.ReadFile(filepath.Join(sdk, f))
			if err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join("_sdk", f)
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dst, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	var got []string
	fs.WalkDir(files, "_sdk", func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			got = append(got, strings.TrimPrefix(p, "_sdk/"))
		}
		return err
	})
	if strings.Join(got, "\n") != strings.Join(want, "\n") && !*update {
		t.Fatalf("host/internal/pluginkit/_sdk lists\n%s\nsdk/ has\n%s\nrun: go test ./host/internal/pluginkit -run TestEmbeddedSDKsCurrent -update", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range want {
		a, _ := os.ReadFile(filepath.Join(sdk, f))
		b, _ := os.ReadFile(filepath.Join("_sdk", f))
		if !bytes.Equal(a, b) {
			t.Errorf("_sdk/%s differs from sdk/%s; run: go test ./host/internal/pluginkit -run TestEmbeddedSDKsCurrent -update", f, f)
		}
	}
}
