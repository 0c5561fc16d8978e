package repocheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// listedPackage is the part of `go list -json` output that the doc check reads.
type listedPackage struct {
	Dir, ImportPath, Name string
	GoFiles               []string
	Error                 *struct{ Err string }
}

// TestPackageDocs fails for every package of the root module (go list ./...) whose
// package doc comment is missing, misplaced, split over files or misnamed; see
// docProblems for the rules.
func TestPackageDocs(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("the root module is expected at %s: %v", root, err)
	}
	readModuleDirs(t, root)
	pkgs := goList(t, root)
	found := false
	for _, p := range pkgs {
		found = found || p.ImportPath == "greenroom.dev/greenroom/host/internal/repocheck"
		for _, problem := range docProblems(p) {
			t.Errorf("%s: %s", p.ImportPath, problem)
		}
	}
	if !found {
		t.Fatalf("go list ./... in %s did not list this package; it listed %d", root, len(pkgs))
	}
}

// readModuleDirs reads every directory of the module under root in this process. go
// test's cache hashes the files and directories a test opens, but not what a child
// process such as go list reads; without this, adding a package would not rerun a cached
// TestPackageDocs. Nested modules, testdata, node_modules and hidden directories are not
// part of the root module and are skipped.
func readModuleDirs(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || path == root {
			return err
		}
		name := d.Name()
		if name == "testdata" || name == "node_modules" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
			return filepath.SkipDir
		}
		if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// goList runs `go list -json ./...` in dir.
func goList(t *testing.T, dir string) []listedPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json=Dir,ImportPath,Name,GoFiles,Error", "./...")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list ./... in %s: %v\n%s", dir, err, stderr.Bytes())
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// docProblems reports what is wrong with a package's doc comment, if anything. The rules,
// so that `go doc <package>` shows one proper description:
//   - exactly one of the package's non-test Go files has a comment directly above its
//     package clause (go doc joins the comments of several files);
//   - it starts "Package <name> " or, for a main package, "Command <directory> ";
//   - no other comment starting that way sits elsewhere (after the package clause, or
//     separated from it by a blank line), and no file without declarations carries
//     comments after its package clause: both are a doc comment that go doc never shows.
func docProblems(p listedPackage) []string {
	if p.Error != nil {
		return []string{"go list: " + p.Error.Err}
	}
	if len(p.GoFiles) == 0 {
		return []string{"no non-test Go file to hold the package doc comment; add a doc.go"}
	}
	want := "Package " + p.Name + " "
	if p.Name == "main" {
		want = "Command " + filepath.Base(p.Dir) + " "
	}
	var problems, withDoc []string
	for _, name := range p.GoFiles {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.ParseComments)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if f.Doc != nil {
			withDoc = append(withDoc, name)
			if text := f.Doc.Text(); !strings.HasPrefix(text, want) {
				first, _, _ := strings.Cut(text, "\n")
				problems = append(problems, fmt.Sprintf("%s: the package doc comment starts %q; it should start %q", name, first, want+"..."))
			}
		}
		for _, cg := range f.Comments {
			if cg == f.Doc {
				continue
			}
			line := fset.Position(cg.Pos()).Line
			switch {
			case strings.HasPrefix(cg.Text(), want):
				problems = append(problems, fmt.Sprintf("%s:%d: a comment starting %q is not directly above the package clause, so go doc does not show it", name, line, want))
			case len(f.Decls) == 0 && cg.Pos() > f.Package:
				problems = append(problems, fmt.Sprintf("%s:%d: this file has no declarations, only comments after its package clause; go doc does not show them: put the package doc directly above `package %s`", name, line, p.Name))
			}
		}
	}
	switch len(withDoc) {
	case 0:
		problems = append(problems, fmt.Sprintf("no package doc comment: add one starting %q directly above `package %s` (in doc.go if it is long)", want+"...", p.Name))
	case 1:
	default:
		problems = append(problems, fmt.Sprintf("package doc comments in %s: go doc joins them; keep one", strings.Join(withDoc, " and ")))
	}
	return problems
}
