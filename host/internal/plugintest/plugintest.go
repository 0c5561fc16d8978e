// Package plugintest builds the repository's plugins from source for tests: Go plugins
// with the standard toolchain, WAT with wat2wasm, and packs their plugin.yaml. Builds
// are cached by a hash of their sources, so that a test suite builds each plugin once.
package plugintest

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/pack"
)

// Root is the repository root.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module greenroom.dev/greenroom\n") {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("plugintest: repository root (go.mod of greenroom.dev/greenroom) not found")
		}
		dir = parent
	}
}

func cacheDir(t testing.TB) string {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	d := filepath.Join(base, "greenroom-plugintest")
	if err := os.MkdirAll(d, 0o700); err != nil {
		t.Fatal(err)
	}
	return d
}

// hashTree hashes every regular file under the dirs (skipping built .wasm files).
func hashTree(t testing.TB, dirs ...string) string {
	h := sha256.New()
	h.Write([]byte(runtime.Version()))
	for _, d := range dirs {
		var files []string
		_ = filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.IsDir() && (e.Name() == "node_modules" || e.Name() == "testdata") {
				return filepath.SkipDir
			}
			if e.Type().IsRegular() && !strings.HasSuffix(p, ".wasm") {
				files = append(files, p)
			}
			return nil
		})
		sort.Strings(files)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			h.Write([]byte(f))
			h.Write(b)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:20]
}

// Go builds the Go plugin in dir (relative to the repo root, e.g. examples/hello-go)
// with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared, packs its plugin.yaml, and returns
// the path of the packed module.
func Go(t testing.TB, dir string) string {
	t.Helper()
	return GoWithManifest(t, dir, filepath.Join(dir, "plugin.yaml"))
}

// GoWithManifest is Go with the manifest taken from another file (relative to the repo
// root), for Go modules that have none of their own, such as plain Extism PDK plugins.
func GoWithManifest(t testing.TB, dir, manifest string) string {
	t.Helper()
	root := Root(t)
	src := filepath.Join(root, dir)
	man := filepath.Join(root, manifest)
	key := hashTree(t, src, filepath.Join(root, "sdk", "go"), man)
	out := filepath.Join(cacheDir(t), filepath.Base(dir)+"-"+key+".wasm")
	if _, err := os.Stat(out); err == nil {
		return out
	}
	raw := filepath.Join(t.TempDir(), "raw.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", raw, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("plugintest: building %s: %v\n%s", dir, err, b)
	}
	return packTo(t, raw, man, out)
}

// WAT assembles a .wat file with wat2wasm (Debian's wabt) and, when manifest is not
// empty, packs that plugin.yaml into it. Paths are relative to the repo root.
func WAT(t testing.TB, watPath, manifest string) string {
	t.Helper()
	root := Root(t)
	src := filepath.Join(root, watPath)
	key := hashTree(t, src)
	if manifest != "" {
		key = hashTree(t, src, filepath.Join(root, manifest))
	}
	out := filepath.Join(cacheDir(t), strings.TrimSuffix(filepath.Base(watPath), ".wat")+"-"+key+".wasm")
	if _, err := os.Stat(out); err == nil {
		return out
	}
	raw := filepath.Join(t.TempDir(), "raw.wasm")
	if b, err := exec.Command("wat2wasm", src, "-o", raw).CombinedOutput(); err != nil {
		t.Fatalf("plugintest: wat2wasm %s (install Debian's wabt): %v\n%s", watPath, err, b)
	}
	if manifest == "" {
		b, _ := os.ReadFile(raw)
		writeAtomic(t, out, b)
		return out
	}
	return packTo(t, raw, filepath.Join(root, manifest), out)
}

// Packed returns the path of a committed, already packed module (relative to the repo
// root), failing the test if it is missing or has no manifest.
func Packed(t testing.TB, path string) string {
	t.Helper()
	p := filepath.Join(Root(t), path)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("plugintest: %v", err)
	}
	if !strings.Contains(string(b), abi.ManifestSection) {
		t.Fatalf("plugintest: %s has no manifest section", path)
	}
	return p
}

func packTo(t testing.TB, raw, manifest, out string) string {
	t.Helper()
	m, err := pack.ReadManifest(manifest)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	packed, err := pack.Pack(b, m)
	if err != nil {
		t.Fatal(err)
	}
	writeAtomic(t, out, packed)
	return out
}

func writeAtomic(t testing.TB, path string, b []byte) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.Write(b); err != nil {
		t.Fatal(err)
	}
	tmp.Close()
	if err := os.Rename(tmp.Name(), path); err != nil {
		t.Fatal(err)
	}
}

// Copy copies the file src to dst and returns dst.
func Copy(t testing.TB, src, dst string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}
