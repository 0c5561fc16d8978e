package plugintest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/pluginkit"
)

// TinyGoPath is the tinygo that tests use, found as `plugin build --compiler tinygo`
// finds it (pluginkit.TinyGo). It skips the test when there is none, and fails it with
// GREENROOM_REQUIRE_TOOLS or CI set.
func TinyGoPath(t testing.TB) string {
	t.Helper()
	tg, err := pluginkit.TinyGo()
	if err != nil {
		if os.Getenv("GREENROOM_REQUIRE_TOOLS") != "" || os.Getenv("CI") != "" {
			t.Fatalf("plugintest: %v", err)
		}
		t.Skip(err)
	}
	return tg
}

// TinyGo builds the Go plugin in dir (relative to the repo root) with TinyGo, as `plugin
// build --compiler tinygo` does (the target in sdk/go/tinygo), packs its plugin.yaml and
// returns the path of the packed module, cached like Go.
func TinyGo(t testing.TB, dir string) string {
	t.Helper()
	tg := TinyGoPath(t)
	root := Root(t)
	src := filepath.Join(root, dir)
	man := filepath.Join(src, "plugin.yaml")
	out := filepath.Join(cacheDir(t), filepath.Base(dir)+"-tinygo-"+hashTree(t, src, filepath.Join(root, "sdk", "go"), man, tg)+".wasm")
	if _, err := os.Stat(out); err == nil {
		return out
	}
	raw := filepath.Join(t.TempDir(), "raw.wasm")
	args := pluginkit.TinyGoArgs(filepath.Join(root, "sdk", "go", "tinygo", "wasip1-debian.json"), raw)
	cmd := exec.Command(tg, args...)
	cmd.Dir = src
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("plugintest: tinygo %s in %s: %v\n%s", strings.Join(args, " "), dir, err, b)
	}
	return packTo(t, raw, man, out)
}
