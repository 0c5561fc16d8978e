package catalog

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"unicode/utf8"
)

// StatusItem is one entry of an entity's status.items.
type StatusItem struct {
	Type    string       `json:"type"`
	Level   string       `json:"level"`
	Message string       `json:"message"`
	Error   *StatusError `json:"error,omitempty"`
}

// StatusError is the serialised error of a status item.
type StatusError struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

// ProcessingStatusType is the status item type of processing errors.
const ProcessingStatusType = "backstage.io/catalog-processing"

func processingError(name, msg string) StatusItem {
	return StatusItem{Type: ProcessingStatusType, Level: "error", Message: name + ": " + msg, Error: &StatusError{Name: name, Message: msg}}
}

const (
	etagPlaceholder = "0000000000000000000000000000000000000000"
	uidPlaceholder  = "00000000-0000-0000-0000-000000000000"
)

var (
	etagMarker = []byte(`"etag":"` + etagPlaceholder + `"`)
	etagPrefix = []byte(`"etag":"`)
	uidMarker  = []byte(`"uid":"` + uidPlaceholder + `"`)
)

// setUID fills uid into a body encoded with the uid placeholder, in place.
func setUID(body []byte, uid string) []byte {
	if i := bytes.Index(body, uidMarker); i >= 0 && len(uid) == len(uidPlaceholder) {
		copy(body[i+len(`"uid":"`):], uid)
	}
	return body
}

// encodeBody writes the processed entity as JSON in Backstage's field order
// (apiVersion, kind, metadata{namespace, name, uid, etag, ...}, spec, others), without
// relations and status, with a placeholder etag that stitching fills in.
func encodeBody(e map[string]any) []byte {
	b := make([]byte, 0, 1024)
	b = append(b, '{')
	first := true
	field := func(k string, v any) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONValue(b, v)
	}
	if v, ok := e["apiVersion"]; ok {
		field("apiVersion", v)
	}
	if v, ok := e["kind"]; ok {
		field("kind", v)
	}
	if md, ok := e["metadata"].(map[string]any); ok {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, `"metadata":{`...)
		mfirst := true
		mfield := func(k string, v any) {
			if !mfirst {
				b = append(b, ',')
			}
			mfirst = false
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONValue(b, v)
		}
		for _, k := range []string{"namespace", "name", "uid"} {
			if v, ok := md[k]; ok {
				mfield(k, v)
			}
		}
		if !mfirst {
			b = append(b, ',')
		}
		mfirst = false
		b = append(b, etagMarker...)
		for _, k := range sortedMapKeys(md) {
			switch k {
			case "namespace", "name", "uid", "etag":
				continue
			}
			mfield(k, md[k])
		}
		b = append(b, '}')
	}
	if v, ok := e["spec"]; ok {
		field("spec", v)
	}
	for _, k := range sortedMapKeys(e) {
		switch k {
		case "apiVersion", "kind", "metadata", "spec", "relations", "status":
			continue
		}
		field(k, e[k])
	}
	return append(b, '}')
}

// appendJSONValue appends v as encoding/json encodes it without HTML escaping, for the
// plain values of decoded YAML and JSON; anything else goes through encoding/json.
func appendJSONValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendJSONString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case float64:
		if !math.IsInf(x, 0) && !math.IsNaN(x) {
			return appendJSONFloat(b, x)
		}
	case map[string]any:
		if x == nil {
			return append(b, "null"...)
		}
		b = append(b, '{')
		for i, k := range sortedMapKeys(x) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONValue(b, x[k])
		}
		return append(b, '}')
	case []any:
		if x == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i, item := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONValue(b, item)
		}
		return append(b, ']')
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil { // as before: a value that does not encode writes nothing
		return b
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// appendJSONFloat formats a finite float64 as encoding/json does (ES6 number style).
func appendJSONFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

func writeJSON(b *bytes.Buffer, v any) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)       // plain values from YAML/JSON always encode
	b.Truncate(b.Len() - 1) // drop Encode's newline
}

func sortedMapKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// statusTail is the JSON that follows an entity's relations when it has status items.
func statusTail(status []StatusItem) []byte {
	if len(status) == 0 {
		return nil
	}
	var b bytes.Buffer
	b.WriteString(`,"status":{"items":`)
	writeJSON(&b, status)
	b.WriteByte('}')
	return b.Bytes()
}

// setEtag writes into doc (a copy of body) the etag of the served entity, the SHA-1 of
// the body with the etag placeholder followed by its tail.
func setEtag(doc, body, tail []byte) {
	h := sha1.New()
	h.Write(body)
	h.Write(tail)
	var sum [sha1.Size]byte
	h.Sum(sum[:0])
	if i := bytes.Index(doc, etagMarker); i >= 0 {
		hex.Encode(doc[i+len(`"etag":"`):], sum[:])
	}
}

// servedDoc is an entity as served: body (with the etag placeholder) with tail spliced in
// before its closing brace, and the etag of the result filled in.
func servedDoc(body, tail []byte) []byte {
	doc := make([]byte, 0, len(body)+len(tail))
	doc = append(doc, body...)
	setEtag(doc, body, tail)
	return append(doc[:len(body)-1], tail...)
}

// appendJSONString appends s as a JSON string exactly as encoding/json does without
// HTML escaping (the encoder used for bodies): control characters, quotes and
// backslashes escaped, invalid UTF-8 as U+FFFD, U+2028 and U+2029 escaped.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return appendJSONStringEscaped(dst, s)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

func appendJSONStringEscaped(dst []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
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
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func hashBytes(b []byte) string {
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}

// appendServedTail appends an entity's relations, the status tail and the closing brace.
func (c *Catalog) appendServedTail(dst []byte, e *entity, status []byte) []byte {
	return appendRelationsTail(dst, e.fwd, c.rels[e.key], status)
}

// appendRelationsTail is appendServedTail given the entity's own and stored edges.
func appendRelationsTail(dst []byte, own []ownEdge, stored []relEdge, status []byte) []byte {
	dst = append(dst, `,"relations":[`...)
	relPrefix := relTab.Load().prefix
	n := 0
	mergeRelations(own, stored, func(typ uint8, target string, plain bool) {
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = append(dst, relPrefix[typ]...)
		if plain {
			dst = append(dst, '"')
			dst = append(dst, target...)
			dst = append(dst, '"')
		} else {
			dst = appendJSONString(dst, target)
		}
		dst = append(dst, '}')
	})
	dst = append(dst, ']')
	dst = append(dst, status...)
	return append(dst, '}')
}

// appendEntity appends the served JSON of a stitched entity: its document with the
// relations and status spliced in before the closing brace. Callers hold c.mu.
func (c *Catalog) appendEntity(dst []byte, e *entity) []byte {
	dst = append(dst, e.doc[:len(e.doc)-1]...)
	return c.appendServedTail(dst, e, e.status)
}

// servedSize is the size of an entity as served, unless relations are duplicated (then
// less) or targets need escaping (then more); stored is c.rels[e.key].
func servedSize(e *entity, stored []relEdge) int {
	n := len(e.doc) + len(e.status) + len(`,"relations":[]`)
	relPrefix := relTab.Load().prefix
	for _, r := range e.fwd {
		n += len(relPrefix[r.typ]) + len(r.target) + 4 // quotes, brace, comma
	}
	for _, r := range stored {
		n += len(relPrefix[r.typ]) + len(r.target) + 4
	}
	return n
}

// entityJSON returns the served JSON of an entity in a new slice, or nil if it has not
// been stitched. Callers hold c.mu.
func (c *Catalog) entityJSON(e *entity) []byte {
	if e == nil || e.doc == nil {
		return nil
	}
	return c.appendEntity(make([]byte, 0, servedSize(e, c.rels[e.key])), e)
}
