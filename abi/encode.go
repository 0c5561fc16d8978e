package abi

import (
	"encoding/base64"
	"sort"
	"unicode/utf8"
)

// AppendHTTPRequest appends r as JSON to dst. It writes the same JSON value as
// encoding/json.Marshal(r) (keys of maps sorted), without reflection, because it runs on
// every plugin request.
func AppendHTTPRequest(dst []byte, r *HTTPRequest) []byte {
	dst = append(dst, `{"method":`...)
	dst = AppendJSONString(dst, r.Method)
	dst = append(dst, `,"path":`...)
	dst = AppendJSONString(dst, r.Path)
	if r.Route != "" {
		dst = append(dst, `,"route":`...)
		dst = AppendJSONString(dst, r.Route)
	}
	if len(r.Params) > 0 {
		dst = append(dst, `,"params":{`...)
		for i, k := range sortedKeys(r.Params) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSONString(dst, k)
			dst = append(dst, ':')
			dst = AppendJSONString(dst, r.Params[k])
		}
		dst = append(dst, '}')
	}
	if len(r.Query) > 0 {
		dst = append(dst, `,"query":`...)
		dst = appendMulti(dst, r.Query)
	}
	if len(r.Headers) > 0 {
		dst = append(dst, `,"headers":`...)
		dst = appendMulti(dst, r.Headers)
	}
	if r.Caller != nil {
		dst = AppendCaller(append(dst, `,"caller":`...), r.Caller)
	}
	if r.RequestID != "" {
		dst = append(dst, `,"requestId":`...)
		dst = AppendJSONString(dst, r.RequestID)
	}
	if len(r.Body) > 0 {
		dst = append(dst, `,"body":"`...)
		dst = base64.StdEncoding.AppendEncode(dst, r.Body)
		dst = append(dst, '"')
	}
	return append(dst, '}')
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	if len(keys) > 1 {
		sort.Strings(keys)
	}
	return keys
}

func appendMulti(dst []byte, m map[string][]string) []byte {
	dst = append(dst, '{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendJSONString(dst, k)
		dst = append(dst, ':')
		vs := m[k]
		if vs == nil {
			dst = append(dst, "null"...)
			continue
		}
		dst = append(dst, '[')
		for j, v := range vs {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSONString(dst, v)
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string with encoding/json's escaping (HTML-safe,
// invalid UTF-8 replaced by U+FFFD, U+2028 and U+2029 escaped), for the host's
// hand-written encoders on hot paths.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendCaller appends the caller object of a request message (SPEC.md 7.1).
func AppendCaller(dst []byte, c *Caller) []byte {
	dst = append(dst, `{"type":`...)
	dst = AppendJSONString(dst, c.Type)
	if c.UserEntityRef != "" {
		dst = append(dst, `,"userEntityRef":`...)
		dst = AppendJSONString(dst, c.UserEntityRef)
	}
	if len(c.OwnershipEntityRefs) > 0 {
		dst = append(dst, `,"ownershipEntityRefs":[`...)
		for i, r := range c.OwnershipEntityRefs {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSONString(dst, r)
		}
		dst = append(dst, ']')
	}
	if c.Subject != "" {
		dst = append(dst, `,"subject":`...)
		dst = AppendJSONString(dst, c.Subject)
	}
	return append(dst, '}')
}
