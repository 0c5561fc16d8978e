package site

import (
	"bytes"
	"fmt"
	"html"
	"path"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	"golang.org/x/text/unicode/norm"
)

// Heading is one entry of a page's table of contents.
type Heading struct {
	Level int    `json:"level"`
	ID    string `json:"id"`
	Title string `json:"title"`
}

// pageCtx is what the transformer needs of the page it converts.
type pageCtx struct {
	src      string // the Markdown file, relative to docs_dir
	url      string // the page's URL, relative to the site root ("" or "x/")
	site     *builder
	toc      []Heading
	h1       string
	warnings []string
}

var pageKey = parser.NewContextKey()

// newMarkdown is goldmark with what techdocs-core enables: tables, strikethrough,
// autolinks, task lists, footnotes, definition lists, attr_list on headings,
// admonitions, details and tabbed blocks, highlighted code, and heading anchors. Raw
// HTML is left out and unsafe link schemes are dropped.
func newMarkdown() goldmark.Markdown { return newMarkdownWith(extension.Linkify) }

// newMarkdownPlain is newMarkdown without autolinks, for pages that cannot hold one
// (mayLinkify): goldmark calls the linkify parser at every space and emphasis mark,
// about a fifth of a page's parsing inside WebAssembly, to find nothing.
func newMarkdownPlain() goldmark.Markdown { return newMarkdownWith() }

// mayLinkify says whether goldmark's linkify could find anything in src: it links only
// text that starts with http:, https:, ftp: or www., or an e-mail address (with @).
func mayLinkify(src []byte) bool {
	return bytes.Contains(src, []byte("http")) || bytes.Contains(src, []byte("ftp:")) ||
		bytes.Contains(src, []byte("www.")) || bytes.IndexByte(src, '@') >= 0
}

func newMarkdownWith(extra ...goldmark.Extender) goldmark.Markdown {
	return goldmark.New(
		goldmark.WithExtensions(append([]goldmark.Extender{extension.Table, extension.Strikethrough, extension.TaskList, extension.Footnote, extension.DefinitionList}, extra...)...),
		goldmark.WithParserOptions(
			parser.WithAttribute(),
			parser.WithBlockParsers(util.Prioritized(admonitionParser(), 150), util.Prioritized(tabParser(), 150)),
			parser.WithASTTransformers(util.Prioritized(transformer{}, 1000)),
		),
		goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(&docRenderer{}, 100))),
	)
}

type transformer struct{}

// Transform gives headings their anchors and collects the table of contents, groups
// tabs, and rewrites relative links the way mkdocs does.
func (transformer) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	p, _ := pc.Get(pageKey).(*pageCtx)
	if p == nil {
		return
	}
	src := reader.Source()
	groupTabs(doc)
	used := map[string]bool{}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			title := plainText(n, src)
			var id string
			if v, ok := n.AttributeString("id"); ok {
				if b, ok := v.([]byte); ok {
					id = string(b)
				}
			}
			if id == "" {
				id = uniqueSlug(slugify(title), used)
				n.SetAttributeString("id", []byte(id))
			}
			used[id] = true
			if n.Level == 1 && p.h1 == "" {
				p.h1 = title
			}
			if n.Level > 1 {
				p.toc = append(p.toc, Heading{Level: n.Level, ID: id, Title: title})
			}
		case *ast.Link:
			n.Destination = []byte(p.rewrite(string(n.Destination), false))
		case *ast.Image:
			n.Destination = []byte(p.rewrite(string(n.Destination), true))
		}
		return ast.WalkContinue, nil
	})
}

// plainText is a node's text without markup.
func plainText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Segment.Value(src))
			if c.SoftLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.CodeSpan:
			for ch := c.FirstChild(); ch != nil; ch = ch.NextSibling() {
				if t, ok := ch.(*ast.Text); ok {
					b.Write(t.Segment.Value(src))
				}
			}
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return strings.TrimSpace(b.String())
}

// slugify is Python-Markdown's toc slugify: NFKD, ASCII only, word characters, spaces
// and hyphens kept, lower case, runs of spaces and hyphens made one hyphen.
func slugify(s string) string {
	s = norm.NFKD.String(s)
	var kept strings.Builder
	kept.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			kept.WriteByte(c + 'a' - 'A')
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_', c == '-', c == ' ', c == '\t', c == '\n', c == '\r', c == '\f', c == '\v':
			kept.WriteByte(c)
		}
	}
	var b strings.Builder
	run := false
	for _, c := range []byte(strings.TrimSpace(kept.String())) {
		if c == '-' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' {
			run = true
			continue
		}
		if run {
			b.WriteByte('-')
		}
		run = false
		b.WriteByte(c)
	}
	if run {
		b.WriteByte('-')
	}
	return b.String()
}

// uniqueSlug adds _1, _2, ... to a slug already used on the page, as Python-Markdown does.
func uniqueSlug(id string, used map[string]bool) string {
	if id == "" {
		id = "_"
	}
	if !used[id] {
		return id
	}
	for i := 1; ; i++ {
		if c := id + "_" + strconv.Itoa(i); !used[c] {
			return c
		}
	}
}

// rewrite resolves a link of the page as mkdocs does: a relative link to a Markdown
// file becomes the relative URL of its page (x.md from a/b.md is ../x/ under
// use_directory_urls), a link to another file the relative URL of that file. A link
// that leaves docs_dir, an absolute path or a URL with a scheme other than http, https,
// mailto and ftp is neutralised ("#") with a warning naming the page.
func (p *pageCtx) rewrite(dest string, image bool) string {
	if dest == "" || strings.HasPrefix(dest, "#") {
		return dest
	}
	what := "link"
	if image {
		what = "image"
	}
	if isExternal(dest) {
		scheme := strings.ToLower(dest[:max(strings.IndexByte(dest, ':'), 0)])
		switch scheme {
		case "http", "https", "mailto", "ftp", "":
			return dest
		}
		p.warn("%s %q uses the scheme %s:, which is not served; use http(s) or a relative path", what, excerpt(dest), scheme)
		return "#"
	}
	if strings.HasPrefix(dest, "/") || strings.HasPrefix(dest, "\\") {
		p.warn("%s %q is an absolute path; write it relative to the page (mkdocs resolves links against docs_dir)", what, excerpt(dest))
		return "#"
	}
	target, suffix := dest, ""
	if i := strings.IndexAny(target, "?#"); i >= 0 {
		target, suffix = target[:i], target[i:]
	}
	if target == "" {
		return dest
	}
	resolved := path.Join(path.Dir(p.src), strings.ReplaceAll(target, "%20", " "))
	if resolved == ".." || strings.HasPrefix(resolved, "../") {
		p.warn("%s %q leads outside docs_dir; link only to files inside the docs", what, excerpt(dest))
		return "#"
	}
	if pg, ok := p.site.pagesBySrc[resolved]; ok {
		return relURL(pg.URL, p.url) + suffix
	}
	if strings.HasSuffix(strings.ToLower(resolved), ".md") {
		p.warn("%s %q: the target %s is not among the documentation files", what, excerpt(dest), resolved)
		return dest
	}
	if resolved == "." || p.site.dirs[resolved] {
		if resolved == "." {
			resolved = ""
		} else {
			resolved += "/"
		}
		return relURL(resolved, p.url) + suffix
	}
	if _, ok := p.site.assets[resolved]; !ok {
		p.warn("%s %q: the target %s is not among the documentation files", what, excerpt(dest), resolved)
	}
	return relURL(resolved, p.url) + suffix
}

func (p *pageCtx) warn(format string, args ...any) {
	p.warnings = append(p.warnings, p.src+": "+fmt.Sprintf(format, args...))
}

// relURL is mkdocs' get_relative_url: the URL of target (relative to the site root)
// as seen from the page at base (a directory URL such as "a/b/" or "").
func relURL(target, base string) string {
	bp := splitDir(base)
	tp := strings.Split(target, "/")
	// The last element of target is a file name, or "" for a directory URL.
	dirs, file := tp[:len(tp)-1], tp[len(tp)-1]
	i := 0
	for i < len(bp) && i < len(dirs) && bp[i] == dirs[i] {
		i++
	}
	var b strings.Builder
	for range bp[i:] {
		b.WriteString("../")
	}
	for _, d := range dirs[i:] {
		b.WriteString(d + "/")
	}
	b.WriteString(file)
	if b.Len() == 0 {
		return "./"
	}
	return b.String()
}

func splitDir(u string) []string {
	u = strings.TrimSuffix(u, "/")
	if u == "" {
		return nil
	}
	return strings.Split(u, "/")
}

func excerpt(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// docRenderer renders the nodes above, headings with a permalink, code highlighted by
// the site's own highlighter (highlight.go) with doc-hl- classes, and task list boxes as characters (the host's sanitiser
// keeps no form controls). Its classes all start with doc-.
type docRenderer struct{}

func (r *docRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(KindAdmonition, r.admonition)
	reg.Register(KindTab, r.tab)
	reg.Register(KindTabSet, r.tabSet)
	reg.Register(ast.KindHeading, r.heading)
	reg.Register(ast.KindFencedCodeBlock, r.code)
	reg.Register(ast.KindCodeBlock, r.code)
	reg.Register(east.KindTaskCheckBox, r.checkBox)
}

// classWord keeps the characters a doc- class may have (a-z, 0-9, -).
func classWord(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return -1
	}, s)
}

func (r *docRenderer) admonition(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*Admonition)
	class := "doc-admonition doc-" + classWord(n.Variant)
	if !entering {
		if n.Details {
			w.WriteString("</details>\n")
		} else {
			w.WriteString("</div>\n")
		}
		return ast.WalkContinue, nil
	}
	if n.Details {
		w.WriteString(`<details class="` + class + `"`)
		if n.Open {
			w.WriteString(" open")
		}
		w.WriteString(`><summary class="doc-admonition-title">` + html.EscapeString(n.Title) + "</summary>\n")
		return ast.WalkContinue, nil
	}
	w.WriteString(`<div class="` + class + `">` + "\n")
	if n.HasHead {
		w.WriteString(`<p class="doc-admonition-title">` + html.EscapeString(n.Title) + "</p>\n")
	}
	return ast.WalkContinue, nil
}

func (r *docRenderer) tabSet(w util.BufWriter, _ []byte, _ ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		w.WriteString(`<div class="doc-tabbed">` + "\n")
	} else {
		w.WriteString("</div>\n")
	}
	return ast.WalkContinue, nil
}

func (r *docRenderer) tab(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		w.WriteString(`<div class="doc-tab"><p class="doc-tab-label">` + html.EscapeString(node.(*Tab).Label) + "</p>\n")
	} else {
		w.WriteString("</div>\n")
	}
	return ast.WalkContinue, nil
}

// headerlinkMark ends a heading's permalink.
const headerlinkMark = "¶</a>"

func (r *docRenderer) heading(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.Heading)
	level := string("0123456"[n.Level])
	id := ""
	if v, ok := n.AttributeString("id"); ok {
		if b, ok := v.([]byte); ok {
			id = string(b)
		}
	}
	if entering {
		w.WriteString("<h" + level + ` id="` + html.EscapeString(id) + `">`)
		return ast.WalkContinue, nil
	}
	w.WriteString(`<a class="doc-headerlink" href="#` + html.EscapeString(id) + `" title="Permanent link">` + headerlinkMark + `</h` + level + ">\n")
	return ast.WalkContinue, nil
}

func (r *docRenderer) checkBox(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	if node.(*east.TaskCheckBox).IsChecked {
		w.WriteString(`<span class="doc-task doc-task-done" role="img" aria-label="done">☑</span> `)
	} else {
		w.WriteString(`<span class="doc-task" role="img" aria-label="to do">☐</span> `)
	}
	return ast.WalkContinue, nil
}

func (r *docRenderer) code(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	var lang string
	if f, ok := node.(*ast.FencedCodeBlock); ok && f.Info != nil {
		info := string(f.Info.Segment.Value(src))
		if i := strings.IndexAny(info, " {"); i >= 0 {
			info = info[:i]
		}
		lang = strings.ToLower(strings.TrimPrefix(info, "."))
	}
	var code strings.Builder
	lines := node.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		code.Write(seg.Value(src))
	}
	class := "doc-highlight"
	if lang != "" {
		class += " doc-lang-" + classWord(lang)
	}
	var out strings.Builder
	out.Grow(3*code.Len() + 128)
	out.WriteString(`<div class="` + class + `"><pre class="doc-code"><code`)
	if lang != "" && classWord(lang) == lang {
		out.WriteString(` class="language-` + lang + `"`)
	}
	out.WriteString(">")
	if !highlight(&out, lang, code.String()) {
		out.WriteString(html.EscapeString(code.String()))
	}
	out.WriteString("</code></pre></div>\n")
	w.WriteString(out.String())
	return ast.WalkSkipChildren, nil
}
