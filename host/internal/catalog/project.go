package catalog

import (
	"bytes"
	"encoding/json"
	"sort"
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

// fieldTree is the set of requested paths; a nil subtree keeps the whole value.
type fieldTree map[string]fieldTree

func buildTree(fields [][]string) fieldTree {
	root := fieldTree{}
	for _, f := range fields {
		t := root
		for i, part := range f {
			sub, seen := t[part]
			if seen && sub == nil {
				break // a shorter path already keeps the whole subtree
			}
			if i == len(f)-1 {
				t[part] = nil
				break
			}
			if sub == nil {
				sub = fieldTree{}
				t[part] = sub
			}
			t = sub
		}
	}
	return root
}

// Project keeps only the given dotted paths of an entity, as Backstage's `fields`
// parameter does. No paths returns the entity unchanged. It scans the JSON without
// decoding it.
func Project(entity []byte, fields [][]string) []byte {
	if len(fields) == 0 {
		return entity
	}
	var b bytes.Buffer
	projectTo(&b, entity, buildTree(fields))
	return b.Bytes()
}

// projectTo writes the projection of entity to tree (at least "{}").
func projectTo(b *bytes.Buffer, entity []byte, tree fieldTree) {
	if !writeProjected(b, entity, tree) {
		b.WriteString("{}")
	}
}

// needsTail reports whether a projection reaches what an entity's stored document
// lacks: relations or status, which are written after it when served.
func needsTail(fields [][]string) bool {
	for _, f := range fields {
		if f[0] == "relations" || f[0] == "status" {
			return true
		}
	}
	return false
}

func writeProjected(b *bytes.Buffer, obj []byte, tree fieldTree) bool {
	keys := make([]string, 0, len(tree))
	for k := range tree {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	start := b.Len()
	b.WriteByte('{')
	n := 0
	for _, k := range keys {
		val, ok := findKey(obj, k)
		if !ok {
			continue
		}
		sub := tree[k]
		mark := b.Len()
		if n > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		if sub == nil {
			b.Write(val)
		} else if len(val) == 0 || val[0] != '{' || !writeProjected(b, val, sub) {
			b.Truncate(mark)
			continue
		}
		n++
	}
	if n == 0 {
		b.Truncate(start)
		return false
	}
	b.WriteByte('}')
	return true
}

// findKey returns the raw value of key in the JSON object obj.
func findKey(obj []byte, key string) ([]byte, bool) {
	i := skipWS(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil, false
	}
	i++
	for {
		i = skipWS(obj, i)
		if i >= len(obj) || obj[i] == '}' {
			return nil, false
		}
		if obj[i] != '"' {
			return nil, false
		}
		kEnd := skipString(obj, i)
		if kEnd < 0 {
			return nil, false
		}
		rawKey := obj[i+1 : kEnd-1]
		match := false
		if bytes.IndexByte(rawKey, '\\') < 0 {
			match = string(rawKey) == key
		} else {
			var s string
			if json.Unmarshal(obj[i:kEnd], &s) == nil {
				match = s == key
			}
		}
		i = skipWS(obj, kEnd)
		if i >= len(obj) || obj[i] != ':' {
			return nil, false
		}
		i = skipWS(obj, i+1)
		vEnd := skipValue(obj, i)
		if vEnd < 0 {
			return nil, false
		}
		if match {
			return obj[i:vEnd], true
		}
		i = skipWS(obj, vEnd)
		if i < len(obj) && obj[i] == ',' {
			i++
		}
	}
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] == '"', or -1.
func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipValue returns the index after the JSON value starting at b[i], or -1.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = skipString(b, j)
				if j < 0 {
					return -1
				}
				j--
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\t' && b[j] != '\r' {
		j++
	}
	return j
}
