package cli

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/plugintest"
)

// TestREADMECommands runs every `./bin/greenroom ...` line of the README's shell blocks,
// as written, from a copy of the repository root's config, catalog and plugins (the Go
// plugins built as `go tool task plugins` builds them), with /tmp/ replaced by a
// temporary directory. `serve` is left out: it runs until stopped (TestServeExamples
// serves the same config).
func TestREADMECommands(t *testing.T) {
	root := plugintest.Root(t)
	lines := readmeCommands(t, filepath.Join(root, "README.md"))
	if len(lines) < 8 {
		t.Fatalf("found %d ./bin/greenroom lines in the README; the parser lost them", len(lines))
	}

	// A copy of what the commands read, laid out as in the repository.
	work := t.TempDir()
	copyTree(t, filepath.Join(root, "examples", "catalog"), filepath.Join(work, "examples", "catalog"))
	plugintest.Copy(t, filepath.Join(root, "app-config.yaml"), filepath.Join(work, "app-config.yaml"))
	for _, dir := range []string{"examples/hello-c", "examples/hello-assemblyscript", "examples/hello-action-c"} {
		os.MkdirAll(filepath.Join(work, dir), 0o755)
		id := filepath.Base(dir)
		plugintest.Copy(t, filepath.Join(root, dir, id+".wasm"), filepath.Join(work, dir, id+".wasm"))
		plugintest.Copy(t, filepath.Join(root, dir, "plugin.yaml"), filepath.Join(work, dir, "plugin.yaml"))
	}
	for _, dir := range []string{"examples/hello-go", "plugins/tech-radar", "examples/entity-card"} {
		os.MkdirAll(filepath.Join(work, dir), 0o755)
		plugintest.Copy(t, plugintest.Go(t, dir), filepath.Join(work, dir, filepath.Base(dir)+".wasm"))
	}
	os.MkdirAll(filepath.Join(work, "plugins", "techdocs"), 0o755)
	plugintest.Copy(t, plugintest.TechDocs(t), filepath.Join(work, "plugins", "techdocs", "techdocs.wasm"))
	tmp := t.TempDir()
	t.Chdir(work)

	for _, line := range lines {
		args := strings.Fields(strings.ReplaceAll(line, "/tmp/", tmp+"/"))[1:]
		if args[0] == "serve" {
			continue
		}
		var expanded []string
		for _, a := range args {
			if strings.ContainsAny(a, "*?[") {
				m, err := filepath.Glob(a)
				if err != nil || len(m) == 0 {
					t.Fatalf("%s: the glob %s matches nothing", line, a)
				}
				expanded = append(expanded, m...)
				continue
			}
			expanded = append(expanded, a)
		}
		code, _, stderr := run(t, expanded...)
		if code != 0 {
			t.Errorf("README: %s\nexit %d: %s", line, code, stderr)
		}
	}
}

// readmeCommands returns the ./bin/greenroom command lines of the file's ```sh blocks,
// without their trailing comments.
func readmeCommands(t *testing.T, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	comment := regexp.MustCompile(`\s+#.*$`)
	var out []string
	inSh := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "```sh"):
			inSh = true
		case strings.HasPrefix(line, "```"):
			inSh = false
		case inSh && strings.HasPrefix(line, "./bin/greenroom "):
			out = append(out, comment.ReplaceAllString(line, ""))
		}
	}
	return out
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
