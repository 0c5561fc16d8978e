package pluginkit

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot is the repository root, two directories up from this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// requireTools skips a test whose tool is missing, unless CI or GREENROOM_REQUIRE_TOOLS
// says every tool must be there.
func requireTools(t *testing.T, err error) {
	t.Helper()
	var missing *MissingToolError
	if errors.As(err, &missing) && os.Getenv("CI") == "" && os.Getenv("GREENROOM_REQUIRE_TOOLS") == "" {
		t.Skip(err)
	}
}

// TestTechDocsRust runs the TechDocs plugin's Rust tests (the site builder's and the
// routes', sync's and search's on the SDK's test host), built natively by the same
// crate builder that builds the plugin.
func TestTechDocsRust(t *testing.T) {
	var log strings.Builder
	bin, err := TechDocsTests(repoRoot(t)).Build(context.Background(), &log)
	if err != nil {
		requireTools(t, err)
		t.Fatalf("building the tests: %v\n%s", err, log.String())
	}
	out, err := exec.Command(bin).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "test result: ok.") {
		t.Fatalf("plugins/techdocs' Rust tests: %v\n%s", err, out)
	}
	if testing.Verbose() {
		t.Logf("%s", out)
	}
}

// TestRustBuildMissingCrates: without the Debian crates, a build says which packages to
// install and builds nothing.
func TestRustBuildMissingCrates(t *testing.T) {
	t.Setenv("GREENROOM_CARGO_REGISTRY", t.TempDir())
	if _, err := Rustc(); err != nil {
		requireTools(t, &MissingToolError{err.Error()})
	}
	_, err := TechDocs(repoRoot(t)).Build(context.Background(), &strings.Builder{})
	var missing *MissingToolError
	if !errors.As(err, &missing) || !strings.Contains(err.Error(), "apt-get install librust-pulldown-cmark-dev librust-yaml-rust-dev librust-unicode-normalization-dev") {
		t.Fatalf("err = %v; want a MissingToolError naming the three packages", err)
	}
	// A crate root that is not there names the file.
	gone := TechDocs(t.TempDir())
	if _, err := gone.Build(context.Background(), &strings.Builder{}); err == nil || errors.As(err, &missing) || !strings.Contains(err.Error(), "plugins/techdocs/src/lib.rs is missing; build from a Greenroom checkout") {
		t.Fatalf("missing crate root: %v", err)
	}
	// A crate the table does not know is a plain error.
	b := TechDocs(repoRoot(t))
	b.Crates = []string{"serde_json"}
	if _, err := b.Build(context.Background(), &strings.Builder{}); err == nil || errors.As(err, &missing) || !strings.Contains(err.Error(), "serde_json") {
		t.Fatalf("unknown crate: %v", err)
	}
}
