package model

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// parseFast converts a file written in plain block style, the style that catalog files
// are almost always written in, straight into the values that ParseYAML's yaml.v3 path
// produces, without building yaml.v3's node tree (which is most of the cost of an
// ingest). It accepts only a strict subset: block mappings with simple keys, block
// sequences, flow sequences of plain words, literal block scalars ("|", clipped), plain
// scalars that yaml.v3 resolves to a string, null or bool, and quoted scalars without
// escapes. It reports ok=false for anything else (anchors, tags, folded or indicated
// block scalars, multi-line plain or quoted scalars, numbers and timestamps, flow
// mappings, comments after values, tabs, duplicate keys, keys over 1024 characters,
// documents that are not mappings, ...), and ParseYAML then parses the whole file with
// yaml.v3, so that results and error messages are always yaml.v3's.
func parseFast(data []byte) ([]Document, bool) {
	if !plainText(data) {
		return nil, false
	}
	var docs []Document
	var lines []fastLine
	flush := func() bool {
		if len(lines) == 0 {
			return true
		}
		p := fastParser{lines: lines}
		first, ok := p.peek()
		if !ok {
			lines = lines[:0]
			return true // only comments: an empty document, which yaml.v3 skips too
		}
		if first.indent != 0 || isSeqItem(first.text) {
			return false // yaml.v3 reports a misplaced root or converts a sequence
		}
		m, ok := p.mapping(0)
		if _, more := p.peek(); !ok || more {
			return false
		}
		docs = append(docs, Document{Line: first.no, Entity: m})
		lines = lines[:0]
		return true
	}
	no := 0
	for len(data) > 0 {
		no++
		var line []byte
		eol := true
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data, eol = data, nil, false
		}
		indent := 0
		for indent < len(line) && line[indent] == ' ' {
			indent++
		}
		text := line[indent:]
		comment := len(text) > 0 && text[0] == '#'
		for _, c := range text {
			// Tabs, carriage returns and control characters, except a tab in a comment
			// line. yaml.v3 refuses control characters and reads '\r' as a line break
			// even in comments and in block scalar lines that look like comments.
			if (c < 0x20 || c == 0x7f) && !(comment && c == '\t') {
				return nil, false
			}
		}
		if len(text) == 0 || comment {
			lines = append(lines, fastLine{no: no, indent: indent, raw: string(line), skip: true, noEOL: !eol})
			continue
		}
		if indent == 0 && (text[0] == '%' || bytes.HasPrefix(text, []byte("..."))) {
			return nil, false
		}
		if indent == 0 && bytes.HasPrefix(text, []byte("---")) {
			if len(text) > 3 {
				return nil, false
			}
			if !flush() {
				return nil, false
			}
			continue
		}
		raw := string(line)
		lines = append(lines, fastLine{no: no, indent: indent, text: strings.TrimRight(raw[indent:], " "), raw: raw, noEOL: !eol})
	}
	if !flush() {
		return nil, false
	}
	return docs, true
}

type fastLine struct {
	no, indent int
	text       string // without indentation and trailing spaces
	raw        string // the whole line, for block scalars
	skip       bool   // blank or a comment, outside block scalars
	noEOL      bool   // the file's last line, with no line break after it
}

type fastParser struct {
	lines []fastLine
	i     int
	depth int
}

func isSeqItem(s string) bool { return s == "-" || strings.HasPrefix(s, "- ") }

// peek moves past blank and comment lines and returns the current line, if any.
func (p *fastParser) peek() (fastLine, bool) {
	for p.i < len(p.lines) && p.lines[p.i].skip {
		p.i++
	}
	if p.i >= len(p.lines) {
		return fastLine{}, false
	}
	return p.lines[p.i], true
}

// literal reads the lines of a literal block scalar ("|", clipped) that follows a line
// indented by ind: all lines more indented than ind up to the first line that is not.
func (p *fastParser) literal(ind int) (string, bool) {
	var parts []string
	noEOL := false // the scalar's last line ends the file without a line break
	n := -1        // the scalar's indentation, from its first non-empty line
	for ; p.i < len(p.lines); p.i++ {
		l := p.lines[p.i]
		if l.raw == "" {
			parts = append(parts, "")
			continue
		}
		if strings.TrimLeft(l.raw, " ") == "" {
			return "", false // a line of spaces alone: leave its meaning to yaml.v3
		}
		if n < 0 {
			if l.indent <= ind {
				break
			}
			n = l.indent
		}
		if l.indent < n {
			if l.indent > ind {
				return "", false
			}
			break
		}
		parts = append(parts, l.raw[n:])
		noEOL = l.noEOL
	}
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1] // clip: trailing empty lines go
	}
	if len(parts) == 0 {
		return "", true
	}
	if noEOL {
		// yaml.v3 clips to the line break that ends the last line, and there is none.
		return strings.Join(parts, "\n"), true
	}
	return strings.Join(parts, "\n") + "\n", true
}

// block parses the node that starts at the current line, indented by ind.
func (p *fastParser) block(ind int) (any, bool) {
	if p.depth++; p.depth > 100 {
		return nil, false
	}
	defer func() { p.depth-- }()
	if isSeqItem(p.lines[p.i].text) {
		return p.sequence(ind)
	}
	return p.mapping(ind)
}

// mapping parses the block mapping whose keys are indented by ind.
func (p *fastParser) mapping(ind int) (map[string]any, bool) {
	m := map[string]any{}
	for {
		l, more := p.peek()
		if !more || l.indent < ind {
			break
		}
		if l.indent > ind || isSeqItem(l.text) {
			return nil, false
		}
		key, rest, ok := splitKey(l.text)
		if !ok {
			return nil, false
		}
		if _, dup := m[key]; dup {
			return nil, false
		}
		p.i++
		var v any
		if rest == "|" { // before peek, which would skip the scalar's leading empty lines
			if v, ok = p.literal(ind); !ok {
				return nil, false
			}
			if next, more := p.peek(); more && next.indent > ind {
				return nil, false
			}
			m[key] = v
			continue
		}
		next, more := p.peek()
		switch {
		case rest != "":
			if v, ok = inlineValue(rest); !ok {
				return nil, false
			}
			if more && next.indent > ind {
				return nil, false // a continuation line of a multi-line scalar
			}
		case more && next.indent > ind:
			if v, ok = p.block(next.indent); !ok {
				return nil, false
			}
		case more && next.indent == ind && isSeqItem(next.text):
			if v, ok = p.sequence(ind); !ok { // "key:" then "- item" at the key's indent
				return nil, false
			}
		default:
			v = nil // "key:" alone is null
		}
		m[key] = v
	}
	if len(m) == 0 {
		return nil, false
	}
	return m, true
}

// sequence parses the block sequence whose dashes are indented by ind.
func (p *fastParser) sequence(ind int) ([]any, bool) {
	a := []any{}
	for {
		l, more := p.peek()
		if !more || l.indent < ind || l.indent == ind && !isSeqItem(l.text) {
			break
		}
		if l.indent > ind {
			return nil, false
		}
		if l.text == "-" {
			p.i++
			next, more := p.peek()
			if !more || next.indent <= ind {
				a = append(a, nil)
				continue
			}
			v, ok := p.block(next.indent)
			if !ok {
				return nil, false
			}
			a = append(a, v)
			continue
		}
		item := l.text[2:]
		pad := 2 + len(item) - len(strings.TrimLeft(item, " "))
		item = strings.TrimLeft(item, " ")
		if _, _, isMap := splitKey(item); isMap || isSeqItem(item) {
			// The item is a node that starts on the dash's line: read that line again
			// as if it began at the item's column.
			p.lines[p.i] = fastLine{no: l.no, indent: ind + pad, text: item, raw: l.raw}
			v, ok := p.block(ind + pad)
			if !ok {
				return nil, false
			}
			a = append(a, v)
			continue
		}
		p.i++
		var v any
		ok := false
		if item == "|" {
			v, ok = p.literal(ind)
		} else {
			v, ok = inlineValue(item)
		}
		if !ok {
			return nil, false
		}
		if next, more := p.peek(); more && next.indent > ind {
			return nil, false
		}
		a = append(a, v)
	}
	return a, true
}

// maxSimpleKey is the longest key yaml.v3 reads as an implicit ("simple") key; it
// refuses a longer one with "mapping values are not allowed in this context".
const maxSimpleKey = 1024

// splitKey splits "key: rest" or "key:" with a simple plain key.
func splitKey(s string) (key, rest string, ok bool) {
	i := strings.IndexByte(s, ':')
	if i <= 0 || i+1 < len(s) && s[i+1] != ' ' {
		return "", "", false
	}
	key = s[:i]
	if len(key) > maxSimpleKey {
		return "", "", false // yaml.v3 does not take a longer key as a simple key
	}
	for j := 0; j < len(key); j++ {
		c := key[j]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '/' || c == '_' || c == '-' && j > 0) {
			return "", "", false
		}
	}
	return key, strings.TrimLeft(s[i+1:], " "), true
}

// inlineValue converts the value written after "key: " or "- ".
func inlineValue(s string) (any, bool) {
	switch s[0] {
	case '[':
		if s[len(s)-1] != ']' {
			return nil, false
		}
		inner := strings.TrimSpace(s[1 : len(s)-1])
		a := []any{}
		if inner == "" {
			return a, true
		}
		for _, part := range strings.Split(inner, ",") {
			part = strings.Trim(part, " ")
			if part == "" || strings.ContainsAny(part, "[]{}'\"?") { // yaml.v3 refuses '?' in a flow plain scalar
				return nil, false
			}
			v, ok := plainScalar(part)
			if !ok {
				return nil, false
			}
			a = append(a, v)
		}
		return a, true
	case '"':
		if len(s) < 2 || s[len(s)-1] != '"' || strings.ContainsAny(s[1:len(s)-1], "\"\\") {
			return nil, false
		}
		return s[1 : len(s)-1], true
	case '\'':
		if len(s) < 2 || s[len(s)-1] != '\'' || strings.Contains(s[1:len(s)-1], "'") {
			return nil, false
		}
		return s[1 : len(s)-1], true
	}
	return plainScalar(s)
}

// plainScalar resolves a plain scalar as yaml.v3 and convert do, for the strings, nulls
// and bools it accepts.
func plainScalar(s string) (any, bool) {
	switch s[0] {
	case '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`',
		'+', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return nil, false // indicators, or perhaps a number or timestamp
	case '.':
		// yaml.v3 reads .inf, .nan and whatever ParseFloat takes as floats.
		if _, err := strconv.ParseFloat(s, 64); err == nil || strings.EqualFold(s, ".inf") || strings.EqualFold(s, ".nan") {
			return nil, false
		}
	}
	if strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.HasSuffix(s, ":") {
		return nil, false
	}
	switch s {
	case "~", "null", "Null", "NULL":
		return nil, true
	case "true", "True", "TRUE":
		return true, true
	case "false", "False", "FALSE":
		return false, true
	case "<<":
		return nil, false
	}
	return s, true
}

// plainText reports whether data is valid UTF-8 without the characters that YAML
// treats specially beyond ASCII: byte order marks, line and paragraph separators, NEL
// and the other C1 controls, and non-characters.
func plainText(data []byte) bool {
	for i := 0; i < len(data); {
		if data[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 || r < 0xA0 || r == 0x2028 || r == 0x2029 || r == 0xFEFF || r == 0xFFFE || r == 0xFFFF {
			return false
		}
		i += size
	}
	return true
}
