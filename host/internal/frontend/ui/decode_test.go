package ui

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// readTreeFast are trees that readTree must read itself (not hand to encoding/json):
// every component and field, bare strings, nulls where encoding/json takes them,
// escapes, non-ASCII text, unknown keys with values of every kind, and numbers in every
// JSON form that fits the field.
var readTreeFast = []string{
	`"plain"`, `  "pad"  `, `"a \"quoted\" \\ \/ \b\f\n\r\t \u00e9 \ud83d\ude00 line"`, `"é — ✓"`, `null`,
	`{"type":"page","title":"T","subtitle":"S","children":["x",null,{"type":"text","text":""}]}`,
	`{"type":"card","title":"t","href":"/x","children":[]}`,
	`{"type":"grid","cols":2,"children":["a","b"]}`, `{"type":"grid","cols":-0}`, `{"type":"grid","cols":null}`,
	`{"type":"table","columns":["a",null,"c"],"rows":[["x",{"type":"badge","text":"b","tone":"info"}],null,[]]}`,
	`{"type":"tabs","tabs":[{"id":"a","title":"A","href":"?a","selected":true,"children":["one"]},null,{"title":"B","selected":null,"children":null}]}`,
	`{"type":"kv","pairs":[{"key":"k","value":"v"},{"key":"n","value":null},null,{"key":"m"}]}`,
	`{"type":"list","ordered":true,"children":["a"]}`, `{"type":"list","ordered":false,"selected":null}`,
	`{"type":"code","language":"go","text":"if a < b {\n\t}\n"}`,
	`{"type":"chart","chart":{"kind":"bar","bars":[{"label":"a","value":1.5,"href":"/a"},{"label":"b","value":0},{"label":"c","value":2e3},{"label":"d","value":-1.25E-2},null]}}`,
	`{"type":"chart","chart":{"kind":"radar","radar":{"quadrants":["a","b","c","d"],"rings":["x","y"],"entries":[{"label":"e","quadrant":3,"ring":1,"moved":-1,"href":"/e","description":"d"},null]}}}`,
	`{"type":"chart","chart":null}`, `{"type":"chart","chart":{"kind":"radar","radar":null,"bars":null}}`,
	`{"type":"form","action":"/c","submit":"Go","fields":[{"name":"q","label":"Q","kind":"select","value":"v","placeholder":"p","options":[{"value":"","label":"All"},null]},null]}`,
	`{"type":"text","text":"x","unknown":{"deep":[1,-2.5e+3,true,false,null,"s",{"a":[]}]},"other":[]}`,
	`{"type":"text","x-Type":"not a field","":"empty key"}`,
	" \n\t{ \"type\" : \"text\" , \"text\" : \"spaced\" } \r\n",
	`{"type":"card","title":"t","children":[{"type":"group","children":[{"type":"group","children":["deep"]}]}]}`,
	// Strings encoding/json mends, through encoding/json: invalid UTF-8, a lone surrogate.
	"{\"type\":\"text\",\"text\":\"invalid \xff utf-8\"}", `{"type":"text","text":"\ud800 lone surrogate"}`,
}

// readTreeRefuses are inputs that readTree hands to encoding/json: malformed JSON,
// wrong types, a key in other letter case or given twice, escaped keys, numbers that
// do not fit, trailing data.
var readTreeRefuses = []string{
	``, ` `, `{`, `{"type":"text"`, `{"type":"text",}`, `{"type" "text"}`, `{"type":"text"}}`, `[]`, `5`, `true`,
	`{"type":5}`, `{"type":"text","ordered":"yes"}`, `{"type":"grid","cols":1.5}`, `{"type":"grid","cols":1e2}`,
	`{"type":"grid","cols":99999999999999999999}`, `{"type":"grid","cols":"2"}`, `{"type":"grid","cols":01}`,
	`{"type":"grid","cols":+1}`, `{"type":"grid","cols":.5}`, `{"type":"grid","cols":-}`,
	`{"type":"chart","chart":{"kind":"bar","bars":[{"label":"a","value":1e999}]}}`,
	`{"type":"page","children":5}`, `{"type":"page","children":[5]}`, `{"type":"page","children":{}}`,
	`{"type":"kv","pairs":["x"]}`, `{"type":"table","rows":["x"]}`, `{"type":"chart","chart":"bar"}`,
	`{"Type":"text"}`, `{"TYPE":"text","type":"x"}`, `{"type":"text","type":"text"}`, `{"typ\u0065":"text"}`,
	`{"type":"text","ſubtitle":"x"}`, `{"type":"chart","chart":{"kind":"bar"},"chart":{"bars":[]}}`,
	`{"type":"text"} x`, `{"type":"text"}]`, `{"type":"text"} {"type":"text"}`, `"a" "b"`,
	`{"type":"text","text":"bad \x escape"}`, "{\"type\":\"text\",\"text\":\"raw \x01 control\"}",
	`{"type":"text","x":tru}`, `{"type":"text","x":nul}`, `{"type":"text","x":[1,]}`, `{"type":"text","x":{"a"}}`,
	strings.Repeat(`{"type":"group","children":[`, 200) + `"x"` + strings.Repeat(`]}`, 200),
	strings.Repeat(`[`, 300) + strings.Repeat(`]`, 300),
}

func corpus(t testing.TB) []string {
	in := append(append([]string{}, readTreeFast...), readTreeRefuses...)
	in = append(in, hostile...)
	for _, tree := range benchTrees() {
		in = append(in, string(tree))
	}
	golden, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "abi", "testdata", "render-output.json"))
	if err != nil {
		t.Fatal(err)
	}
	return append(in, string(golden))
}

// checkReadTree holds readTree to encoding/json: what it reads, encoding/json reads to
// the same tree; Decode gives what decoding through encoding/json and validating gives.
func checkReadTree(t *testing.T, in string) (fast bool) {
	n, ok := readTree([]byte(in))
	ref, refErr := decodeJSON([]byte(in))
	if ok && (refErr != nil || !reflect.DeepEqual(n, ref)) {
		t.Fatalf("readTree(%q) = %#v\nencoding/json: %#v, %v", in, n, ref, refErr)
	}
	got, err := Decode([]byte(in))
	want, wantErr := ref, refErr
	if wantErr == nil {
		wantErr = want.Validate()
	}
	if wantErr != nil {
		want = Node{}
	}
	if !reflect.DeepEqual(got, want) || (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
		t.Fatalf("Decode(%q) = %#v, %v\nwant %#v, %v", in, got, err, want, wantErr)
	}
	return ok
}

func TestReadTreeMatchesEncodingJSON(t *testing.T) {
	for _, in := range corpus(t) {
		checkReadTree(t, in)
	}
	for _, in := range append(append(append([]string{}, readTreeFast...), hostile...), string(benchTrees()["table"])) {
		if !checkReadTree(t, in) {
			t.Errorf("readTree does not read %q itself", in)
		}
	}
	for _, in := range readTreeRefuses {
		if checkReadTree(t, in) {
			t.Errorf("readTree reads %q, which it should leave to encoding/json", in)
		}
	}
}

func FuzzReadTree(f *testing.F) {
	for _, in := range corpus(f) {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkReadTree(t, in)
	})
}

// TestPluginActions: a plugin's tree (DecodeFor with its /api/<id>/) may hold an action
// that posts hidden fields to one of its own routes, and renders as a one-button POST
// form; an action to another plugin's routes, to the host's, off the portal, or through
// a path that could leave the plugin's routes is refused, naming the node. Decode (no
// prefix) refuses every action.
func TestPluginActions(t *testing.T) {
	const own = "/api/github-actions/"
	ok := `{"type":"card","children":[{"type":"kv","pairs":[{"key":"Re-run","value":{"type":"action","action":"/api/github-actions/repos/acme/payments/runs/1/rerun","submit":"Re-run","tone":"danger","fields":[{"name":"redirect","kind":"hidden","value":"/catalog/default/component/payments/ci?run=1"}]}}]}]}`
	n, err := DecodeFor([]byte(ok), own)
	if err != nil {
		t.Fatalf("an action to the plugin's own route: %v", err)
	}
	var b bytes.Buffer
	Render(&b, &n)
	want := `<form class="gr-action" method="post" action="/api/github-actions/repos/acme/payments/runs/1/rerun"><input type="hidden" name="redirect" value="/catalog/default/component/payments/ci?run=1"><button type="submit" class="gr-button gr-button-danger">Re-run</button></form>`
	if !strings.Contains(b.String(), want) {
		t.Errorf("render:\n got %s\nwant %s", b.String(), want)
	}
	// A path without a leading slash is relative to the plugin's routes.
	n, err = DecodeFor([]byte(`{"type":"action","action":"repos/acme/payments/runs/1/rerun","submit":"Re-run"}`), own)
	if err != nil || n.Action != "/api/github-actions/repos/acme/payments/runs/1/rerun" {
		t.Errorf("a relative action: %q, %v", n.Action, err)
	}
	if _, err := Decode([]byte(ok)); err == nil || !strings.Contains(err.Error(), "children[0].pairs[0].value: action: action nodes are allowed only in a plugin's tree") {
		t.Errorf("Decode without a plugin's prefix: %v", err)
	}

	action := func(path string) string {
		return `{"type":"group","children":["x",{"type":"action","action":` + strconvQuote(path) + `,"submit":"Go"}]}`
	}
	for _, tc := range []struct{ in, want string }{
		{action("/api/tech-radar/entries"), `children[1]: action: action "/api/tech-radar/entries" is not a route of this plugin: it must be a path under /api/github-actions/`},
		{action("/api/github-actionsx/rerun"), `is not a route of this plugin`},
		{action("/api/app/refresh"), `is not a route of this plugin`},
		{action("/api/catalog/entities"), `is not a route of this plugin`},
		{action("/api/auth/guest/logout"), `is not a route of this plugin`},
		{action("/catalog/default/component/x"), `is not a route of this plugin`},
		{action("https://evil.example/api/github-actions/x"), `is not a route of this plugin`},
		{action("//evil.example/api/github-actions/x"), `is not a route of this plugin`},
		{action("/api/github-actions/"), `is not a route of this plugin`},
		{action("/api/github-actions/../catalog/refresh"), `has an empty, "." or ".." segment`},
		{action("/api/github-actions/./x"), `has an empty, "." or ".." segment`},
		{action("/api/github-actions//x"), `has an empty, "." or ".." segment`},
		{action("/api/github-actions/%2e%2e/app/refresh"), `escapes a dot, slash or backslash`},
		{action("/api/github-actions/x%2Fy"), `escapes a dot, slash or backslash`},
		{action("/api/github-actions/x\\..\\y"), `has "\\"`},
		{action("/api/github-actions/x?next=/api/app/refresh"), `has "?"`},
		{action("/api/github-actions/x#y"), `has "#"`},
		{action(""), `is not a route of this plugin`},
		{action("../tech-radar/entries"), `has an empty, "." or ".." segment`},
		{action("x/../../app/refresh"), `has an empty, "." or ".." segment`},
		{action("javascript:alert(1)"), `is not a route of this plugin`},
		{`{"type":"action","action":"/api/github-actions/x"}`, `root: action: submit (the button's label) is required`},
		{`{"type":"action","action":"/api/github-actions/x","submit":"Go","tone":"red"}`, `tone "red" is not one of`},
		{`{"type":"action","action":"/api/github-actions/x","submit":"Go","fields":[{"name":"q","label":"Q","kind":"text"}]}`, `fields[0]: kind "text": an action's fields are hidden`},
		{`{"type":"action","action":"/api/github-actions/x","submit":"Go","fields":[{"name":"1q","kind":"hidden"}]}`, `fields[0]: name "1q" must match`},
		// A plugin's GET form still takes no hidden fields.
		{`{"type":"form","action":"/catalog","fields":[{"name":"q","label":"Q","kind":"hidden"}]}`, `fields[0]: kind "hidden" is not one of text, search, select`},
	} {
		if _, err := DecodeFor([]byte(tc.in), own); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("DecodeFor(%s) = %v, want an error with %q", tc.in, err, tc.want)
		}
	}
	// The host's other host-only types stay refused in a plugin's tree.
	for _, typ := range []string{TypeAccount, TypeMenu, TypeButton, TypeImage, TypeCopy, TypeLive} {
		if _, err := DecodeFor([]byte(`{"type":"`+typ+`","text":"x","href":"/x"}`), own); err == nil || !strings.Contains(err.Error(), "unknown component type") {
			t.Errorf("a plugin's %s node: %v", typ, err)
		}
	}
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }
