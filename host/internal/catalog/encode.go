package catalog

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"sort"

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

// withUID returns a copy of a body encoded with the uid placeholder, with uid filled in.
func withUID(body []byte, uid string) []byte {
	out := append([]byte(nil), body...)
	if i := bytes.Index(out, uidMarker); i >= 0 && len(uid) == len(uidPlaceholder) {
		copy(out[i+len(`"uid":"`):], uid)
	}
	return out
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

// buildFinal stitches the entity: body + relations + status, with a fresh etag. The
// body (without its closing brace) is final[:len(body)-1].
func buildFinal(body []byte, rels []relOut, status []StatusItem) []byte {
	var tail bytes.Buffer
	tail.WriteString(`,"relations":[`)
	for i, r := range rels {
		if i > 0 {
			tail.WriteByte(',')
		}
		tail.WriteString(`{"type":`)
		writeJSON(&tail, r.Type)
		tail.WriteString(`,"targetRef":`)
		writeJSON(&tail, r.TargetRef)
		tail.WriteByte('}')
	}
	tail.WriteByte(']')
	if len(status) > 0 {
		tail.WriteString(`,"status":{"items":`)
		writeJSON(&tail, status)
		tail.WriteByte('}')
	}
	tail.WriteByte('}')
	out := make([]byte, 0, len(body)+tail.Len())
	out = append(out, body[:len(body)-1]...)
	out = append(out, tail.Bytes()...)
	h := sha1.New()
	h.Write(body)
	h.Write(tail.Bytes())
	sum := h.Sum(nil)
	if i := bytes.Index(out, etagMarker); i >= 0 {
		hex.Encode(out[i+len(`"etag":"`):], sum)
	}
	return out
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
	sort.Slice(out, func(i, j int) bool {
		if out[i].Type != out[j].Type {
			return out[i].Type < out[j].Type
		}
		return out[i].TargetRef < out[j].TargetRef
	})
	n := 0
	for i := range out {
		if i > 0 && out[i] == out[n-1] {
			continue
		}
		out[n] = out[i]
		n++
	}
	return out[:n]
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
