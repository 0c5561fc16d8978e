package repocheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocProblems runs the doc rules on packages written for the purpose, including the
// shapes found in this repository before the rules existed: a package with no doc
// comment, and a doc.go whose prose followed the package clause.
func TestDocProblems(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pkg   string // package name; the directory is named "tool"
		files map[string]string
		want  []string // substrings of the problems, in order; none means no problem
	}{
		{name: "documented", pkg: "a", files: map[string]string{
			"a.go": "// Package a does one thing.\npackage a\n\nfunc F() {}\n"}},
		{name: "doc.go beside undocumented files", pkg: "a", files: map[string]string{
			"a.go":   "package a\n\nfunc F() {}\n",
			"doc.go": "// Package a does one thing.\n//\n// # Details\n//\n// More.\npackage a\n"}},
		{name: "build constraint above the doc", pkg: "a", files: map[string]string{
			"a.go": "//go:build linux\n\n// Package a does one thing.\npackage a\n"}},
		{name: "command", pkg: "main", files: map[string]string{
			"main.go": "// Command tool does one thing.\npackage main\n\nfunc main() {}\n"}},
		{name: "missing", pkg: "a", files: map[string]string{
			"a.go": "package a\n\nfunc F() {}\n"},
			want: []string{`no package doc comment: add one starting "Package a ..."`}},
		{name: "prose after the package clause", pkg: "a", files: map[string]string{
			"a.go":   "// Package a does one thing.\npackage a\n",
			"doc.go": "package a\n\n// How it works\n//\n// At length.\n"},
			want: []string{"doc.go:3: this file has no declarations"}},
		{name: "doc after the package clause", pkg: "a", files: map[string]string{
			"a.go": "package a\n\n// Package a does one thing.\n\nfunc F() {}\n"},
			want: []string{"a.go:3: a comment starting \"Package a \" is not directly above", "no package doc comment"}},
		{name: "blank line before the package clause", pkg: "a", files: map[string]string{
			"a.go": "// Package a does one thing.\n\npackage a\n"},
			want: []string{"a.go:1: a comment starting \"Package a \" is not directly above", "no package doc comment"}},
		{name: "not a description of the package", pkg: "a", files: map[string]string{
			"a.go": "// F does one thing.\npackage a\n\nfunc F() {}\n"},
			want: []string{`a.go: the package doc comment starts "F does one thing."; it should start "Package a ..."`}},
		{name: "another package's name", pkg: "a", files: map[string]string{
			"a.go": "// Package b does one thing.\npackage a\n"},
			want: []string{`it should start "Package a ..."`}},
		{name: "command described as a package", pkg: "main", files: map[string]string{
			"main.go": "// Package main does one thing.\npackage main\n\nfunc main() {}\n"},
			want: []string{`it should start "Command tool ..."`}},
		{name: "two files with doc comments", pkg: "a", files: map[string]string{
			"a.go": "// Package a does one thing.\npackage a\n",
			"b.go": "// Package a does another.\npackage a\n"},
			want: []string{"package doc comments in a.go and b.go: go doc joins them; keep one"}},
		{name: "no Go files", pkg: "a", want: []string{"no non-test Go file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "tool")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			p := listedPackage{Dir: dir, ImportPath: "example.com/tool", Name: tc.pkg}
			for _, name := range []string{"a.go", "b.go", "doc.go", "main.go"} { // go list's order
				if src, ok := tc.files[name]; ok {
					if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
						t.Fatal(err)
					}
					p.GoFiles = append(p.GoFiles, name)
				}
			}
			got := docProblems(p)
			if len(got) != len(tc.want) {
				t.Fatalf("problems %q, want %d matching %q", got, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %d is %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}
