package ui

import (
	"bytes"
	"html"
	"strings"
)

// Syntax highlighting for the code component, done on the server so that pages need
// no script: the text is cut into tokens, and each token of interest is written,
// escaped, inside <span class="gr-hl-CLASS"> (theme.css colours the classes in the
// light and dark themes). Each lexer makes one pass over the text, looking ahead only
// over the blanks that follow a token, so the time is linear in the text's length
// whatever it holds; text that is not valid in the language is still shown whole.
//
// The classes: kw (keyword), type (type name), field (field, argument or key name),
// str (string or description), com (comment), dir (directive), num (number) and lit
// (true, false, null, enum value).

// maxHighlight bounds the text highlighted; a longer one is shown plain.
const maxHighlight = 1 << 20

// highlightCode writes src as HTML, highlighted if lang is one the host knows
// (graphql, json, yaml), and reports whether it did.
func highlightCode(b *bytes.Buffer, lang, src string) bool {
	if len(src) > maxHighlight {
		return false
	}
	h := highlighter{b: b, src: src}
	switch lang {
	case "graphql", "gql":
		h.graphql()
	case "json":
		h.json()
	case "yaml", "yml":
		h.yaml()
	default:
		return false
	}
	return true
}

type highlighter struct {
	b   *bytes.Buffer
	src string
}

// plain writes src[i:j] escaped; span writes it in a span of class c.
func (h *highlighter) plain(i, j int) {
	if i < j {
		h.b.WriteString(html.EscapeString(h.src[i:j]))
	}
}

func (h *highlighter) span(c string, i, j int) {
	if i >= j {
		return
	}
	h.b.WriteString(`<span class="gr-hl-`)
	h.b.WriteString(c)
	h.b.WriteString(`">`)
	h.b.WriteString(html.EscapeString(h.src[i:j]))
	h.b.WriteString(`</span>`)
}

func isNameStart(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isNameByte(c byte) bool  { return isNameStart(c) || '0' <= c && c <= '9' }
func isDigit(c byte) bool     { return '0' <= c && c <= '9' }

// number returns the end of the number that starts at i (a sign, digits, a fraction,
// an exponent), or i if there is none.
func number(s string, i int) int {
	j := i
	if j < len(s) && (s[j] == '-' || s[j] == '+') {
		j++
	}
	if j >= len(s) || !isDigit(s[j]) {
		return i
	}
	for j < len(s) && (isDigit(s[j]) || s[j] == '.' || s[j] == 'e' || s[j] == 'E' ||
		(s[j] == '-' || s[j] == '+') && (s[j-1] == 'e' || s[j-1] == 'E')) {
		j++
	}
	return j
}

// quoted returns the end of the string whose opening quote q is at i: just past the
// closing quote, or the end of the line if it is not closed there.
func quoted(s string, i int, q byte) int {
	j := i + 1
	for j < len(s) && s[j] != q && s[j] != '\n' {
		if s[j] == '\\' && q == '"' && j+1 < len(s) && s[j+1] != '\n' {
			j++
		}
		j++
	}
	if j < len(s) && s[j] == q {
		j++
	}
	return j
}

// GraphQL SDL (and operations): the spec's keywords, type names (after a keyword that
// names one, after ':', '&', '|', '[', '=' in a union, and any name that starts with a
// capital), field and argument names (a name followed by ':' or '('), enum values,
// strings and block strings (descriptions), comments, directives and variables.

var graphqlKeywords = map[string]bool{
	"type": true, "interface": true, "union": true, "enum": true, "input": true,
	"scalar": true, "schema": true, "directive": true, "extend": true, "implements": true,
	"on": true, "repeatable": true, "query": true, "mutation": true, "subscription": true,
	"fragment": true,
}

// graphqlNamesType lists the keywords followed by a type's name.
var graphqlNamesType = map[string]bool{
	"type": true, "interface": true, "union": true, "enum": true, "input": true,
	"scalar": true, "implements": true, "on": true,
}

func (h *highlighter) graphql() {
	s := h.src
	depth := 0        // braces
	parens := 0       // parentheses (arguments)
	wantType := false // the next name is a type's
	enumBody := false // after "enum": its braces hold values
	inEnum := -1      // the brace depth of the enum body being read, or -1
	last := byte(0)   // the last punctuation seen
	i, start := 0, 0  // start: where the pending plain text begins
	for i < len(s) {
		c := s[i]
		switch {
		case c == '#':
			h.plain(start, i)
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				j = len(s) - i
			}
			h.span("com", i, i+j)
			i += j
			start = i
		case c == '"':
			h.plain(start, i)
			var j int
			if strings.HasPrefix(s[i:], `"""`) {
				j = blockString(s, i)
			} else {
				j = quoted(s, i, '"')
			}
			h.span("str", i, j)
			i, start = j, j
		case c == '@' || c == '$':
			h.plain(start, i)
			j := i + 1
			for j < len(s) && isNameByte(s[j]) {
				j++
			}
			if c == '@' {
				h.span("dir", i, j)
			} else {
				h.span("field", i, j)
			}
			i, start = j, j
		case isNameStart(c):
			h.plain(start, i)
			j := i + 1
			for j < len(s) && isNameByte(s[j]) {
				j++
			}
			name := s[i:j]
			k := j // the next byte that is not a blank
			for k < len(s) && (s[k] == ' ' || s[k] == '\t' || s[k] == ',') {
				k++
			}
			next := byte(0)
			if k < len(s) {
				next = s[k]
			}
			switch {
			case wantType:
				h.span("type", i, j)
				wantType = false
			case (depth > 0 || parens > 0) && (next == ':' || next == '('):
				h.span("field", i, j)
			case depth == inEnum:
				h.span("lit", i, j)
			case name == "true" || name == "false" || name == "null":
				h.span("lit", i, j)
			case graphqlKeywords[name] && last != ':':
				h.span("kw", i, j)
				wantType = graphqlNamesType[name]
				if name == "enum" {
					enumBody = true
				}
			case last == ':' || last == '&' || last == '|' || last == '[' || last == '=' || name[0] >= 'A' && name[0] <= 'Z':
				h.span("type", i, j)
			default:
				h.plain(i, j)
			}
			last = 0
			i, start = j, j
		case isDigit(c) || c == '-' && i+1 < len(s) && isDigit(s[i+1]):
			h.plain(start, i)
			j := number(s, i)
			h.span("num", i, j)
			i, start = j, j
		default:
			switch c {
			case '{':
				depth++
				if enumBody {
					inEnum, enumBody = depth, false
				}
				wantType = false
			case '}':
				if depth == inEnum {
					inEnum = -1
				}
				if depth > 0 {
					depth--
				}
			case '(':
				parens++
			case ')':
				if parens > 0 {
					parens--
				}
			}
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != ',' {
				last = c
			}
			i++
		}
	}
	h.plain(start, len(s))
}

// blockString returns the end of the block string opening at i ("""), past its
// closing """ (an escaped \""" does not close it), or the end of the text.
func blockString(s string, i int) int {
	j := i + 3
	for {
		k := strings.Index(s[j:], `"""`)
		if k < 0 {
			return len(s)
		}
		j += k
		if s[j-1] != '\\' {
			return j + 3
		}
		j += 3
	}
}

// JSON: keys (a string followed by ':'), strings, numbers and true, false, null.
func (h *highlighter) json() {
	s := h.src
	i, start := 0, 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			h.plain(start, i)
			j := quoted(s, i, '"')
			k := j
			for k < len(s) && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r') {
				k++
			}
			if k < len(s) && s[k] == ':' {
				h.span("field", i, j)
			} else {
				h.span("str", i, j)
			}
			i, start = j, j
		case isDigit(c) || c == '-':
			j := number(s, i)
			if j == i {
				i++
				continue
			}
			h.plain(start, i)
			h.span("num", i, j)
			i, start = j, j
		case isNameStart(c):
			j := i + 1
			for j < len(s) && isNameByte(s[j]) {
				j++
			}
			if w := s[i:j]; w == "true" || w == "false" || w == "null" {
				h.plain(start, i)
				h.span("lit", i, j)
				start = j
			}
			i = j
		default:
			i++
		}
	}
	h.plain(start, len(s))
}

// YAML, a line at a time: comments, document markers, keys (before ": " or a ':'
// that ends the line), quoted strings, numbers, true/false/null/~, anchors and
// aliases and tags, and the lines of a block scalar (| or >) as a string.
func (h *highlighter) yaml() {
	s := h.src
	block := -1 // the indent of the key that opened a block scalar, or -1
	for ln := 0; ln < len(s); {
		end := strings.IndexByte(s[ln:], '\n')
		if end < 0 {
			end = len(s)
		} else {
			end += ln
		}
		indent := ln
		for indent < end && s[indent] == ' ' {
			indent++
		}
		if block >= 0 {
			if indent == end || indent-ln > block {
				h.span("str", ln, end)
				h.lineEnd(end)
				ln = end + 1
				continue
			}
			block = -1
		}
		block = h.yamlLine(ln, indent, end)
		h.lineEnd(end)
		ln = end + 1
	}
}

func (h *highlighter) lineEnd(end int) {
	if end < len(h.src) {
		h.b.WriteByte('\n')
	}
}

// yamlLine writes one line (ln..end, content from i) and returns the indent of the
// key whose value is a block scalar, or -1.
func (h *highlighter) yamlLine(ln, i, end int) int {
	s := h.src
	h.plain(ln, i)
	if i == ln && (s[i:end] == "---" || s[i:end] == "..." || strings.HasPrefix(s[i:end], "--- ")) {
		h.span("kw", i, i+3)
		i += 3
	}
	keyIndent := i - ln
	for i+1 < end && s[i] == '-' && s[i+1] == ' ' || i+1 == end && s[i] == '-' {
		h.plain(i, i+1)
		i++
		for i < end && s[i] == ' ' {
			h.plain(i, i+1)
			i++
		}
		keyIndent = i - ln
	}
	// A key: a quoted string or plain text, then ':' and a blank or the line's end.
	if i < end && s[i] != '#' {
		k := -1
		if s[i] == '"' || s[i] == '\'' {
			j := quoted(s[:end], i, s[i])
			if j < end && s[j] == ':' && (j+1 == end || s[j+1] == ' ') {
				k = j
			}
		} else {
			for j := i; j < end; j++ {
				if s[j] == ':' && (j+1 == end || s[j+1] == ' ' || s[j+1] == '\t') {
					k = j
					break
				}
				if s[j] == '#' && j > i && s[j-1] == ' ' {
					break
				}
			}
		}
		if k >= 0 {
			h.span("field", i, k)
			h.plain(k, k+1)
			i = k + 1
		}
	}
	return h.yamlValue(i, end, keyIndent)
}

// yamlValue writes the rest of a line after its key.
func (h *highlighter) yamlValue(i, end, keyIndent int) int {
	s := h.src
	start := i
	for i < end && s[i] == ' ' {
		i++
	}
	first := i // where the value begins
	block := -1
	for i < end {
		c := s[i]
		switch {
		case c == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t' || s[i-1] == '\n'):
			h.plain(start, i)
			h.span("com", i, end)
			return block
		case c == '"' || c == '\'':
			h.plain(start, i)
			j := quoted(s[:end], i, c)
			h.span("str", i, j)
			i, start = j, j
		case c == '&' || c == '*' || c == '!':
			h.plain(start, i)
			j := i + 1
			for j < end && s[j] != ' ' && s[j] != ',' && s[j] != ']' && s[j] != '}' {
				j++
			}
			h.span("dir", i, j)
			i, start = j, j
		case (c == '|' || c == '>') && i == first:
			// a block scalar indicator (with its chomping and indent indicators)
			block = keyIndent
			i++
		default:
			// A scalar word: a number or a literal if it is all of one.
			j := i
			for j < end && s[j] != ' ' && s[j] != ',' && s[j] != ']' && s[j] != '}' && s[j] != '[' && s[j] != '{' {
				j++
			}
			if j == i {
				i++
				continue
			}
			w := s[i:j]
			switch {
			case number(w, 0) == len(w):
				h.plain(start, i)
				h.span("num", i, j)
				start = j
			case w == "true" || w == "false" || w == "null" || w == "~" || w == "True" || w == "False" || w == "Null":
				h.plain(start, i)
				h.span("lit", i, j)
				start = j
			}
			i = j
		}
	}
	h.plain(start, end)
	return block
}
