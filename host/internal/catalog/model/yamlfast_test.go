package model

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/catalog/gen"
)

// checkFast asserts that when the fast path accepts data it yields exactly what the
// yaml.v3 path yields, and returns whether it accepted it.
func checkFast(t *testing.T, name string, data []byte) bool {
	t.Helper()
	fast, ok := parseFast(data)
	if !ok {
		return false
	}
	slow, err := parseYAMLNodes(name, data)
	if err != nil {
		t.Fatalf("%s: the fast path accepted what yaml.v3 rejects: %v\n%s", name, err, data)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%s: fast path differs\nfast %#v\nslow %#v", name, fast, slow)
	}
	return true
}

func TestParseFastMatchesYAML(t *testing.T) {
	tests := []struct {
		name, yaml string
		fast       bool // the fast path is expected to take it
	}{
		{"entity", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\n  tags: [java, web]\n  annotations:\n    github.com/project-slug: example/a\n  links:\n    - url: https://example.com/a#x\n      title: Dashboard\n    - url: https://example.com/b\nspec:\n  owner: group-1\n  dependsOn: [resource:r-1, component:c-2]\n", true},
		{"documents and comments", "# head\n---\nkind: A\n# note\n  # indented note\nmetadata:\n  name: a\n---\n---\n\nkind: B\n...\n", false},
		{"separators", "---\nkind: A\n---\n\n# only a comment\n---\nkind: B\nx:\n", true},
		{"same-indent sequence", "kind: A\ntags:\n- a\n- b\nnext: x\n", true},
		{"nested sequences", "a:\n  - - x\n    - y\n  -\n    k: v\n  - \n", true},
		{"empty values", "a:\nb: ~\nc: null\nd: Null\ne: []\nf: ''\ng: \"\"\n", true},
		{"bools and words", "a: true\nb: False\nc: TRUE\nd: yes\ne: no\nf: on\ng: off\nh: y\ni: n\n", true},
		{"quoted", "a: \"x: y # z\"\nb: 'it''s'\nc: \"esc\\n\"\nd: 'plain'\n", false},
		{"numbers", "a: 1\n", false},
		{"version", "a: 1.2.3\n", false},
		{"negative", "a: -1\n", false},
		{"float", "a: .5\n", false},
		{"dot words", "a: ./x.yaml\nb: ../y\nc: .hidden\nd: .\n", true},
		{"dot float", "a: .5e3\n", false},
		{"inf", "a: .inf\n", false},
		{"date", "a: 2024-01-01\n", false},
		{"comment after value", "a: b # c\n", false},
		{"hash inside word", "a: b#c\nu: http://x/#/y\n", true},
		{"colon inside word", "a: b:c\n- x\n", false},
		{"colon word in sequence", "a:\n  - b:c\n  - http://h:80/p\n", true},
		{"anchor and alias", "a: &x v\nb: *x\n", false},
		{"merge key", "a: {x: 1}\n<<: *a\n", false},
		{"tag", "a: !!str 3\n", false},
		{"block scalar", "a: |\n  text\n", true},
		{"block scalar lines", "a: |\n\n  one\n    two {x: [y]} # not a comment\n\n  # neither\n  three  \n\n\nb: x\n", true},
		{"block scalar in sequence", "a:\n  - |\n    x\n  - y\n  - |\n  - z\n", true},
		{"block scalar last", "a: |\n  x\n\n", true},
		{"empty block scalar", "a: |\nb: c\n", true},
		{"block scalar comment after", "a: |\n  x\n# c\nb: y\n", true},
		{"block scalar at end of file", "a: |\n  x\n  y", true},
		{"block scalar in sequence at end of file", "a:\n  - |\n   x\n  - |\n   y", true},
		{"block scalars, the last at end of file", "a: |\n x\nb: |\n y", true},
		{"block scalar strip", "a: |-\n  x\n", false},
		{"block scalar indent", "a: |2\n   x\n", false},
		{"block scalar spaces line", "a: |\n  x\n   \n  y\n", false},
		{"block scalar less indented", "a:\n  b: |\n     x\n    y\n", false},
		{"folded", "a: >\n  text\n", false},
		{"multi-line plain", "a: one\n  two\n", false},
		{"flow mapping", "a: {b: c}\n", false},
		{"flow with quotes", "a: ['x', y]\n", false},
		{"flow over lines", "a: [x,\n  y]\n", false},
		{"flow question mark", "a: [a?b]\n", false},
		{"flow question mark at end", "a: [x, b?]\n", false},
		{"flow question mark after space", "a: [a ?b]\n", false},
		{"flow trailing comma", "a: [x, ]\n", false},
		{"duplicate key", "a: x\na: y\n", false},
		{"tab", "a:\tb\n", false},
		{"crlf", "a: b\r\n", false},
		{"control character in a comment", "# c\x01\na: b\n", false},
		{"delete in a comment", "a: b\n# \x7f\n", false},
		{"tab in a comment", "# \tc\na: b\n", true},
		{"carriage return in a block scalar comment line", "a: |\n  #x\r\n", false},
		{"lone carriage return in a block scalar comment line", "a: |\n  #x\ry\n", false},
		{"control character in a block scalar comment line", "a: |\n  #x\x01\n", false},
		{"tab in a block scalar comment line", "a: |\n  #x\ty\n", true},
		{"not a mapping", "- a\n- b\n", false},
		{"scalar document", "just text\n", false},
		{"bad indentation", "a:\n    b: c\n  d: e\n", false},
		{"unicode", "a: héllo wörld ☃\n", true},
		{"line separator", "a: x\u2028y\n", false},
		{"bom", "\ufeffa: b\n", false},
		{"key with space", "a b: c\n", false},
		{"quoted key", "\"a\": c\n", false},
		{"directive", "%YAML 1.2\n---\na: b\n", false},
		{"deep", strings.Repeat("a:\n", 3) + "  b: c\n", false},
		{"longest key", strings.Repeat("k", 1024) + ": v\n", true},
		{"key too long", strings.Repeat("k", 1025) + ": v\n", false},
		{"key too long in a sequence", "a:\n  - " + strings.Repeat("k", 1100) + ": v\n", false},
		{"indented root", "  a: b\n", false},
		{"empty file", "", true},
		{"only comments", "# x\n\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkFast(t, tt.name, []byte(tt.yaml)); got != tt.fast {
				t.Errorf("fast path taken = %v, want %v", got, tt.fast)
			}
		})
	}
}

// TestParseFastCatalogs runs the fast path over the example catalogs and a generated
// one, which it must take (it is the point of it), with the same results as yaml.v3.
func TestParseFastCatalogs(t *testing.T) {
	dir := t.TempDir()
	if _, err := gen.Generate(dir, 3000, 7); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	examples, _ := filepath.Glob("../../../../examples/catalog/*.yaml")
	more, _ := filepath.Glob("../../../../examples/catalog/*/*.yaml")
	for _, f := range append(files, append(examples, more...)...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		took := checkFast(t, f, data)
		if !took && strings.HasPrefix(f, dir) {
			t.Errorf("%s: the fast path refused a generated file", f)
		}
		t.Logf("%s: fast %v", filepath.Base(f), took)
	}
}

// TestParseFastMutations mutates catalog YAML at random: whatever the fast path still
// accepts must parse as yaml.v3 parses it.
func TestParseFastMutations(t *testing.T) {
	seed := []byte(`apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: api-1
  tags: [java, web]
  links:
    - url: https://example.com/x
      title: Dashboard
spec:
  owner: group-1
  targets:
    - ./a.yaml
  definition: |
    openapi: 3.0.0

    paths: {}
---
kind: Group
spec:
  children: []
  members:
  - user-1
`)
	const tricky = " :-#'\"[]|>\n.1,{}&*!~\t"
	accepted := 0
	rnd := uint32(7)
	next := func(n int) int { rnd = rnd*1664525 + 1013904223; return int(rnd>>8) % n }
	for i := 0; i < 6000; i++ {
		data := append([]byte(nil), seed...)
		for j := 0; j <= next(3); j++ {
			pos := next(len(data))
			switch next(3) {
			case 0:
				data[pos] = tricky[next(len(tricky))]
			case 1:
				data = append(data[:pos], append([]byte{tricky[next(len(tricky))]}, data[pos:]...)...)
			default:
				data = append(data[:pos], data[pos+1:]...)
			}
		}
		if checkFast(t, "mutation", data) {
			accepted++
		}
	}
	if accepted < 300 {
		t.Errorf("the fast path took only %d of the mutations", accepted)
	}
	t.Logf("fast path took %d mutations", accepted)
}

// TestParseFastTrickyInputs runs inputs chosen to trip a hand-written YAML reader
// through the differential check: whichever path takes them, the result is yaml.v3's.
func TestParseFastTrickyInputs(t *testing.T) {
	inputs := []string{
		// ':' and '#' inside keys and values
		"a: b:c\n", "a: b::\n", "a: b: c\n", "a:b\n", "a:b: c\n", "a: http://h:80/p#f\n", "a: b#c\n",
		"a: b #c\n", "a: b #\n", "a: #c\n", "a:  # c\n", "a: '#'\n", "a: \"a # b\"\n", "http://x: y\n",
		// quoted scalars
		"a: 'it''s'\n", "a: \"e\\n\"\n", "a: \"x\\\"y\"\n", "a: \"x'\"\n", "a: 'x\"'\n", "a: ''\n", "a: \"\"\n",
		"a: 'x' \n", "a: 'x' y\n", "a: \"x\" #c\n", "a: ' x '\n", "a: '\U0001F600'\n", "\"a\": b\n", "'a': b\n",
		// nulls, bools, numbers, timestamps
		"a: ~\nb: null\nc: Null\nd: NULL\ne: nUll\n", "a: true\nb: True\nc: TRUE\nd: tRue\ne: yes\nf: on\ng: y\nh: off\n",
		"a: 0x1F\n", "a: 1_000\n", "a: .5\n", "a: ._5\n", "a: -.inf\n", "a: .nan\n", "a: .NaN\n", "a: .Nan\n",
		"a: 2001-12-14\n", "a: 2001-12-14t21:59:43.10-05:00\n", "a: +1\n", "a: 0\n", "a: 1.2.3\n", "a: .x\n",
		"1: a\ntrue: b\nnull: c\n~: d\n",
		// spacing and markers
		"a: b   \n", "a:   b\n", "a: x  y\n", "a:\n", "a:", "a: b", "---\na: b\n", "--- \na: b\n", "---\n---\n",
		"a: b\n...\n", "a: b\n---\n", "%YAML 1.2\n---\na: b\n", "\ufeffa: b\n", "a: b\r\n", "a: b\rc: d\n",
		"a: x\u2028y\n", "a: x\u0085y\n", "a: x\u00a0\n", "a: héllo ☃ \U0001F600\n", "# \x01\na: b\n", "# \tc\na: b\n",
		// sequences
		"a:\n- x\n- y\n", "a:\n  - - x\n    - y\n", "a:\n  -\n  - x\n", "a:\n  -   b: c\n      d: e\n",
		"a:\n  - b: c\n  d: e\n", "a:\n - x\n  - y\n", "- a\n", "a: [x, y]\n", "a: [x,y]\n", "a: [ ]\n",
		"a: [x, ]\n", "a: [a?b]\n", "a: [a:b]\n", "a: [a: b]\n", "a: [a #b]\n", "a: [x]y]\n", "a: [x,\n  y]\n",
		"a: {}\n", "a: {b: c}\n", "a: - x\n",
		// block scalars
		"a: |\n  x\n", "a: |\n  x", "a: |\n  x\n  y", "a: |\n\n  x\n\n", "a: |\n  x\n   y\n", "a: |\n   x\n  y\n",
		"a: |\n  x\n  \n", "a: |\n  #x\n", "a: |\n  #x\r\n", "a: |\n  #x\ty\n", "a: |\nb: c\n", "a: |\n",
		"a: |-\n  x\n", "a: |+\n  x\n\n", "a: |2\n   x\n", "a: |1-\n  x\n", "a: >\n  x\n  y\n", "a: >-\n  x\n",
		"a: | # c\n  x\n", "a:\n- |\n x\n- y", "a:\n  - |\n   x\n  - |\n   y",
		// structure
		"a: x\na: y\n", "a:\n  b: 1\n  b: 2\n", "a:\n    b: c\n  d: e\n", "  a: b\n", "a: b\n  c: d\n",
		"a:\tb\n", "a:\n\tb: c\n", "just text\n", "&a a: b\n", "a: &x v\nb: *x\n", "<<: {a: b}\n",
		strings.Repeat("a:\n", 1) + strings.Repeat(" ", 1) + "b:\n" + "  c: d\n",
		// wrong indentation
		"a:\n  b: c\n d: e\n", "---\na:\n  b: c\n d: e\n", "# c\na:\n  b: c\n d: e\n", "a:\n  b: c\n   d: e\n",
		"a:\n  - x\n - y\n", "a:\n  - x\n   - y\n", "a:\n- x\n - y\n", "a: b\n c: d\n", "a:\n  b: |\n    x\n c: d\n",
		"a: " + strings.Repeat("x", 100000) + "\n",
	}
	var deep strings.Builder
	for i := 0; i < 150; i++ {
		deep.WriteString(strings.Repeat(" ", i) + "k:\n")
	}
	inputs = append(inputs, deep.String())
	for n := 1000; n <= 1040; n++ { // yaml.v3 takes keys of up to 1024 characters
		key := strings.Repeat("k", n)
		inputs = append(inputs, key+": v\n", "a:\n  - "+key+": v\n", "a:\n  -   x: y\n      "+key+":\n")
	}
	for _, in := range inputs {
		checkFast(t, fmt.Sprintf("%.60q", in), []byte(in))
	}
}
