package catalog

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"greenroom.dev/greenroom/host/internal/catalog/model"
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
	var b bytes.Buffer
	b.Grow(1024)
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	value := func(v any) {
		_ = enc.Encode(v) // plain values from YAML/JSON always encode
		b.Truncate(b.Len() - 1)
	}
	b.WriteByte('{')
	first := true
	field := func(k string, v any) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		value(k)
		b.WriteByte(':')
		value(v)
	}
	if v, ok := e["apiVersion"]; ok {
		field("apiVersion", v)
	}
	if v, ok := e["kind"]; ok {
		field("kind", v)
	}
	if md, ok := e["metadata"].(map[string]any); ok {
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString(`"metadata":{`)
		mfirst := true
		mfield := func(k string, v any) {
			if !mfirst {
				b.WriteByte(',')
			}
			mfirst = false
			value(k)
			b.WriteByte(':')
			value(v)
		}
		for _, k := range []string{"namespace", "name", "uid"} {
			if v, ok := md[k]; ok {
				mfield(k, v)
			}
		}
		if !mfirst {
			b.WriteByte(',')
		}
		mfirst = false
		b.Write(etagMarker)
		for _, k := range sortedMapKeys(md) {
			switch k {
			case "namespace", "name", "uid", "etag":
				continue
			}
			mfield(k, md[k])
		}
		b.WriteByte('}')
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
	b.WriteByte('}')
	return b.Bytes()
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

type relOut struct {
	Type      string `json:"type"`
	TargetRef string `json:"targetRef"`
}

// buildFinal stitches the entity: body + relations + status, with a fresh etag.
func buildFinal(body []byte, rels []relOut, status []StatusItem) []byte {
	tail := appendTail(nil, rels, statusTail(status))
	doc := append([]byte(nil), body...)
	setEtag(doc, body, tail)
	return append(doc[:len(doc)-1], tail...)
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

// appendTail appends what the served entity has after its body: relations, the status
// tail and the closing brace.
func appendTail(dst []byte, rels []relOut, status []byte) []byte {
	dst = append(dst, `,"relations":[`...)
	for i, r := range rels {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"type":`...)
		dst = appendJSONString(dst, r.Type)
		dst = append(dst, `,"targetRef":`...)
		dst = appendJSONString(dst, r.TargetRef)
		dst = append(dst, '}')
	}
	dst = append(dst, ']')
	dst = append(dst, status...)
	return append(dst, '}')
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

// appendJSONString appends s as a JSON string exactly as encoding/json does without
// HTML escaping (the encoder used for bodies): control characters, quotes and
// backslashes escaped, invalid UTF-8 as U+FFFD, U+2028 and U+2029 escaped.
func appendJSONString(dst []byte, s string) []byte {
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

// stitchRelations turns the relations whose source is the entity into its sorted,
// de-duplicated output list.
func stitchRelations(in []relEdge) []relOut {
	out := make([]relOut, 0, len(in))
	for _, r := range in {
		out = append(out, relOut{Type: relTypes[r.typ], TargetRef: r.target})
	}
	return sortRelations(out)
}

// sortRelations sorts relations by type, then target ref, and drops duplicates, in place.
func sortRelations(out []relOut) []relOut {
	slices.SortFunc(out, func(a, b relOut) int {
		if c := strings.Compare(a.Type, b.Type); c != 0 {
			return c
		}
		return strings.Compare(a.TargetRef, b.TargetRef)
	})
	return slices.Compact(out)
}

// ownEdge is a relation an entity emits about itself, kept at the entity: its target
// ref (interned) and its type (an index into relTypes).
type ownEdge struct {
	target string
	typ    uint8
}

// ownEdges returns the relations in rels whose source is self, with interned targets.
// Callers hold c.mu (write).
func (c *Catalog) ownEdges(rels []model.Relation, self string) []ownEdge {
	n := 0
	for _, r := range rels {
		if strings.ToLower(r.Source) == self {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]ownEdge, 0, n)
	for _, r := range rels {
		if strings.ToLower(r.Source) == self {
			out = append(out, ownEdge{target: c.internStr(r.Target), typ: relTypeIndex(r.Type)})
		}
	}
	return out
}

// relationsOf returns the served relations of an entity: its own and those that other
// entities emit about it, sorted and de-duplicated. buf is scratch space. Callers hold
// c.mu.
func (c *Catalog) relationsOf(e *entity, buf []relOut) []relOut {
	out := buf[:0]
	for _, r := range e.fwd {
		out = append(out, relOut{Type: relTypes[r.typ], TargetRef: r.target})
	}
	for _, r := range c.rels[e.key] {
		out = append(out, relOut{Type: relTypes[r.typ], TargetRef: r.target})
	}
	return sortRelations(out)
}

// appendEntity appends the served JSON of a stitched entity: its document with the
// relations and status spliced in before the closing brace. Callers hold c.mu.
func (c *Catalog) appendEntity(dst []byte, e *entity) []byte {
	var buf [16]relOut
	rels := c.relationsOf(e, buf[:0])
	dst = append(dst, e.doc[:len(e.doc)-1]...)
	return appendTail(dst, rels, e.status)
}

// entityJSON returns the served JSON of an entity in a new slice, or nil if it has not
// been stitched. Callers hold c.mu.
func (c *Catalog) entityJSON(e *entity) []byte {
	if e == nil || e.doc == nil {
		return nil
	}
	n := len(e.doc) + len(e.status) + 16 + 64*(len(e.fwd)+len(c.rels[e.key]))
	return c.appendEntity(make([]byte, 0, n), e)
}

// relEdge is one relation stored at its source entity: its type (an index into
// relTypes), its target ref and the entity that emitted it.
type relEdge struct {
	target  string
	emitter string
	typ     uint8
}

var relTypes = []string{
	model.RelOwnedBy, model.RelOwnerOf, model.RelPartOf, model.RelHasPart,
	model.RelProvidesAPI, model.RelAPIProvidedBy, model.RelConsumesAPI, model.RelAPIConsumedBy,
	model.RelDependsOn, model.RelDependencyOf, model.RelMemberOf, model.RelHasMember,
	model.RelChildOf, model.RelParentOf,
}

func relTypeIndex(t string) uint8 {
	for i, x := range relTypes {
		if x == t {
			return uint8(i)
		}
	}
	panic("catalog: unknown relation type " + t)
}
