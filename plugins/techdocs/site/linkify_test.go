package site

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

func renderWith(t *testing.T, md goldmark.Markdown, src []byte) string {
	t.Helper()
	b := &builder{cfg: &Config{DocsDir: "docs"}, pagesBySrc: map[string]*Page{}, assets: map[string][]byte{}, dirs: map[string]bool{}}
	ctx := parser.NewContext()
	ctx.Set(pageKey, &pageCtx{src: "a/page.md", url: "a/page/", site: b})
	var out bytes.Buffer
	if err := md.Renderer().Render(&out, src, md.Parser().Parse(text.NewReader(src), parser.WithContext(ctx))); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// TestPlainMarkdownSameHTML: a page that mayLinkify says has nothing to link renders
// the same without goldmark's linkify as with it, over real Markdown (the repo's docs
// and example sites, with what linkify looks for taken out), the generated benchmark
// pages and constructs where linkify's triggers (spaces, *, _, ~, parentheses) meet
// other inline syntax; and a page with something to link is not taken for plain.
func TestPlainMarkdownSameHTML(t *testing.T) {
	corpus := map[string][]byte{
		"tricky": []byte("*a* _b_ ~~c~~ (d) **e**\n  lead  \ntrail  \nhard\\\nx * y _ z ~ w ( v\n\n" +
			"- [ ] task *x*\n- (paren) ~~s~~\n\n| a _b_ | (c) |\n|---|---|\n| ~~d~~ | *e* |\n\n" +
			"Term *x*\n:   Def (y)\n\nText[^1] (see).\n\n[^1]: Note *z*.\n\n> quote _q_ (r)\n\n" +
			"`code (x) *y*` [link *a*](other.md) ![img (b)](i.png) \\* \\_ \\(\n\n## Head *x* {#id}\n"),
	}
	for name, src := range genTree(30) {
		corpus[name] = src
	}
	root := filepath.Join("..", "..", "..")
	for _, glob := range []string{"docs/*.md", "examples/catalog/docs/*/docs/*.md", "examples/catalog/docs/*/docs/*/*.md", "README.md"} {
		files, _ := filepath.Glob(filepath.Join(root, glob))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s := strings.NewReplacer("http", "hxxp", "ftp:", "ftp;", "www.", "w.w.", "@", "(at)").Replace(string(b))
			corpus[f] = []byte(s)
		}
	}
	if len(corpus) < 40 {
		t.Fatalf("only %d documents in the corpus", len(corpus))
	}
	md, plain := newMarkdown(), newMarkdownPlain()
	for name, src := range corpus {
		if mayLinkify(src) {
			t.Errorf("%s: mayLinkify with nothing to link", name)
			continue
		}
		if a, b := renderWith(t, md, src), renderWith(t, plain, src); a != b {
			t.Errorf("%s: renders differently without linkify:\n%s\n---\n%s", name, a, b)
		}
	}
	for _, src := range []string{"see http://example.com now", "see https://example.com", "ftp://example.com/x", "www.example.com", "mail ops@example.com"} {
		if !mayLinkify([]byte(src)) {
			t.Errorf("%q: not taken for a page with a link to find", src)
		}
		if html := renderWith(t, md, []byte(src)); !strings.Contains(html, "<a href=") {
			t.Errorf("%q: linkify links nothing: %s", src, html)
		}
	}
}
