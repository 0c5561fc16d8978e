package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Decode reads a tree from JSON and validates it. Errors name the JSON path of the
// offending node, for example `children[2].rows[0][1]: unknown component type "blink"`.
//
// The tree is read in one pass over the bytes (readTree) and then validated once
// (Validate). JSON that the one-pass reader does not take as it is (malformed JSON, a
// value of the wrong type, and rarities such as a key written in other letter case or
// given twice) is read again through encoding/json (decodeJSON), which gives the same
// tree or the error Decode has always given.
func Decode(b []byte) (Node, error) { return DecodeFor(b, "") }

// DecodeFor is Decode with ValidateFor(actionPrefix): the tree's action nodes may post
// to paths under actionPrefix. A Wasm plugin's trees are read with its
// "/api/<config id>/".
func DecodeFor(b []byte, actionPrefix string) (Node, error) {
	n, ok := readTree(b)
	if !ok {
		var err error
		if n, err = decodeJSON(b); err != nil {
			return Node{}, err
		}
	}
	if err := n.ValidateFor(actionPrefix); err != nil {
		return Node{}, err
	}
	return n, nil
}

// decodeJSON reads a tree through encoding/json and Node.UnmarshalJSON, without
// validating it. It is the reference that readTree matches
// (TestReadTreeMatchesEncodingJSON, FuzzReadTree) and gives Decode's errors for
// malformed JSON; it is slow, since every nested node reads its own bytes again.
func decodeJSON(b []byte) (Node, error) {
	var n Node
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&n); err != nil {
		return Node{}, fmt.Errorf("UI tree is not valid JSON for the component schema: %w", err)
	}
	if dec.More() {
		return Node{}, fmt.Errorf("UI tree: unexpected data after the root node")
	}
	return n, nil
}

// maxNesting bounds the arrays and objects readTree follows; deeper JSON goes to
// decodeJSON (a tree that deep fails validation anyway, MaxDepth).
const maxNesting = 256

// readTree reads a UI tree in one pass, as encoding/json would decode it into a Node
// (with Node.UnmarshalJSON's bare-string shorthand), and reports false for anything it
// does not read exactly so: invalid JSON, a value of the wrong type, a duplicate key, a
// key that matches a field only in other letter case, a number out of range, nesting
// deeper than maxNesting, or data after the root.
func readTree(b []byte) (Node, bool) {
	r := &reader{b: b}
	var n Node
	r.node(&n)
	r.ws()
	if r.bad || r.p != len(r.b) {
		return Node{}, false
	}
	return n, true
}

// reader reads JSON from b at p. Once bad is set, every method returns at once.
type reader struct {
	b     []byte
	p     int
	depth int
	bad   bool
}

func (r *reader) fail() { r.bad = true }

func (r *reader) ws() {
	for r.p < len(r.b) {
		switch r.b[r.p] {
		case ' ', '\t', '\n', '\r':
			r.p++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, or 0 at the end.
func (r *reader) peek() byte {
	r.ws()
	if r.p < len(r.b) {
		return r.b[r.p]
	}
	return 0
}

// null reads a null if one comes next.
func (r *reader) null() bool {
	if r.peek() == 'n' {
		r.literal("null")
		return true
	}
	return false
}

func (r *reader) literal(lit string) {
	if !bytes.HasPrefix(r.b[r.p:], []byte(lit)) {
		r.fail()
		return
	}
	r.p += len(lit)
}

// object reads an object, calling field for each key with the reader at the value; field
// returns the bit of the struct field it read (0 for a key it skipped), so that a key
// given twice fails (encoding/json would merge the two values).
func (r *reader) object(field func(key []byte) uint32) {
	if r.bad || r.peek() != '{' {
		r.fail()
		return
	}
	if r.depth++; r.depth > maxNesting {
		r.fail()
		return
	}
	r.p++
	var seen uint32
	if r.peek() == '}' {
		r.p++
		r.depth--
		return
	}
	for !r.bad {
		key := r.key()
		if r.bad || r.peek() != ':' {
			r.fail()
			return
		}
		r.p++
		if bit := field(key); bit != 0 {
			if seen&bit != 0 {
				r.fail()
				return
			}
			seen |= bit
		}
		switch r.peek() {
		case ',':
			r.p++
		case '}':
			r.p++
			r.depth--
			return
		default:
			r.fail()
		}
	}
}

// key reads an object key. A key with an escape fails: encoding/json would match its
// unescaped form.
func (r *reader) key() []byte {
	if r.peek() != '"' {
		r.fail()
		return nil
	}
	start := r.p + 1
	for i := start; i < len(r.b); i++ {
		switch c := r.b[i]; {
		case c == '"':
			r.p = i + 1
			return r.b[start:i]
		case c == '\\' || c < 0x20:
			r.fail()
			return nil
		}
	}
	r.fail()
	return nil
}

// unknown handles a key that names no field: encoding/json skips it, unless it names a
// field in other letter case (or with non-ASCII letters, which fold in ways this reader
// does not follow), which it would decode.
func (r *reader) unknown(key []byte, fields ...string) uint32 {
	for i := 0; i < len(key); i++ {
		if key[i] >= 0x80 {
			r.fail()
			return 0
		}
	}
	for _, f := range fields {
		if strings.EqualFold(string(key), f) {
			r.fail()
			return 0
		}
	}
	r.skip()
	return 0
}

// array reads an array, calling item for each element; null reads as no array.
func (r *reader) array(item func()) (isNull bool) {
	if r.null() {
		return true
	}
	if r.bad || r.peek() != '[' {
		r.fail()
		return false
	}
	if r.depth++; r.depth > maxNesting {
		r.fail()
		return false
	}
	r.p++
	if r.peek() == ']' {
		r.p++
		r.depth--
		return false
	}
	for !r.bad {
		item()
		switch r.peek() {
		case ',':
			r.p++
		case ']':
			r.p++
			r.depth--
			return false
		default:
			r.fail()
		}
	}
	return false
}

// str reads a string into s; null leaves s as it is.
func (r *reader) str(s *string) {
	if r.null() {
		return
	}
	if r.peek() != '"' {
		r.fail()
		return
	}
	start := r.p
	escaped, ascii := false, true
	for i := start + 1; i < len(r.b); i++ {
		switch c := r.b[i]; {
		case c == '"':
			r.p = i + 1
			raw := r.b[start+1 : i]
			if !escaped && (ascii || utf8.Valid(raw)) {
				*s = string(raw) // what encoding/json makes of it too
				return
			}
			var u string // not s itself, which would then live on the heap
			if json.Unmarshal(r.b[start:r.p], &u) != nil {
				r.fail()
			}
			*s = u
			return
		case c == '\\':
			escaped = true
			i++ // the escaped byte; json.Unmarshal checks the escape
		case c < 0x20:
			r.fail()
			return
		case c >= 0x80:
			ascii = false
		}
	}
	r.fail()
}

func (r *reader) boolean(v *bool) {
	switch r.peek() {
	case 'n':
		r.literal("null")
	case 't':
		r.literal("true")
		*v = true
	case 'f':
		r.literal("false")
		*v = false
	default:
		r.fail()
	}
}

// number reads a JSON number and returns its text.
func (r *reader) number() string {
	r.ws()
	start := r.p
	digits := func() int {
		n := 0
		for r.p < len(r.b) && r.b[r.p] >= '0' && r.b[r.p] <= '9' {
			r.p++
			n++
		}
		return n
	}
	if r.p < len(r.b) && r.b[r.p] == '-' {
		r.p++
	}
	switch {
	case r.p < len(r.b) && r.b[r.p] == '0':
		r.p++
	case digits() == 0:
		r.fail()
		return ""
	}
	if r.p < len(r.b) && r.b[r.p] == '.' {
		r.p++
		if digits() == 0 {
			r.fail()
			return ""
		}
	}
	if r.p < len(r.b) && (r.b[r.p] == 'e' || r.b[r.p] == 'E') {
		r.p++
		if r.p < len(r.b) && (r.b[r.p] == '+' || r.b[r.p] == '-') {
			r.p++
		}
		if digits() == 0 {
			r.fail()
			return ""
		}
	}
	return string(r.b[start:r.p])
}

// integer reads a number into an int field; null leaves it as it is.
func (r *reader) integer(v *int) {
	if r.null() {
		return
	}
	n, err := strconv.ParseInt(r.number(), 10, strconv.IntSize)
	if r.bad || err != nil {
		r.fail()
		return
	}
	*v = int(n)
}

// float reads a number into a float64 field; null leaves it as it is.
func (r *reader) float(v *float64) {
	if r.null() {
		return
	}
	f, err := strconv.ParseFloat(r.number(), 64)
	if r.bad || err != nil {
		r.fail()
		return
	}
	*v = f
}

// skip reads any value and drops it.
func (r *reader) skip() {
	switch c := r.peek(); {
	case c == '{':
		r.object(func([]byte) uint32 { r.skip(); return 0 })
	case c == '[':
		r.array(r.skip)
	case c == '"':
		var s string
		r.str(&s)
	case c == 't':
		r.literal("true")
	case c == 'f':
		r.literal("false")
	case c == 'n':
		r.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		r.number()
	default:
		r.fail()
	}
}

// strings reads an array of strings; a null element is "".
func (r *reader) strings(v *[]string) {
	out := []string{}
	if r.array(func() {
		var s string
		r.str(&s)
		out = append(out, s)
	}) {
		*v = nil
		return
	}
	*v = out
}

// nodes reads an array of nodes.
func (r *reader) nodes(v *[]Node) {
	out := []Node{}
	if r.array(func() {
		out = append(out, Node{})
		r.node(&out[len(out)-1])
	}) {
		*v = nil
		return
	}
	*v = out
}

// node reads a node: an object, a bare string (a text node) or null (the zero Node).
func (r *reader) node(n *Node) {
	switch r.peek() {
	case '"':
		var s string
		r.str(&s)
		*n = Node{Type: TypeText, Text: s}
		return
	case 'n':
		r.literal("null")
		*n = Node{}
		return
	}
	r.object(func(key []byte) uint32 {
		switch string(key) {
		case "type":
			r.str(&n.Type)
			return 1 << 0
		case "title":
			r.str(&n.Title)
			return 1 << 1
		case "subtitle":
			r.str(&n.Subtitle)
			return 1 << 2
		case "text":
			r.str(&n.Text)
			return 1 << 3
		case "href":
			r.str(&n.Href)
			return 1 << 4
		case "tone":
			r.str(&n.Tone)
			return 1 << 5
		case "language":
			r.str(&n.Language)
			return 1 << 6
		case "ordered":
			r.boolean(&n.Ordered)
			return 1 << 7
		case "selected":
			r.boolean(&n.Selected)
			return 1 << 8
		case "cols":
			r.integer(&n.Cols)
			return 1 << 9
		case "children":
			r.nodes(&n.Children)
			return 1 << 10
		case "pairs":
			out := []Pair{}
			if r.array(func() {
				out = append(out, Pair{})
				r.pair(&out[len(out)-1])
			}) {
				out = nil
			}
			n.Pairs = out
			return 1 << 11
		case "columns":
			r.strings(&n.Columns)
			return 1 << 12
		case "rows":
			out := [][]Node{}
			if r.array(func() {
				out = append(out, nil)
				r.nodes(&out[len(out)-1])
			}) {
				out = nil
			}
			n.Rows = out
			return 1 << 13
		case "tabs":
			out := []Tab{}
			if r.array(func() {
				out = append(out, Tab{})
				r.tab(&out[len(out)-1])
			}) {
				out = nil
			}
			n.Tabs = out
			return 1 << 14
		case "chart":
			if r.null() {
				n.Chart = nil
			} else {
				n.Chart = &Chart{}
				r.chart(n.Chart)
			}
			return 1 << 15
		case "action":
			r.str(&n.Action)
			return 1 << 16
		case "fields":
			out := []Field{}
			if r.array(func() {
				out = append(out, Field{})
				r.field(&out[len(out)-1])
			}) {
				out = nil
			}
			n.Fields = out
			return 1 << 17
		case "submit":
			r.str(&n.Submit)
			return 1 << 18
		case "color":
			r.str(&n.Color)
			return 1 << 19
		}
		return r.unknown(key, "type", "title", "subtitle", "text", "href", "tone", "color", "language", "ordered", "selected", "cols",
			"children", "pairs", "columns", "rows", "tabs", "chart", "action", "fields", "submit")
	})
}

// A null element of an array of structs is the zero struct: the callers start from one.

func (r *reader) pair(p *Pair) {
	if r.null() {
		return
	}
	r.object(func(key []byte) uint32 {
		switch string(key) {
		case "key":
			r.str(&p.Key)
			return 1 << 0
		case "value":
			r.node(&p.Value)
			return 1 << 1
		}
		return r.unknown(key, "key", "value")
	})
}

func (r *reader) tab(t *Tab) {
	if r.null() {
		return
	}
	r.object(func(key []byte) uint32 {
		switch string(key) {
		case "id":
			r.str(&t.ID)
			return 1 << 0
		case "title":
			r.str(&t.Title)
			return 1 << 1
		case "href":
			r.str(&t.Href)
			return 1 << 2
		case "selected":
			r.boolean(&t.Selected)
			return 1 << 3
		case "children":
			r.nodes(&t.Children)
			return 1 << 4
		}
		return r.unknown(key, "id", "title", "href", "selected", "children")
	})
}

func (r *reader) chart(c *Chart) {
	r.object(func(key []byte) uint32 {
		switch string(key) {
		case "kind":
			r.str(&c.Kind)
			return 1 << 0
		case "bars":
			out := []Bar{}
			if r.array(func() {
				out = append(out, Bar{})
				r.bar(&out[len(out)-1])
			}) {
				out = nil
			}
			c.Bars = out
			return 1 << 1
		case "radar":
			if r.null() {
				c.Radar = nil
			} else {
				c.Radar = &Radar{}
				r.radar(c.Radar)
			}
			return 1 << 2
		}
		return r.unknown(key, "kind", "bars", "radar")
	})
}

func (r *reader) bar(b *Bar) {
	if r.null() {
		return
	}
	r.object(func(key []byte) uint32 {
		switch string(key) {
		case "label":
			r.str(&b.Label)
			return 1 << 0
		case "value":
			r.float(&b.Value)
			return 1 << 1
		case "href":
			r.str(&b.Href)
			return 1 << 2
		}
		return r.unknown(key, "label", "value", "href")
	})
}

func (r *reader) radar(rd *Radar) {
	r.object(func(key []byte) uint32 {
		switch string(key) {
		case "quadrants":
			r.strings(&rd.Quadrants)
			return 1 << 0
		case "rings":
			r.strings(&rd.Rings)
			return 1 << 1
		case "entries":
			out := []RadarEntry{}
			if r.array(func() {
				out = append(out, RadarEntry{})
				r.entry(&out[len(out)-1])
			}) {
				out = nil
			}
			rd.Entries = out
			return 1 << 2
		}
		return r.unknown(key, "quadrants", "rings", "entries")
	})
}

func (r *reader) entry(e *RadarEntry) {
	if r.null() {
		return
	}
	r.object(func(key []byte) uint32 {
		switch string(key) {
		case "label":
			r.str(&e.Label)
			return 1 << 0
		case "quadrant":
			r.integer(&e.Quadrant)
			return 1 << 1
		case "ring":
			r.integer(&e.Ring)
			return 1 << 2
		case "moved":
			r.integer(&e.Moved)
			return 1 << 3
		case "href":
			r.str(&e.Href)
			return 1 << 4
		case "description":
			r.str(&e.Description)
			return 1 << 5
		}
		return r.unknown(key, "label", "quadrant", "ring", "moved", "href", "description")
	})
}

func (r *reader) field(f *Field) {
	if r.null() {
		return
	}
	r.object(func(key []byte) uint32 {
		switch string(key) {
		case "name":
			r.str(&f.Name)
			return 1 << 0
		case "label":
			r.str(&f.Label)
			return 1 << 1
		case "kind":
			r.str(&f.Kind)
			return 1 << 2
		case "value":
			r.str(&f.Value)
			return 1 << 3
		case "placeholder":
			r.str(&f.Placeholder)
			return 1 << 4
		case "options":
			out := []Option{}
			if r.array(func() {
				out = append(out, Option{})
				r.option(&out[len(out)-1])
			}) {
				out = nil
			}
			f.Options = out
			return 1 << 5
		}
		return r.unknown(key, "name", "label", "kind", "value", "placeholder", "options")
	})
}

func (r *reader) option(o *Option) {
	if r.null() {
		return
	}
	r.object(func(key []byte) uint32 {
		switch string(key) {
		case "value":
			r.str(&o.Value)
			return 1 << 0
		case "label":
			r.str(&o.Label)
			return 1 << 1
		}
		return r.unknown(key, "value", "label")
	})
}
