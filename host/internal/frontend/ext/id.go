// Package ext is Greenroom's frontend extension tree, after Backstage's new frontend
// system: extensions with ids, attachment points, typed inputs and outputs (extension
// data refs), config schemas with defaults and a disabled-by-default flag, resolved
// into one tree at start-up (Build) and instantiated from the leaves to the root.
//
// Host built-ins implement Factory in Go; a Wasm frontend plugin's extensions get a
// Factory (and Elements) that call the plugin's gr_extension and gr_render exports.
package ext

import (
	"fmt"
	"regexp"
	"strings"
)

// IDParts are the parts of an extension id `[<kind>:][<namespace>][/<name>]`, for
// example `page:catalog/entity` (kind page, namespace catalog, name entity),
// `nav-item:search` (no name) or `app/nav` (no kind).
type IDParts struct {
	Kind, Namespace, Name string
}

var idPart = regexp.MustCompile(`^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$`)

// ParseID splits and checks an extension id. Each part is lower-case letters, digits,
// '.', '_' and '-', starting and ending with a letter or digit.
func ParseID(id string) (IDParts, error) {
	var p IDParts
	rest := id
	if i := strings.IndexByte(rest, ':'); i >= 0 {
		p.Kind, rest = rest[:i], rest[i+1:]
		if p.Kind == "" {
			return p, fmt.Errorf("extension id %q: empty kind before ':'; write kind:namespace/name, e.g. page:catalog", id)
		}
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		p.Namespace, p.Name = rest[:i], rest[i+1:]
		if p.Namespace == "" || p.Name == "" {
			return p, fmt.Errorf("extension id %q: '/' needs a namespace before and a name after it, e.g. app/nav", id)
		}
	} else {
		p.Namespace = rest
	}
	if p.Namespace == "" {
		return p, fmt.Errorf("extension id %q: the namespace is missing; write kind:namespace/name, e.g. page:catalog", id)
	}
	for _, part := range []struct{ what, v string }{{"kind", p.Kind}, {"namespace", p.Namespace}, {"name", p.Name}} {
		if part.v != "" && !idPart.MatchString(part.v) {
			return p, fmt.Errorf("extension id %q: %s %q must be lower-case letters, digits, '.', '_' or '-' (at most 64), starting and ending with a letter or digit", id, part.what, part.v)
		}
	}
	return p, nil
}

// String formats the parts as an id.
func (p IDParts) String() string {
	var b strings.Builder
	if p.Kind != "" {
		b.WriteString(p.Kind)
		b.WriteByte(':')
	}
	b.WriteString(p.Namespace)
	if p.Name != "" {
		b.WriteByte('/')
		b.WriteString(p.Name)
	}
	return b.String()
}

// MakeID builds an id from its parts; kind and name may be empty.
func MakeID(kind, namespace, name string) string {
	return IDParts{Kind: kind, Namespace: namespace, Name: name}.String()
}

// closest returns the candidate with the smallest edit distance to s, if it is close.
func closest(s string, candidates []string) string {
	best, bestD := "", len(s)/2+2
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
