package site

import (
	"encoding/json"
	"html"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var titleTag = regexp.MustCompile(`<title>([^<]*)</title>`)

// TestSameAsMkdocs builds one tree with Debian's mkdocs and with Build, and compares
// the page set (every URL that has an index.html), the page titles, and the search
// index's entries (location and title of each page and section, in order).
func TestSameAsMkdocs(t *testing.T) {
	mkdocs, err := exec.LookPath("mkdocs")
	if err != nil {
		if os.Getenv("CI") != "" || os.Getenv("GREENROOM_REQUIRE_TOOLS") != "" {
			t.Fatal("mkdocs is not installed (Debian's mkdocs package)")
		}
		t.Skip("mkdocs is not installed (apt-get install mkdocs)")
	}
	files := tree(
		"mkdocs.yml", "site_name: Same\nnav:\n  - Start: index.md\n  - guide/setup.md\n  - Ops:\n    - ops/runbook.md\n    - Site: https://example.com\n",
		"docs/index.md", "Intro without a heading.\n",
		"docs/guide/setup.md", "\n\n# Setting things up\n\ntext",
		"docs/guide/README.md", "# Guide readme\n",
		"docs/guide/second.md", "---\ntitle: From front matter\n---\n# Ignored\n",
		"docs/ops/runbook.md", "Text first\n# Not a title\n\nBody.\n\n## Page the on-call\n\nCall.\n\n### Escalate\n\nUp.\n",
		"docs/ops/on-call_rota.md", "no title",
		"docs/ops/CamelCase.md", "x",
		"docs/deep/er/down.md", "# Down ## here\n",
		"docs/img/logo.png", "png",
	)
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, content, 0o644)
	}
	out := filepath.Join(t.TempDir(), "site")
	if b, err := exec.Command(mkdocs, "build", "-q", "-f", filepath.Join(dir, "mkdocs.yml"), "-d", out).CombinedOutput(); err != nil {
		t.Fatalf("mkdocs build: %v\n%s", err, b)
	}
	theirs := map[string]string{}
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Name() != "index.html" {
			return nil
		}
		rel, _ := filepath.Rel(out, filepath.Dir(p))
		url := filepath.ToSlash(rel) + "/"
		if rel == "." {
			url = ""
		}
		b, _ := os.ReadFile(p)
		title := ""
		if m := titleTag.FindSubmatch(b); m != nil {
			title = strings.TrimSuffix(html.UnescapeString(string(m[1])), " - Same")
		}
		theirs[url] = title
		return nil
	})
	s, err := Build(files, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ours := map[string]string{}
	for _, p := range s.Pages {
		ours[p.URL] = p.Title
	}
	ours[""] = "Same" // mkdocs' theme titles the home page with the site name only
	if got, want := keysOf(ours), keysOf(theirs); got != want {
		t.Errorf("page set:\n ours   %s\n mkdocs %s", got, want)
	}
	for url, title := range theirs {
		if ours[url] != title {
			t.Errorf("%q: title %q, mkdocs %q", url, ours[url], title)
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "search", "search_index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var idx struct{ Docs []SearchEntry }
	if err := json.Unmarshal(b, &idx); err != nil {
		t.Fatal(err)
	}
	entries := func(es []SearchEntry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Location+" "+e.Title)
		}
		sort.Strings(out)
		return out
	}
	if got, want := strings.Join(entries(s.Search), "\n"), strings.Join(entries(idx.Docs), "\n"); got != want {
		t.Errorf("search index entries:\n ours\n%s\n mkdocs\n%s", got, want)
	}
}

func keysOf(m map[string]string) string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return strings.Join(k, " ")
}
