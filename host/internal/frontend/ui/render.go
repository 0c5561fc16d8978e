package ui

import (
	"bytes"
	"html"
	"regexp"
	"strconv"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
)

var (
	// markdown turns CommonMark+GFM into HTML. Raw HTML is let through here and
	// removed or cleaned by sanitizer afterwards, so both paths share one policy.
	markdown = goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithRendererOptions(gmhtml.WithUnsafe()),
	)
	sanitizer = newSanitizer()
	langClass = regexp.MustCompile(`[^a-z0-9+#_-]`)
	docClass  = regexp.MustCompile(`^doc-[a-z0-9-]{1,40}( doc-[a-z0-9-]{1,40}){0,4}$`)
)

func newSanitizer() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[a-zA-Z0-9+#_-]+$`)).OnElements("code")
	// Documents a plugin renders (TechDocs) style their parts with classes of the
	// host's doc- family (theme.css), never the host's own gr- classes.
	p.AllowAttrs("class").Matching(docClass).Globally()
	p.AllowElements("nav", "article", "footer", "details", "summary")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	return p
}

// SanitizeHTML cleans HTML from a plugin: no script, style, event handlers, forms,
// frames, SVG or URLs other than http, https, mailto and relative ones.
func SanitizeHTML(s string) string { return sanitizer.Sanitize(s) }

// MarkdownHTML renders Markdown (CommonMark with GitHub extensions) to sanitised HTML.
func MarkdownHTML(src string) string {
	var b bytes.Buffer
	if err := markdown.Convert([]byte(src), &b); err != nil {
		return "<p>" + html.EscapeString(src) + "</p>"
	}
	return sanitizer.SanitizeReader(&b).String()
}

// SafeURL returns u if a browser following it cannot run script: a relative URL or an
// http, https or mailto one. Anything else (javascript:, data:, vbscript:, URLs with
// control characters) gives "".
func SafeURL(u string) string {
	if u == "" {
		return ""
	}
	for i := 0; i < len(u); i++ {
		if c := u[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return ""
		}
	}
	if i := strings.IndexAny(u, ":/?#"); i >= 0 && u[i] == ':' {
		switch strings.ToLower(u[:i]) {
		case "http", "https", "mailto":
		default:
			return ""
		}
	}
	return u
}

// Render writes the HTML of a tree into buf and returns the title of the first page
// component it met (for the document's <title>). The tree should have been validated;
// Render copes with any tree without panicking.
func Render(buf *bytes.Buffer, n *Node) (title string) {
	r := renderer{b: buf}
	r.node(n, 0)
	return r.title
}

type renderer struct {
	b     *bytes.Buffer
	title string
	tabs  int
}

func (r *renderer) s(s string)   { r.b.WriteString(s) }
func (r *renderer) esc(s string) { r.b.WriteString(html.EscapeString(s)) }

func (r *renderer) attr(name, val string) {
	r.b.WriteByte(' ')
	r.b.WriteString(name)
	r.b.WriteString(`="`)
	r.esc(val)
	r.b.WriteByte('"')
}

func (r *renderer) children(ns []Node, depth int) {
	for i := range ns {
		r.node(&ns[i], depth+1)
	}
}

// blocks renders the children of a page, card or tab panel, where text and links
// stand on their own lines as paragraphs.
func (r *renderer) blocks(ns []Node, depth int) {
	for i := range ns {
		if t := ns[i].Type; t == TypeText || t == TypeLink || t == TypeBadge {
			r.s(`<p class="gr-p">`)
			r.node(&ns[i], depth+1)
			r.s(`</p>`)
			continue
		}
		r.node(&ns[i], depth+1)
	}
}

func external(u string) bool {
	return strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "//")
}

// link writes <a> for a safe URL or a <span> that says the link was removed.
func (r *renderer) link(class, href, text string, current bool) {
	if href == "" {
		r.esc(text)
		return
	}
	u := SafeURL(href)
	if text == "" {
		text = href
	}
	if u == "" {
		r.s(`<span class="` + class + ` gr-link-blocked" title="link removed: unsafe URL">`)
		r.esc(text)
		r.s(`</span>`)
		return
	}
	r.s(`<a class="` + class + `"`)
	r.attr("href", u)
	if external(u) {
		r.s(` rel="noopener noreferrer nofollow"`)
	}
	if current {
		r.s(` aria-current="page"`)
	}
	r.s(`>`)
	r.esc(text)
	r.s(`</a>`)
}

func (r *renderer) node(n *Node, depth int) {
	// The host nests extensions' trees (layout, page, grid, card, ...), so a page may
	// be deeper than one validated tree; this only stops runaway nesting.
	if depth > 2*MaxDepth {
		r.s(`<div class="gr-error" role="alert"><p class="gr-error-title">UI tree too deep</p></div>`)
		return
	}
	switch n.Type {
	case TypeText:
		r.esc(n.Text)
	case TypePage:
		if r.title == "" {
			r.title = n.Title
		}
		r.s(`<div class="gr-page"><header class="gr-page-header"><h1>`)
		r.esc(n.Title)
		r.s(`</h1>`)
		if n.Subtitle != "" {
			r.s(`<p class="gr-subtitle">`)
			r.esc(n.Subtitle)
			r.s(`</p>`)
		}
		r.s(`</header><div class="gr-page-body">`)
		r.blocks(n.Children, depth)
		r.s(`</div></div>`)
	case TypeHeader:
		r.s(`<header class="gr-header"><h2>`)
		r.esc(n.Title)
		r.s(`</h2>`)
		if n.Subtitle != "" {
			r.s(`<p class="gr-subtitle">`)
			r.esc(n.Subtitle)
			r.s(`</p>`)
		}
		if len(n.Children) > 0 {
			r.s(`<div class="gr-header-extra">`)
			r.children(n.Children, depth)
			r.s(`</div>`)
		}
		r.s(`</header>`)
	case TypeCard:
		r.s(`<section class="gr-card">`)
		if n.Title != "" {
			r.s(`<h3 class="gr-card-title">`)
			if n.Href != "" {
				r.link("gr-link", n.Href, n.Title, false)
			} else {
				r.esc(n.Title)
			}
			r.s(`</h3>`)
		}
		r.s(`<div class="gr-card-body">`)
		r.blocks(n.Children, depth)
		r.s(`</div></section>`)
	case TypeGrid:
		r.s(`<div class="gr-grid gr-cols-` + strconv.Itoa(clamp(n.Cols, 0, 4)) + `">`)
		r.children(n.Children, depth)
		r.s(`</div>`)
	case TypeTable:
		r.table(n, depth)
	case TypeTabs:
		r.tabsNode(n, depth)
	case TypeMarkdown:
		r.s(`<div class="gr-markdown">`)
		r.s(MarkdownHTML(n.Text))
		r.s(`</div>`)
	case TypeHTML:
		r.s(`<div class="gr-html">`)
		r.s(SanitizeHTML(n.Text))
		r.s(`</div>`)
	case TypeLink:
		r.link("gr-link", n.Href, n.Text, n.Selected)
	case TypeBadge:
		tone := n.Tone
		switch tone {
		case ToneInfo, ToneSuccess, ToneWarning, ToneDanger:
		default:
			tone = ToneNeutral
		}
		r.s(`<span class="gr-badge gr-tone-` + tone + `">`)
		if IsHexColor(n.Color) {
			// A presentation attribute, not a style: the page's CSP allows no inline style.
			r.s(`<svg class="gr-dot" viewBox="0 0 10 10" aria-hidden="true"><circle cx="5" cy="5" r="5" fill="` + n.Color + `"/></svg>`)
		}
		r.esc(n.Text)
		r.s(`</span>`)
	case TypeKV:
		r.s(`<dl class="gr-kv">`)
		for i := range n.Pairs {
			r.s(`<div><dt>`)
			r.esc(n.Pairs[i].Key)
			r.s(`</dt><dd>`)
			r.node(&n.Pairs[i].Value, depth+1)
			r.s(`</dd></div>`)
		}
		r.s(`</dl>`)
	case TypeCode:
		r.s(`<pre class="gr-code"><code`)
		lang := langClass.ReplaceAllString(strings.ToLower(n.Language), "")
		if lang != "" {
			r.attr("class", "language-"+lang)
		}
		r.s(`>`)
		if !highlightCode(r.b, lang, n.Text) {
			r.esc(n.Text)
		}
		r.s(`</code></pre>`)
	case TypeList:
		tag := "ul"
		if n.Ordered {
			tag = "ol"
		}
		r.s(`<` + tag + ` class="gr-list">`)
		for i := range n.Children {
			r.s(`<li>`)
			r.node(&n.Children[i], depth+1)
			r.s(`</li>`)
		}
		r.s(`</` + tag + `>`)
	case TypeGroup:
		r.s(`<span class="gr-group">`)
		r.children(n.Children, depth)
		r.s(`</span>`)
	case TypeEmpty:
		r.s(`<div class="gr-empty">`)
		if n.Title != "" {
			r.s(`<p class="gr-empty-title">`)
			r.esc(n.Title)
			r.s(`</p>`)
		}
		if n.Text != "" {
			r.s(`<p>`)
			r.esc(n.Text)
			r.s(`</p>`)
		}
		r.children(n.Children, depth)
		r.s(`</div>`)
	case TypeError:
		r.s(`<div class="gr-error" role="alert"><p class="gr-error-title">`)
		if n.Title == "" {
			r.s("Error")
		} else {
			r.esc(n.Title)
		}
		r.s(`</p>`)
		if n.Text != "" {
			r.s(`<pre class="gr-error-text">`)
			r.esc(n.Text)
			r.s(`</pre>`)
		}
		r.s(`</div>`)
	case TypeChart:
		r.chart(n.Chart)
	case TypeForm:
		r.form(n)
	case TypeLayout:
		r.layout(n, depth)
	case TypeAccount:
		r.s(`<div class="gr-account">`)
		r.children(n.Children, depth)
		r.s(`</div>`)
	case TypeMenu:
		r.s(`<details class="gr-menu"><summary class="gr-menu-button">`)
		r.esc(n.Title)
		r.s(`</summary><div class="gr-menu-body">`)
		for i := range n.Children {
			r.s(`<div class="gr-menu-item">`)
			r.node(&n.Children[i], depth+1)
			r.s(`</div>`)
		}
		r.s(`</div></details>`)
	case TypeAction:
		r.action(n)
	case TypeButton:
		r.link("gr-button", n.Href, n.Text, false)
	case TypeCopy:
		r.s(`<button type="button" class="gr-button gr-copy"`)
		r.attr("data-gr-copy", n.Text)
		r.attr("title", "Copy "+n.Text)
		r.s(`>`)
		r.esc(n.Title)
		r.s(`</button>`)
	case TypeLive:
		r.s(`<span hidden data-gr-live="` + strconv.Itoa(n.Cols) + `"></span>`)
	case TypeImage:
		if u := SafeURL(n.Href); u != "" && !strings.HasPrefix(strings.ToLower(u), "mailto:") {
			r.s(`<img class="gr-image"`)
			r.attr("src", u)
			r.attr("alt", n.Text)
			r.s(` referrerpolicy="no-referrer">`)
		}
	case TypeNav:
		r.s(`<nav class="gr-nav" aria-label="Main"><ul>`)
		for i := range n.Children {
			c := &n.Children[i]
			r.s(`<li>`)
			if c.Type == TypeLink {
				r.link("gr-nav-link", c.Href, c.Text, c.Selected)
			} else {
				r.node(c, depth+1)
			}
			r.s(`</li>`)
		}
		r.s(`</ul></nav>`)
	default:
		r.s(`<div class="gr-error" role="alert"><p class="gr-error-title">Unknown component `)
		r.esc(strconv.Quote(n.Type))
		r.s(`</p></div>`)
	}
}

func clamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

func (r *renderer) table(n *Node, depth int) {
	r.s(`<div class="gr-table-wrap"><table class="gr-table">`)
	if n.Title != "" {
		r.s(`<caption>`)
		r.esc(n.Title)
		r.s(`</caption>`)
	}
	if len(n.Columns) > 0 {
		r.s(`<thead><tr>`)
		for _, c := range n.Columns {
			r.s(`<th scope="col">`)
			r.esc(c)
			r.s(`</th>`)
		}
		r.s(`</tr></thead>`)
	}
	r.s(`<tbody>`)
	for _, row := range n.Rows {
		r.s(`<tr>`)
		for j := range row {
			r.s(`<td>`)
			r.node(&row[j], depth+1)
			r.s(`</td>`)
		}
		r.s(`</tr>`)
	}
	r.s(`</tbody></table></div>`)
}

// tabsNode renders link tabs when every tab has an href, and otherwise CSS-only tabs
// (radio buttons, switched with :has(); all panels are in the page).
func (r *renderer) tabsNode(n *Node, depth int) {
	links := true
	for _, t := range n.Tabs {
		if t.Href == "" {
			links = false
		}
	}
	if links {
		r.s(`<div class="gr-tabs gr-tabs-links"><nav class="gr-tablist" aria-label="Tabs">`)
		sel := -1
		for i, t := range n.Tabs {
			if t.Selected && sel < 0 {
				sel = i
			}
		}
		if sel < 0 {
			sel = 0
		}
		for i, t := range n.Tabs {
			r.link("gr-tab", t.Href, t.Title, i == sel)
		}
		r.s(`</nav><section class="gr-tabpanel-active">`)
		r.blocks(n.Tabs[sel].Children, depth)
		r.s(`</section></div>`)
		return
	}
	r.tabs++
	name := "gr-tabs-" + strconv.Itoa(r.tabs)
	sel := 0
	for i, t := range n.Tabs {
		if t.Selected {
			sel = i
			break
		}
	}
	r.s(`<div class="gr-tabs gr-tabs-css"><div class="gr-tablist" role="radiogroup">`)
	for i, t := range n.Tabs {
		r.s(`<label class="gr-tab"><input type="radio" class="gr-tab-input"`)
		r.attr("name", name)
		if i == sel {
			r.s(` checked`)
		}
		r.s(`> `)
		r.esc(t.Title)
		r.s(`</label>`)
	}
	r.s(`</div>`)
	for i := range n.Tabs {
		r.s(`<section class="gr-tabpanel">`)
		r.blocks(n.Tabs[i].Children, depth)
		r.s(`</section>`)
	}
	r.s(`</div>`)
}

func (r *renderer) form(n *Node) {
	action := SafeURL(n.Action)
	if action == "" || external(action) {
		action = ""
	}
	r.s(`<form class="gr-form" method="get"`)
	if action != "" {
		r.attr("action", action)
	}
	r.s(`>`)
	for _, f := range n.Fields {
		if f.Kind == FieldHidden {
			r.s(`<input type="hidden"`)
			r.attr("name", f.Name)
			r.attr("value", f.Value)
			r.s(`>`)
			continue
		}
		r.s(`<label class="gr-field"><span class="gr-field-label">`)
		r.esc(f.Label)
		r.s(`</span>`)
		switch f.Kind {
		case FieldSelect:
			r.s(`<select`)
			r.attr("name", f.Name)
			r.s(`>`)
			for _, o := range f.Options {
				r.s(`<option`)
				r.attr("value", o.Value)
				if o.Value == f.Value {
					r.s(` selected`)
				}
				r.s(`>`)
				r.esc(o.Label)
				r.s(`</option>`)
			}
			r.s(`</select>`)
		default:
			typ := "text"
			if f.Kind == FieldSearch {
				typ = "search"
			}
			r.s(`<input type="` + typ + `"`)
			r.attr("name", f.Name)
			r.attr("value", f.Value)
			if f.Placeholder != "" {
				r.attr("placeholder", f.Placeholder)
			}
			if f.Error != "" {
				r.s(` aria-invalid="true"`)
			}
			r.s(`>`)
		}
		if f.Help != "" {
			r.s(`<span class="gr-field-help">`)
			r.esc(f.Help)
			r.s(`</span>`)
		}
		if f.Error != "" {
			r.s(`<span class="gr-field-error" role="alert">`)
			r.esc(f.Error)
			r.s(`</span>`)
		}
		r.s(`</label>`)
	}
	submit := n.Submit
	if submit == "" {
		submit = "Apply"
	}
	r.s(`<button type="submit" class="gr-button">`)
	r.esc(submit)
	r.s(`</button></form>`)
}

// action renders a POST form of one button (the host's, or a plugin's to its own routes,
// which DecodeFor checked). Its action must be a path of this origin: a form that would
// post elsewhere is not rendered.
func (r *renderer) action(n *Node) {
	action := SafeURL(n.Action)
	if action == "" || external(action) || !strings.HasPrefix(action, "/") {
		r.s(`<span class="gr-link-blocked" title="action removed: not a path of this portal">`)
		r.esc(n.Submit)
		r.s(`</span>`)
		return
	}
	r.s(`<form class="gr-action" method="post"`)
	r.attr("action", action)
	r.s(`>`)
	for _, f := range n.Fields {
		r.s(`<input type="hidden"`)
		r.attr("name", f.Name)
		r.attr("value", f.Value)
		r.s(`>`)
	}
	class := "gr-button"
	if n.Tone == ToneDanger {
		class = "gr-button gr-button-danger"
	}
	r.s(`<button type="submit" class="` + class + `">`)
	r.esc(n.Submit)
	r.s(`</button></form>`)
}

// layout renders the shell: the top bar (brand, the account area if a child is one,
// the theme toggle), the nav if a child is one, and the other children as the main
// content.
func (r *renderer) layout(n *Node, depth int) {
	r.s(`<input type="checkbox" id="gr-theme" class="gr-theme-input" aria-label="Switch between light and dark theme">`)
	r.s(`<div class="gr-shell"><a class="gr-skip" href="#main">Skip to content</a><header class="gr-topbar"><a class="gr-brand" href="/">`)
	if n.Title == "" {
		r.s("Greenroom")
	} else {
		r.esc(n.Title)
	}
	r.s(`</a>`)
	// The search box is a form after the nav and the content (a page's own form,
	// should the content be one, stays in the page).
	search := -1
	for i := 2; i < len(n.Children); i++ {
		if n.Children[i].Type == TypeForm {
			search = i
		}
	}
	if search >= 0 {
		r.topbarSearch(&n.Children[search])
	}
	r.s(`<div class="gr-topbar-end">`)
	account := slot(n.Children, TypeAccount)
	if account >= 0 {
		r.node(&n.Children[account], depth+1)
	}
	r.s(`<label for="gr-theme" class="gr-theme-label" title="Switch between light and dark theme">Theme</label></div></header><div class="gr-body">`)
	nav := slot(n.Children, TypeNav)
	if nav >= 0 {
		r.node(&n.Children[nav], depth+1)
	}
	r.s(`<main class="gr-main" id="main">`)
	for i := range n.Children {
		if i != nav && i != account && i != search {
			r.node(&n.Children[i], depth+1)
		}
	}
	r.s(`</main></div></div>`)
}

// topbarSearch renders a layout's form as the top bar's search: its first field is
// the search box, which the browser's access key for "/" (Alt+/ in Chromium and
// Firefox on Linux and Windows) focuses.
func (r *renderer) topbarSearch(n *Node) {
	action := SafeURL(n.Action)
	if action == "" || external(action) || len(n.Fields) == 0 {
		return
	}
	f := n.Fields[0]
	r.s(`<form class="gr-topbar-search" role="search" method="get"`)
	r.attr("action", action)
	r.s(`><input type="search" accesskey="/"`)
	r.attr("name", f.Name)
	r.attr("value", f.Value)
	r.attr("aria-label", f.Label)
	if f.Placeholder != "" {
		r.attr("placeholder", f.Placeholder)
	}
	r.s(`><button type="submit" class="gr-button">`)
	if n.Submit == "" {
		r.s("Search")
	} else {
		r.esc(n.Submit)
	}
	r.s(`</button></form>`)
}

// slot is the index of the first node of type typ in ns, or -1.
func slot(ns []Node, typ string) int {
	for i := range ns {
		if ns[i].Type == typ {
			return i
		}
	}
	return -1
}

// IsHexColor reports whether s is a CSS hex colour, #rgb or #rrggbb: the only colours a
// tree may carry, so a colour can never smuggle markup or CSS into a page.
func IsHexColor(s string) bool {
	if len(s) != 4 && len(s) != 7 || s[0] != '#' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
