// Package ui builds the UI trees that Greenroom frontend plugins return from gr_render.
//
// A tree is made of host components (page, card, table, markdown, link, badge, key-value
// list, chart, ...). The plugin returns data, never HTML: the host validates the tree,
// renders it to HTML with its own styles and sanitises any Markdown or HTML in it, so no
// plugin can put script on a page. The JSON form is the host's UI component schema
// (host/internal/frontend/ui/schema.json in the Greenroom repository); Node mirrors it
// field for field.
//
//	ui.Card("Ownership",
//		ui.KV(ui.P("Owner", ui.Link("team-a", "/catalog/default/group/team-a")),
//			ui.P("Lifecycle", ui.Badge("production", ui.ToneSuccess))))
package ui

// Component types. Which fields each uses is listed beside it; other fields are ignored.
const (
	TypePage     = "page"     // title, subtitle, children
	TypeHeader   = "header"   // title, subtitle, children (e.g. badges)
	TypeCard     = "card"     // title, href (title link), children
	TypeGrid     = "grid"     // children in a responsive grid; cols 0 (auto) to 4
	TypeTable    = "table"    // columns and rows of cell nodes
	TypeTabs     = "tabs"     // tabs; with href on every tab they are links, else a CSS switch
	TypeMarkdown = "markdown" // text: CommonMark + GFM; raw HTML in it is sanitised
	TypeHTML     = "html"     // text: HTML, sanitised (no script, styles, event handlers, SVG)
	TypeLink     = "link"     // text, href (http, https, mailto or relative)
	TypeBadge    = "badge"    // text, tone, color
	TypeKV       = "kv"       // pairs
	TypeCode     = "code"     // text, language
	TypeList     = "list"     // children as list items; ordered
	TypeGroup    = "group"    // children inline, wrapped
	TypeEmpty    = "empty"    // empty state: title, text, children
	TypeError    = "error"    // error box: title, text
	TypeText     = "text"     // text
	TypeChart    = "chart"    // chart: bar or radar, drawn by the host as SVG
	TypeForm     = "form"     // a GET form: action, fields, submit
	// TypeAction is a button that posts its hidden fields to one of the plugin's own
	// routes: action (a path relative to the plugin's routes, "runs/1/rerun", or under
	// /api/<its config id>/), fields (hidden), submit (the label), tone (danger: red).
	TypeAction = "action"
)

// Badge tones.
const (
	ToneNeutral = "neutral"
	ToneInfo    = "info"
	ToneSuccess = "success"
	ToneWarning = "warning"
	ToneDanger  = "danger"
)

// Limits the host enforces on a tree: deeper or larger trees render as an error box.
const (
	MaxDepth = 32
	MaxNodes = 20000
)

// Node is one component of a UI tree.
type Node struct {
	Type     string `json:"type"`
	Title    string `json:"title,omitempty"`
	Subtitle string `json:"subtitle,omitempty"`
	Text     string `json:"text,omitempty"`
	Href     string `json:"href,omitempty"`
	Tone     string `json:"tone,omitempty"`
	// Color is a badge's own colour (#rgb or #rrggbb), shown as a dot before its text.
	Color    string `json:"color,omitempty"`
	Language string `json:"language,omitempty"`
	Ordered  bool   `json:"ordered,omitempty"`
	Selected bool   `json:"selected,omitempty"`
	Cols     int    `json:"cols,omitempty"`

	Children []Node   `json:"children,omitempty"`
	Pairs    []Pair   `json:"pairs,omitempty"`
	Columns  []string `json:"columns,omitempty"`
	Rows     [][]Node `json:"rows,omitempty"`
	Tabs     []Tab    `json:"tabs,omitempty"`
	Chart    *Chart   `json:"chart,omitempty"`

	Action string  `json:"action,omitempty"`
	Fields []Field `json:"fields,omitempty"`
	Submit string  `json:"submit,omitempty"`
}

// Pair is one entry of a key-value list.
type Pair struct {
	Key   string `json:"key"`
	Value Node   `json:"value"`
}

// Tab is one tab of a tabs component.
type Tab struct {
	ID       string `json:"id,omitempty"`
	Title    string `json:"title"`
	Href     string `json:"href,omitempty"`
	Selected bool   `json:"selected,omitempty"`
	Children []Node `json:"children,omitempty"`
}

// Chart kinds.
const (
	ChartBar   = "bar"
	ChartRadar = "radar"
)

// Chart is data the host draws as SVG.
type Chart struct {
	Kind  string `json:"kind"`
	Bars  []Bar  `json:"bars,omitempty"`
	Radar *Radar `json:"radar,omitempty"`
}

// Bar is one bar of a bar chart; Value must be finite and >= 0.
type Bar struct {
	Label string  `json:"label"`
	Value float64 `json:"value"`
	Href  string  `json:"href,omitempty"`
}

// Radar is a technology radar: exactly four quadrants (0 top right, 1 top left, 2 bottom
// left, 3 bottom right), one to eight rings (innermost first) and the entries.
type Radar struct {
	Quadrants []string     `json:"quadrants"`
	Rings     []string     `json:"rings"`
	Entries   []RadarEntry `json:"entries"`
}

// RadarEntry is one blip, placed by quadrant and ring index. Moved is 1 (moved in), -1
// (moved out) or 0.
type RadarEntry struct {
	Label       string `json:"label"`
	Quadrant    int    `json:"quadrant"`
	Ring        int    `json:"ring"`
	Moved       int    `json:"moved,omitempty"`
	Href        string `json:"href,omitempty"`
	Description string `json:"description,omitempty"`
}

// Field kinds of a form.
const (
	FieldText   = "text"
	FieldSearch = "search"
	FieldSelect = "select"
	// FieldHidden is a hidden field of an action (name, value); a GET form has none.
	FieldHidden = "hidden"
)

// MaxActionFields caps the hidden fields of an action.
const MaxActionFields = 16

// Field is one input of a GET form, or a hidden field of an action.
type Field struct {
	Name        string   `json:"name"`
	Label       string   `json:"label"`
	Kind        string   `json:"kind"`
	Value       string   `json:"value,omitempty"`
	Placeholder string   `json:"placeholder,omitempty"`
	Options     []Option `json:"options,omitempty"`
}

// Option is one choice of a select field; an empty Value means "any".
type Option struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// Page is a whole page with a title and content.
func Page(title string, children ...Node) Node {
	return Node{Type: TypePage, Title: title, Children: children}
}

// Header is a heading block; children are shown beside it (e.g. badges).
func Header(title, subtitle string, children ...Node) Node {
	return Node{Type: TypeHeader, Title: title, Subtitle: subtitle, Children: children}
}

// Card is a titled box.
func Card(title string, children ...Node) Node {
	return Node{Type: TypeCard, Title: title, Children: children}
}

// Grid lays children out in a grid of cols columns (0 chooses by width; at most 4).
func Grid(cols int, children ...Node) Node {
	return Node{Type: TypeGrid, Cols: cols, Children: children}
}

// Table is a table with column titles and rows of cells.
func Table(columns []string, rows ...[]Node) Node {
	return Node{Type: TypeTable, Columns: columns, Rows: rows}
}

// Row is a table row, for Table.
func Row(cells ...Node) []Node { return cells }

// Tabs is a set of tabs.
func Tabs(tabs ...Tab) Node { return Node{Type: TypeTabs, Tabs: tabs} }

// Markdown is CommonMark (with GitHub extensions) that the host renders and sanitises.
func Markdown(text string) Node { return Node{Type: TypeMarkdown, Text: text} }

// HTML is HTML that the host sanitises (no script, styles, event handlers or SVG).
func HTML(text string) Node { return Node{Type: TypeHTML, Text: text} }

// Link is a link; href is http, https, mailto or relative (other URLs are dropped).
func Link(text, href string) Node { return Node{Type: TypeLink, Text: text, Href: href} }

// Badge is a small label with a tone (ToneNeutral, ToneInfo, ToneSuccess, ToneWarning,
// ToneDanger; "" is neutral).
func Badge(text, tone string) Node { return Node{Type: TypeBadge, Text: text, Tone: tone} }

// KV is a key-value list.
func KV(pairs ...Pair) Node { return Node{Type: TypeKV, Pairs: pairs} }

// P is one key-value pair, for KV.
func P(key string, value Node) Pair { return Pair{Key: key, Value: value} }

// Code is a block of code.
func Code(language, text string) Node { return Node{Type: TypeCode, Language: language, Text: text} }

// List is a bulleted list of its children.
func List(children ...Node) Node { return Node{Type: TypeList, Children: children} }

// OrderedList is a numbered list of its children.
func OrderedList(children ...Node) Node {
	return Node{Type: TypeList, Ordered: true, Children: children}
}

// Group shows its children inline (e.g. a row of badges).
func Group(children ...Node) Node { return Node{Type: TypeGroup, Children: children} }

// Empty is an empty state: a title, an explanation and optional children (e.g. a link).
func Empty(title, text string, children ...Node) Node {
	return Node{Type: TypeEmpty, Title: title, Text: text, Children: children}
}

// Error is an error box.
func Error(title, text string) Node { return Node{Type: TypeError, Title: title, Text: text} }

// Text is plain text.
func Text(s string) Node { return Node{Type: TypeText, Text: s} }

// BarChart is a horizontal bar chart.
func BarChart(bars ...Bar) Node {
	return Node{Type: TypeChart, Chart: &Chart{Kind: ChartBar, Bars: bars}}
}

// RadarChart is a technology radar drawn by the host as SVG, with a legend.
func RadarChart(r Radar) Node {
	return Node{Type: TypeChart, Chart: &Chart{Kind: ChartRadar, Radar: &r}}
}

// Form is a GET form to action with fields and a submit button label.
func Form(action, submit string, fields ...Field) Node {
	return Node{Type: TypeForm, Action: action, Submit: submit, Fields: fields}
}

// Action is a button labelled submit that posts (as a browser posts a form:
// application/x-www-form-urlencoded, with the user's session cookie) the hidden fields
// given as name, value pairs to one of the plugin's own routes. action is a path
// relative to the plugin's routes ("repos/acme/app/runs/1/rerun" posts to
// /api/<the plugin's config id>/repos/acme/app/runs/1/rerun), or a path under
// /api/<config id>/; the host refuses a tree with an action to any other path. The route
// should answer a form post with 303 See Other to a page of the portal, e.g. the page
// the button was on, sent as a hidden field:
//
//	ui.Action("Re-run", "runs/42/rerun", "redirect", r.Path+"?run=42")
func Action(submit, action string, nameValues ...string) Node {
	n := Node{Type: TypeAction, Submit: submit, Action: action}
	for i := 0; i+1 < len(nameValues); i += 2 {
		n.Fields = append(n.Fields, Field{Name: nameValues[i], Kind: FieldHidden, Value: nameValues[i+1]})
	}
	return n
}

// WithTone returns n with its tone set (an action's ToneDanger makes a red button).
func (n Node) WithTone(tone string) Node { n.Tone = tone; return n }

// WithSubtitle returns n with its subtitle set.
func (n Node) WithSubtitle(s string) Node { n.Subtitle = s; return n }

// WithHref returns n with its href set (a card's title link).
func (n Node) WithHref(href string) Node { n.Href = href; return n }

// WithChildren returns n with children appended.
func (n Node) WithChildren(children ...Node) Node {
	n.Children = append(n.Children, children...)
	return n
}
