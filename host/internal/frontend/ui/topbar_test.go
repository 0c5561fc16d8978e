package ui

import (
	"bytes"
	"strings"
	"testing"
)

// TestTopbarSearch: a layout's form after the nav and the content is the top bar's
// search box (with the "/" access key); a page whose content is a form keeps it in
// the page; an unsafe action drops the box.
func TestTopbarSearch(t *testing.T) {
	box := Node{Type: TypeForm, Action: "/search", Fields: []Field{{Name: "query", Label: "Search", Kind: FieldSearch, Value: `a"b`}}}
	for _, tc := range []struct {
		name      string
		layout    Node
		want, not string
	}{
		{"box", Node{Type: TypeLayout, Children: []Node{{Type: TypeNav}, Text("content"), box}},
			`<form class="gr-topbar-search" role="search" method="get" action="/search"><input type="search" accesskey="/" name="query" value="a&#34;b" aria-label="Search"><button type="submit" class="gr-button">Search</button></form><div class="gr-topbar-end">`, ""},
		{"content form", Node{Type: TypeLayout, Children: []Node{{Type: TypeNav}, box}}, `<main class="gr-main" id="main"><form class="gr-form"`, "gr-topbar-search"},
		{"unsafe action", Node{Type: TypeLayout, Children: []Node{{Type: TypeNav}, Text("x"), {Type: TypeForm, Action: "javascript:alert(1)", Fields: box.Fields}}}, "", "gr-topbar-search"},
	} {
		var buf bytes.Buffer
		Render(&buf, &tc.layout)
		html := buf.String()
		if tc.want != "" && !strings.Contains(html, tc.want) {
			t.Errorf("%s: %s", tc.name, html)
		}
		if tc.not != "" && strings.Contains(html, tc.not) {
			t.Errorf("%s: has %s: %s", tc.name, tc.not, html)
		}
	}
}
