package greenroom

import (
	"encoding/base64"
	"errors"
	"fmt"
	"greenroom.dev/greenroom/sdk/go/internal/jsonw"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// The HTTP request and response messages are decoded and encoded by hand, without
// reflection: inside WebAssembly encoding/json costs hundreds of microseconds per
// request, this a small fraction of that. Field semantics match encoding/json on the same
// struct tags (unknown fields are ignored, body is standard base64, invalid UTF-8 in
// strings becomes U+FFFD); the golden-message tests hold both to the same wire.

// jsonReader reads one JSON document.
type jsonReader struct {
	b   []byte
	p   int
	err error
	// borrow lets strings without escapes share b's memory instead of copying it (each
	// allocation costs about a microsecond inside WebAssembly). Only for a b that nothing
	// modifies afterwards: the call's input buffer.
	borrow bool
	// ones backs the one-string arrays of a message (most query and header values), so
	// that a request with many headers allocates one array for them, not one each.
	ones []string
}

// one returns []string{s}, cut from r.ones with its capacity limited to its length, so
// that appending to one array never writes into another.
func (r *jsonReader) one(s string) []string {
	if len(r.ones) == cap(r.ones) {
		r.ones = make([]string, 0, 16)
	}
	r.ones = append(r.ones, s)
	n := len(r.ones)
	return r.ones[n-1 : n : n]
}

func (r *jsonReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("offset %d: %s", r.p, fmt.Sprintf(format, args...))
	}
	r.p = len(r.b)
}

func (r *jsonReader) ws() {
	b, p := r.b, r.p
	for p < len(b) {
		switch b[p] {
		case ' ', '\t', '\n', '\r':
			p++
		default:
			r.p = p
			return
		}
	}
	r.p = p
}

// peek returns the next non-space byte, or 0 at the end.
func (r *jsonReader) peek() byte {
	if r.p < len(r.b) && r.b[r.p] > ' ' { // the usual case: no space between tokens
		return r.b[r.p]
	}
	r.ws()
	if r.p < len(r.b) {
		return r.b[r.p]
	}
	return 0
}

func (r *jsonReader) literal(lit string) bool {
	if len(r.b)-r.p >= len(lit) && string(r.b[r.p:r.p+len(lit)]) == lit {
		r.p += len(lit)
		return true
	}
	return false
}

// null consumes a null and reports whether there was one.
func (r *jsonReader) null() bool { return r.peek() == 'n' && r.literal("null") }

// value reads a string value, where null reads as "" (as encoding/json leaves it).
func (r *jsonReader) value(what string) string { return r.valueIn(what, "") }

// valueIn is value for the value labelled what+sub in errors. The label is only built
// when there is an error: inside WebAssembly each concatenation costs about as much as
// reading a short string.
func (r *jsonReader) valueIn(what, sub string) string {
	if r.null() {
		return ""
	}
	return r.strIn(what, sub)
}

// str reads a string.
func (r *jsonReader) str(what string) string { return r.strIn(what, "") }

// strIn is str for the string labelled what+sub in errors.
func (r *jsonReader) strIn(what, sub string) string {
	if r.peek() != '"' {
		r.fail("%s%s: want a string", what, sub)
		return ""
	}
	b := r.b
	p := r.p + 1
	start := p
	var high byte
	for p < len(b) { // fast path: no escapes; ASCII needs no UTF-8 check
		c := b[p]
		if c == '"' {
			s := b[start:p]
			r.p = p + 1
			if high < utf8.RuneSelf || utf8.Valid(s) {
				if r.borrow && len(s) > 0 {
					return unsafe.String(&s[0], len(s))
				}
				return string(s)
			}
			return string(toValidUTF8(s))
		}
		if c == '\\' || c < 0x20 {
			break
		}
		high |= c
		p++
	}
	r.p = p
	out := append([]byte(nil), b[start:p]...)
	for r.p < len(r.b) {
		c := r.b[r.p]
		switch {
		case c == '"':
			r.p++
			return string(toValidUTF8(out))
		case c < 0x20:
			r.fail("%s%s: control character in string", what, sub)
			return ""
		case c != '\\':
			out = append(out, c)
			r.p++
			continue
		}
		if r.p+1 >= len(r.b) {
			break
		}
		e := r.b[r.p+1]
		r.p += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			cp, ok := r.hex4()
			if !ok {
				r.fail("%s%s: bad \\u escape", what, sub)
				return ""
			}
			if utf16.IsSurrogate(rune(cp)) {
				lo := rune(utf8.RuneError)
				if r.p+1 < len(r.b) && r.b[r.p] == '\\' && r.b[r.p+1] == 'u' {
					save := r.p
					r.p += 2
					if v, ok := r.hex4(); ok {
						lo = rune(v)
					}
					if d := utf16.DecodeRune(rune(cp), lo); d != utf8.RuneError {
						out = utf8.AppendRune(out, d)
						continue
					}
					r.p = save
				}
				out = utf8.AppendRune(out, utf8.RuneError)
				continue
			}
			out = utf8.AppendRune(out, rune(cp))
		default:
			r.p--
			r.fail("%s%s: bad escape \\%c", what, sub, e)
			return ""
		}
	}
	r.fail("%s%s: unterminated string", what, sub)
	return ""
}

func (r *jsonReader) hex4() (uint32, bool) {
	if len(r.b)-r.p < 4 {
		return 0, false
	}
	v, err := strconv.ParseUint(string(r.b[r.p:r.p+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	r.p += 4
	return uint32(v), true
}

func toValidUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		c, n := utf8.DecodeRune(b)
		out = utf8.AppendRune(out, c)
		b = b[n:]
	}
	return out
}

// object calls member for every member of an object; null counts as an empty object.
func (r *jsonReader) object(what string, member func(key string)) {
	if r.null() {
		return
	}
	if r.peek() != '{' {
		r.fail("%s: want an object", what)
		return
	}
	r.p++
	if r.peek() == '}' {
		r.p++
		return
	}
	for r.err == nil {
		key := r.strIn(what, " key")
		if r.peek() != ':' {
			r.fail("%s: want ':' after key %q", what, key)
			return
		}
		r.p++
		member(key)
		switch r.peek() {
		case ',':
			r.p++
		case '}':
			r.p++
			return
		default:
			r.fail("%s: want ',' or '}'", what)
		}
	}
}

// strings reads an array of strings; a single string is accepted when one is true.
func (r *jsonReader) strings(what string, one bool) []string { return r.stringsIn(what, "", one) }

// stringsIn is strings for the array labelled what+sub in errors.
func (r *jsonReader) stringsIn(what, sub string, one bool) []string {
	if r.null() {
		return nil
	}
	if one && r.peek() == '"' {
		return r.one(r.strIn(what, sub))
	}
	if r.peek() != '[' {
		r.fail("%s%s: want an array of strings", what, sub)
		return nil
	}
	r.p++
	if r.peek() == ']' {
		r.p++
		return []string{}
	}
	// The usual array holds one string: allocate exactly that.
	first := r.valueIn(what, sub)
	switch r.peek() {
	case ']':
		r.p++
		return r.one(first)
	case ',':
		r.p++
	default:
		r.fail("%s%s: want ',' or ']'", what, sub)
		return nil
	}
	out := []string{first}
	for r.err == nil {
		out = append(out, r.valueIn(what, sub))
		switch r.peek() {
		case ',':
			r.p++
		case ']':
			r.p++
			return out
		default:
			r.fail("%s%s: want ',' or ']'", what, sub)
		}
	}
	return nil
}

// skip skips any value.
func (r *jsonReader) skip() {
	switch c := r.peek(); {
	case c == '"':
		r.str("value")
	case c == '{':
		r.object("value", func(string) { r.skip() })
	case c == '[':
		r.p++
		if r.peek() == ']' {
			r.p++
			return
		}
		for r.err == nil {
			r.skip()
			switch r.peek() {
			case ',':
				r.p++
			case ']':
				r.p++
				return
			default:
				r.fail("want ',' or ']'")
			}
		}
	case c == 't' && r.literal("true"), c == 'f' && r.literal("false"), c == 'n' && r.literal("null"):
	case c == '-' || c >= '0' && c <= '9':
		start := r.p
		for r.p < len(r.b) && (r.b[r.p] == '-' || r.b[r.p] == '+' || r.b[r.p] == '.' || r.b[r.p] == 'e' || r.b[r.p] == 'E' || r.b[r.p] >= '0' && r.b[r.p] <= '9') {
			r.p++
		}
		if _, err := strconv.ParseFloat(string(r.b[start:r.p]), 64); err != nil {
			r.fail("bad number %q", r.b[start:r.p])
		}
	default:
		r.fail("want a JSON value")
	}
}

// decodeRequest decodes an HTTP request message (SPEC.md section 7.1). With borrow, the
// strings of req may share b's memory, which the caller must then never modify.
func decodeRequest(b []byte, req *Request, borrow bool) error {
	r := &jsonReader{b: b, borrow: borrow}
	if r.null() && r.peek() == 0 {
		return nil // as encoding/json: null leaves req as it is
	}
	r.p = 0
	if r.peek() != '{' {
		return errors.New("the request message is not a JSON object")
	}
	*req = Request{}
	var member func(key string)
	member = func(key string) {
		switch key {
		case "method":
			req.Method = r.value("method")
		case "path":
			req.Path = r.value("path")
		case "route":
			req.Route = r.value("route")
		case "params":
			// An empty object leaves Params nil: maps cost microseconds inside WebAssembly.
			r.object("params", func(k string) {
				if req.Params == nil {
					req.Params = map[string]string{}
				}
				req.Params[k] = r.valueIn("params.", k)
			})
		case "query":
			if r.peek() == '{' && req.Query == nil {
				req.Query = map[string][]string{}
			}
			r.object("query", func(k string) {
				req.Query[k] = r.stringsIn("query.", k, false)
			})
		case "headers":
			if r.peek() == '{' && req.Headers == nil {
				req.Headers = Header{}
			}
			r.object("headers", func(k string) {
				req.Headers[k] = r.stringsIn("headers.", k, true)
			})
		case "caller":
			if r.null() {
				return
			}
			c := &Caller{}
			r.object("caller", func(k string) {
				switch {
				case strings.EqualFold(k, "type"):
					c.Type = r.value("caller.type")
				case strings.EqualFold(k, "userEntityRef"):
					c.UserEntityRef = r.value("caller.userEntityRef")
				case strings.EqualFold(k, "ownershipEntityRefs"):
					c.OwnershipEntityRefs = r.strings("caller.ownershipEntityRefs", false)
				case strings.EqualFold(k, "subject"):
					c.Subject = r.value("caller.subject")
				default:
					r.skip()
				}
			})
			req.Caller = c
		case "requestId":
			req.RequestID = r.value("requestId")
		case "body":
			if r.null() {
				return
			}
			s := r.str("body")
			if r.err == nil {
				body, err := base64.StdEncoding.DecodeString(s)
				if err != nil {
					r.fail("body is not standard base64: %v", err)
				}
				req.Body = body
			}
		default:
			// encoding/json matches field names without regard to case; so does this.
			for _, name := range [...]string{"method", "path", "route", "params", "query", "headers", "caller", "requestId", "body"} {
				if strings.EqualFold(key, name) {
					member(name)
					return
				}
			}
			r.skip()
		}
	}
	r.object("request", member)
	if r.err == nil && r.peek() != 0 {
		r.fail("trailing data after the request message")
	}
	return r.err
}

// UnmarshalJSON decodes an HTTP request message without reflection.
func (r *Request) UnmarshalJSON(b []byte) error { return decodeRequest(b, r, false) }

// appendString appends s as a JSON string (see jsonw.AppendString).
func appendString(b []byte, s string) []byte { return jsonw.AppendString(b, s) }

// appendJSON appends the response message.
func (r *Response) appendJSON(b []byte) []byte {
	b = append(b, '{')
	sep := func() {
		if b[len(b)-1] != '{' {
			b = append(b, ',')
		}
	}
	if r.Status != 0 {
		b = append(b, `"status":`...)
		if s := r.Status; s >= 100 && s <= 999 { // every HTTP status, without strconv
			b = append(b, byte('0'+s/100), byte('0'+s/10%10), byte('0'+s%10))
		} else {
			b = strconv.AppendInt(b, int64(s), 10)
		}
	}
	if len(r.Headers) > 0 {
		sep()
		b = append(b, `"headers":{`...)
		keys := make([]string, 0, len(r.Headers))
		for k := range r.Headers {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendString(b, k), ':')
			v := r.Headers[k]
			if len(v) == 1 {
				b = appendString(b, v[0])
				continue
			}
			b = append(b, '[')
			for j, s := range v {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendString(b, s)
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	if len(r.Body) > 0 {
		sep()
		b = append(b, `"body":"`...)
		b = base64.StdEncoding.AppendEncode(b, r.Body)
		b = append(b, '"')
	}
	if r.Text != nil {
		sep()
		b = appendString(append(b, `"text":`...), *r.Text)
	}
	if len(r.JSON) > 0 {
		sep()
		b = append(append(b, `"json":`...), r.JSON...)
	}
	if r.File != "" {
		sep()
		b = appendString(append(b, `"file":`...), r.File)
	}
	return append(b, '}')
}

// MarshalJSON encodes the response message without reflection, writing a header with one
// value as a string and one with several as an array, as SPEC.md section 7.2 shows.
func (r Response) MarshalJSON() ([]byte, error) { return r.appendJSON(nil), nil }

// appendStringMap appends m as a JSON object with sorted keys, as encoding/json does.
func appendStringMap(b []byte, m map[string]string) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	if len(m) == 1 {
		for k, v := range m {
			return append(appendString(append(appendString(append(b, '{'), k), ':'), v), '}')
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(append(appendString(b, k), ':'), m[k])
	}
	return append(b, '}')
}
