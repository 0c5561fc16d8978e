package site

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func tree(kv ...string) map[string][]byte {
	m := map[string][]byte{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = []byte(kv[i+1])
	}
	return m
}

func build(t *testing.T, files map[string][]byte) *Site {
	t.Helper()
	s, err := Build(files, Options{ETag: "e1", Now: time.UnixMilli(1700000000000)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func page(t *testing.T, s *Site, url string) *Page {
	t.Helper()
	for _, p := range s.Pages {
		if p.URL == url {
			return p
		}
	}
	t.Fatalf("no page at %q", url)
	return nil
}

func navString(items []*NavItem) string {
	var parts []string
	for _, it := range items {
		switch {
		case it.Children != nil:
			parts = append(parts, it.Title+"["+navString(it.Children)+"]")
		case it.External:
			parts = append(parts, it.Title+"->"+it.URL)
		default:
			parts = append(parts, it.Title+"="+it.URL)
		}
	}
	return strings.Join(parts, " ")
}

// TestMkdocsRules: the page set, URLs, titles and nav follow mkdocs' own rules.
func TestMkdocsRules(t *testing.T) {
	s := build(t, tree(
		"mkdocs.yml", "site_name: Payments\nsite_description: How we take money\nrepo_url: https://github.com/acme/pay/\nedit_uri: edit/main/docs/\nmarkdown_extensions:\n  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\nnav:\n  - Home: index.md\n  - guide/setup.md\n  - Guide:\n    - Usage: guide/usage.md\n    - API docs: https://example.com/api\n",
		"docs/index.md", "# Welcome\n\nHello.",
		"docs/guide/setup.md", "---\ntitle: Setting up\n---\n# Setup heading\n",
		"docs/guide/usage.md", "Some text\n# Not a first line title\n",
		"docs/guide/README.md", "# Guide readme\n",
		"docs/ops/runbook_on-call.md", "no heading",
		"docs/ops/index.md", "# Ops\n",
		"docs/ops/README.md", "# ignored: index.md wins\n",
		"docs/img/logo.png", "\x89PNG",
		"docs/.hidden.md", "# hidden",
	))
	want := map[string]string{
		"":                     "Home",            // nav label
		"guide/setup/":         "Setting up",      // front matter
		"guide/usage/":         "Usage",           // nav label over file name
		"guide/":               "Guide readme",    // README.md is the folder's index
		"ops/runbook_on-call/": "Runbook on call", // file name
		"ops/":                 "Ops",             // first line
	}
	if len(s.Pages) != len(want) {
		t.Errorf("pages: %d, want %d (every Markdown file, nav or not; README beside index.md and dot files left out)", len(s.Pages), len(want))
	}
	for url, title := range want {
		if p := page(t, s, url); p.Title != title {
			t.Errorf("%q title %q, want %q", url, p.Title, title)
		}
	}
	if got := navString(s.Nav); got != "Home= Setting up=guide/setup/ Guide[Usage=guide/usage/ API docs->https://example.com/api]" {
		t.Errorf("nav: %s", got)
	}
	if p := page(t, s, "guide/setup/"); p.Edit != "https://github.com/acme/pay/edit/main/docs/guide/setup.md" {
		t.Errorf("edit link from repo_url and edit_uri: %q", p.Edit)
	}
	if p := page(t, s, "guide/setup/"); p.Prev == nil || p.Prev.URL != "" || p.Next == nil || p.Next.URL != "guide/usage/" {
		t.Errorf("prev/next: %+v %+v", p.Prev, p.Next)
	}
	for _, f := range []string{"index.html", "guide/setup/index.html", "ops/runbook_on-call/index.html", "img/logo.png", MetadataFile, SiteFile, SearchFile, ThemeFile} {
		if _, ok := s.Files[f]; !ok {
			t.Errorf("no file %s", f)
		}
	}
	var meta Metadata
	if err := json.Unmarshal(s.Files[MetadataFile], &meta); err != nil || meta.SiteName != "Payments" || meta.SiteDescription != "How we take money" || meta.ETag != "e1" || meta.BuildTimestamp != 1700000000000 || len(meta.Files) != len(s.Files) {
		t.Errorf("metadata: %+v %v", meta, err)
	}
	// Front matter is stripped.
	if c, _ := Content(s.Files["guide/setup/index.html"]); strings.Contains(string(c), "title: Setting up") {
		t.Errorf("front matter rendered: %s", c)
	}
	// No nav: every page, sorted, index first, folders as sections.
	s = build(t, tree("mkdocs.yaml", "site_name: x", "docs/b.md", "b", "docs/index.md", "i", "docs/a-folder/z.md", "z", "docs/a-folder/index.md", "# A index"))
	if got := navString(s.Nav); got != "Home= A folder[A index=a-folder/ Z=a-folder/z/] B=b/" {
		t.Errorf("nav from files: %s", got)
	}
}

// TestLinks: relative links are rewritten as mkdocs rewrites them, with served URLs
// ending in /.
func TestLinks(t *testing.T) {
	s := build(t, tree(
		"mkdocs.yml", "site_name: x\n",
		"docs/index.md", "[setup](guide/setup.md) [anchor](guide/setup.md#install) ![logo](img/logo.png) [web](https://example.com) [mail](mailto:a@b.c) [here](#top)",
		"docs/guide/setup.md", "[home](../index.md) [other](../other.md) [sib](usage.md) ![logo](../img/logo.png) [dir](./)",
		"docs/guide/usage.md", "u",
		"docs/other.md", "o",
		"docs/img/logo.png", "png",
	))
	for _, c := range []struct{ url, want string }{
		{"", `href="guide/setup/"`},
		{"", `href="guide/setup/#install"`},
		{"", `src="img/logo.png"`},
		{"", `href="https://example.com"`},
		{"", `href="mailto:a@b.c"`},
		{"", `href="#top"`},
		{"guide/setup/", `href="../../"`},
		{"guide/setup/", `href="../../other/"`},
		{"guide/setup/", `href="../usage/"`},
		{"guide/setup/", `src="../../img/logo.png"`},
	} {
		content, _ := Content(s.Files[c.url+"index.html"])
		if !strings.Contains(string(content), c.want) {
			t.Errorf("page %q lacks %s:\n%s", c.url, c.want, content)
		}
	}
	// The reader serves the page at the same relative place, and files from the
	// static route.
	content, _ := Content(s.Files["guide/setup/index.html"])
	r := string(ForReader(content, "guide/setup/", "/docs/default/component/x/", "/api/techdocs/static/docs/default/component/x/"))
	for _, want := range []string{`src="/api/techdocs/static/docs/default/component/x/img/logo.png"`, `href="/docs/default/component/x/guide/usage/"`, `href="/docs/default/component/x/"`, `href="/docs/default/component/x/other/"`, `href="/docs/default/component/x/guide/"`} {
		if !strings.Contains(r, want) {
			t.Errorf("reader lacks %s: %s", want, r)
		}
	}
	if strings.Contains(r, `="../`) {
		t.Errorf("reader: %s", r)
	}
}

// TestMarkdownExtensions: what techdocs-core enables renders.
func TestMarkdownExtensions(t *testing.T) {
	src := "# Title\n\n" +
		"| a | b |\n|---|---|\n| 1 | 2 |\n\n" +
		"```python\ndef f():\n    return 1\n```\n\n" +
		"!!! note\n    Take *note*.\n\n" +
		"!!! warning \"Careful now\"\n    Hot.\n\n" +
		"??? tip \"More\"\n    Hidden.\n\n" +
		"???+ info\n    Shown.\n\n" +
		"Text[^1].\n\n[^1]: The note.\n\n" +
		"Term\n:   Definition\n\n" +
		"- [x] done\n- [ ] todo\n\n" +
		"## Section {#custom-id}\n\n" +
		"## Café & Bar\n\n## Café & Bar\n\n" +
		"=== \"Go\"\n    ```go\n    fmt.Println(1)\n    ```\n=== \"Shell\"\n    echo 1\n\n" +
		"<script>alert(1)</script>\n\n[x](javascript:alert(1)) ![y](data:text/html,hi)\n"
	s := build(t, tree("mkdocs.yml", "site_name: x", "docs/index.md", src))
	content, _ := Content(s.Files["index.html"])
	c := string(content)
	for _, want := range []string{
		"<table>", "<td>1</td>",
		`<div class="doc-highlight doc-lang-python"><pre class="doc-code"><code class="language-python">`, `<span class="doc-hl-k">def</span>`,
		`<div class="doc-admonition doc-note">` + "\n" + `<p class="doc-admonition-title">Note</p>` + "\n<p>Take <em>note</em>.</p>",
		`<p class="doc-admonition-title">Careful now</p>`,
		`<details class="doc-admonition doc-tip"><summary class="doc-admonition-title">More</summary>`,
		`<details class="doc-admonition doc-info" open>`,
		`<sup id="fnref:1">`, "The note.",
		"<dl>", "<dt>Term</dt>", "<dd>Definition</dd>",
		`<span class="doc-task doc-task-done" role="img" aria-label="done">☑</span> done`,
		`<h2 id="custom-id">Section`,
		`<h2 id="cafe-bar">`, `<h2 id="cafe-bar_1">`,
		`<h1 id="title">Title<a class="doc-headerlink" href="#title" title="Permanent link">¶</a></h1>`,
		`<div class="doc-tabbed">` + "\n" + `<div class="doc-tab"><p class="doc-tab-label">Go</p>`, `<p class="doc-tab-label">Shell</p>`,
		"<!-- raw HTML omitted -->",
	} {
		if !strings.Contains(c, want) {
			t.Errorf("lacks %s", want)
		}
	}
	for _, bad := range []string{"<script", "javascript:", "data:text/html"} {
		if strings.Contains(c, bad) {
			t.Errorf("has %s:\n%s", bad, c)
		}
	}
	toc := page(t, s, "").TOC
	if len(toc) != 3 || toc[0].ID != "custom-id" || toc[1].Title != "Café & Bar" || toc[2].ID != "cafe-bar_1" {
		t.Errorf("toc: %+v", toc)
	}
	if len(strings.Split(c, `<div class="doc-tabbed">`)) != 2 {
		t.Errorf("the two tabs are not one tab set:\n%s", c)
	}
	if testing.Verbose() {
		t.Log(c)
	}
}

// TestSlugify: Python-Markdown's toc slugs.
func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"Café & Bar": "cafe-bar", "Hello, World!": "hello-world", "-Leading - and trailing-": "-leading-and-trailing-",
		"snake_case stays": "snake_case-stays", "Ünïcödé": "unicode", "日本語": "", "  a  b  ": "a-b", "v1.2 (beta)": "v12-beta",
	} {
		if got := slugify(in); got != want {
			t.Errorf("slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSearchSections: the search index holds each page with its whole text, then one
// entry per heading with the text up to the next heading, at the heading's anchor, as
// mkdocs' search plugin writes it; text before the first heading is only the page's.
func TestSearchSections(t *testing.T) {
	s := build(t, tree(
		"mkdocs.yml", "site_name: S\n",
		"docs/index.md", "Before.\n\n# Home\n\nHi &amp; welcome.\n",
		"docs/guide.md", "# Guide\n\nIntro text.\n\n## Install it\n\nRun `go`.\n\n### Deep {#custom}\n\nMore.\n",
	))
	want := []SearchEntry{
		{"", "Home", "Before. Home Hi & welcome."},
		{"#home", "Home", "Hi & welcome."},
		{"guide/", "Guide", "Guide Intro text. Install it Run go . Deep More."},
		{"guide/#guide", "Guide", "Intro text."},
		{"guide/#install-it", "Install it", "Run go ."},
		{"guide/#custom", "Deep", "More."},
	}
	got := map[string]SearchEntry{}
	for _, e := range s.Search {
		got[e.Location] = e
	}
	if len(s.Search) != len(want) {
		t.Errorf("%d entries, want %d: %+v", len(s.Search), len(want), s.Search)
	}
	for _, w := range want {
		if g := got[w.Location]; g != w {
			t.Errorf("%q: %+v, want %+v", w.Location, g, w)
		}
	}
	var idx struct{ Docs []SearchEntry }
	if err := json.Unmarshal(s.Files[SearchFile], &idx); err != nil || len(idx.Docs) != len(want) {
		t.Errorf("%s: %v %s", SearchFile, err, s.Files[SearchFile])
	}
}
