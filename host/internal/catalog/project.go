package catalog

import (
	"encoding/json"
	"strings"
)

// ParseFields splits `fields` parameters (comma-separated, repeatable) into paths.
func ParseFields(params []string) [][]string {
	var out [][]string
	for _, p := range params {
		for _, f := range strings.Split(p, ",") {
			if f = strings.TrimSpace(f); f != "" {
				out = append(out, strings.Split(f, "."))
			}
		}
	}
	return out
}

// Project keeps only the given dotted paths of an entity, as Backstage's `fields`
// parameter does. No paths returns the entity unchanged.
func Project(entity []byte, fields [][]string) []byte {
	if len(fields) == 0 {
		return entity
	}
	out := map[string]any{}
	cache := map[string]map[string]json.RawMessage{}
	var objectAt func(path string, raw json.RawMessage) map[string]json.RawMessage
	objectAt = func(path string, raw json.RawMessage) map[string]json.RawMessage {
		if m, ok := cache[path]; ok {
			return m
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			m = nil
		}
		cache[path] = m
		return m
	}
	root := objectAt("", entity)
	for _, f := range fields {
		cur := root
		prefix := ""
		var val json.RawMessage
		ok := true
		for i, part := range f {
			v, has := cur[part]
			if !has {
				ok = false
				break
			}
			if i == len(f)-1 {
				val = v
				break
			}
			prefix += "." + part
			cur = objectAt(prefix, v)
			if cur == nil {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		dst := out
		for _, part := range f[:len(f)-1] {
			next, _ := dst[part].(map[string]any)
			if next == nil {
				next = map[string]any{}
				dst[part] = next
			}
			dst = next
		}
		dst[f[len(f)-1]] = val
	}
	b, _ := json.Marshal(out)
	return b
}
