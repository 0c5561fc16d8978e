// Package ui is Greenroom's UI component tree and its HTML renderer.
//
// Extensions (host built-ins in Go, and Wasm frontend plugins through gr_render)
// describe their UI as a tree of host components, a Node, usually sent as JSON. The
// host validates the tree (Decode, Validate) and renders it to HTML with its own
// styles (Render, Document). Nothing in a tree can put script on a page: every string
// is escaped, URLs are limited to http, https, mailto and relative ones, Markdown and
// raw HTML go through bluemonday, and charts are drawn by the host from data.
//
// The JSON Schema of the tree is schema.json in this package (Schema()).
package ui

import (
	"bytes"
	"encoding/json"
)

// Component types. Plugins may use all of them; TypeLayout and TypeNav are the
// host's shell, and TypeForm is meant for GET filter forms.
const (
	TypePage     = "page"     // a whole page: title, subtitle, children
	TypeHeader   = "header"   // a heading block: title, subtitle, children (e.g. badges)
	TypeCard     = "card"     // a titled box: title, href (title link), children
	TypeGrid     = "grid"     // children laid out in a responsive grid; cols 0 (auto) to 4
	TypeTable    = "table"    // columns (header titles) and rows of cell nodes
	TypeTabs     = "tabs"     // tabs; with href: links (server-side), without: CSS-only switch
	TypeMarkdown = "markdown" // text is CommonMark+GFM; raw HTML in it is sanitised
	TypeHTML     = "html"     // text is HTML, sanitised (no script, styles, event handlers, SVG)
	TypeLink     = "link"     // text, href (http, https, mailto or relative)
	TypeBadge    = "badge"    // text, tone, color
	TypeKV       = "kv"       // key-value list: pairs
	TypeCode     = "code"     // text, language (graphql, json and yaml are highlighted)
	TypeList     = "list"     // children as list items; ordered
	TypeGroup    = "group"    // children inline, wrapped (e.g. a row of badges)
	TypeEmpty    = "empty"    // empty state: title, text, children (e.g. a link)
	TypeError    = "error"    // an error box: title, text
	TypeText     = "text"     // plain text
	TypeChart    = "chart"    // chart drawn by the host as SVG: bar or radar
	TypeForm     = "form"     // a GET form: action, fields, submit
	TypeLayout   = "layout"   // host shell: title (brand), children = nav then content
	TypeNav      = "nav"      // host navigation: children are links, selected marks the current one
)

// TypeAction is a POST form of one button to a path of this origin: action (the path),
// fields (hidden), submit (the button's label), tone (danger for a red button). The
// host's pages post to host routes with it. A plugin's tree may hold one only when it
// posts to one of the plugin's own routes, under /api/<its config id>/ (ValidateFor,
// DecodeFor); Validate refuses it.
const TypeAction = "action"

// Host-only component types, for the host's own pages: the sign-in page, the user
// menu and the actions a caller may take. They are not in the plugins' schema, and
// Validate refuses a tree that holds one, so no plugin can put a menu in the top bar or
// show an image the host did not choose.
const (
	TypeAccount = "account" // the top bar's account area (in a layout): children, e.g. a sign-in link or a menu
	TypeMenu    = "menu"    // a menu without script (<details>): title (its button), children (its items)
	TypeButton  = "button"  // a link that looks like a button: text, href
	TypeImage   = "image"   // an image: href (its http, https or relative URL), text (its description)
	TypeCopy    = "copy"    // a button that copies text to the clipboard (with the host script): title (its label), text
	TypeLive    = "live"    // marks the page live: it reloads itself every cols seconds (default 2) while shown
)

// Tones of badges.
const (
	ToneNeutral = "neutral"
	ToneInfo    = "info"
	ToneSuccess = "success"
	ToneWarning = "warning"
	ToneDanger  = "danger"
)

// Node is one component. Which fields a component uses is listed at its Type constant;
// other fields are ignored. In JSON a bare string is shorthand for a text node.
type Node struct {
	Type     string `json:"type"`
	Title    string `json:"title,omitempty"`
	Subtitle string `json:"subtitle,omitempty"`
	Text     string `json:"text,omitempty"`
	Href     string `json:"href,omitempty"`
	Tone     string `json:"tone,omitempty"`
	// Color is a badge's own colour (#rgb or #rrggbb), shown as a dot before its text:
	// a scorecard level's colour, say. The tone still styles the badge.
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

// Tab is one tab. With Href set on every tab the tabs are links and only the
// Selected tab's children are rendered; otherwise all panels are rendered and CSS
// switches between them (no script).
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
	// Graph is for the host's own pages only (kind ChartGraph): not in the plugins'
	// wire format, and Validate refuses the kind.
	Graph *Graph `json:"-"`
}

// ChartGraph is a host-only chart kind: an entity and its relations.
const ChartGraph = "graph"

// Graph is one node (Nodes[0], in the middle) and its neighbours, each joined to it
// by an edge labelled with the relation.
type Graph struct {
	Nodes []GraphNode
	Edges []GraphEdge
}

// GraphNode is a box: its label (an entity's title), a smaller kind line, and a link.
type GraphNode struct {
	ID, Label, Kind, Href string
}

// GraphEdge joins Nodes[0] to the node with id To, labelled.
type GraphEdge struct {
	To, Label string
}

// Bar is one bar of a bar chart.
type Bar struct {
	Label string  `json:"label"`
	Value float64 `json:"value"`
	Href  string  `json:"href,omitempty"`
}

// Radar is a technology radar: four quadrants, one to eight rings (innermost first)
// and entries placed by quadrant and ring index.
type Radar struct {
	Quadrants []string     `json:"quadrants"`
	Rings     []string     `json:"rings"`
	Entries   []RadarEntry `json:"entries"`
}

// RadarEntry is one blip. Moved is 1 (moved in), -1 (moved out) or 0.
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
	// FieldHidden is a hidden field (name, value): of an action, or of a host page's
	// GET form that carries values from one page to the next (Validate
	// refuses it in a plugin's form).
	FieldHidden = "hidden"
)

// Field is one input of a GET form, or a hidden field of an action.
type Field struct {
	Name        string   `json:"name"`
	Label       string   `json:"label"`
	Kind        string   `json:"kind"`
	Value       string   `json:"value,omitempty"`
	Placeholder string   `json:"placeholder,omitempty"`
	Options     []Option `json:"options,omitempty"`
	// Help is a line of help shown under the field; Error is a validation error shown
	// beside it. Host pages only (the /create forms): the plugins' schema has neither.
	Help  string `json:"help,omitempty"`
	Error string `json:"error,omitempty"`
}

// Option is one choice of a select field; an empty Value means "any".
type Option struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// UnmarshalJSON accepts a bare JSON string as a text node.
func (n *Node) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*n = Node{Type: TypeText, Text: s}
		return nil
	}
	type plain Node
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*n = Node(p)
	return nil
}

// Small constructors for host code.

// Text is a plain-text node.
func Text(s string) Node { return Node{Type: TypeText, Text: s} }

// Link is a link node.
func Link(text, href string) Node { return Node{Type: TypeLink, Text: text, Href: href} }

// Badge is a badge node.
func Badge(text, tone string) Node { return Node{Type: TypeBadge, Text: text, Tone: tone} }

// Card is a card node.
func Card(title string, children ...Node) Node {
	return Node{Type: TypeCard, Title: title, Children: children}
}

// ErrorBox is an error node.
func ErrorBox(title, text string) Node { return Node{Type: TypeError, Title: title, Text: text} }

// Action is a POST form of one button, labelled submit, to a path of this origin, with
// hidden fields given as name, value pairs.
func Action(submit, action string, nameValues ...string) Node {
	n := Node{Type: TypeAction, Submit: submit, Action: action}
	for i := 0; i+1 < len(nameValues); i += 2 {
		n.Fields = append(n.Fields, Field{Name: nameValues[i], Kind: FieldHidden, Value: nameValues[i+1]})
	}
	return n
}

// Copy is a host-only button, labelled label, that copies text to the clipboard. Without
// the host's script (shell.js) it does nothing, so the text should be on the page too.
func Copy(label, text string) Node { return Node{Type: TypeCopy, Title: label, Text: text} }

// Live is a host-only marker that makes the page reload itself every seconds seconds
// (2 when 0): for a page whose state changes on its own, such as a running task.
func Live(seconds int) Node { return Node{Type: TypeLive, Cols: seconds} }

// Empty is an empty-state node.
func Empty(title, text string, children ...Node) Node {
	return Node{Type: TypeEmpty, Title: title, Text: text, Children: children}
}
