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
