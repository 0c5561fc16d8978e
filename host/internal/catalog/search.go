package catalog

import (
	"strconv"
	"strings"
	"sync"

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
	path := make([]byte, 0, 128)
	var visit func(v any)
	visit = func(v any) {
		switch string(path) {
		case "attachments", "relations", "status", "metadata.name", "metadata.namespace", "metadata.uid", "metadata.etag":
			return
		}
		switch x := v.(type) {
		case map[string]any:
			n := len(path)
			for k, c := range x {
				if n > 0 {
					path = append(path, '.')
				}
				path = append(path, k...)
				visit(c)
				path = path[:n]
			}
		case []any:
			// Backstage also writes "path.<item>" = "true" for string items; the index
			// answers those keys from "path" = "<item>" instead of storing them.
			for _, item := range x {
				visit(item)
			}
		case nil:
			out = append(out, pair{key: searchKey(path)})
		case string:
			out = append(out, lowerKeyPair(searchKey(path), x))
		case bool:
			out = append(out, lowerKeyPair(searchKey(path), strconv.FormatBool(x)))
		case int64:
			out = append(out, lowerKeyPair(searchKey(path), strconv.FormatInt(x, 10)))
		case float64:
			out = append(out, lowerKeyPair(searchKey(path), strconv.FormatFloat(x, 'f', -1, 64)))
		default:
			// json.Number and others
			if s, ok := v.(interface{ String() string }); ok {
				out = append(out, lowerKeyPair(searchKey(path), s.String()))
			}
		}
	}
	visit(e)
	ref := model.RefOf(e)
	return append(out, mkPair("metadata.name", ref.Name), mkPair("metadata.namespace", ref.Namespace))
}

// searchKeys caches the lower-cased form of the dotted paths met in entities, so that
// flattening an entity does not build and lower-case each path again. Catalogs use a
// modest set of paths; past maxSearchKeys new ones are simply not cached.
var searchKeys = struct {
	sync.RWMutex
	m map[string]string
}{m: map[string]string{}}

const maxSearchKeys = 1 << 14

func searchKey(path []byte) string {
	searchKeys.RLock()
	k, ok := searchKeys.m[string(path)]
	searchKeys.RUnlock()
	if ok {
		return k
	}
	k = strings.ToLower(string(path))
	searchKeys.Lock()
	if len(searchKeys.m) < maxSearchKeys {
		searchKeys.m[string(path)] = k
	}
	searchKeys.Unlock()
	return k
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
