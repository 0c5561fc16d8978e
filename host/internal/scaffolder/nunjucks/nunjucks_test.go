package nunjucks

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func scope() map[string]any {
	return map[string]any{
		"parameters": map[string]any{"name": "my-svc", "flag": true, "off": false, "tags": []any{"a", "b"}, "n": 3.0, "obj": map[string]any{"a": 1.0}},
		"steps":      map[string]any{"publish": map[string]any{"output": map[string]any{"remoteUrl": "https://x"}}},
	}
}

func TestRender(t *testing.T) {
	e := New(Options{})
	tests := []struct{ src, want string }{
		{"${{ parameters.name }}", "my-svc"},
		{"plain text, no templating", "plain text, no templating"},
		{"${{ steps['publish'].output.remoteUrl }}/${{ steps.publish.output.remoteUrl }}", "https://x/https://x"},
		{`${{ parameters.name | replace("-", "_") | upper }}`, "MY_SVC"},
		{"{%- if parameters.flag %}yes{% else %}no{% endif %}", "yes"},
		{"{% if parameters.off %}yes{% endif %}", ""},
		{"{% for t in parameters.tags %}[${{ t }}${{ loop.index }}]{% endfor %}", "[a1][b2]"},
		{"${{ parameters.flag }} ${{ parameters.off }}", "true false"},
		{"${{ parameters.n + 1 }} ${{ parameters.n / 2 }}", "4 1.5"},
		{"${{ parameters.tags }}", "a,b"},
		{"${{ parameters.obj }}", `{"a":1}`},
		{"${{ parameters.missing }}", ""},
		{"[${{ parameters.missing.deeper }}][${{ parameters.missing['x'][0] }}]", "[][]"},
		{"{% if parameters.missing.x %}yes{% else %}no{% endif %}", "no"},
		{"${{ parameters.tags[0] }}${{ parameters.tags[1] }}${{ parameters.obj['a'] }}", "ab1"},
		{"{% for t in parameters.tags %}${{ loop.cycle('x', 'y') }}${{ loop.first }}{% endfor %}", "xtrueyfalse"},
		{"${{ parameters.missing.deeper | default('d') }}", "d"},
		{`${{ parameters.missing | default("d") }}`, "d"},
		{`${{ parameters.name if parameters.flag else "x" }}`, "my-svc"},
		{`${{ parameters.tags | dump }} ${{ parameters.name | dump }}`, `["a","b"] "my-svc"`},
		{`${{ parameters.tags | join("-") }} ${{ parameters.tags | length }}`, "a-b 2"},
		{"{% set x = parameters.name ~ '!' %}${{ x }}", "my-svc!"},
		{"line\n", "line\n"},
		{"{% raw %}${{ kept }}{% endraw %}", "${{ kept }}"},
		{"{{ not.rendered }}", "{{ not.rendered }}"},
		{"${{ 'yes' if parameters.name === 'my-svc' else 'no' }} ${{ 'yes' if parameters.name !== 'my-svc' else 'no' }} a === b", "yes no a === b"},
		{"{% if parameters.n === 3 %}three{% endif %}", "three"},
		{"${{ parameters.flag | string }}", "true"},
		{"${{ 'a\nb' | nl2br }}", "a<br />\nb"},
		{"{% for k, v in parameters.obj %}${{ k }}=${{ v }};{% endfor %}", "a=1;"},
	}
	for _, tt := range tests {
		got, err := e.Render(tt.src, scope())
		if err != nil {
			t.Errorf("%q: %v", tt.src, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%q = %q, want %q", tt.src, got, tt.want)
		}
	}
}

func TestCookiecutter(t *testing.T) {
	e := New(Options{Cookiecutter: true})
	got, err := e.Render("{{ cookiecutter.name }} {{ cookiecutter.tags | jsonify }}", map[string]any{"cookiecutter": map[string]any{"name": "x", "tags": []any{"a"}}})
	if err != nil || got != `x ["a"]` {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestEval(t *testing.T) {
	e := New(Options{})
	tests := []struct {
		expr string
		want any
	}{
		{"parameters.name", "my-svc"},
		{"parameters.n", 3.0},
		{"parameters.flag", true},
		{"parameters.tags", []any{"a", "b"}},
		{"parameters.obj", map[string]any{"a": 1.0}},
		{"parameters.missing", nil},
		{"parameters.n > 2", true},
	}
	for _, tt := range tests {
		got, err := e.Eval(tt.expr, scope())
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s = %#v, want %#v", tt.expr, got, tt.want)
		}
	}
	if x, ok := SingleExpression(" ${{ parameters.x }} "); !ok || strings.TrimSpace(x) != "parameters.x" {
		t.Errorf("SingleExpression = %q, %v", x, ok)
	}
	if _, ok := SingleExpression("a ${{ parameters.x }}"); ok {
		t.Error("a mixed string is not a single expression")
	}
}

// TestObjectLiterals: bare keys are strings, as in Nunjucks, and literals reach filters as
// JSON objects.
func TestObjectLiterals(t *testing.T) {
	var got []any
	e := New(Options{Filters: map[string]Filter{"see": func(in any, args []any) (any, error) { got = args; return "", nil }}})
	if _, err := e.Render(`${{ 1 | see({ defaultKind:"group", 'ns': "x", n: [1, 'a'] }) }}`, scope()); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"defaultKind": "group", "ns": "x", "n": []any{1.0, "a"}}
	if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("args = %#v, want %#v", got, []any{want})
	}
	e = New(Options{Filters: map[string]Filter{"fail": func(any, []any) (any, error) { return nil, errors.New("it broke") }}})
	if _, err := e.Render("x\n${{ 1 | fail }}", scope()); err == nil || err.Error() != "line 2: fail: it broke" {
		t.Errorf("a filter's error = %v, want line 2: fail: it broke", err)
	}
}

func TestFilters(t *testing.T) {
	e := New(Options{Filters: map[string]Filter{
		"shout": func(in any, args []any) (any, error) { return strings.ToUpper(in.(string)) + args[0].(string), nil },
	}})
	got, err := e.Render(`${{ parameters.name | shout("!") }}`, scope())
	if err != nil || got != "MY-SVC!" {
		t.Fatalf("got %q, %v", got, err)
	}
}

// TestSandbox: a template reaches nothing outside its scope and cannot exhaust the host.
func TestSandbox(t *testing.T) {
	e := New(Options{MaxOutput: 1 << 10})
	tests := []struct{ src, want string }{
		{`{% include "/etc/passwd" %}`, "include"},
		{`{% import "x" as y %}`, "import"},
		{`{% extends "/etc/passwd" %}`, "extends"},
		{`{% macro f() %}${{ f() }}{% endmacro %}${{ f() }}`, "macro"},
		{`{% for x in [1] recursive %}${{ loop(x) }}{% endfor %}`, "recursive"},
		{`{% for i in range(100000000) %}{% endfor %}`, "range"},
		{`{% for i in range(1000) %}0123456789{% endfor %}`, "over 1024 bytes"},
		{`${{ parameters.name | nosuchfilter }}`, `line 1: there is no filter "nosuchfilter"`},
		{`{% if parameters.name | nosuch %}x{% endif %}`, `there is no filter "nosuch"`},
		{`${{ parameters.name `, "expected"},
	}
	for _, tt := range tests {
		_, err := e.Render(tt.src, scope())
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want it to mention %q", tt.src, err, tt.want)
		}
	}
}
