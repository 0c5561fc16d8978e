package plugintest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/pluginkit"
)

// TechDocs builds the TechDocs plugin (plugins/techdocs) as `go tool task plugins` does:
// its Rust crate (plugins/techdocs/src) with Debian's crates, through
// pluginkit.TechDocs, packed with plugins/techdocs/plugin.yaml, and returns the path of
// the packed module (cached like Go). Without rustc or the crates it skips the test, and
// fails it with GREENROOM_REQUIRE_TOOLS or CI set.
func TechDocs(t testing.TB) string {
	t.Helper()
	root := Root(t)
	var log strings.Builder
	raw, err := pluginkit.TechDocs(root).Build(context.Background(), &log)
	if err != nil {
		var missing *pluginkit.MissingToolError
		if errors.As(err, &missing) && os.Getenv("GREENROOM_REQUIRE_TOOLS") == "" && os.Getenv("CI") == "" {
			t.Skip(err)
		}
		t.Fatalf("plugintest: building plugins/techdocs: %v\n%s", err, log.String())
	}
	man := filepath.Join(root, pluginkit.TechDocsManifest)
	// Keyed by the module's bytes (hashTree leaves .wasm files out) and the manifest.
	mod, err := os.ReadFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(mod)
	out := filepath.Join(cacheDir(t), "techdocs-rust-"+hex.EncodeToString(sum[:8])+"-"+hashTree(t, man)+".wasm")
	if _, err := os.Stat(out); err == nil {
		return out
	}
	return packTo(t, raw, man, out)
}
