package site

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
)

// TestHeadingTagsAsRegexp: headingTags finds what the regular expression it replaces
// finds, on built pages and on near misses.
func TestHeadingTagsAsRegexp(t *testing.T) {
	re := regexp.MustCompile(`<h([1-6]) id="([^"]*)">`)
	inputs := []string{
		`<h1 id="a">A</h1><p>x</p><h2 id="b-c">B</h2>`, `<h7 id="x">`, `<h0 id="x">`, `<h2 id="a" class="b">`,
		`<h2 id="x"y">`, `<h1 id="">`, `<h2 id="abc`, `<h<h2 id="a">`, `<h2 id="a"`, `<h2 id=`, `<h`, `<hr><h3 id="q">`,
		`<h2  id="a">`, `<h2 id='a'>`, `<h4 id="&amp;x">t</h4><h5 id="y">`,
	}
	s := build(t, genTree(20))
	for name, b := range s.Files {
		if strings.HasSuffix(name, ".html") {
			inputs = append(inputs, string(b))
		}
	}
	for _, in := range inputs {
		var got [][]int
		for _, m := range headingTags([]byte(in)) {
			got = append(got, m[:])
		}
		if want := re.FindAllSubmatchIndex([]byte(in), -1); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%.80q: %v, want %v", in, got, want)
		}
	}
}

// TestStripTags: the text of HTML, with or without the headings' ¶ permalinks, as the
// string-replacing version it replaces gave it.
func TestStripTags(t *testing.T) {
	old := func(s string) string {
		var b strings.Builder
		space := true
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c == '<' {
				if j := strings.IndexByte(s[i:], '>'); j >= 0 {
					i += j
					c = ' '
				}
			}
			if c == ' ' || c == '\n' || c == '\t' || c == '\r' {
				if !space {
					b.WriteByte(' ')
					space = true
				}
				continue
			}
			b.WriteByte(c)
			space = false
		}
		return strings.TrimSpace(html.UnescapeString(b.String()))
	}
	inputs := []string{"", "a", "<p>a &amp; b</p>\n<p>c</p>", "x <unclosed", "¶</a>", "a¶</a>b ¶ c¶<", "<h1>T<a href=\"#t\">¶</a></h1>\t\r\nx"}
	s := build(t, genTree(20))
	for name, b := range s.Files {
		if strings.HasSuffix(name, ".html") {
			inputs = append(inputs, string(b))
		}
	}
	for _, in := range inputs {
		if got, want := stripTags([]byte(in), false), old(in); got != want {
			t.Errorf("%.80q: %q, want %q", in, got, want)
		}
		if got, want := stripTags([]byte(in), true), old(strings.ReplaceAll(in, headerlinkMark, "</a>")); got != want {
			t.Errorf("%.80q, marks dropped: %q, want %q", in, got, want)
		}
	}
}

// TestFirstLineTitle: mkdocs' title from the first line with content.
func TestFirstLineTitle(t *testing.T) {
	for in, want := range map[string]string{
		"# Title\nbody": "Title", "\n\n  # Spaced  \n": "Spaced", "\r\n\r\n# CRLF\r\nx": "CRLF", "\r\r# CR\rx": "CR",
		"#NoSpace\n": "", "## Two\n": "", "text\n# Later\n": "", "": "", "   \n\t\n": "", "# ## #Hashes#": "Hashes#",
		"\u00a0# NBSP\n": "NBSP", "# Café\u2003": "Café",
	} {
		if got := firstLineTitle([]byte(in)); got != want {
			t.Errorf("firstLineTitle(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPageTextInOnePass: pageText gives the page's text that stripTags gives the whole
// page, and the sections that splitting at the headings and stripping each part gives
// (the two passes it replaces), on built pages and on edge cases: a literal mark in a
// section, a heading without an id or without its closing tag, entities, no headings.
func TestPageTextInOnePass(t *testing.T) {
	twoPass := func(page []byte, toc []Heading) []SearchEntry {
		var out []SearchEntry
		ms := headingTags(page)
		for i, m := range ms {
			id := html.UnescapeString(string(page[m[4]:m[5]]))
			end := len(page)
			if i+1 < len(ms) {
				end = ms[i+1][0]
			}
			body := page[m[1]:end]
			closing := "</h" + string(page[m[2]:m[3]]) + ">"
			head, rest := body, body[:0]
			if j := strings.Index(string(body), closing); j >= 0 {
				head, rest = body[:j], body[j+len(closing):]
			}
			if id == "" {
				continue
			}
			title := ""
			for _, h := range toc {
				if h.ID == id {
					title = h.Title
				}
			}
			if title == "" {
				if j := strings.Index(string(head), `<a class="doc-headerlink"`); j >= 0 {
					head = head[:j]
				}
				title = stripTags(head, false)
			}
			out = append(out, SearchEntry{Location: "#" + id, Title: title, Text: stripTags(rest, false)})
		}
		return out
	}
	type input struct {
		page string
		toc  []Heading
	}
	inputs := []input{
		{"", nil}, {"<p>no headings &amp; text</p>", nil},
		{`<p>intro</p><h2 id="a">A<a class="doc-headerlink" href="#a">` + headerlinkMark + "</h2>\n<p>keeps ¶</a> a literal mark</p>  ", []Heading{{ID: "a", Title: "A"}}},
		{`<h2 id="">empty id</h2><p>x</p><h3 id="b">B &amp; C</h3>text<h4 id="c">unclosed`, nil},
		{`<h1 id="t">T</h1>   <h2 id="u">U</h2><p>  spaced   out  </p>`, []Heading{{ID: "u", Title: "From the TOC"}}},
	}
	s := build(t, genTree(20))
	for _, p := range s.Pages {
		inputs = append(inputs, input{string(p.html), p.TOC})
	}
	for _, in := range inputs {
		text, secs := pageText([]byte(in.page), in.toc)
		if want := stripTags([]byte(in.page), true); text != want {
			t.Errorf("%.80q: text %q, want %q", in.page, text, want)
		}
		if want := twoPass([]byte(in.page), in.toc); fmt.Sprint(secs) != fmt.Sprint(want) {
			t.Errorf("%.80q: sections %q, want %q", in.page, secs, want)
		}
	}
}
