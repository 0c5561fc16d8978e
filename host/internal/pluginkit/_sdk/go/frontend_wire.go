package greenroom

import (
	"encoding/json"
	"errors"
)

// gr_render runs on every page render, so its input is decoded by hand, like the HTTP
// request message (jsonwire.go): the request and the entity's metadata without
// reflection; only the free-form parts (config, spec, status, element) go through
// encoding/json or are kept raw. TestDecodeRenderRequestMatchesEncodingJSON holds it to
// encoding/json's result.

// raw reads any value and returns its bytes.
func (r *jsonReader) raw() []byte {
	r.ws()
	start := r.p
	r.skip()
	if r.err != nil {
		return nil
	}
	return r.b[start:r.p]
}

// anyMap decodes an object of any values with encoding/json; {} and null give nil.
func (r *jsonReader) anyMap(what string) map[string]any {
	b := r.raw()
	if r.err != nil || isEmptyJSONObject(b) || string(b) == "null" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		r.fail("%s: %v", what, err)
	}
	return m
}

func isEmptyJSONObject(b []byte) bool {
	if len(b) < 2 || b[0] != '{' {
		return false
	}
	for _, c := range b[1 : len(b)-1] {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

func (r *jsonReader) stringMap(what string) map[string]string {
	var m map[string]string
	label := what + "."
	r.object(what, func(k string) {
		if m == nil {
			m = map[string]string{}
		}
		m[k] = r.valueIn(label, k)
	})
	return m
}

// array calls item for every element of an array; null counts as empty.
func (r *jsonReader) array(what string, item func()) {
	if r.null() {
		return
	}
	if r.peek() != '[' {
		r.fail("%s: want an array", what)
		return
	}
	r.p++
	if r.peek() == ']' {
		r.p++
		return
	}
	for r.err == nil {
		item()
		switch r.peek() {
		case ',':
			r.p++
		case ']':
			r.p++
			return
		default:
			r.fail("%s: want ',' or ']'", what)
		}
	}
}

func (r *jsonReader) entity(e *Entity) {
	r.object("entity", func(key string) {
		switch key {
		case "apiVersion":
			e.APIVersion = r.value("entity.apiVersion")
		case "kind":
			e.Kind = r.value("entity.kind")
		case "metadata":
			r.metadata(&e.Metadata)
		case "spec":
			e.Spec = r.anyMap("entity.spec")
		case "relations":
			r.array("entity.relations", func() {
				var rel EntityRelation
				r.object("entity.relations[]", func(k string) {
					switch k {
					case "type":
						rel.Type = r.value("relation.type")
					case "targetRef":
						rel.TargetRef = r.value("relation.targetRef")
					default:
						r.skip()
					}
				})
				e.Relations = append(e.Relations, rel)
			})
		case "status":
			if b := r.raw(); string(b) != "null" {
				e.Status = json.RawMessage(b)
			}
		default:
			r.skip()
		}
	})
}

func (r *jsonReader) metadata(m *EntityMetadata) {
	r.object("entity.metadata", func(key string) {
		switch key {
		case "name":
			m.Name = r.value("metadata.name")
		case "namespace":
			m.Namespace = r.value("metadata.namespace")
		case "title":
			m.Title = r.value("metadata.title")
		case "description":
			m.Description = r.value("metadata.description")
		case "uid":
			m.UID = r.value("metadata.uid")
		case "etag":
			m.Etag = r.value("metadata.etag")
		case "labels":
			m.Labels = r.stringMap("metadata.labels")
		case "annotations":
			m.Annotations = r.stringMap("metadata.annotations")
		case "tags":
			m.Tags = r.strings("metadata.tags", false)
		case "links":
			r.array("metadata.links", func() {
				var l EntityLink
				r.object("metadata.links[]", func(k string) {
					switch k {
					case "url":
						l.URL = r.value("link.url")
					case "title":
						l.Title = r.value("link.title")
					case "icon":
						l.Icon = r.value("link.icon")
					case "type":
						l.Type = r.value("link.type")
					default:
						r.skip()
					}
				})
				m.Links = append(m.Links, l)
			})
		default:
			r.skip()
		}
	})
}

// decodeRenderRequest decodes a gr_render input message. With borrow, strings may share
// b's memory, which the caller must then never modify.
func decodeRenderRequest(b []byte, req *RenderRequest, borrow bool) error {
	r := &jsonReader{b: b, borrow: borrow}
	if r.peek() != '{' {
		return errors.New("the render request is not a JSON object")
	}
	r.object("render request", func(key string) {
		switch key {
		case "extension":
			req.Extension = r.value("extension")
		case "config":
			req.Config = r.anyMap("config")
		case "path":
			req.Path = r.value("path")
		case "query":
			r.object("query", func(k string) {
				if req.Query == nil {
					req.Query = map[string][]string{}
				}
				req.Query[k] = r.strings("query."+k, false)
			})
		case "params":
			req.Params = r.stringMap("params")
		case "entity":
			if r.null() {
				return
			}
			req.Entity = &Entity{}
			r.ws()
			start := r.p
			r.entity(req.Entity)
			if r.err == nil {
				req.EntityJSON = json.RawMessage(r.b[start:r.p])
			}
		case "element":
			if b := r.raw(); string(b) != "null" {
				req.Element = json.RawMessage(b)
			}
		default:
			r.skip()
		}
	})
	if r.err == nil && r.peek() != 0 {
		r.fail("trailing data after the render request")
	}
	return r.err
}
