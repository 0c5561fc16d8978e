package site

import (
	"fmt"
	"strings"
	"testing"
)

// TestBadInput: each bad docs tree gets an error that names the file (and line) and
// the fix, or builds with a warning that does, and never reads outside the tree.
func TestBadInput(t *testing.T) {
	many := tree("mkdocs.yml", "site_name: x")
	for i := 0; i < 60; i++ {
		many[fmt.Sprintf("docs/p%d.md", i)] = []byte("# p")
	}
	for _, c := range []struct {
		name  string
		files map[string][]byte
		opts  Options
		want  string
	}{
		{"no mkdocs.yml", tree("docs/index.md", "# x"), Options{},
			"Could not read MkDocs YAML config file mkdocs.yml or mkdocs.yaml for validation: neither file is at the root of the docs source"},
		{"no site_name", tree("mkdocs.yml", "nav: []", "docs/index.md", "x"), Options{}, "mkdocs.yml:1: site_name is required"},
		{"not YAML", tree("mkdocs.yml", "site_name: [", "docs/index.md", "x"), Options{}, "mkdocs.yml: not valid YAML"},
		{"not a mapping", tree("mkdocs.yaml", "- a", "docs/index.md", "x"), Options{}, "mkdocs.yaml:1: the file must be a mapping"},
		{"absolute docs_dir", tree("mkdocs.yml", "site_name: x\ndocs_dir: /etc", "docs/index.md", "x"), Options{},
			`mkdocs.yml:2: docs_dir "/etc": docs_dir configuration value in mkdocs can't be an absolute directory or start with ../ for security reasons.`},
		{"docs_dir up", tree("mkdocs.yml", "site_name: x\ndocs_dir: docs/../../secrets", "docs/index.md", "x"), Options{},
			`mkdocs.yml:2: docs_dir "docs/../../secrets": docs_dir configuration value in mkdocs can't be an absolute directory or start with ../`},
		{"empty docs_dir", tree("mkdocs.yml", "site_name: x\ndocs_dir: site", "docs/index.md", "x"), Options{},
			`mkdocs.yml: docs_dir "site" has no files; create site/index.md`},
		{"bad nav", tree("mkdocs.yml", "site_name: x\nnav: {a: b}", "docs/index.md", "x"), Options{}, "mkdocs.yml:2: nav must be a list"},
		{"too many files", many, Options{MaxFiles: 50}, "the docs source has 61 files, more than the limit of 50 (plugin config maxFiles)"},
		{"a large file", tree("mkdocs.yml", "site_name: x", "docs/index.md", "x", "docs/big.bin", strings.Repeat("x", 2048)), Options{MaxFileSize: 1024},
			"docs/big.bin: the file is 2048 bytes, more than the limit of 1024 (plugin config maxFileSize)"},
	} {
		_, err := Build(c.files, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// TestBadInputWarnings: problems that mkdocs builds past are warnings naming the file
// and the fix; links that leave the docs are neutralised.
func TestBadInputWarnings(t *testing.T) {
	s, err := Build(tree(
		"mkdocs.yml", "site_name: x\nnav:\n  - index.md\n  - Gone: missing.md\n",
		"docs/index.md", "[up](../../etc/passwd) ![abs](/etc/passwd) [win](C:/x) [missing](nope.md) [ok](sub/)\n\nbad \xff byte",
		"docs/sub/index.md", "# Sub",
		"secret.txt", "outside docs_dir",
	), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(s.Warnings, "\n")
	for _, want := range []string{
		`mkdocs.yml:4: nav names "missing.md", which is not among the documentation files in docs; fix the path (relative to docs_dir) or add the file`,
		`docs/index.md: link "../../etc/passwd" leads outside docs_dir; link only to files inside the docs`,
		`docs/index.md: image "/etc/passwd" is an absolute path; write it relative to the page`,
		`docs/index.md: link "C:/x" uses the scheme c:, which is not served`,
		`docs/index.md: link "nope.md": the target nope.md is not among the documentation files`,
		`docs/index.md: not valid UTF-8; invalid bytes are shown as U+FFFD. Save the file as UTF-8`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings lack %s:\n%s", want, got)
		}
	}
	c, _ := Content(s.Files["index.html"])
	for _, want := range []string{`<a href="#">up</a>`, `<img src="#" alt="abs">`, `<a href="sub/">ok</a>`, "bad \uFFFD byte"} {
		if !strings.Contains(string(c), want) {
			t.Errorf("page lacks %s:\n%s", want, c)
		}
	}
	if _, ok := s.Files["secret.txt"]; ok || strings.Contains(string(c), "etc/passwd\"") {
		t.Error("a file outside docs_dir is in the site")
	}
	if navString(s.Nav) != "Home=" || len(s.Pages) != 2 {
		t.Errorf("nav %s, %d pages: a missing nav file is left out, every Markdown file is a page", navString(s.Nav), len(s.Pages))
	}
}
