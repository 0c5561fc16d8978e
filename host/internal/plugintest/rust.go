package plugintest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"greenroom.dev/greenroom/host/internal/pluginkit"
)

// Rust builds the Rust plugin whose crate root is dir/src/lib.rs (relative to the repo
// root) against sdk/rust for wasm32-unknown-unknown and packs dir/plugin.yaml into it,
// caching the result like Go. It skips when no rustc has the wasm32 target, and fails
// then with GREENROOM_REQUIRE_TOOLS or CI set.
func Rust(t testing.TB, dir string) string {
	t.Helper()
	rc, err := pluginkit.Rustc()
	if err != nil {
		if os.Getenv("GREENROOM_REQUIRE_TOOLS") != "" || os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	root := Root(t)
	src := filepath.Join(root, dir)
	sdk := filepath.Join(root, "sdk", "rust")
	man := filepath.Join(src, "plugin.yaml")
	key := hashTree(t, filepath.Join(src, "src"), filepath.Join(sdk, "src"), man)
	out := filepath.Join(cacheDir(t), filepath.Base(dir)+"-"+key+".wasm")
	if _, err := os.Stat(out); err == nil {
		return out
	}
	tmp := t.TempDir()
	for _, args := range pluginkit.RustArgs(filepath.Join(sdk, "src", "lib.rs"), filepath.Join(src, "src", "lib.rs"), tmp, filepath.Join(tmp, "raw.wasm")) {
		if b, err := exec.Command(rc, args...).CombinedOutput(); err != nil {
			t.Fatalf("plugintest: building %s: %v\n%s", dir, err, b)
		}
	}
	return packTo(t, filepath.Join(tmp, "raw.wasm"), man, out)
}
