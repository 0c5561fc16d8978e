package wasmtest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	buildMu sync.Mutex
	built   = map[string][]byte{}
)

// buildGo builds the Go plugin in dir (relative to this package) with the standard
// toolchain for wasip1, once per test binary.
func buildGo(t testing.TB, dir string) []byte {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if b, ok := built[dir]; ok {
		return b
	}
	trackInputs(t, "..", dir)
	out := filepath.Join(t.TempDir(), "plugin.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s for wasip1: %v\n%s", dir, err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	built[dir] = b
	return b
}

// customSection returns the payload of the custom section name, or nil.
func customSection(t *testing.T, wasm []byte, name string) []byte {
	t.Helper()
	if len(wasm) < 8 || !bytes.Equal(wasm[:4], []byte("\x00asm")) {
		t.Fatal("not a WebAssembly module")
	}
	uleb := func(b []byte) (uint64, int) {
		var v uint64
		for i, c := range b {
			v |= uint64(c&0x7f) << (7 * i)
			if c < 0x80 {
				return v, i + 1
			}
		}
		t.Fatal("truncated LEB128")
		return 0, 0
	}
	for p := 8; p < len(wasm); {
		id := wasm[p]
		size, n := uleb(wasm[p+1:])
		body := wasm[p+1+n : p+1+n+int(size)]
		p += 1 + n + int(size)
		if id != 0 {
			continue
		}
		l, m := uleb(body)
		if string(body[m:m+int(l)]) == name {
			return body[m+int(l):]
		}
	}
	return nil
}

// checkManifest checks that the packed module carries a manifest for id whose routes
// include want.
func checkManifest(t *testing.T, wasm []byte, id string, want ...string) {
	t.Helper()
	sec := customSection(t, wasm, "greenroom.manifest")
	if sec == nil {
		t.Fatalf("module has no greenroom.manifest section; pack it with build.sh")
	}
	var m struct {
		ABI    string `json:"abi"`
		ID     string `json:"id"`
		Routes []struct{ Method, Path string }
	}
	if err := json.Unmarshal(sec, &m); err != nil {
		t.Fatalf("greenroom.manifest is not JSON: %v", err)
	}
	var routes []string
	for _, r := range m.Routes {
		routes = append(routes, r.Method+" "+r.Path)
	}
	if m.ABI != "v1" || m.ID != id || !strings.Contains(strings.Join(routes, ","), strings.Join(want, ",")) {
		t.Errorf("manifest %s, want abi v1, id %s, routes %v", sec, id, want)
	}
}

// greenroomImports returns the names of the greenroom:host/v1 functions a module imports,
// and fails on any import outside the ABI's namespaces.
func greenroomImports(t *testing.T, h *host) []string {
	t.Helper()
	var out []string
	for _, imp := range h.imports {
		switch {
		case strings.HasPrefix(imp, "greenroom:host/v1."):
			out = append(out, strings.TrimPrefix(imp, "greenroom:host/v1."))
		case strings.HasPrefix(imp, "extism:host/env."), strings.HasPrefix(imp, "wasi_snapshot_preview1."):
		default:
			t.Errorf("import %s is outside the ABI", imp)
		}
	}
	return out
}

func mustRead(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// trackInputs reads every file in dirs (not their subdirectories), so that go test's
// result cache, which notes the files a test opens, is invalidated when the sources that
// a child process (go build, clang) compiles change.
func trackInputs(t testing.TB, dirs ...string) {
	t.Helper()
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Type().IsRegular() {
				if _, err := os.ReadFile(filepath.Join(dir, e.Name())); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}
