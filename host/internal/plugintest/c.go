package plugintest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// C compiles a C plugin (a source file relative to the repo root) with Debian's clang,
// lld and wasi-libc, as the examples' build.sh does, with extra flags (such as -D
// defines), and packs manifest (relative to the repo root) into it. Without clang the
// test is skipped, or fails when CI or GREENROOM_REQUIRE_TOOLS is set.
func C(t testing.TB, src, manifest string, flags ...string) string {
	t.Helper()
	if _, err := exec.LookPath("clang"); err != nil {
		if os.Getenv("CI") != "" || os.Getenv("GREENROOM_REQUIRE_TOOLS") != "" {
			t.Fatal("plugintest: clang is not installed (Debian: clang lld wasi-libc libclang-rt-dev-wasm32)")
		}
		t.Skip("clang is not installed")
	}
	root := Root(t)
	raw := filepath.Join(t.TempDir(), "raw.wasm")
	args := append([]string{"--target=wasm32-wasi", "-O2", "-mexec-model=reactor", "-Wall", "-Wextra", "-Werror", "-Wl,--strip-all", "-o", raw}, flags...)
	args = append(args, filepath.Join(root, src))
	if b, err := exec.Command("clang", args...).CombinedOutput(); err != nil {
		t.Fatalf("plugintest: clang %s: %v\n%s", src, err, b)
	}
	return packTo(t, raw, filepath.Join(root, manifest), filepath.Join(t.TempDir(), filepath.Base(src)+".wasm"))
}
