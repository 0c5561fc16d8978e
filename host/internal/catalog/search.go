package catalog

import (
	"strconv"
	"strings"

	"greenroom.dev/greenroom/host/internal/catalog/model"
)

// maxSearchValue mirrors Backstage's search table: longer values are indexed as
// "exists" only.
const maxSearchValue = 200

// pair is one row of the search table: a lower-cased dotted key and a value (lower-cased
// for matching, original for facets). hasValue is false for null and over-long values.
type pair struct {
	key, value, orig string
	hasValue         bool
	// kept: orig is a long-lived string (the catalog's arena or intern table) that the
	// index may hold without copying, and so is value when it equals orig.
	kept bool
}

// bodyPairs flattens an entity into search rows the way Backstage's buildEntitySearch
// does: dotted paths, arrays by element (plus "path.<item>" = true for string items),
// and name/namespace always present. metadata.uid and relations are added at stitching.
func bodyPairs(e map[string]any) []pair {
	out := make([]pair, 0, 32)
	var visit func(path string, v any)
	visit = func(path string, v any) {
		switch path {
		case "attachments", "relations", "status", "metadata.name", "metadata.namespace", "metadata.uid", "metadata.etag":
			return
		}
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				p := k
				if path != "" {
					p = path + "." + k
				}
				visit(p, c)
			}
		case []any:
			// Backstage also writes "path.<item>" = "true" for string items; the index
			// answers those keys from "path" = "<item>" instead of storing them.
			for _, item := range x {
				visit(path, item)
			}
		case nil:
			out = append(out, pair{key: strings.ToLower(path)})
		case string:
			out = append(out, mkPair(path, x))
		case bool:
			out = append(out, mkPair(path, strconv.FormatBool(x)))
		case int64:
			out = append(out, mkPair(path, strconv.FormatInt(x, 10)))
		case float64:
			out = append(out, mkPair(path, strconv.FormatFloat(x, 'f', -1, 64)))
		default:
			// json.Number and others
			if s, ok := v.(interface{ String() string }); ok {
				out = append(out, mkPair(path, s.String()))
			}
		}
	}
	visit("", e)
	ref := model.RefOf(e)
	return append(out, mkPair("metadata.name", ref.Name), mkPair("metadata.namespace", ref.Namespace))
}

func mkPair(key, v string) pair { return lowerKeyPair(strings.ToLower(key), v) }

// keptPair is lowerKeyPair for a long-lived value (see pair.kept).
func keptPair(key, v string) pair {
	p := lowerKeyPair(key, v)
	p.kept = true
	return p
}

// lowerKeyPair is mkPair for a key that is already lower case.
func lowerKeyPair(key, v string) pair {
	p := pair{key: key}
	if len(v) <= maxSearchValue {
		p.hasValue, p.orig, p.value = true, v, lowerASCII(v)
	}
	return p
}

// lowerASCII lower-cases without allocating when s is already lower case.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(s)
		}
	}
	return s
}
