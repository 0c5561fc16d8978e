package ui

import (
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
