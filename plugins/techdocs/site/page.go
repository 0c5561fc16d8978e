package site

import (
	"bytes"
	"encoding/json"
	"html"
	"path"
	"regexp"
	"strings"
)

// Markers around a page's content in its index.html, so that the reader can take the
// content without parsing the page.
const (
	contentStart = "<!--techdocs-content-->"
	contentEnd   = "<!--/techdocs-content-->"
)

// staticPage is a page's index.html: a complete page with the site nav, the content
// and the table of contents, its links relative as mkdocs writes them.
func staticPage(s *Site, p *Page, cache navCache) []byte {
	var b bytes.Buffer
	b.Grow(len(p.html) + 64*len(s.Pages) + 64*len(p.TOC) + 2048)
	esc := html.EscapeString
	root := relURL("", p.URL)
	b.WriteString("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
	b.WriteString(`<meta name="viewport" content="width=device-width, initial-scale=1">`)
	b.WriteString("<title>" + esc(p.Title) + " - " + esc(s.Name) + "</title>")
	if s.Description != "" {
		b.WriteString(`<meta name="description" content="` + esc(s.Description) + `">`)
	}
	b.WriteString(`<link rel="stylesheet" href="` + esc(relURL(ThemeFile, p.URL)) + `"></head><body>`)
	b.WriteString(`<header class="doc-site-header"><a href="` + esc(root) + `">` + esc(s.Name) + "</a></header>")
	b.WriteString(`<div class="doc-reader">`)
	cache.nav(&b, s, p)
	b.WriteString(`<article class="doc-content">` + contentStart)
	b.Write(p.html)
	b.WriteString(contentEnd)
	b.WriteString(FooterHTML(p, func(u string) string { return relURL(u, p.URL) }))
	b.WriteString("</article>")
	b.WriteString(TOCHTML(p.TOC))
	b.WriteString("</div></body></html>\n")
	return b.Bytes()
}

// navCache renders the site nav once per parent directory: from a page at P/x/, a link
// to any target is ../ plus the link from P/, so pages with one parent share the nav
// but for the current page's mark (their link to themselves is ../x/, not ./).
type navCache map[string]string

func (c navCache) nav(b *bytes.Buffer, s *Site, p *Page) {
	if p.URL == "" {
		b.WriteString(NavHTML(s.Nav, "", func(u string) string { return relURL(u, "") }))
		return
	}
	parent := path.Dir(strings.TrimSuffix(p.URL, "/")) + "/"
	if parent == "./" {
		parent = ""
	}
	n, ok := c[parent]
	if !ok {
		n = NavHTML(s.Nav, "\x00", func(u string) string { return "../" + relURL(u, parent) })
		c[parent] = n
	}
	self := `<a href="` + html.EscapeString("../"+relURL(p.URL, parent)) + `">`
	i := strings.Index(n, self)
	if i < 0 {
		b.WriteString(n)
		return
	}
	b.WriteString(n[:i])
	b.WriteString(`<a class="doc-nav-current" aria-current="page" href=`)
	b.WriteString(n[i+len(`<a href=`):])
}

// NavHTML is the site nav, the current page marked; link maps a page URL (relative to
// the site root) to the href to use.
func NavHTML(nav []*NavItem, current string, link func(string) string) string {
	var b strings.Builder
	b.WriteString(`<nav class="doc-nav" aria-label="Site">`)
	var walk func([]*NavItem)
	walk = func(items []*NavItem) {
		b.WriteString("<ul>")
		for _, it := range items {
			b.WriteString("<li>")
			switch {
			case it.Children != nil:
				b.WriteString(`<span class="doc-nav-section">` + html.EscapeString(it.Title) + "</span>")
				walk(it.Children)
			case it.External:
				b.WriteString(`<a href="` + html.EscapeString(it.URL) + `">` + html.EscapeString(it.Title) + " ↗</a>")
			default:
				cls := ""
				if it.URL == current {
					cls = ` class="doc-nav-current" aria-current="page"`
				}
				b.WriteString(`<a` + cls + ` href="` + html.EscapeString(link(it.URL)) + `">` + html.EscapeString(it.Title) + "</a>")
			}
			b.WriteString("</li>")
		}
		b.WriteString("</ul>")
	}
	walk(nav)
	b.WriteString("</nav>")
	return b.String()
}

// TOCHTML is a page's table of contents.
func TOCHTML(toc []Heading) string {
	if len(toc) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(`<nav class="doc-toc" aria-label="On this page"><p class="doc-toc-title">On this page</p><ul>`)
	for _, h := range toc {
		b.WriteString(`<li class="doc-toc-` + string("0123456"[min(h.Level, 6)]) + `"><a href="#` + html.EscapeString(h.ID) + `">` + html.EscapeString(h.Title) + "</a></li>")
	}
	b.WriteString("</ul></nav>")
	return b.String()
}

// FooterHTML is a page's previous/next links and edit link.
func FooterHTML(p *Page, link func(string) string) string {
	var b strings.Builder
	b.WriteString(`<footer class="doc-footer">`)
	if p.Prev != nil {
		b.WriteString(`<a class="doc-prev" href="` + html.EscapeString(link(p.Prev.URL)) + `">← ` + html.EscapeString(p.Prev.Title) + "</a>")
	}
	if p.Next != nil {
		b.WriteString(`<a class="doc-next" href="` + html.EscapeString(link(p.Next.URL)) + `">` + html.EscapeString(p.Next.Title) + " →</a>")
	}
	if p.Edit != "" {
		b.WriteString(`<a class="doc-edit" href="` + html.EscapeString(p.Edit) + `">Edit this page</a>`)
	}
	b.WriteString("</footer>")
	return b.String()
}

// Content is the content of a page's index.html, as the build wrote it.
func Content(page []byte) ([]byte, bool) {
	i := bytes.Index(page, []byte(contentStart))
	j := bytes.Index(page, []byte(contentEnd))
	if i < 0 || j < i {
		return nil, false
	}
	return page[i+len(contentStart) : j], true
}

var urlAttr = regexp.MustCompile(`(src|href)="([^"]*)"`)

// ForReader rewrites a page's content for the portal: every relative link is made
// absolute, so that the page reads the same with or without a trailing slash. Links to
// pages (URLs ending in /) go under readerBase, the reader's URL of the site root;
// links to files (images, downloads) under staticBase, the site's files on
// /api/techdocs/static/docs/<namespace>/<kind>/<name>/.
func ForReader(content []byte, pageURL, readerBase, staticBase string) []byte {
	return urlAttr.ReplaceAllFunc(content, func(m []byte) []byte {
		sub := urlAttr.FindSubmatch(m)
		u := html.UnescapeString(string(sub[2]))
		if u == "" || strings.HasPrefix(u, "#") || strings.HasPrefix(u, "/") || isExternal(u) {
			return m
		}
		target, suffix := u, ""
		if i := strings.IndexAny(target, "?#"); i >= 0 {
			target, suffix = target[:i], target[i:]
		}
		dir := target == "" || target == "." || target == ".." || strings.HasSuffix(target, "/")
		resolved := path.Join("/", pageURL, target)[1:]
		base := staticBase
		if dir {
			base = readerBase
			if resolved != "" {
				resolved += "/"
			}
		}
		return []byte(string(sub[1]) + `="` + html.EscapeString(base+resolved+suffix) + `"`)
	})
}

// stripTags is the text of HTML: tags dropped, entities decoded, spaces collapsed.
// With dropMarks, the ¶ that ends a heading's permalink (headerlinkMark) is left out
// too. It reads the bytes in place: a copy of each page's HTML cost a fifth of the
// search text's time inside WebAssembly.
func stripTags(s []byte, dropMarks bool) string {
	space := true
	return finishText(appendText(make([]byte, 0, len(s)), s, dropMarks, &space))
}

// appendText is stripTags' first step on s, appended to b: tags become spaces and runs
// of spaces one. space carries whether b ends in a collapsed space (true at the start
// of a text) from one call to the next, so that text appended piece by piece is what
// one call on the pieces together gives.
func appendText(b, s []byte, dropMarks bool, space *bool) []byte {
	sp := *space
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '<' {
			if j := bytes.IndexByte(s[i:], '>'); j >= 0 {
				i += j
				c = ' '
			}
		} else if dropMarks && c == headerlinkMark[0] && bytes.HasPrefix(s[i:], []byte(headerlinkMark)) {
			i += len("¶") - 1
			continue
		}
		if c == ' ' || c == '\n' || c == '\t' || c == '\r' {
			if !sp {
				b = append(b, ' ')
				sp = true
			}
			continue
		}
		b = append(b, c)
		sp = false
	}
	*space = sp
	return b
}

// finishText is stripTags' last step: entities decoded, the ends trimmed.
func finishText(b []byte) string { return strings.TrimSpace(html.UnescapeString(string(b))) }

// SearchEntry is one document of mkdocs' search index: a page (Location its URL, Text
// its whole text) or a section of one, from a heading to the next (Location the page's
// URL and the heading's #anchor, Title the heading's).
type SearchEntry struct {
	Location string `json:"location"`
	Title    string `json:"title"`
	Text     string `json:"text"`
}

// searchEntries lists every page, each followed by its sections, as mkdocs' search
// plugin does with indexing: full.
func searchEntries(s *Site) []SearchEntry {
	n := len(s.Pages)
	for _, p := range s.Pages {
		n += len(p.sections)
	}
	out := make([]SearchEntry, 0, n)
	for _, p := range s.Pages {
		out = append(out, SearchEntry{Location: p.URL, Title: p.Title, Text: p.text})
		for _, sec := range p.sections {
			sec.Location = p.URL + sec.Location
			out = append(out, sec)
		}
	}
	return out
}

// headingTags finds the headings with an id, <hN id="...">, as the regular expression
// <h([1-6]) id="([^"]*)"> would (FindAllSubmatchIndex), without the regexp engine,
// which is slow inside WebAssembly.
func headingTags(page []byte) [][6]int {
	var out [][6]int
	for pos := 0; ; {
		i := bytes.Index(page[pos:], []byte("<h"))
		if i < 0 {
			return out
		}
		i += pos
		pos = i + 2
		const attr = ` id="`
		if i+3+len(attr) > len(page) || page[i+2] < '1' || page[i+2] > '6' || !bytes.HasPrefix(page[i+3:], []byte(attr)) {
			continue
		}
		idStart := i + 3 + len(attr)
		q := bytes.IndexByte(page[idStart:], '"')
		if q < 0 || idStart+q+1 >= len(page) || page[idStart+q+1] != '>' {
			continue
		}
		end := idStart + q + 2
		out = append(out, [6]int{i, end, i + 2, i + 3, idStart, idStart + q})
		pos = end
	}
}

// pageText is a page's text for search, stripTags(page, true), and its sections: each
// heading with an id starts a section titled as its table-of-contents entry, holding
// the text up to the next heading (mkdocs' ContentParser). Text before the first
// heading is only the page's. Location is the anchor alone. It reads the HTML once: a
// section's text is the page's text from the heading's end to the next heading, unless
// the section holds a literal headerlinkMark, which the page's text leaves out.
func pageText(page []byte, toc []Heading) (string, []SearchEntry) {
	ms := headingTags(page)
	all := make([]byte, 0, len(page)/2)
	space := true
	pre := len(page)
	if len(ms) > 0 {
		pre = ms[0][0]
	}
	all = appendText(all, page[:pre], true, &space)
	var out []SearchEntry
	var sec []byte
	for i, m := range ms {
		end := len(page)
		if i+1 < len(ms) {
			end = ms[i+1][0]
		}
		body := page[m[1]:end]
		closing := []byte("</h" + string(page[m[2]:m[3]]) + ">")
		head, rest := body, body[:0]
		if j := bytes.Index(body, closing); j >= 0 {
			head, rest = body[:j], body[j+len(closing):]
		}
		// The heading, its tags as spaces, then the section's text.
		all = appendText(all, page[m[0]:end-len(rest)], true, &space)
		secSpace := true
		sec = appendText(sec[:0], rest, false, &secSpace)
		if bytes.Contains(rest, []byte(headerlinkMark)) {
			all = appendText(all, rest, true, &space)
		} else if len(sec) > 0 {
			// After the heading's closing tag space is true, as it is at a text's start.
			all = append(all, sec...)
			space = secSpace
		}
		id := html.UnescapeString(string(page[m[4]:m[5]]))
		if id == "" {
			continue
		}
		title := ""
		for _, h := range toc {
			if h.ID == id {
				title = h.Title
				break
			}
		}
		if title == "" {
			if j := bytes.Index(head, []byte(`<a class="doc-headerlink"`)); j >= 0 {
				head = head[:j]
			}
			title = stripTags(head, false)
		}
		out = append(out, SearchEntry{Location: "#" + id, Title: title, Text: finishText(sec)})
	}
	return finishText(all), out
}

// searchIndex is mkdocs' search/search_index.json.
func searchIndex(entries []SearchEntry) []byte {
	idx := struct {
		Config map[string]any `json:"config"`
		Docs   []SearchEntry  `json:"docs"`
	}{Config: map[string]any{"lang": []string{"en"}, "separator": `[\s\-]+`}, Docs: entries}
	if idx.Docs == nil {
		idx.Docs = []SearchEntry{}
	}
	b, _ := json.Marshal(idx)
	return b
}
