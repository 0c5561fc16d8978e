package ui

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/net/html"
)

func render(t *testing.T, js string) string {
	t.Helper()
	n, err := Decode([]byte(js))
	if err != nil {
		t.Fatalf("Decode(%s): %v", js, err)
	}
	var b bytes.Buffer
	Render(&b, &n)
	return b.String()
}

func TestRenderComponents(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"text shorthand", `"a < b"`, `a &lt; b`},
		{"page", `{"type":"page","title":"T","subtitle":"S","children":["x"]}`,
			`<div class="gr-page"><header class="gr-page-header"><h1>T</h1><p class="gr-subtitle">S</p></header><div class="gr-page-body"><p class="gr-p">x</p></div></div>`},
		{"header", `{"type":"header","title":"H","children":[{"type":"badge","text":"prod","tone":"success"}]}`,
			`<header class="gr-header"><h2>H</h2><div class="gr-header-extra"><span class="gr-badge gr-tone-success">prod</span></div></header>`},
		{"card with link title", `{"type":"card","title":"About","href":"/x","children":["body"]}`,
			`<section class="gr-card"><h3 class="gr-card-title"><a class="gr-link" href="/x">About</a></h3><div class="gr-card-body"><p class="gr-p">body</p></div></section>`},
		{"grid", `{"type":"grid","cols":2,"children":["a","b"]}`, `<div class="gr-grid gr-cols-2">ab</div>`},
		{"table", `{"type":"table","columns":["Name","Owner"],"rows":[["a",{"type":"link","text":"team","href":"/t"}]]}`,
			`<div class="gr-table-wrap"><table class="gr-table"><thead><tr><th scope="col">Name</th><th scope="col">Owner</th></tr></thead><tbody><tr><td>a</td><td><a class="gr-link" href="/t">team</a></td></tr></tbody></table></div>`},
		{"link tabs", `{"type":"tabs","tabs":[{"title":"A","href":"?tab=a","children":["one"]},{"title":"B","href":"?tab=b","selected":true,"children":["two"]}]}`,
			`<div class="gr-tabs gr-tabs-links"><nav class="gr-tablist" aria-label="Tabs"><a class="gr-tab" href="?tab=a">A</a><a class="gr-tab" href="?tab=b" aria-current="page">B</a></nav><section class="gr-tabpanel-active"><p class="gr-p">two</p></section></div>`},
		{"css tabs", `{"type":"tabs","tabs":[{"title":"A","children":["one"]},{"title":"B","children":["two"]}]}`,
			`<div class="gr-tabs gr-tabs-css"><div class="gr-tablist" role="radiogroup"><label class="gr-tab"><input type="radio" class="gr-tab-input" name="gr-tabs-1" checked> A</label><label class="gr-tab"><input type="radio" class="gr-tab-input" name="gr-tabs-1"> B</label></div><section class="gr-tabpanel"><p class="gr-p">one</p></section><section class="gr-tabpanel"><p class="gr-p">two</p></section></div>`},
		{"markdown", "{\"type\":\"markdown\",\"text\":\"# Hi\\n\\n*x* `c`\"}", `<div class="gr-markdown"><h1>Hi</h1>
<p><em>x</em> <code>c</code></p>
</div>`},
		{"external link", `{"type":"link","text":"site","href":"https://example.com/a?b=1&c=2"}`,
			`<a class="gr-link" href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">site</a>`},
		{"badge default tone", `{"type":"badge","text":"x"}`, `<span class="gr-badge gr-tone-neutral">x</span>`},
		{"badge colour", `{"type":"badge","text":"Gold","tone":"success","color":"#d4af37"}`, `<span class="gr-badge gr-tone-success"><svg class="gr-dot" viewBox="0 0 10 10" aria-hidden="true"><circle cx="5" cy="5" r="5" fill="#d4af37"/></svg>Gold</span>`},
		{"kv", `{"type":"kv","pairs":[{"key":"Owner","value":"team-a"}]}`, `<dl class="gr-kv"><div><dt>Owner</dt><dd>team-a</dd></div></dl>`},
		{"code", `{"type":"code","language":"Go","text":"if a < b {}"}`, `<pre class="gr-code"><code class="language-go">if a &lt; b {}</code></pre>`},
		{"ordered list", `{"type":"list","ordered":true,"children":["a","b"]}`, `<ol class="gr-list"><li>a</li><li>b</li></ol>`},
		{"group", `{"type":"group","children":[{"type":"badge","text":"a"},"b"]}`, `<span class="gr-group"><span class="gr-badge gr-tone-neutral">a</span>b</span>`},
		{"empty", `{"type":"empty","title":"Nothing","text":"No entities."}`, `<div class="gr-empty"><p class="gr-empty-title">Nothing</p><p>No entities.</p></div>`},
		{"error", `{"type":"error","title":"Boom","text":"details"}`, `<div class="gr-error" role="alert"><p class="gr-error-title">Boom</p><pre class="gr-error-text">details</pre></div>`},
		{"form", `{"type":"form","action":"/catalog","fields":[{"name":"kind","label":"Kind","kind":"select","value":"api","options":[{"value":"","label":"All"},{"value":"api","label":"API"}]},{"name":"q","label":"Search","kind":"search"}]}`,
			`<form class="gr-form" method="get" action="/catalog"><label class="gr-field"><span class="gr-field-label">Kind</span><select name="kind"><option value="">All</option><option value="api" selected>API</option></select></label><label class="gr-field"><span class="gr-field-label">Search</span><input type="search" name="q" value=""></label><button type="submit" class="gr-button">Apply</button></form>`},
		{"nav", `{"type":"nav","children":[{"type":"link","text":"Home","href":"/","selected":true}]}`,
			`<nav class="gr-nav" aria-label="Main"><ul><li><a class="gr-nav-link" href="/" aria-current="page">Home</a></li></ul></nav>`},
		{"bar chart", `{"type":"chart","chart":{"kind":"bar","bars":[{"label":"a","value":2},{"label":"b","value":1}]}}`,
			`<rect class="gr-chart-bar-rect" x="180.0" y="8.0" width="360.0" height="18" rx="3"><title>a: 2</title></rect>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(t, tt.in)
			if !strings.Contains(got, tt.want) {
				t.Errorf("render(%s)\n got: %s\nwant: %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestRadar(t *testing.T) {
	got := render(t, `{"type":"chart","chart":{"kind":"radar","radar":{
		"quadrants":["Languages","Tools","Platforms","Techniques"],"rings":["Adopt","Trial","Assess","Hold"],
		"entries":[{"label":"Go","quadrant":0,"ring":0,"href":"/docs/go"},{"label":"Rust","quadrant":0,"ring":1,"moved":1},
		{"label":"Perl","quadrant":0,"ring":3,"moved":-1,"description":"legacy"}]}}}`)
	for _, want := range []string{
		`<circle class="gr-radar-ring gr-radar-ring-3" cx="260" cy="260" r="250.0"/>`,
		`>Languages</text>`, `>Adopt</text>`,
		`<a href="/docs/go"><g class="gr-radar-blip"><title>Go</title>`,
		`<g class="gr-radar-blip gr-radar-in"><title>Rust</title>`,
		`<g class="gr-radar-blip gr-radar-out"><title>Perl</title>`,
		`<li value="3">Perl <span class="gr-radar-legend-ring">Hold</span><span class="gr-radar-legend-desc"> — legacy</span></li>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("radar lacks %s\n%s", want, got)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"type":"blink"}`, `root: unknown component type "blink"`},
		{`{}`, `root: type is required`},
		{`{"type":"card","children":[{"type":"grid","children":[{"type":"marquee"}]}]}`, `children[0].children[0]: unknown component type "marquee"`},
		{`{"type":"link","text":"x"}`, `root: link: href is required`},
		{`{"type":"badge","text":"x","tone":"pink"}`, `tone "pink" is not one of`},
		{`{"type":"badge","text":"x","color":"red\"><script>"}`, `color "red\"><script>" is not a CSS hex colour`},
		{`{"type":"badge","text":"x","color":"#12345"}`, `color "#12345" is not a CSS hex colour`},
		{`{"type":"table","columns":["a"],"rows":[["x","y"]]}`, `row 0 has 2 cells but the table has 1 columns`},
		{`{"type":"table","rows":[[{"type":"nope"}]]}`, `rows[0][0]: unknown component type "nope"`},
		{`{"type":"tabs","tabs":[]}`, `at least one tab is required`},
		{`{"type":"kv","pairs":[{"key":"","value":"x"}]}`, `pairs[0]: key is required`},
		{`{"type":"chart","chart":{"kind":"pie"}}`, `chart.kind "pie" is not one of bar, radar`},
		{`{"type":"chart","chart":{"kind":"radar","radar":{"quadrants":["a","b"],"rings":["x"],"entries":[]}}}`, `exactly 4 quadrants`},
		{`{"type":"chart","chart":{"kind":"radar","radar":{"quadrants":["a","b","c","d"],"rings":["x"],"entries":[{"label":"Go","quadrant":0,"ring":2}]}}}`, `entries[0] ("Go"): ring 2 is not 0-0`},
		{`{"type":"form","fields":[{"name":"1x","label":"a","kind":"text"}]}`, `fields[0]: name "1x" must match`},
		{`{"type":"grid","cols":9}`, `cols must be between 0 (auto) and 4`},
		{`{"type":"page","children":5}`, `not valid JSON for the component schema`},
		{`{"type":"text"} {"type":"text"}`, `unexpected data after the root node`},
		{strings.Repeat(`{"type":"card","children":[`, 40) + `"x"` + strings.Repeat(`]}`, 40), `nested deeper than 32 levels`},
	}
	for _, tt := range tests {
		_, err := Decode([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Decode(%.60s) = %v, want error containing %q", tt.in, err, tt.want)
		}
	}
	many := `{"type":"list","children":[` + strings.Repeat(`"x",`, MaxNodes) + `"x"]}`
	if _, err := Decode([]byte(many)); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("Decode(huge tree) = %v, want node-count error", err)
	}
}

// TestSchemaAgreesWithValidate checks schema.json against the Go rules on the same inputs.
func TestSchemaAgreesWithValidate(t *testing.T) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("ui.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("ui.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in    string
		valid bool
	}{
		{`"plain"`, true},
		{`{"type":"page","title":"x","children":[{"type":"card","children":["a",{"type":"link","href":"/a","text":"a"}]}]}`, true},
		{`{"type":"kv","pairs":[{"key":"k","value":{"type":"badge","text":"b","tone":"info"}}]}`, true},
		{`{"type":"chart","chart":{"kind":"radar","radar":{"quadrants":["a","b","c","d"],"rings":["x","y"],"entries":[{"label":"e","quadrant":3,"ring":1,"moved":-1}]}}}`, true},
		{`{"type":"chart","chart":{"kind":"bar","bars":[{"label":"a","value":1.5}]}}`, true},
		{`{"type":"form","fields":[{"name":"q","label":"Q","kind":"search"}]}`, true},
		{`{"type":"blink"}`, false},
		{`{"type":"link","text":"x"}`, false},
		{`{"type":"badge","text":"x","tone":"pink"}`, false},
		{`{"type":"tabs","tabs":[]}`, false},
		{`{"type":"chart","chart":{"kind":"radar"}}`, false},
		{`{"type":"chart","chart":{"kind":"bar","bars":[{"label":"a","value":-1}]}}`, false},
		{`{"type":"grid","cols":5}`, false},
		{`{"type":"form","fields":[{"name":"q","label":"Q","kind":"radio"}]}`, false},
		{`{"type":"form","fields":[{"name":"q","label":"Q","kind":"hidden"}]}`, false},
		{`{"type":"action","action":"/api/demo/things/1/run","submit":"Run","tone":"danger","fields":[{"name":"redirect","kind":"hidden","value":"/x"}]}`, true},
		{`{"type":"action","action":"things/1/run","submit":"Run"}`, true},
		{`{"type":"action","action":"/api/demo/x"}`, false},
		{`{"type":"action","action":"/api/demo/x","submit":"Go","fields":[{"name":"q","label":"Q","kind":"text"}]}`, false},
		{`{"type":"action","action":"/catalog/x","submit":"Go"}`, false},
		{`{"type":"action","action":"/api/demo/x?y=1","submit":"Go"}`, false},
	}
	for _, tt := range tests {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(tt.in))
		if err != nil {
			t.Fatal(err)
		}
		schemaErr := sch.Validate(inst)
		// As the host reads a tree of the plugin with config id demo. (The schema cannot
		// know the id: it takes an action to any /api/<id>/ path, the host only its own.)
		_, goErr := DecodeFor([]byte(tt.in), "/api/demo/")
		if (schemaErr == nil) != tt.valid || (goErr == nil) != tt.valid {
			t.Errorf("%s: schema error %v, Go error %v; want valid=%v", tt.in, schemaErr, goErr, tt.valid)
		}
	}
}

func TestDocument(t *testing.T) {
	n := Node{Type: TypeLayout, Title: "Acme", Children: []Node{
		{Type: TypeNav, Children: []Node{Link("Catalog", "/catalog")}},
		{Type: TypePage, Title: "Catalog <all>"},
	}}
	doc := string(Document(&n, DocumentOptions{SiteTitle: "Acme", Theme: ThemeDark}))
	for _, want := range []string{
		`<!DOCTYPE html><html lang="en" data-theme="dark">`,
		`<title>Catalog &lt;all&gt; | Acme</title>`,
		`<input type="checkbox" id="gr-theme"`,
		`<label for="gr-theme" class="gr-theme-label"`,
		`<main class="gr-main" id="main"><div class="gr-page">`,
		`@media (prefers-color-scheme:dark)`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("document lacks %s", want)
		}
	}
	if strings.Contains(string(Document(&n, DocumentOptions{Theme: "<x>"})), `data-theme="`) {
		t.Error("an unknown theme must not be written into the document")
	}
	if !strings.Contains(ContentSecurityPolicy, "script-src 'sha256-") || !strings.Contains(ContentSecurityPolicy, "style-src 'sha256-") {
		t.Errorf("CSP = %s", ContentSecurityPolicy)
	}
	// The one script on a page is the host's, allowed by its hash and nothing else.
	if strings.Count(doc, "<script") != 1 || !strings.Contains(doc, "<script>"+shellJS+"</script>") {
		t.Error("the document's only script must be the host's shell.js")
	}
	sum := sha256.Sum256([]byte(shellJS))
	if !strings.Contains(ContentSecurityPolicy, "script-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"';") {
		t.Errorf("CSP does not allow exactly shell.js: %s", ContentSecurityPolicy)
	}
}

// hostile holds trees that try to put script, handlers, styles or frames on a page.
var hostile = []string{
	`"<script>alert(1)</script>"`,
	`{"type":"page","title":"</title><script>alert(1)</script>","subtitle":"<img src=x onerror=alert(1)>"}`,
	`{"type":"link","text":"x","href":"javascript:alert(1)"}`,
	`{"type":"link","text":"x","href":"JaVaScRiPt:alert(1)"}`,
	`{"type":"link","text":"x","href":" javascript:alert(1)"}`,
	`{"type":"link","text":"x","href":"java\tscript:alert(1)"}`,
	`{"type":"link","text":"x","href":"java\nscript:alert(1)"}`,
	`{"type":"link","text":"x","href":"javascript&#58;alert(1)"}`,
	`{"type":"link","text":"x","href":"data:text/html,<script>alert(1)</script>"}`,
	`{"type":"link","text":"x","href":"vbscript:msgbox(1)"}`,
	`{"type":"link","text":"x","href":"\" onmouseover=\"alert(1)"}`,
	`{"type":"card","title":"t","href":"javascript:alert(1)"}`,
	`{"type":"tabs","tabs":[{"title":"a","href":"javascript:alert(1)"}]}`,
	`{"type":"form","action":"javascript:alert(1)","fields":[{"name":"q","label":"<script>x</script>","kind":"text","value":"\"><script>alert(1)</script>"}]}`,
	`{"type":"code","language":"\"><script>alert(1)</script>","text":"</code><script>alert(1)</script>"}`,
	`{"type":"badge","text":"x","tone":"info"}`,
	`{"type":"markdown","text":"[x](javascript:alert(1)) <script>alert(1)</script> <a href=\"javascript:alert(1)\">y</a>"}`,
	`{"type":"markdown","text":"<img src=x onerror=alert(1)> <div style=\"background:url(javascript:alert(1))\">s</div>"}`,
	`{"type":"markdown","text":"<style>body{display:none}</style><iframe src=\"https://evil\"></iframe>"}`,
	`{"type":"markdown","text":"![x](javascript:alert(1))\n\n<svg onload=alert(1)><script>alert(1)</script></svg>"}`,
	`{"type":"html","text":"<svg><script>alert(1)</script><a xlink:href=\"javascript:alert(1)\">x</a></svg>"}`,
	`{"type":"html","text":"<a href=\"javascript:alert(1)\" onclick=\"alert(1)\">x</a><p onmouseover=alert(1)>p</p>"}`,
	`{"type":"html","text":"<style>@import url(https://evil/x.css)</style><p style=\"position:fixed;top:0\">x</p>"}`,
	`{"type":"html","text":"<object data=\"x.swf\"></object><embed src=x><form action=/x><input name=a></form><base href=\"https://evil/\"><meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">"}`,
	`{"type":"html","text":"<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"}`,
	`{"type":"html","text":"<a href=\"&#x6A;avascript:alert(1)\">x</a><img src=\"jav&#x09;ascript:alert(1)\">"}`,
	`{"type":"chart","chart":{"kind":"bar","bars":[{"label":"<script>alert(1)</script>","value":1,"href":"javascript:alert(1)"}]}}`,
	`{"type":"chart","chart":{"kind":"radar","radar":{"quadrants":["<script>a</script>","b","c","d"],"rings":["</text><script>x</script>"],"entries":[{"label":"</title><script>x</script>","quadrant":0,"ring":0,"href":"javascript:alert(1)"}]}}}`,
	`{"type":"kv","pairs":[{"key":"<script>x</script>","value":{"type":"link","href":"javascript:x","text":"y"}}]}`,
	`{"type":"nav","children":[{"type":"link","text":"n","href":"javascript:alert(1)"}]}`,
	`{"type":"layout","title":"<script>alert(1)</script>","children":[]}`,
}

// TestNoScriptFromHostileTrees parses each rendered document with an HTML tokenizer
// and checks what a browser would see: no script or frame elements, no inline event
// handlers or style attributes, only the host's own <style>, and no link, source or
// form action that a browser could turn into script.
func TestNoScriptFromHostileTrees(t *testing.T) {
	for _, in := range hostile {
		n, err := Decode([]byte(in))
		if err != nil {
			t.Fatalf("Decode(%s): %v", in, err)
		}
		doc := Document(&n, DocumentOptions{SiteTitle: "x"})
		if msg := unsafeHTML(doc); msg != "" {
			t.Errorf("%s\nrenders unsafe HTML: %s\n%s", in, msg, doc[bytes.Index(doc, []byte("<body>")):])
		}
	}
}

func unsafeHTML(doc []byte) string {
	z := html.NewTokenizer(bytes.NewReader(doc))
	styles, scripts := 0, 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			if tok.Data == "script" && len(tok.Attr) == 0 && scripts == 0 {
				// The host's own script, once, exactly as its CSP hash allows.
				scripts++
				if z.Next() != html.TextToken || string(z.Text()) != shellJS {
					return "a <script> that is not the host's shell.js"
				}
				continue
			}
			switch tok.Data {
			case "script", "iframe", "object", "embed", "frame", "frameset", "base", "meta", "link", "applet":
				if tok.Data == "meta" && len(tok.Attr) > 0 && (tok.Attr[0].Key == "charset" || tok.Attr[0].Key == "name") {
					continue
				}
				return "element <" + tok.Data + ">"
			case "style":
				styles++
				if styles > 1 {
					return "a second <style> element"
				}
			}
			for _, a := range tok.Attr {
				key := strings.ToLower(a.Key)
				if strings.HasPrefix(key, "on") {
					return "event handler attribute " + a.Key
				}
				if key == "style" || key == "srcdoc" || key == "formaction" {
					return "attribute " + a.Key
				}
				if key == "href" || key == "src" || key == "action" || key == "xlink:href" || key == "poster" || key == "data" {
					v := strings.ToLower(strings.Map(func(r rune) rune {
						if r <= ' ' {
							return -1
						}
						return r
					}, a.Val))
					if i := strings.IndexAny(v, ":/?#"); i >= 0 && v[i] == ':' {
						switch v[:i] {
						case "http", "https", "mailto":
						default:
							return "URL " + a.Val
						}
					}
				}
			}
		}
	}
}

func TestSafeURL(t *testing.T) {
	for u, want := range map[string]string{
		"/catalog?x=1":                "/catalog?x=1",
		"https://a.example/x":         "https://a.example/x",
		"mailto:a@b.c":                "mailto:a@b.c",
		"relative/page":               "relative/page",
		"#frag":                       "#frag",
		"javascript:alert(1)":         "",
		"JAVASCRIPT:alert(1)":         "",
		"data:text/html,x":            "",
		"\x01javascript:x":            "",
		"https:\\\\evil":              "",
		"/a:b":                        "/a:b",
		"?q=javascript:x":             "?q=javascript:x",
		"ftp://files.example/x":       "",
		"//cdn.example/x.png":         "//cdn.example/x.png",
		"java\u00a0script:alert(1)":   "",
		"http://x.example/a b":        "http://x.example/a b",
		" javascript:alert(1)":        "",
		"https://x.example/\"onclick": "https://x.example/\"onclick",
	} {
		if got := SafeURL(u); got != want {
			t.Errorf("SafeURL(%q) = %q, want %q", u, got, want)
		}
	}
}

func TestNodeJSONRoundTrip(t *testing.T) {
	in := Node{Type: TypeCard, Title: "x", Children: []Node{Text("a"), Badge("b", ToneInfo)}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if out.Children[1].Tone != ToneInfo || out.Children[0].Text != "a" {
		t.Errorf("round trip = %+v", out)
	}
}

// TestUnsafeHTMLCheckerCatches keeps the checker above honest.
func TestUnsafeHTMLCheckerCatches(t *testing.T) {
	for _, doc := range []string{
		`<body><script>x</script>`,
		`<body><a href=" JavaScript:x">a</a>`,
		`<body><p onclick="x">a</p>`,
		`<body><p style="x">a</p>`,
		`<head><style></style></head><body><style></style>`,
		`<body><svg><a xlink:href="javascript:x">a</a></svg>`,
		`<body><iframe src="/x"></iframe>`,
	} {
		if unsafeHTML([]byte(doc)) == "" {
			t.Errorf("checker missed %s", doc)
		}
	}
}

// TestHostOnlyComponents: the components of the host's own pages render as the sign-in
// page, the user menu and the actions need them, without script; and a plugin's tree
// that holds one is refused, so that only the host posts forms or draws a menu.
func TestHostOnlyComponents(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    Node
		want string
	}{
		{"action", Action("Sign out", "/api/auth/oidc/logout", "redirectUrl", `/"><x`),
			`<form class="gr-action" method="post" action="/api/auth/oidc/logout"><input type="hidden" name="redirectUrl" value="/&#34;&gt;&lt;x"><button type="submit" class="gr-button">Sign out</button></form>`},
		{"danger action", Node{Type: TypeAction, Submit: "Unregister", Action: "/x", Tone: ToneDanger},
			`<form class="gr-action" method="post" action="/x"><button type="submit" class="gr-button gr-button-danger">Unregister</button></form>`},
		{"action to another origin", Action("Go", "https://evil.example/x"), `<span class="gr-link-blocked" title="action removed: not a path of this portal">Go</span>`},
		{"action to a scheme-relative URL", Action("Go", "//evil.example/x"), `<span class="gr-link-blocked" title="action removed: not a path of this portal">Go</span>`},
		{"action to script", Action("Go", "javascript:alert(1)"), `<span class="gr-link-blocked" title="action removed: not a path of this portal">Go</span>`},
		{"menu", Node{Type: TypeMenu, Title: "Jane <Doe>", Children: []Node{Link("Settings", "/settings"), Text("x")}},
			`<details class="gr-menu"><summary class="gr-menu-button">Jane &lt;Doe&gt;</summary><div class="gr-menu-body"><div class="gr-menu-item"><a class="gr-link" href="/settings">Settings</a></div><div class="gr-menu-item">x</div></div></details>`},
		{"button", Node{Type: TypeButton, Text: "Enter as guest", Href: "/api/auth/guest/start?env=development"},
			`<a class="gr-button" href="/api/auth/guest/start?env=development">Enter as guest</a>`},
		{"image", Node{Type: TypeImage, Href: "https://idp.example/jane.png", Text: "Jane"},
			`<img class="gr-image" src="https://idp.example/jane.png" alt="Jane" referrerpolicy="no-referrer">`},
		{"image with a script URL", Node{Type: TypeImage, Href: "javascript:alert(1)", Text: "x"}, ``},
		{"image with a mailto URL", Node{Type: TypeImage, Href: "mailto:x@example.com", Text: "x"}, ``},
		{"account", Node{Type: TypeAccount, Children: []Node{Link("Sign in", "/signin")}},
			`<div class="gr-account"><a class="gr-link" href="/signin">Sign in</a></div>`},
		{"copy", Copy("Copy ref", `component:default/"x"`),
			`<button type="button" class="gr-button gr-copy" data-gr-copy="component:default/&#34;x&#34;" title="Copy component:default/&#34;x&#34;">Copy ref</button>`},
		{"live", Live(3), `<span hidden data-gr-live="3"></span>`},
	} {
		var b bytes.Buffer
		Render(&b, &tc.n)
		if b.String() != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, b.String(), tc.want)
		}
	}

	// In a layout the account area goes to the top bar, whatever its place among the
	// children; the nav to the side; the rest to the main content.
	layout := Node{Type: TypeLayout, Title: "Acme", Children: []Node{
		{Type: TypePage, Title: "P"},
		{Type: TypeAccount, Children: []Node{{Type: TypeMenu, Title: "Jane"}}},
		{Type: TypeNav, Children: []Node{Link("Home", "/")}},
	}}
	var b bytes.Buffer
	Render(&b, &layout)
	got := b.String()
	top := strings.Index(got, `<div class="gr-account">`)
	end := strings.Index(got, `</header>`)
	nav := strings.Index(got, `<nav class="gr-nav"`)
	main := strings.Index(got, `<main class="gr-main" id="main"><div class="gr-page">`)
	if top < 0 || end < top || nav < end || main < nav || strings.Count(got, "gr-account") != 1 {
		t.Errorf("layout: account at %d, end of top bar %d, nav %d, main %d:\n%s", top, end, nav, main, got)
	}

	// A plugin cannot use them.
	for _, in := range []string{
		`{"type":"action","action":"/api/catalog/refresh","submit":"Refresh"}`,
		`{"type":"card","children":[{"type":"menu","title":"x"}]}`,
		`{"type":"button","text":"x","href":"/"}`,
		`{"type":"image","href":"https://example.com/x.png"}`,
		`{"type":"layout","children":[{"type":"account"}]}`,
		`{"type":"copy","title":"x","text":"y"}`,
		`{"type":"page","children":[{"type":"live","cols":1}]}`,
		`{"type":"form","fields":[{"name":"entityRef","label":"x","kind":"hidden","value":"component:default/x"}]}`,
	} {
		if _, err := Decode([]byte(in)); err == nil {
			t.Errorf("Decode(%s) accepted a host-only component", in)
		}
	}
}
