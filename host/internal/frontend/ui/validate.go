package ui

import (
	"fmt"
	"math"
	"regexp"
	"strings"
)

// Limits on a tree, so that one extension cannot make a page arbitrarily expensive.
const (
	MaxDepth = 32
	MaxNodes = 20000
)

var fieldName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{0,63}$`)

// Validate checks a tree against the component rules: known types, required fields,
// enumerations, chart shapes, and the MaxDepth and MaxNodes limits. It refuses action
// nodes: a tree that may hold them is checked with ValidateFor.
func (n *Node) Validate() error {
	v := validator{}
	return v.node(n, nil, 1)
}

// ValidateFor is Validate for a tree whose action nodes may post to the paths under
// actionPrefix, and nowhere else: a Wasm plugin's tree, with actionPrefix
// "/api/<its config id>/", may offer a button that posts to one of its own routes. An
// action path without a leading "/" is relative to actionPrefix, and ValidateFor
// resolves it in place ("runs/1/rerun" becomes "/api/<id>/runs/1/rerun"), so that a
// plugin need not know the id it is configured under. An empty actionPrefix refuses
// every action node, as Validate does.
func (n *Node) ValidateFor(actionPrefix string) error {
	v := validator{actions: actionPrefix}
	return v.node(n, nil, 1)
}

type validator struct {
	count   int
	actions string // the path prefix action nodes may post to; "" refuses them
}

// seg is one step of the JSON path to a node, formatted only when there is an error.
type seg struct {
	parent *seg
	field  string // "children", "pairs", "rows", "tabs"
	i, j   int
	value  bool // pairs[i].value; tabs[i].children[j]
}

func (s *seg) String() string {
	if s == nil {
		return ""
	}
	p := s.parent.String()
	if p != "" {
		p += "."
	}
	switch s.field {
	case "rows":
		return fmt.Sprintf("%srows[%d][%d]", p, s.i, s.j)
	case "pairs":
		if s.value {
			return fmt.Sprintf("%spairs[%d].value", p, s.i)
		}
		return fmt.Sprintf("%spairs[%d]", p, s.i)
	case "tabs":
		if s.value {
			return fmt.Sprintf("%stabs[%d].children[%d]", p, s.i, s.j)
		}
		return fmt.Sprintf("%stabs[%d]", p, s.i)
	}
	return fmt.Sprintf("%s%s[%d]", p, s.field, s.i)
}

func at(path *seg) string {
	if path == nil {
		return "root"
	}
	return path.String()
}

func (v *validator) node(n *Node, path *seg, depth int) error {
	v.count++
	if v.count > MaxNodes {
		return fmt.Errorf("UI tree has more than %d nodes; paginate or summarise", MaxNodes)
	}
	if depth > MaxDepth {
		return fmt.Errorf("%s: UI tree is nested deeper than %d levels", at(path), MaxDepth)
	}
	errf := func(format string, args ...any) error {
		return fmt.Errorf("%s: %s: %s", at(path), n.Type, fmt.Sprintf(format, args...))
	}
	switch n.Type {
	case TypePage, TypeHeader, TypeCard, TypeGrid, TypeList, TypeGroup, TypeEmpty, TypeLayout, TypeNav:
	case TypeText, TypeMarkdown, TypeHTML, TypeCode, TypeError:
	case TypeLink:
		if n.Href == "" {
			return errf("href is required")
		}
	case TypeBadge:
		if n.Text == "" {
			return errf("text is required")
		}
		switch n.Tone {
		case "", ToneNeutral, ToneInfo, ToneSuccess, ToneWarning, ToneDanger:
		default:
			return errf("tone %q is not one of neutral, info, success, warning, danger", n.Tone)
		}
		if n.Color != "" && !IsHexColor(n.Color) {
			return errf("color %q is not a CSS hex colour such as \"#d4af37\"", n.Color)
		}
	case TypeKV:
		for i := range n.Pairs {
			if n.Pairs[i].Key == "" {
				return fmt.Errorf("%s: key is required", &seg{parent: path, field: "pairs", i: i})
			}
			if err := v.node(&n.Pairs[i].Value, &seg{parent: path, field: "pairs", i: i, value: true}, depth+1); err != nil {
				return err
			}
		}
	case TypeTable:
		for i, row := range n.Rows {
			if len(n.Columns) > 0 && len(row) > len(n.Columns) {
				return errf("row %d has %d cells but the table has %d columns", i, len(row), len(n.Columns))
			}
			for j := range row {
				if err := v.node(&row[j], &seg{parent: path, field: "rows", i: i, j: j}, depth+1); err != nil {
					return err
				}
			}
		}
	case TypeTabs:
		if len(n.Tabs) == 0 {
			return errf("at least one tab is required")
		}
		for i := range n.Tabs {
			t := &n.Tabs[i]
			if t.Title == "" {
				return fmt.Errorf("%s: title is required", &seg{parent: path, field: "tabs", i: i})
			}
			for j := range t.Children {
				if err := v.node(&t.Children[j], &seg{parent: path, field: "tabs", i: i, j: j, value: true}, depth+1); err != nil {
					return err
				}
			}
		}
	case TypeChart:
		if err := validateChart(n.Chart); err != nil {
			return errf("%v", err)
		}
	case TypeForm:
		for i, f := range n.Fields {
			if !fieldName.MatchString(f.Name) {
				return errf("fields[%d]: name %q must match %s", i, f.Name, fieldName)
			}
			switch f.Kind {
			case FieldText, FieldSearch, FieldSelect:
			default:
				return errf("fields[%d]: kind %q is not one of text, search, select", i, f.Kind)
			}
		}
	case TypeAction:
		if err := v.action(n); err != nil {
			return errf("%v", err)
		}
	case "":
		return fmt.Errorf("%s: type is required", at(path))
	default:
		return fmt.Errorf("%s: unknown component type %q", at(path), n.Type)
	}
	if n.Cols < 0 || n.Cols > 4 {
		return errf("cols must be between 0 (auto) and 4, not %d", n.Cols)
	}
	for i := range n.Children {
		if err := v.node(&n.Children[i], &seg{parent: path, field: "children", i: i}, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// MaxActionFields caps the hidden fields of an action node.
const MaxActionFields = 16

// action checks an action node of a plugin's tree: a button (submit) that posts its
// hidden fields to a path under v.actions.
func (v *validator) action(n *Node) error {
	if v.actions == "" {
		return fmt.Errorf("action nodes are allowed only in a plugin's tree, posting to one of its own routes")
	}
	if n.Submit == "" {
		return fmt.Errorf("submit (the button's label) is required")
	}
	if n.Action != "" && n.Action[0] != '/' {
		// Relative to the plugin's routes; a first segment with a colon would read as a
		// scheme (https:, javascript:) in a browser.
		if first, _, _ := strings.Cut(n.Action, "/"); strings.Contains(first, ":") {
			return fmt.Errorf("action %q is not a route of this plugin: it must be a path under %s", n.Action, v.actions)
		}
		n.Action = v.actions + n.Action
	}
	if err := actionPathUnder(n.Action, v.actions); err != nil {
		return err
	}
	switch n.Tone {
	case "", ToneNeutral, ToneInfo, ToneSuccess, ToneWarning, ToneDanger:
	default:
		return fmt.Errorf("tone %q is not one of neutral, info, success, warning, danger", n.Tone)
	}
	if len(n.Fields) > MaxActionFields {
		return fmt.Errorf("%d fields; an action has at most %d", len(n.Fields), MaxActionFields)
	}
	for i, f := range n.Fields {
		if !fieldName.MatchString(f.Name) {
			return fmt.Errorf("fields[%d]: name %q must match %s", i, f.Name, fieldName)
		}
		if f.Kind != FieldHidden {
			return fmt.Errorf("fields[%d]: kind %q: an action's fields are hidden", i, f.Kind)
		}
	}
	return nil
}

// actionPathUnder checks that action is a plain path under prefix (which ends in "/"),
// so that a form posted to it reaches a route under prefix and nothing else: no scheme
// or host, no query or fragment, no empty, "." or ".." segment, no backslash, and no
// escaped "/", "." or "\\" that a server could decode into one.
func actionPathUnder(action, prefix string) error {
	if !strings.HasPrefix(action, prefix) || len(action) == len(prefix) {
		return fmt.Errorf("action %q is not a route of this plugin: it must be a path under %s", action, prefix)
	}
	for i := 0; i < len(action); i++ {
		c := action[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("-._~!$&'()*+,;=:@/", c) >= 0:
		case c == '%' && i+2 < len(action) && isHex(action[i+1]) && isHex(action[i+2]):
			switch strings.ToLower(action[i+1 : i+3]) {
			case "2e", "2f", "5c":
				return fmt.Errorf("action %q escapes a dot, slash or backslash; write the path plainly", action)
			}
		default:
			return fmt.Errorf("action %q has %q, which a plain path of this portal does not (no query, fragment or spaces)", action, string(c))
		}
	}
	for _, s := range strings.Split(action[1:], "/") {
		if s == "" || s == "." || s == ".." {
			return fmt.Errorf("action %q has an empty, \".\" or \"..\" segment", action)
		}
	}
	return nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func validateChart(c *Chart) error {
	if c == nil {
		return fmt.Errorf("chart is required")
	}
	switch c.Kind {
	case ChartBar:
		for i, b := range c.Bars {
			if math.IsNaN(b.Value) || math.IsInf(b.Value, 0) || b.Value < 0 {
				return fmt.Errorf("chart.bars[%d]: value must be a finite number >= 0", i)
			}
		}
	case ChartRadar:
		r := c.Radar
		if r == nil {
			return fmt.Errorf("chart.radar is required for kind radar")
		}
		if len(r.Quadrants) != 4 {
			return fmt.Errorf("chart.radar: exactly 4 quadrants are required, got %d", len(r.Quadrants))
		}
		if len(r.Rings) < 1 || len(r.Rings) > 8 {
			return fmt.Errorf("chart.radar: 1 to 8 rings are required, got %d", len(r.Rings))
		}
		for i, e := range r.Entries {
			if e.Quadrant < 0 || e.Quadrant > 3 {
				return fmt.Errorf("chart.radar.entries[%d] (%q): quadrant %d is not 0-3", i, e.Label, e.Quadrant)
			}
			if e.Ring < 0 || e.Ring >= len(r.Rings) {
				return fmt.Errorf("chart.radar.entries[%d] (%q): ring %d is not 0-%d", i, e.Label, e.Ring, len(r.Rings)-1)
			}
			if e.Moved < -1 || e.Moved > 1 {
				return fmt.Errorf("chart.radar.entries[%d] (%q): moved must be -1, 0 or 1", i, e.Label)
			}
		}
	default:
		return fmt.Errorf("chart.kind %q is not one of bar, radar", c.Kind)
	}
	return nil
}
