package ui

import (
	"encoding/json"
	"math"
	"testing"
)

// plain has Node's fields and tags without its MarshalJSON, so encoding/json encodes it
// by reflection: the reference for AppendJSON.
type plain struct {
	Type     string    `json:"type"`
	Title    string    `json:"title,omitempty"`
	Subtitle string    `json:"subtitle,omitempty"`
	Text     string    `json:"text,omitempty"`
	Href     string    `json:"href,omitempty"`
	Tone     string    `json:"tone,omitempty"`
	Color    string    `json:"color,omitempty"`
	Language string    `json:"language,omitempty"`
	Ordered  bool      `json:"ordered,omitempty"`
	Selected bool      `json:"selected,omitempty"`
	Cols     int       `json:"cols,omitempty"`
	Children []plain   `json:"children,omitempty"`
	Pairs    []pPair   `json:"pairs,omitempty"`
	Columns  []string  `json:"columns,omitempty"`
	Rows     [][]plain `json:"rows,omitempty"`
	Tabs     []pTab    `json:"tabs,omitempty"`
	Chart    *Chart    `json:"chart,omitempty"`
	Action   string    `json:"action,omitempty"`
	Fields   []Field   `json:"fields,omitempty"`
	Submit   string    `json:"submit,omitempty"`
}

type pPair struct {
	Key   string `json:"key"`
	Value plain  `json:"value"`
}

type pTab struct {
	ID       string  `json:"id,omitempty"`
	Title    string  `json:"title"`
	Href     string  `json:"href,omitempty"`
	Selected bool    `json:"selected,omitempty"`
	Children []plain `json:"children,omitempty"`
}

func toPlain(n Node) plain {
	p := plain{Type: n.Type, Title: n.Title, Subtitle: n.Subtitle, Text: n.Text, Href: n.Href, Tone: n.Tone, Color: n.Color, Language: n.Language,
		Ordered: n.Ordered, Selected: n.Selected, Cols: n.Cols, Columns: n.Columns, Chart: n.Chart, Action: n.Action, Fields: n.Fields, Submit: n.Submit}
	for _, c := range n.Children {
		p.Children = append(p.Children, toPlain(c))
	}
	for _, pr := range n.Pairs {
		p.Pairs = append(p.Pairs, pPair{pr.Key, toPlain(pr.Value)})
	}
	for _, row := range n.Rows {
		var r []plain
		for _, c := range row {
			r = append(r, toPlain(c))
		}
		p.Rows = append(p.Rows, r)
	}
	for _, t := range n.Tabs {
		pt := pTab{ID: t.ID, Title: t.Title, Href: t.Href, Selected: t.Selected}
		for _, c := range t.Children {
			pt.Children = append(pt.Children, toPlain(c))
		}
		p.Tabs = append(p.Tabs, pt)
	}
	return p
}

func sample() Node {
	return Page("Dashboard <&> \"quoted\"\n\t\u2028 \xff é 日本",
		Header("H", "sub", Badge("ok", ToneSuccess)),
		Grid(2, Card("C", Text("x")).WithHref("/c"), Markdown("# md"), HTML("<b>b</b>")),
		Table([]string{"a", "b"}, Row(Text("1"), Link("l", "https://x/?a=1&b=2")), Row()),
		Tabs(Tab{ID: "t1", Title: "One", Href: "/1", Selected: true, Children: []Node{Text("1")}}, Tab{Title: "Two"}),
		KV(P("k", Code("go", "func main() {}")), P("e", Empty("none", "nothing", Link("add", "/add")))),
		List(Text("a")), OrderedList(Text("b")), Group(Badge("x", ""), Node{Type: TypeBadge, Text: "gold", Color: "#d4af37"}), Error("bad", "worse"),
		BarChart(Bar{Label: "a", Value: 1.5}, Bar{Label: "b", Value: 1e21}, Bar{Label: "c", Value: 1e-7, Href: "/c"}, Bar{Label: "d", Value: 0}),
		RadarChart(Radar{Quadrants: []string{"a", "b", "c", "d"}, Rings: []string{"adopt"}, Entries: []RadarEntry{{Label: "Go", Quadrant: 1, Moved: -1, Href: "/go", Description: "d"}, {Label: "Rust"}}}),
		RadarChart(Radar{Quadrants: []string{"a", "b", "c", "d"}}),
		Form("/search", "Go", Field{Name: "q", Label: "Q", Kind: FieldSelect, Value: "v", Placeholder: "p", Options: []Option{{"", "any"}, {"a", "A"}}}, Field{Name: "t", Label: "T", Kind: FieldText}),
		Action("Re-run <now>", "runs/1/rerun", "redirect", "/catalog/x?run=1&a=\"b\"").WithTone(ToneDanger),
		Node{Type: TypeGrid, Cols: -3, Ordered: true, Selected: true},
	)
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	n := sample()
	want, err := json.Marshal(toPlain(n))
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("AppendJSON differs from encoding/json\n got %s\nwant %s", got, want)
	}
}

// An action is what the host's schema takes: type, action, hidden fields, submit.
func TestActionJSON(t *testing.T) {
	b, err := json.Marshal(Action("Re-run", "runs/1/rerun", "redirect", "/x?run=1"))
	want := `{"type":"action","action":"runs/1/rerun","fields":[{"name":"redirect","label":"","kind":"hidden","value":"/x?run=1"}],"submit":"Re-run"}`
	if err != nil || string(b) != want {
		t.Errorf("%s %v\nwant %s", b, err, want)
	}
}

func TestNonFiniteBarValues(t *testing.T) {
	b, err := json.Marshal(BarChart(Bar{Label: "nan", Value: math.NaN()}, Bar{Label: "inf", Value: math.Inf(1)}))
	if err != nil || string(b) != `{"type":"chart","chart":{"kind":"bar","bars":[{"label":"nan","value":0},{"label":"inf","value":0}]}}` {
		t.Errorf("%s %v", b, err)
	}
}

func BenchmarkAppendJSON(b *testing.B) {
	n := sample()
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = n.AppendJSON(buf[:0])
	}
}
