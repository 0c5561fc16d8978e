package abi

import (
	"encoding/json"
	"errors"
	"strconv"
)

// errSlowPath makes decodeResponseFast give up; the caller then decodes with
// encoding/json, which also words any error.
var errSlowPath = errors.New("slow path")

// decodeResponseFast decodes the common shapes of a response message in one pass with
// few allocations. It returns errSlowPath for anything it does not handle (escapes in
// keys, unusual whitespace is fine), so that encoding/json stays the reference.
func decodeResponseFast(b []byte, r *HTTPResponse) error {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errSlowPath
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return trailing(b, i+1)
	}
	for {
		key, next, ok := fastString(b, i)
		if !ok {
			return errSlowPath
		}
		i = skipWS(b, next)
		if i >= len(b) || b[i] != ':' {
			return errSlowPath
		}
		i = skipWS(b, i+1)
		switch key {
		case "status":
			end := scanNumber(b, i)
			n, err := strconv.Atoi(string(b[i:end]))
			if err != nil || !json.Valid(b[i:end]) {
				return errSlowPath
			}
			r.Status, i = n, end
		case "headers":
			h, end, ok := fastHeaders(b, i)
			if !ok {
				return errSlowPath
			}
			r.Headers, i = h, end
		case "text":
			s, end, ok := fastString(b, i)
			if !ok {
				return errSlowPath
			}
			r.Text, i = &s, end
		case "json":
			end, ok := skipValue(b, i)
			if !ok || !json.Valid(b[i:end]) {
				return errSlowPath
			}
			r.JSON, i = json.RawMessage(b[i:end:end]), end
		default:
			// body (base64) and unknown keys: leave them to encoding/json.
			return errSlowPath
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return errSlowPath
		}
		if b[i] == '}' {
			return trailing(b, i+1)
		}
		if b[i] != ',' {
			return errSlowPath
		}
		i = skipWS(b, i+1)
	}
}

func trailing(b []byte, i int) error {
	if skipWS(b, i) != len(b) {
		return errSlowPath
	}
	return nil
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// fastString reads a JSON string without escapes (or returns !ok).
func fastString(b []byte, i int) (string, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", i, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return string(b[i+1 : j]), j + 1, true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return "", i, false
		}
	}
	return "", i, false
}

func scanNumber(b []byte, i int) int {
	for i < len(b) && (b[i] == '-' || (b[i] >= '0' && b[i] <= '9')) {
		i++
	}
	return i
}

// fastHeaders reads {"name": "value" | ["value", ...], ...}.
func fastHeaders(b []byte, i int) (Headers, int, bool) {
	if i >= len(b) || b[i] != '{' {
		return nil, i, false
	}
	h := Headers{}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return h, i + 1, true
	}
	for {
		k, next, ok := fastString(b, i)
		if !ok {
			return nil, i, false
		}
		i = skipWS(b, next)
		if i >= len(b) || b[i] != ':' {
			return nil, i, false
		}
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == '[' {
			var vs []string
			i = skipWS(b, i+1)
			if i < len(b) && b[i] == ']' {
				i++
				vs = []string{}
			} else {
				for {
					v, next, ok := fastString(b, i)
					if !ok {
						return nil, i, false
					}
					vs = append(vs, v)
					i = skipWS(b, next)
					if i < len(b) && b[i] == ']' {
						i++
						break
					}
					if i >= len(b) || b[i] != ',' {
						return nil, i, false
					}
					i = skipWS(b, i+1)
				}
			}
			h[k] = vs
		} else {
			v, next, ok := fastString(b, i)
			if !ok {
				return nil, i, false
			}
			h[k], i = []string{v}, next
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return nil, i, false
		}
		if b[i] == '}' {
			return h, i + 1, true
		}
		if b[i] != ',' {
			return nil, i, false
		}
		i = skipWS(b, i+1)
	}
}

// skipValue finds the end of the JSON value at i (strings, nesting); json.Valid checks
// the value itself.
func skipValue(b []byte, i int) (int, bool) {
	depth := 0
	for j := i; j < len(b); j++ {
		switch b[j] {
		case '"':
			j++
			for j < len(b) && b[j] != '"' {
				if b[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(b) {
				return 0, false
			}
			if depth == 0 {
				return j + 1, true
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth < 0 {
				return j, true
			}
			if depth == 0 {
				return j + 1, true
			}
		case ',':
			if depth == 0 {
				return j, true
			}
		case ' ', '\n', '\r', '\t':
			if depth == 0 && j > i {
				return j, true
			}
		}
	}
	if depth == 0 && len(b) > i {
		return len(b), true
	}
	return 0, false
}
