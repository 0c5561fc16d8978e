package repocheck

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEveryModuleChecked: every Go module in the repository is linted by the test task
// (.ci/test.sh's module list), so a new plugin or fixture cannot slip past gofmt, vet,
// staticcheck and go mod tidy. Template skeletons are not modules of the repository:
// their go.mod is a file a template renders.
func TestEveryModuleChecked(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join(root, ".ci", "test.sh"))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	block := regexp.MustCompile(`(?s)modules='\n(.*?)'`).FindSubmatch(script)
	if block == nil {
		t.Fatal(".ci/test.sh: no modules='...' list")
	}
	for _, line := range strings.Split(string(block[1]), "\n") {
		if f := strings.Fields(line); len(f) == 2 {
			listed[f[0]] = true
		}
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git" || d.Name() == "skeleton") {
			return filepath.SkipDir
		}
		if d.Name() != "go.mod" {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		if !listed[rel] {
			t.Errorf("%s/go.mod is a module the test task does not check: add %q to the modules list in .ci/test.sh", rel, rel+" host")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
