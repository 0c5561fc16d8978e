package abi

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// DecodeFast decodes the usual shape of a search_replace request, the one the Go SDK
// writes: members in the order type, title, source, documents, and in each document
// title, text, location, fields, resourceRef (the optional ones may be left out), no
// spaces, field values that are strings or arrays of strings, and strings whose escapes
// are JSON's short ones or \u outside the surrogates. It reports false, and leaves r as
// it was, for anything else, which the caller decodes with encoding/json; what it
// accepts it decodes as encoding/json would. A docs site sends thousands of documents,
// and encoding/json's reflection over them took about a third of the call's host time.
func (r *SearchReplaceRequest) DecodeFast(msg []byte) bool {
	d := fastReader{b: msg}
	var out SearchReplaceRequest
	if !d.lit(`{"type":`) || !d.str(&out.Type) {
		return false
	}
	if d.lit(`,"title":`) && !d.str(&out.Title) {
		return false
	}
	if d.lit(`,"source":`) && !d.str(&out.Source) {
		return false
	}
	if !d.lit(`,"documents":[`) {
		return false
	}
	out.Documents = []SearchDocument{}
	for first := true; !d.lit("]"); first = false {
		if !first && !d.lit(",") {
			return false
		}
		var doc SearchDocument
		if !d.lit(`{"title":`) || !d.str(&doc.Title) {
			return false
		}
		if d.lit(`,"text":`) && !d.str(&doc.Text) {
			return false
		}
		if !d.lit(`,"location":`) || !d.str(&doc.Location) {
			return false
		}
		if d.lit(`,"fields":{`) {
			doc.Fields = map[string]json.RawMessage{}
			for firstField := true; !d.lit("}"); firstField = false {
				var k string
				if !firstField && !d.lit(",") || !d.str(&k) || !d.lit(":") {
					return false
				}
				v, ok := d.fieldValue()
				if !ok {
					return false
				}
				doc.Fields[k] = v
			}
		}
		if d.lit(`,"resourceRef":`) && !d.str(&doc.ResourceRef) {
			return false
		}
		if !d.lit("}") {
			return false
		}
		out.Documents = append(out.Documents, doc)
	}
	if !d.lit("}") || d.i != len(msg) {
		return false
	}
	*r = out
	return true
}

// fastReader reads the fixed shapes of the fast decoders; ok turns false at the first
// byte it does not take.
type fastReader struct {
	b   []byte
	i   int
	err bool
}

// lit consumes s if the input continues with it.
func (d *fastReader) lit(s string) bool {
	if d.err || !bytes.HasPrefix(d.b[d.i:], []byte(s)) {
		return false
	}
	d.i += len(s)
	return true
}

// str decodes a JSON string into s. It takes valid UTF-8 without control characters,
// the escapes \" \\ \/ \b \f \n \r \t, and \uXXXX outside the surrogates (the only ones
// whose decoding depends on what follows); anything else stops the reader.
func (d *fastReader) str(s *string) bool {
	b := d.b
	if d.err || d.i >= len(b) || b[d.i] != '"' {
		d.err = true
		return false
	}
	start := d.i + 1
	j := start
	for j < len(b) && b[j] != '"' && b[j] != '\\' && b[j] >= 0x20 {
		j++
	}
	if j < len(b) && b[j] == '"' {
		if !utf8.Valid(b[start:j]) {
			d.err = true
			return false
		}
		*s = string(b[start:j])
		d.i = j + 1
		return true
	}
	buf := make([]byte, 0, j-start+16)
	buf = append(buf, b[start:j]...)
	for j < len(b) {
		c := b[j]
		switch {
		case c == '"':
			if !utf8.Valid(buf) {
				d.err = true
				return false
			}
			*s = string(buf)
			d.i = j + 1
			return true
		case c < 0x20:
			d.err = true
			return false
		case c != '\\':
			buf = append(buf, c)
			j++
			continue
		}
		if j+1 >= len(b) {
			break
		}
		switch e := b[j+1]; e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			if j+6 > len(b) {
				d.err = true
				return false
			}
			var r rune
			for _, h := range b[j+2 : j+6] {
				switch {
				case '0' <= h && h <= '9':
					r = r<<4 | rune(h-'0')
				case 'a' <= h && h <= 'f':
					r = r<<4 | rune(h-'a'+10)
				case 'A' <= h && h <= 'F':
					r = r<<4 | rune(h-'A'+10)
				default:
					d.err = true
					return false
				}
			}
			if 0xD800 <= r && r <= 0xDFFF {
				d.err = true
				return false
			}
			buf = utf8.AppendRune(buf, r)
			j += 6
			continue
		default:
			d.err = true
			return false
		}
		j += 2
	}
	d.err = true
	return false
}

// fieldValue is a field's value as its raw JSON: a string, or an array of strings,
// checked as str checks them.
func (d *fastReader) fieldValue() (json.RawMessage, bool) {
	start := d.i
	var s string
	if d.i < len(d.b) && d.b[d.i] == '[' {
		d.i++
		for first := true; !d.lit("]"); first = false {
			if !first && !d.lit(",") || !d.str(&s) {
				d.err = true
				return nil, false
			}
		}
	} else if !d.str(&s) {
		return nil, false
	}
	return bytes.Clone(d.b[start:d.i]), true
}
