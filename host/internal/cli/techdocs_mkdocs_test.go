package cli

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

	"greenroom.dev/greenroom/host/internal/plugintest"
)

var titleTag = regexp.MustCompile(`<title>([^<]*)</title>`)

// TestTechDocsSameAsMkdocs builds one tree with Debian's mkdocs and with the plugin
// (greenroom techdocs build), and compares the page set (every URL that has an
// index.html), the page titles, and the search index's entries (location and title of
// each page and section).
func TestTechDocsSameAsMkdocs(t *testing.T) {
	mkdocs, err := exec.LookPath("mkdocs")
	if err != nil {
		if os.Getenv("CI") != "" || os.Getenv("GREENROOM_REQUIRE_TOOLS") != "" {
			t.Fatal("mkdocs is not installed (Debian's mkdocs package)")
		}
		t.Skip("mkdocs is not installed (apt-get install mkdocs)")
	}
	dir := t.TempDir()
	for name, content := range map[string]string{
		"mkdocs.yml":               "site_name: Same\nnav:\n  - Start: index.md\n  - guide/setup.md\n  - Ops:\n    - ops/runbook.md\n    - Site: https://example.com\n",
		"docs/index.md":            "Intro without a heading.\n",
		"docs/guide/setup.md":      "\n\n# Setting things up\n\ntext",
		"docs/guide/README.md":     "# Guide readme\n",
		"docs/guide/second.md":     "---\ntitle: From front matter\n---\n# Ignored\n",
		"docs/ops/runbook.md":      "Text first\n# Not a title\n\nBody.\n\n## Page the on-call\n\nCall.\n\n### Escalate\n\nUp.\n",
		"docs/ops/on-call_rota.md": "no title",
		"docs/ops/CamelCase.md":    "x",
		"docs/deep/er/down.md":     "# Down ## here\n",
		"docs/img/logo.png":        "png",
	} {
		writeTree(t, dir, name, content)
	}
	theirsDir := filepath.Join(t.TempDir(), "mkdocs")
	if b, err := exec.Command(mkdocs, "build", "-q", "-f", filepath.Join(dir, "mkdocs.yml"), "-d", theirsDir).CombinedOutput(); err != nil {
		t.Fatalf("mkdocs build: %v\n%s", err, b)
	}
	oursDir := filepath.Join(t.TempDir(), "ours")
	if code, stdout, stderr := run(t, "techdocs", "build", dir, "-o", oursDir, "--plugin", plugintest.TechDocs(t)); code != 0 {
		t.Fatalf("greenroom techdocs build: exit %d\n%s\n%s", code, stdout, stderr)
	}
	theirs, ours := pageTitles(t, theirsDir), pageTitles(t, oursDir)
	ours[""] = "Same" // mkdocs' theme titles the home page with the site name only
	if got, want := keysOf(ours), keysOf(theirs); got != want {
		t.Errorf("page set:\n ours   %s\n mkdocs %s", got, want)
	}
	for url, title := range theirs {
		if ours[url] != title {
			t.Errorf("%q: title %q, mkdocs %q", url, ours[url], title)
		}
	}
	if got, want := searchEntries(t, oursDir), searchEntries(t, theirsDir); got != want {
		t.Errorf("search index entries:\n ours\n%s\n mkdocs\n%s", got, want)
	}
}

// pageTitles maps each page of a built site (a directory URL with an index.html) to
// its <title> without the site name.
func pageTitles(t *testing.T, site string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(site, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Name() != "index.html" {
			return nil
		}
		rel, _ := filepath.Rel(site, filepath.Dir(p))
		url := filepath.ToSlash(rel) + "/"
		if rel == "." {
			url = ""
		}
		b, _ := os.ReadFile(p)
		title := ""
		if m := titleTag.FindSubmatch(b); m != nil {
			title = strings.TrimSuffix(html.UnescapeString(string(m[1])), " - Same")
		}
		out[url] = title
		return nil
	})
	return out
}

// searchEntries are the location and title of every entry of a site's
// search/search_index.json, sorted.
func searchEntries(t *testing.T, site string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(site, "search", "search_index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var idx struct {
		Docs []struct{ Location, Title string }
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range idx.Docs {
		out = append(out, e.Location+" "+e.Title)
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func keysOf(m map[string]string) string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return strings.Join(k, " ")
}
