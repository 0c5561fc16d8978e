package wasmtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// buildTinyGo builds the Go plugin in dir (relative to this package) with TinyGo, as
// `greenroom plugin build --compiler tinygo` does (pluginkit.TinyGoArgs, the target in
// ../tinygo), once per test binary. TinyGo is $TINYGO, else where `go tool task tinygo`
// installs it; without it the test skips, or fails with GREENROOM_REQUIRE_TOOLS or CI set.
func buildTinyGo(t testing.TB, dir string) []byte {
	t.Helper()
	tg := os.Getenv("TINYGO")
	if tg == "" {
		cache, _ := os.UserCacheDir()
		tg = filepath.Join(cache, "greenroom", "tinygo", "v0.41.0", "build", "tinygo")
	}
	if _, err := os.Stat(tg); err != nil {
		if os.Getenv("GREENROOM_REQUIRE_TOOLS") != "" || os.Getenv("CI") != "" {
			t.Fatalf("TinyGo is not installed at %s (go tool task tinygo), and GREENROOM_REQUIRE_TOOLS or CI is set", tg)
		}
		t.Skipf("TinyGo is not installed at %s (go tool task tinygo)", tg)
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	key := "tinygo:" + dir
	if b, ok := built[key]; ok {
		return b
	}
	trackInputs(t, "..", dir)
	target, err := filepath.Abs(filepath.Join("..", "tinygo", "wasip1-debian.json"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "plugin.wasm")
	cmd := exec.Command(tg, "build", "-target", target, "-buildmode=c-shared", "-opt=2", "-no-debug", "-o", out, ".")
	cmd.Dir = dir
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s with TinyGo: %v\n%s", dir, err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	built[key] = b
	return b
}
