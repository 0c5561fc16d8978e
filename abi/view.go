package abi

import (
	"encoding/base64"
	"slices"
	"sort"
	"unicode/utf8"
)

// HTTPResponseView is a decoded and checked HTTP response message (SPEC.md 7.2) whose
// header fields and body refer into the message rather than being copied, so that the
// host's request path decodes the usual response without allocating. It holds the same
// answer as DecodeHTTPResponse: default status, body resolved from body/text/json,
// content-type filled in, hop-by-hop headers dropped, names lower case.
//
// A view is reused from response to response; it refers into the last message given to
// Decode, which must stay unchanged while the view is read.
type HTTPResponseView struct {
	Status int
	// Headers are the response's header fields, a name once per value; their order is
	// unspecified except that the values of one name keep theirs.
	Headers []HeaderField
	Body    []byte
	// File is the path of the plugin's own file to serve as the body (the message's
	// file member), or nil; Body is then empty.
	File []byte

	scratch []byte // decoded base64 bodies
}

// HeaderField is one response header value.
type HeaderField struct {
	Name, Value []byte
}

// Default content types, as DecodeHTTPResponse sets them.
var (
	contentTypeName = []byte("content-type")
	contentTypeJSON = []byte("application/json")
	contentTypeText = []byte("text/plain; charset=utf-8")
)

// Decode decodes and checks msg as DecodeHTTPResponse does, with the same errors. The
// common shapes take a fast path that refers into msg; anything else (escapes, unusual
// header names, repeated keys, malformed input) goes through DecodeHTTPResponse, which
// stays the reference.
func (v *HTTPResponseView) Decode(msg []byte) error {
	if v.decodeFast(msg) {
		return nil
	}
	r, err := DecodeHTTPResponse(msg)
	if err != nil {
		v.Status, v.Headers, v.Body, v.File = 0, v.Headers[:0], nil, nil
		return err
	}
	v.Status, v.Headers, v.Body, v.File = r.Status, v.Headers[:0], r.Body, nil
	if r.File != nil {
		v.File = []byte(*r.File)
	}
	names := make([]string, 0, len(r.Headers))
	for k := range r.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, s := range r.Headers[k] {
			v.Headers = append(v.Headers, HeaderField{Name: []byte(k), Value: []byte(s)})
		}
	}
	return nil
}

// Top-level keys of a response message, as bits for the fast path's "seen" set.
const (
	seenStatus = 1 << iota
	seenHeaders
	seenBody
	seenText
	seenJSON
	seenFile
)

// decodeFast decodes the common shapes of a response message. It reports false for
// anything it does not handle, including every malformed message, so that the caller
// falls back to the reference decoder (which also words the error); it never accepts a
// message that DecodeHTTPResponse refuses or would read differently.
func (v *HTTPResponseView) decodeFast(b []byte) bool {
	v.Status, v.Headers, v.Body, v.File = 200, v.Headers[:0], nil, nil
	seen := 0
	hasContentType := false
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return skipWS(b, i+1) == len(b)
	}
	for {
		key, next, ok := plainString(b, i)
		if !ok {
			return false
		}
		i = skipWS(b, next)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipWS(b, i+1)
		var bit int
		switch string(key) {
		case "status":
			bit = seenStatus
			end := scanNumber(b, i)
			n, ok := statusCode(b[i:end])
			if !ok {
				return false
			}
			v.Status, i = n, end
		case "headers":
			bit = seenHeaders
			end, ct, ok := v.headers(b, i)
			if !ok {
				return false
			}
			hasContentType, i = ct, end
		case "text":
			bit = seenText
			s, end, ok := plainString(b, i)
			if !ok || !utf8.Valid(s) {
				return false
			}
			v.Body, i = s, end
		case "body":
			bit = seenBody
			s, end, ok := plainString(b, i)
			if !ok {
				return false
			}
			// encoding/json decodes []byte with StdEncoding; an error is the slow
			// path's to report.
			v.scratch = slices.Grow(v.scratch[:0], base64.StdEncoding.DecodedLen(len(s)))[:base64.StdEncoding.DecodedLen(len(s))]
			n, err := base64.StdEncoding.Decode(v.scratch, s)
			if err != nil {
				return false
			}
			v.Body, i = v.scratch[:n], end
			if v.Body == nil {
				v.Body = s[:0] // "" is an empty body, not an absent one
			}
		case "file":
			bit = seenFile
			s, end, ok := plainString(b, i)
			if !ok || len(s) == 0 || !utf8.Valid(s) {
				return false
			}
			v.File, i = s, end
		case "json":
			bit = seenJSON
			end, ok := validValue(b, i)
			if !ok || b[i] == 'n' {
				// null leaves JSON unset in encoding/json; let it say so.
				return false
			}
			v.Body, i = b[i:end:end], end
		default:
			return false
		}
		if seen&bit != 0 {
			return false // a repeated key: encoding/json's last-one-wins is the slow path's
		}
		seen |= bit
		i = skipWS(b, i)
		if i >= len(b) {
			return false
		}
		if b[i] == '}' {
			if skipWS(b, i+1) != len(b) {
				return false
			}
			break
		}
		if b[i] != ',' {
			return false
		}
		i = skipWS(b, i+1)
	}
	switch seen & (seenBody | seenText | seenJSON | seenFile) {
	case 0, seenBody, seenFile:
	case seenText:
		if !hasContentType {
			v.Headers = append(v.Headers, HeaderField{Name: contentTypeName, Value: contentTypeText})
		}
	case seenJSON:
		if !hasContentType {
			v.Headers = append(v.Headers, HeaderField{Name: contentTypeName, Value: contentTypeJSON})
		}
	default:
		return false // more than one body: an error, worded by the slow path
	}
	return true
}

// statusCode reads a status of 100-599 written as a plain integer.
func statusCode(b []byte) (int, bool) {
	if len(b) != 3 || b[0] < '1' || b[0] > '5' {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// headers reads {"name": "value" | ["value", ...], ...} into v.Headers. It accepts only
// names that DecodeHTTPResponse keeps as they are (valid, lower case, not hop-by-hop),
// each once, and values without escapes or non-ASCII bytes. ct reports whether
// content-type is among the names (even with no value, which suppresses the default).
func (v *HTTPResponseView) headers(b []byte, i int) (end int, ct, ok bool) {
	if i >= len(b) || b[i] != '{' {
		return i, false, false
	}
	first := len(v.Headers)
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, false, true
	}
	for {
		k, next, ok := plainString(b, i)
		if !ok || !plainHeaderName(k) || len(v.Headers)-first >= maxFastHeaders {
			return i, false, false
		}
		for _, f := range v.Headers[first:] {
			if string(f.Name) == string(k) {
				return i, false, false
			}
		}
		if string(k) == "content-type" {
			ct = true
		}
		i = skipWS(b, next)
		if i >= len(b) || b[i] != ':' {
			return i, false, false
		}
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == '[' {
			i = skipWS(b, i+1)
			if i < len(b) && b[i] == ']' {
				i++
				// An empty list still names the header (see ct); a placeholder with
				// a nil value keeps the duplicate check honest and is dropped below.
				v.Headers = append(v.Headers, HeaderField{Name: k})
			} else {
				for {
					s, next, ok := plainASCII(b, i)
					if !ok {
						return i, false, false
					}
					v.Headers = append(v.Headers, HeaderField{Name: k, Value: s})
					i = skipWS(b, next)
					if i < len(b) && b[i] == ']' {
						i++
						break
					}
					if i >= len(b) || b[i] != ',' {
						return i, false, false
					}
					i = skipWS(b, i+1)
				}
			}
		} else {
			s, next, ok := plainASCII(b, i)
			if !ok {
				return i, false, false
			}
			v.Headers = append(v.Headers, HeaderField{Name: k, Value: s})
			i = next
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return i, false, false
		}
		if b[i] == '}' {
			break
		}
		if b[i] != ',' {
			return i, false, false
		}
		i = skipWS(b, i+1)
	}
	// Drop the placeholders of empty lists.
	out := v.Headers[:first]
	for _, f := range v.Headers[first:] {
		if f.Value != nil {
			out = append(out, f)
		}
	}
	v.Headers = out
	return i + 1, ct, true
}

// maxFastHeaders bounds the header fields the fast path collects before it reads
// another name: its duplicate check compares each name with the fields before it, so
// more go to the reference decoder, which is linear in them.
const maxFastHeaders = 64

// plainHeaderName reports whether k is a header name that needs no normalising: a valid
// token, lower case, and not one that responses may not set.
func plainHeaderName(k []byte) bool {
	if !validHeaderName(string(k)) || hopByHop[string(k)] {
		return false
	}
	for _, c := range k {
		if 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

// plainString reads a JSON string without escapes or control characters and returns
// its bytes (inside b; never nil, even when empty). Non-ASCII bytes are allowed; callers
// that need valid UTF-8 check.
func plainString(b []byte, i int) ([]byte, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, i, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return b[i+1 : j : j], j + 1, true
		case c == '\\' || c < 0x20:
			return nil, i, false
		}
	}
	return nil, i, false
}

// plainASCII is plainString limited to ASCII (non-ASCII header values take the slow
// path, which replaces invalid UTF-8 as encoding/json does).
func plainASCII(b []byte, i int) ([]byte, int, bool) {
	s, next, ok := plainString(b, i)
	if !ok {
		return nil, i, false
	}
	for _, c := range s {
		if c >= utf8.RuneSelf {
			return nil, i, false
		}
	}
	return s, next, true
}

// maxFastDepth bounds the nesting that validValue follows; deeper values go to the
// reference decoder.
const maxFastDepth = 64

// validValue parses the JSON value that starts at b[i] and returns where it ends. It
// accepts only what json.Valid accepts (FuzzValidValue checks), and may refuse more
// (nesting over maxFastDepth), since a refusal only means the slow path. It replaces
// json.Valid on the fast path, whose scanner costs a third of a microsecond even for
// the hello response.
func validValue(b []byte, i int) (int, bool) {
	return validAt(b, i, 0)
}

func validAt(b []byte, i, depth int) (int, bool) {
	if i >= len(b) {
		return i, false
	}
	switch c := b[i]; {
	case c == '"':
		return validString(b, i)
	case c == '{':
		if depth >= maxFastDepth {
			return i, false
		}
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == '}' {
			return i + 1, true
		}
		for {
			end, ok := validString(b, i)
			if !ok {
				return i, false
			}
			i = skipWS(b, end)
			if i >= len(b) || b[i] != ':' {
				return i, false
			}
			if i, ok = validAt(b, skipWS(b, i+1), depth+1); !ok {
				return i, false
			}
			i = skipWS(b, i)
			if i >= len(b) {
				return i, false
			}
			if b[i] == '}' {
				return i + 1, true
			}
			if b[i] != ',' {
				return i, false
			}
			i = skipWS(b, i+1)
		}
	case c == '[':
		if depth >= maxFastDepth {
			return i, false
		}
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1, true
		}
		for {
			var ok bool
			if i, ok = validAt(b, i, depth+1); !ok {
				return i, false
			}
			i = skipWS(b, i)
			if i >= len(b) {
				return i, false
			}
			if b[i] == ']' {
				return i + 1, true
			}
			if b[i] != ',' {
				return i, false
			}
			i = skipWS(b, i+1)
		}
	case c == '-' || c >= '0' && c <= '9':
		return validNumber(b, i)
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	}
	return i, false
}

func literal(b []byte, i int, lit string) (int, bool) {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit), true
	}
	return i, false
}

// validString checks the JSON string at b[i] (escapes included; bytes from 0x80 pass, as
// in encoding/json's scanner) and returns its end.
func validString(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return i, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1, true
		case c < 0x20:
			return j, false
		case c == '\\':
			j++
			if j >= len(b) {
				return j, false
			}
			switch b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(b)-j < 5 {
					return j, false
				}
				for _, h := range b[j+1 : j+5] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return j, false
					}
				}
				j += 4
			default:
				return j, false
			}
		}
	}
	return len(b), false
}

// validNumber checks -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at b[i].
func validNumber(b []byte, i int) (int, bool) {
	digits := func(i int) int {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(i + 1)
	default:
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return j, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return j, false
		}
		i = j
	}
	return i, true
}

// skipWS skips JSON whitespace from i.
func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// scanNumber returns the end of the run of digits and minus signs from i.
func scanNumber(b []byte, i int) int {
	for i < len(b) && (b[i] == '-' || (b[i] >= '0' && b[i] <= '9')) {
		i++
	}
	return i
}
