package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/plugintest"
	"greenroom.dev/greenroom/host/internal/wasmfile"
)

// recipe returns the fenced code block that follows the `<!-- recipe:name` marker in a
// Markdown file.
func recipe(t *testing.T, doc, name string) string {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(doc))
	found, in := false, false
	var b strings.Builder
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !found && strings.HasPrefix(line, "<!-- recipe:"+name+" "):
			found = true
		case found && !in && strings.HasPrefix(line, "```"):
			in = true
		case in && strings.HasPrefix(line, "```"):
			return b.String()
		case in:
			b.WriteString(line + "\n")
		}
	}
	t.Fatalf("no code block after <!-- recipe:%s ... --> in the document", name)
	return ""
}

// TestPluginAuthorRecipe follows docs/plugin-authors.md as a plugin author outside the
// repository would: examples/hello-go in a directory of its own, with the go.mod the page
// shows (its replace line pointing at this checkout), built and packed by the page's
// commands, with no module fetched from anywhere.
func TestPluginAuthorRecipe(t *testing.T) {
	root := plugintest.Root(t)
	docBytes, err := os.ReadFile(filepath.Join(root, "docs", "plugin-authors.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(docBytes)
	const placeholder = "/path/to/greenroom"
	gomod, build := recipe(t, doc, "go.mod"), recipe(t, doc, "build")

	// The replace line is the one the SDK's README shows too, for the module sdk/go is.
	var replace string
	for _, l := range strings.Split(gomod, "\n") {
		if strings.HasPrefix(l, "replace ") {
			replace = l
		}
	}
	sdkMod, err := os.ReadFile(filepath.Join(root, "sdk", "go", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	modPath := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(string(sdkMod), "\n", 2)[0], "module "))
	if want := "replace " + modPath + " => " + placeholder + "/sdk/go"; replace != want {
		t.Fatalf("the documented replace line is %q, want %q (sdk/go/go.mod is module %s)", replace, want, modPath)
	}
	readme, err := os.ReadFile(filepath.Join(root, "sdk", "go", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), replace) {
		t.Errorf("sdk/go/README.md does not show the replace line of docs/plugin-authors.md: %s", replace)
	}

	// The plugin's own directory, outside the repository.
	dir := filepath.Join(t.TempDir(), "my-plugin")
	if rel, err := filepath.Rel(root, dir); err == nil && !strings.HasPrefix(rel, "..") {
		t.Fatalf("%s is inside the repository %s", dir, root)
	}
	src := filepath.Join(root, "examples", "hello-go")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		n := e.Name()
		if !e.Type().IsRegular() || n == "go.mod" || n == "go.sum" || strings.HasSuffix(n, ".wasm") {
			continue
		}
		plugintest.Copy(t, filepath.Join(src, n), filepath.Join(dir, n))
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(strings.ReplaceAll(gomod, placeholder, root)), 0o644); err != nil {
		t.Fatal(err)
	}

	// The page's commands, with `greenroom` on PATH, no workspace, no module proxy and
	// no toolchain download: the replace line alone must resolve the SDK.
	bin := filepath.Join(t.TempDir(), "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(buildBinary(t), filepath.Join(bin, "greenroom")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-ex", "-c", build)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"GOWORK=off", "GOFLAGS=", "GOPROXY=off", "GOTOOLCHAIN=local", "GOOS=", "GOARCH=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the documented build failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "plugin:  hello-go") {
		t.Errorf("inspect did not show the plugin:\n%s", out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "my-plugin.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	mod, err := wasmfile.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	man, err := mod.Manifest()
	if err != nil || man.ID != "hello-go" {
		t.Fatalf("my-plugin.wasm: manifest %v (%v), want hello-go's", man, err)
	}
	if !mod.HasExport("gr_http") || !mod.HasExport("_initialize") {
		t.Fatalf("my-plugin.wasm exports %+v; a c-shared module exports _initialize and gr_http", mod.Exports)
	}
}
