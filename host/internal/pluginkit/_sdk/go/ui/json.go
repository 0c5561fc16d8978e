package ui

import (
	"greenroom.dev/greenroom/sdk/go/internal/jsonw"
	"math"
	"strconv"
)

// The tree is encoded by hand, without reflection: inside WebAssembly encoding/json costs
// tens of microseconds per node. The bytes are what encoding/json writes for the same
// struct tags (TestAppendJSONMatchesEncodingJSON), except that a bar value that is NaN or
// infinite, which encoding/json refuses, is written as 0.

// MarshalJSON encodes the node as the host's UI component schema.
func (n Node) MarshalJSON() ([]byte, error) { return n.AppendJSON(make([]byte, 0, 256)), nil }

// AppendJSON appends the node's JSON to b.
func (n *Node) AppendJSON(b []byte) []byte {
	b = append(b, `{"type":`...)
	b = appendString(b, n.Type)
	b = strField(b, "title", n.Title)
	b = strField(b, "subtitle", n.Subtitle)
	b = strField(b, "text", n.Text)
	b = strField(b, "href", n.Href)
	b = strField(b, "tone", n.Tone)
	b = strField(b, "color", n.Color)
	b = strField(b, "language", n.Language)
	if n.Ordered {
		b = append(b, `,"ordered":true`...)
	}
	if n.Selected {
		b = append(b, `,"selected":true`...)
	}
	if n.Cols != 0 {
		b = append(b, `,"cols":`...)
		b = strconv.AppendInt(b, int64(n.Cols), 10)
	}
	if len(n.Children) > 0 {
		b = append(b, `,"children":`...)
		b = appendNodes(b, n.Children)
	}
	if len(n.Pairs) > 0 {
		b = append(b, `,"pairs":[`...)
		for i := range n.Pairs {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"key":`...)
			b = appendString(b, n.Pairs[i].Key)
			b = append(b, `,"value":`...)
			b = n.Pairs[i].Value.AppendJSON(b)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(n.Columns) > 0 {
		b = append(b, `,"columns":`...)
		b = appendStrings(b, n.Columns)
	}
	if len(n.Rows) > 0 {
		b = append(b, `,"rows":[`...)
		for i, row := range n.Rows {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendNodes(b, row)
		}
		b = append(b, ']')
	}
	if len(n.Tabs) > 0 {
		b = append(b, `,"tabs":[`...)
		for i := range n.Tabs {
			t := &n.Tabs[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			if t.ID != "" {
				b = append(b, `"id":`...)
				b = appendString(b, t.ID)
				b = append(b, ',')
			}
			b = append(b, `"title":`...)
			b = appendString(b, t.Title)
			b = strField(b, "href", t.Href)
			if t.Selected {
				b = append(b, `,"selected":true`...)
			}
			if len(t.Children) > 0 {
				b = append(b, `,"children":`...)
				b = appendNodes(b, t.Children)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if n.Chart != nil {
		b = append(b, `,"chart":`...)
		b = n.Chart.appendJSON(b)
	}
	b = strField(b, "action", n.Action)
	if len(n.Fields) > 0 {
		b = append(b, `,"fields":[`...)
		for i := range n.Fields {
			f := &n.Fields[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"name":`...)
			b = appendString(b, f.Name)
			b = append(b, `,"label":`...)
			b = appendString(b, f.Label)
			b = append(b, `,"kind":`...)
			b = appendString(b, f.Kind)
			b = strField(b, "value", f.Value)
			b = strField(b, "placeholder", f.Placeholder)
			if len(f.Options) > 0 {
				b = append(b, `,"options":[`...)
				for j, o := range f.Options {
					if j > 0 {
						b = append(b, ',')
					}
					b = append(b, `{"value":`...)
					b = appendString(b, o.Value)
					b = append(b, `,"label":`...)
					b = appendString(b, o.Label)
					b = append(b, '}')
				}
				b = append(b, ']')
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = strField(b, "submit", n.Submit)
	return append(b, '}')
}

func (c *Chart) appendJSON(b []byte) []byte {
	b = append(b, `{"kind":`...)
	b = appendString(b, c.Kind)
	if len(c.Bars) > 0 {
		b = append(b, `,"bars":[`...)
		for i, bar := range c.Bars {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"label":`...)
			b = appendString(b, bar.Label)
			b = append(b, `,"value":`...)
			b = appendFloat(b, bar.Value)
			b = strField(b, "href", bar.Href)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if r := c.Radar; r != nil {
		b = append(b, `,"radar":{"quadrants":`...)
		b = appendStrings(b, r.Quadrants)
		b = append(b, `,"rings":`...)
		b = appendStrings(b, r.Rings)
		b = append(b, `,"entries":`...)
		if r.Entries == nil {
			b = append(b, "null"...)
		} else {
			b = append(b, '[')
			for i, e := range r.Entries {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"label":`...)
				b = appendString(b, e.Label)
				b = append(b, `,"quadrant":`...)
				b = strconv.AppendInt(b, int64(e.Quadrant), 10)
				b = append(b, `,"ring":`...)
				b = strconv.AppendInt(b, int64(e.Ring), 10)
				if e.Moved != 0 {
					b = append(b, `,"moved":`...)
					b = strconv.AppendInt(b, int64(e.Moved), 10)
				}
				b = strField(b, "href", e.Href)
				b = strField(b, "description", e.Description)
				b = append(b, '}')
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

func appendNodes(b []byte, ns []Node) []byte {
	if ns == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range ns {
		if i > 0 {
			b = append(b, ',')
		}
		b = ns[i].AppendJSON(b)
	}
	return append(b, ']')
}

func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

func strField(b []byte, name, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendString(b, v)
}

// appendFloat writes a float as encoding/json does; NaN and infinities as 0.
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, '0')
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9, as encoding/json does
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendString appends s as a JSON string (see jsonw.AppendString).
func appendString(b []byte, s string) []byte { return jsonw.AppendString(b, s) }
