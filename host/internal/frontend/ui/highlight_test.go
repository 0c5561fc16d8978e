package ui

import (
	"bytes"
	"html"
	"strings"
	"testing"
	"time"
)

func hl(lang, src string) string {
	var b bytes.Buffer
	if !highlightCode(&b, lang, src) {
		return "(plain)"
	}
	return b.String()
}

// TestHighlight: each language's tokens get their classes; text is escaped; a
// language the host does not know is left plain.
func TestHighlight(t *testing.T) {
	for _, tc := range []struct {
		name, lang, in, want string
	}{
		{"graphql type", "graphql", "type Query implements Node & Entity {\n  user(id: ID!, first: Int = 10): User @auth(requires: ADMIN)\n}",
			`<span class="gr-hl-kw">type</span> <span class="gr-hl-type">Query</span> <span class="gr-hl-kw">implements</span> <span class="gr-hl-type">Node</span> &amp; <span class="gr-hl-type">Entity</span> {` + "\n" +
				`  <span class="gr-hl-field">user</span>(<span class="gr-hl-field">id</span>: <span class="gr-hl-type">ID</span>!, <span class="gr-hl-field">first</span>: <span class="gr-hl-type">Int</span> = <span class="gr-hl-num">10</span>): <span class="gr-hl-type">User</span> <span class="gr-hl-dir">@auth</span>(<span class="gr-hl-field">requires</span>: <span class="gr-hl-type">ADMIN</span>)` + "\n}"},
		{"graphql description and comment", "graphql", "\"\"\"\nA <b>user</b> \\\"\"\" still\n\"\"\"\n# the owner\ninput NewUser { name: String = \"a \\\" b\" }",
			`<span class="gr-hl-str">&#34;&#34;&#34;` + "\n" + `A &lt;b&gt;user&lt;/b&gt; \&#34;&#34;&#34; still` + "\n" + `&#34;&#34;&#34;</span>` + "\n" +
				`<span class="gr-hl-com"># the owner</span>` + "\n" +
				`<span class="gr-hl-kw">input</span> <span class="gr-hl-type">NewUser</span> { <span class="gr-hl-field">name</span>: <span class="gr-hl-type">String</span> = <span class="gr-hl-str">&#34;a \&#34; b&#34;</span> }`},
		{"graphql enum, union, schema, field named type", "graphql", "enum Role { ADMIN USER }\nunion R = A | B\nschema { query: Query }\ntype T { type: String on: Boolean }",
			`<span class="gr-hl-kw">enum</span> <span class="gr-hl-type">Role</span> { <span class="gr-hl-lit">ADMIN</span> <span class="gr-hl-lit">USER</span> }` + "\n" +
				`<span class="gr-hl-kw">union</span> <span class="gr-hl-type">R</span> = <span class="gr-hl-type">A</span> | <span class="gr-hl-type">B</span>` + "\n" +
				`<span class="gr-hl-kw">schema</span> { <span class="gr-hl-field">query</span>: <span class="gr-hl-type">Query</span> }` + "\n" +
				`<span class="gr-hl-kw">type</span> <span class="gr-hl-type">T</span> { <span class="gr-hl-field">type</span>: <span class="gr-hl-type">String</span> <span class="gr-hl-field">on</span>: <span class="gr-hl-type">Boolean</span> }`},
		{"graphql directive definition", "graphql", "directive @auth(requires: Role) repeatable on FIELD_DEFINITION | OBJECT",
			`<span class="gr-hl-kw">directive</span> <span class="gr-hl-dir">@auth</span>(<span class="gr-hl-field">requires</span>: <span class="gr-hl-type">Role</span>) <span class="gr-hl-kw">repeatable</span> <span class="gr-hl-kw">on</span> <span class="gr-hl-type">FIELD_DEFINITION</span> | <span class="gr-hl-type">OBJECT</span>`},
		{"graphql unterminated string", "graphql", "type A { \"oops\n b: Int }",
			`<span class="gr-hl-kw">type</span> <span class="gr-hl-type">A</span> { <span class="gr-hl-str">&#34;oops</span>` + "\n" + ` <span class="gr-hl-field">b</span>: <span class="gr-hl-type">Int</span> }`},
		{"json", "json", `{"a": "x<y", "n": -1.5e3, "ok": true, "z": null, "l": ["s"]}`,
			`{<span class="gr-hl-field">&#34;a&#34;</span>: <span class="gr-hl-str">&#34;x&lt;y&#34;</span>, <span class="gr-hl-field">&#34;n&#34;</span>: <span class="gr-hl-num">-1.5e3</span>, <span class="gr-hl-field">&#34;ok&#34;</span>: <span class="gr-hl-lit">true</span>, <span class="gr-hl-field">&#34;z&#34;</span>: <span class="gr-hl-lit">null</span>, <span class="gr-hl-field">&#34;l&#34;</span>: [<span class="gr-hl-str">&#34;s&#34;</span>]}`},
		{"yaml", "yaml", "---\nopenapi: 3.0.0 # the version\ninfo:\n  title: \"Pay & go\"\n  - name: x\n    ok: true\nurl: http://a/b#c\nanchor: &a *b\n",
			`<span class="gr-hl-kw">---</span>` + "\n" +
				`<span class="gr-hl-field">openapi</span>: <span class="gr-hl-num">3.0.0</span> <span class="gr-hl-com"># the version</span>` + "\n" +
				`<span class="gr-hl-field">info</span>:` + "\n" +
				`  <span class="gr-hl-field">title</span>: <span class="gr-hl-str">&#34;Pay &amp; go&#34;</span>` + "\n" +
				`  - <span class="gr-hl-field">name</span>: x` + "\n" +
				`    <span class="gr-hl-field">ok</span>: <span class="gr-hl-lit">true</span>` + "\n" +
				`<span class="gr-hl-field">url</span>: http://a/b#c` + "\n" +
				`<span class="gr-hl-field">anchor</span>: <span class="gr-hl-dir">&amp;a</span> <span class="gr-hl-dir">*b</span>` + "\n"},
		{"yaml block scalar", "yaml", "description: |\n  a: not a key\n\n  # nor a comment\nnext: 1",
			`<span class="gr-hl-field">description</span>: |` + "\n" +
				`<span class="gr-hl-str">  a: not a key</span>` + "\n\n" +
				`<span class="gr-hl-str">  # nor a comment</span>` + "\n" +
				`<span class="gr-hl-field">next</span>: <span class="gr-hl-num">1</span>`},
		{"unknown language", "go", "x := 1", "(plain)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := hl(tc.lang, tc.in); got != tc.want {
				t.Errorf("highlight(%s, %q)\n got: %s\nwant: %s", tc.lang, tc.in, got, tc.want)
			}
		})
	}
}

// checkHighlight checks that the output holds no markup but the highlighter's own
// spans, not nested, and that removing them gives the text back.
func checkHighlight(t *testing.T, lang, src string) {
	t.Helper()
	out := hl(lang, src)
	if out == "(plain)" {
		t.Fatalf("%s: not highlighted", lang)
	}
	const open, closing = `<span class="gr-hl-`, `</span>`
	var text strings.Builder
	in := false
	for i := 0; i < len(out); {
		switch {
		case out[i] != '<':
			j := strings.IndexByte(out[i:], '<')
			if j < 0 {
				j = len(out) - i
			}
			text.WriteString(out[i : i+j])
			i += j
		case !in && strings.HasPrefix(out[i:], open):
			j := i + len(open)
			for j < len(out) && 'a' <= out[j] && out[j] <= 'z' {
				j++
			}
			if !strings.HasPrefix(out[j:], `">`) {
				t.Fatalf("%s %q: a malformed span at %d: %s", lang, src, i, out)
			}
			in, i = true, j+2
		case in && strings.HasPrefix(out[i:], closing):
			in, i = false, i+len(closing)
		default:
			t.Fatalf("%s %q: markup other than the highlighter's spans, or nested spans, at %d: %s", lang, src, i, out)
		}
	}
	if in {
		t.Fatalf("%s %q: a span is not closed: %s", lang, src, out)
	}
	if strings.Contains(text.String(), ">") {
		t.Fatalf("%s %q: an unescaped '>': %s", lang, src, out)
	}
	if got := html.UnescapeString(text.String()); got != src {
		t.Fatalf("%s: the text changed:\n got %q\nwant %q", lang, got, src)
	}
}

// FuzzHighlight: any text, in every language, comes out whole and escaped.
func FuzzHighlight(f *testing.F) {
	for _, s := range []string{
		"type Q { a(b: [Int!]! = [1, 2]): String @x }", `"""unclosed`, `"\`, "# c", "@", "$v", "-", "1e",
		`{"a":[1,{"b":"<\"/script>"}]}`, "key: |\n  body\nk2: >-\n x", "- - a: 'q''x'\n  b: \"c", "\"k\": v\n'k': v # c",
		"x: &a !tag [1, {b: 2}]", "--- \n...", "\x00\xff<>&",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		for _, lang := range []string{"graphql", "json", "yaml"} {
			checkHighlight(t, lang, src)
		}
	})
}

// TestHighlightLinear: inputs built to make a naive lexer rescan (unclosed block
// strings, long runs of quotes, blanks before a token, block indicators) are
// highlighted in time proportional to their size.
func TestHighlightLinear(t *testing.T) {
	const n = 256 << 10
	for _, tc := range []struct{ name, lang, src string }{
		{"graphql block quotes", "graphql", strings.Repeat(`\"""`, n/4)},
		{"graphql names before blanks", "graphql", strings.Repeat("a"+strings.Repeat(" ", 64), n/65)},
		{"graphql unclosed", "graphql", `"""` + strings.Repeat(`""`, n/2)},
		{"json quotes", "json", strings.Repeat(`"a"  `, n/5)},
		{"yaml indicators", "yaml", "k:" + strings.Repeat(" ", n/2) + strings.Repeat("|", n/2)},
		{"yaml long key search", "yaml", strings.Repeat("a:b", n/3)},
		{"yaml block", "yaml", "k: |\n" + strings.Repeat("  x: y\n", n/7)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			b.Grow(16 * len(tc.src))
			start := time.Now()
			highlightCode(&b, tc.lang, tc.src)
			// Linear work on 256 kB takes milliseconds; quadratic would take minutes.
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("%s: %v for %d bytes", tc.name, d, len(tc.src))
			}
			checkHighlight(t, tc.lang, tc.src)
		})
	}
}

// TestHighlightTooLarge: text past maxHighlight is shown plain.
func TestHighlightTooLarge(t *testing.T) {
	if got := hl("json", strings.Repeat(" ", maxHighlight+1)); got != "(plain)" {
		t.Errorf("a %d-byte text was highlighted", maxHighlight+1)
	}
}
