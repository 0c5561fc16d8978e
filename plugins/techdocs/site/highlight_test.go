package site

import (
	"strings"
	"testing"
)

func TestHighlight(t *testing.T) {
	for _, c := range []struct {
		lang, code string
		want       []string
	}{
		{"go", "func main() { // hi\n\tfmt.Println(\"a<b\", 42, nil) }", []string{
			`<span class="doc-hl-k">func</span>`, `<span class="doc-hl-nf">main</span>(`, `<span class="doc-hl-c">// hi</span>`,
			`<span class="doc-hl-s">&#34;a&lt;b&#34;</span>`, `<span class="doc-hl-m">42</span>`, `<span class="doc-hl-kc">nil</span>`}},
		{"yaml", "image:\n  tag: v1.42.0   # the last good tag\n  - name: 'x'\n", []string{
			`<span class="doc-hl-na">image</span>:`, `<span class="doc-hl-na">tag</span>:`, `<span class="doc-hl-c"># the last good tag</span>`, `<span class="doc-hl-na">name</span>`, `<span class="doc-hl-s">&#39;x&#39;</span>`}},
		{"sql", "SELECT id FROM t -- all", []string{`<span class="doc-hl-k">SELECT</span>`, `<span class="doc-hl-k">FROM</span>`, `<span class="doc-hl-c">-- all</span>`}},
		{"html", `<a href="/x">t</a><!-- c -->`, []string{`&lt;<span class="doc-hl-nt">a</span> href=<span class="doc-hl-s">&#34;/x&#34;</span>&gt;`, `<span class="doc-hl-c">&lt;!-- c --&gt;</span>`}},
		{"sh", "echo $HOME#not-a-comment # comment", []string{`<span class="doc-hl-k">echo</span>`, `$HOME#not-a-comment `, `<span class="doc-hl-c"># comment</span>`}},
		{"python", `s = "unterminated`, []string{`<span class="doc-hl-s">&#34;unterminated</span>`}},
	} {
		var b strings.Builder
		if !highlight(&b, c.lang, c.code) {
			t.Fatalf("%s is not known", c.lang)
		}
		for _, w := range c.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: lacks %s in\n%s", c.lang, w, b.String())
			}
		}
		if strings.Contains(b.String(), "<b") && !strings.Contains(b.String(), "<b>") && strings.Contains(c.code, "<b") {
			t.Errorf("%s: unescaped code", c.lang)
		}
	}
	var b strings.Builder
	if highlight(&b, "brainfuck", "+++") || b.Len() != 0 {
		t.Error("an unknown language is highlighted")
	}
}
