package plugintest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/pluginkit"
)

// TinyGoPath is the tinygo that tests use: $TINYGO, else the one `go tool task tinygo`
// installs (pluginkit.TinyGoInstalled). It skips the test when that is not installed,
// and fails it with GREENROOM_REQUIRE_TOOLS or CI set.
func TinyGoPath(t testing.TB) string {
	t.Helper()
	tg := os.Getenv("TINYGO")
	if tg == "" {
		tg = pluginkit.TinyGoInstalled()
	}
	if _, err := os.Stat(tg); err != nil {
		if os.Getenv("GREENROOM_REQUIRE_TOOLS") != "" || os.Getenv("CI") != "" {
			t.Fatalf("plugintest: TinyGo is not installed at %s (go tool task tinygo)", tg)
		}
		t.Skipf("TinyGo is not installed at %s (go tool task tinygo)", tg)
	}
	return tg
}

// TinyGo builds the Go plugin in dir (relative to the repo root) with TinyGo, as `plugin
// build --compiler tinygo` does (the target in sdk/go/tinygo), packs its plugin.yaml and
// returns the path of the packed module, cached like Go. opts are extra tinygo build
// flags, such as -gc=conservative, for comparisons.
func TinyGo(t testing.TB, dir string, opts ...string) string {
	t.Helper()
	tg := TinyGoPath(t)
	root := Root(t)
	src := filepath.Join(root, dir)
	man := filepath.Join(src, "plugin.yaml")
	key := hashTree(t, src, filepath.Join(root, "sdk", "go"), man, tg)
	if len(opts) > 0 {
		sum := sha256.Sum256([]byte(strings.Join(opts, "\x00")))
		key += "-" + hex.EncodeToString(sum[:4])
	}
	out := filepath.Join(cacheDir(t), filepath.Base(dir)+"-tinygo-"+key+".wasm")
	if _, err := os.Stat(out); err == nil {
		return out
	}
	raw := filepath.Join(t.TempDir(), "raw.wasm")
	args := pluginkit.TinyGoArgs(filepath.Join(root, "sdk", "go", "tinygo", "wasip1-debian.json"), raw)
	args = append(append(args[:len(args)-1:len(args)-1], opts...), args[len(args)-1])
	cmd := exec.Command(tg, args...)
	cmd.Dir = src
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("plugintest: tinygo %s in %s: %v\n%s", strings.Join(args, " "), dir, err, b)
	}
	return packTo(t, raw, man, out)
}
