package ui

import (
	"fmt"
	"math"
	"strings"
)

// Validate checks the tree against the rules the host applies to every gr_render output
// (host/internal/frontend/ui in the Greenroom repository): known types, required fields,
// tones, chart shapes, form field names and kinds, action paths, and the MaxDepth and
// MaxNodes limits. (The host also checks that an action under /api/<id>/ names the
// plugin's own config id, which a plugin may not know; a relative action path is always
// the plugin's.)
// A tree that fails renders as an error box on the page; call Validate in a plugin's
// native tests to catch that early. Errors name the path of the node, e.g.
// "children[2].rows[0][1]: badge: text is required".
func (n *Node) Validate() error {
	count := 0
	return n.validate("root", 1, &count)
}

func (n *Node) validate(path string, depth int, count *int) error {
	*count++
	if *count > MaxNodes {
		return fmt.Errorf("UI tree has more than %d nodes; paginate or summarise", MaxNodes)
	}
	if depth > MaxDepth {
		return fmt.Errorf("%s: UI tree is nested deeper than %d levels", path, MaxDepth)
	}
	errf := func(format string, args ...any) error {
		return fmt.Errorf("%s: %s: %s", path, n.Type, fmt.Sprintf(format, args...))
	}
	child := func(prefix string) string {
		if path == "root" {
			return prefix
		}
		return path + "." + prefix
	}
	switch n.Type {
	case TypePage, TypeHeader, TypeCard, TypeGrid, TypeList, TypeGroup, TypeEmpty, "layout", "nav":
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
		if n.Color != "" && !isHexColor(n.Color) {
			return errf("color %q is not a CSS hex colour such as \"#d4af37\"", n.Color)
		}
	case TypeKV:
		for i := range n.Pairs {
			p := child(fmt.Sprintf("pairs[%d]", i))
			if n.Pairs[i].Key == "" {
				return fmt.Errorf("%s: key is required", p)
			}
			if err := n.Pairs[i].Value.validate(p+".value", depth+1, count); err != nil {
				return err
			}
		}
	case TypeTable:
		for i, row := range n.Rows {
			if len(n.Columns) > 0 && len(row) > len(n.Columns) {
				return errf("row %d has %d cells but the table has %d columns", i, len(row), len(n.Columns))
			}
			for j := range row {
				if err := row[j].validate(child(fmt.Sprintf("rows[%d][%d]", i, j)), depth+1, count); err != nil {
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
				return fmt.Errorf("%s: title is required", child(fmt.Sprintf("tabs[%d]", i)))
			}
			for j := range t.Children {
				if err := t.Children[j].validate(child(fmt.Sprintf("tabs[%d].children[%d]", i, j)), depth+1, count); err != nil {
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
			if !validFieldName(f.Name) {
				return errf("fields[%d]: name %q must be a letter then up to 63 letters, digits, _ . or -", i, f.Name)
			}
			switch f.Kind {
			case FieldText, FieldSearch, FieldSelect:
			default:
				return errf("fields[%d]: kind %q is not one of text, search, select", i, f.Kind)
			}
		}
	case TypeAction:
		if err := validateAction(n); err != nil {
			return errf("%v", err)
		}
	case "":
		return fmt.Errorf("%s: type is required", path)
	default:
		return fmt.Errorf("%s: unknown component type %q", path, n.Type)
	}
	if n.Cols < 0 || n.Cols > 4 {
		return errf("cols must be between 0 (auto) and 4, not %d", n.Cols)
	}
	for i := range n.Children {
		if err := n.Children[i].validate(child(fmt.Sprintf("children[%d]", i)), depth+1, count); err != nil {
			return err
		}
	}
	return nil
}

// validateAction checks what the host checks of an action but the plugin's config id,
// which the plugin may not know: the host also refuses an absolute path under another
// /api/<id>/ than the plugin's.
func validateAction(n *Node) error {
	if n.Submit == "" {
		return fmt.Errorf("submit (the button's label) is required")
	}
	switch n.Tone {
	case "", ToneNeutral, ToneInfo, ToneSuccess, ToneWarning, ToneDanger:
	default:
		return fmt.Errorf("tone %q is not one of neutral, info, success, warning, danger", n.Tone)
	}
	notRoute := fmt.Errorf("action %q is not a route of this plugin: it must be a path relative to the plugin's routes, or under /api/<its config id>/", n.Action)
	rel := n.Action
	switch {
	case rel == "":
		return notRoute
	case rel[0] == '/':
		rest, ok := strings.CutPrefix(rel, "/api/")
		id, sub, ok2 := strings.Cut(rest, "/")
		if !ok || !ok2 || id == "" || sub == "" {
			return notRoute
		}
		rel = sub
	default:
		if first, _, _ := strings.Cut(rel, "/"); strings.Contains(first, ":") {
			return notRoute
		}
	}
	for i := 0; i < len(rel); i++ {
		c := rel[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("-._~!$&'()*+,;=:@/", c) >= 0:
		case c == '%' && i+2 < len(rel) && isHex(rel[i+1]) && isHex(rel[i+2]):
			switch strings.ToLower(rel[i+1 : i+3]) {
			case "2e", "2f", "5c":
				return fmt.Errorf("action %q escapes a dot, slash or backslash; write the path plainly", n.Action)
			}
		default:
			return fmt.Errorf("action %q has %q, which a plain path of this portal does not (no query, fragment or spaces)", n.Action, string(c))
		}
	}
	for _, s := range strings.Split(rel, "/") {
		if s == "" || s == "." || s == ".." {
			return fmt.Errorf("action %q has an empty, \".\" or \"..\" segment", n.Action)
		}
	}
	if len(n.Fields) > MaxActionFields {
		return fmt.Errorf("%d fields; an action has at most %d", len(n.Fields), MaxActionFields)
	}
	for i, f := range n.Fields {
		if !validFieldName(f.Name) {
			return fmt.Errorf("fields[%d]: name %q must be a letter then up to 63 letters, digits, _ . or -", i, f.Name)
		}
		if f.Kind != FieldHidden {
			return fmt.Errorf("fields[%d]: kind %q: an action's fields are hidden", i, f.Kind)
		}
	}
	return nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func validFieldName(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-')) {
			return false
		}
	}
	return true
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

// isHexColor reports whether s is #rgb or #rrggbb, the only colours the host accepts.
func isHexColor(s string) bool {
	if len(s) != 4 && len(s) != 7 || s[0] != '#' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
