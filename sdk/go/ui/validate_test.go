package ui

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	good := sample()
	// The sample holds two nodes the host refuses, for the encoder's sake: a radar without
	// rings and a grid with cols -3.
	good.Children = append(good.Children[:11], good.Children[12:]...)
	good.Children[len(good.Children)-1].Cols = 0
	if err := good.Validate(); err != nil {
		t.Fatalf("sample: %v", err)
	}
	for _, a := range []Node{Action("Re-run", "runs/1/rerun", "redirect", "/catalog/x?run=1").WithTone(ToneDanger), Action("Re-run", "/api/team-ci/runs/1/rerun")} {
		if err := a.Validate(); err != nil {
			t.Errorf("%s: %v", a.Action, err)
		}
	}
	deep := Text("leaf")
	for i := 0; i < MaxDepth; i++ {
		deep = Group(deep)
	}
	many := List()
	for i := 0; i < MaxNodes; i++ {
		many.Children = append(many.Children, Text("x"))
	}
	for _, c := range []struct {
		n    Node
		want string
	}{
		{Node{}, "root: type is required"},
		{Card("c", Text("a"), Node{Type: "blink"}), `children[1]: unknown component type "blink"`},
		{Table([]string{"a"}, Row(Badge("", ""))), "rows[0][0]: badge: text is required"},
		{Table([]string{"a"}, Row(Text("1"), Text("2"))), "table: row 0 has 2 cells but the table has 1 columns"},
		{KV(P("k", Link("l", ""))), "pairs[0].value: link: href is required"},
		{KV(P("", Text("v"))), "pairs[0]: key is required"},
		{Page("p", Card("c", Badge("b", "pink"))), `children[0].children[0]: badge: tone "pink" is not one of`},
		{Page("p", Card("c", Node{Type: TypeBadge, Text: "b", Color: "gold"})), `children[0].children[0]: badge: color "gold" is not a CSS hex colour`},
		{Tabs(), "tabs: at least one tab is required"},
		{Tabs(Tab{Title: "t", Children: []Node{{Type: "x"}}}), `tabs[0].children[0]: unknown component type "x"`},
		{Grid(5), "cols must be between 0 (auto) and 4, not 5"},
		{BarChart(Bar{Label: "a", Value: -1}), "chart.bars[0]: value must be a finite number >= 0"},
		{RadarChart(Radar{Quadrants: []string{"a"}, Rings: []string{"r"}}), "exactly 4 quadrants are required, got 1"},
		{RadarChart(Radar{Quadrants: []string{"a", "b", "c", "d"}}), "1 to 8 rings are required, got 0"},
		{RadarChart(Radar{Quadrants: []string{"a", "b", "c", "d"}, Rings: []string{"r"}, Entries: []RadarEntry{{Label: "Go", Ring: 1}}}), `entries[0] ("Go"): ring 1 is not 0-0`},
		{Node{Type: TypeChart}, "chart is required"},
		{Form("/s", "Go", Field{Name: "1q", Label: "Q", Kind: FieldText}), `fields[0]: name "1q"`},
		{Form("/s", "Go", Field{Name: "q", Label: "Q", Kind: "date"}), `fields[0]: kind "date" is not one of`},
		{Form("/s", "Go", Field{Name: "q", Label: "Q", Kind: FieldHidden}), `fields[0]: kind "hidden" is not one of`},
		{KV(P("Re-run", Action("", "runs/1/rerun"))), "pairs[0].value: action: submit (the button's label) is required"},
		{Action("Go", ""), `action: action "" is not a route of this plugin`},
		{Action("Go", "/catalog/x"), `action "/catalog/x" is not a route of this plugin`},
		{Action("Go", "https://evil.example/x"), `is not a route of this plugin`},
		{Action("Go", "//evil.example/x"), `is not a route of this plugin`},
		{Action("Go", "../tech-radar/x"), `has an empty, "." or ".." segment`},
		{Action("Go", "/api/github-actions/x/../../app/refresh"), `has an empty, "." or ".." segment`},
		{Action("Go", "x%2F..%2Fy"), `escapes a dot, slash or backslash`},
		{Action("Go", "x?y=1"), `has "?"`},
		{Action("Go", "x").WithTone("red"), `tone "red" is not one of`},
		{Action("Go", "x", "1a", "v"), `fields[0]: name "1a"`},
		{Node{Type: TypeAction, Action: "x", Submit: "Go", Fields: []Field{{Name: "q", Label: "Q", Kind: FieldText}}}, `fields[0]: kind "text": an action's fields are hidden`},
		{deep, "nested deeper than 32 levels"},
		{many, "more than 20000 nodes"},
	} {
		if err := c.n.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.n.Type, err, c.want)
		}
	}
}
