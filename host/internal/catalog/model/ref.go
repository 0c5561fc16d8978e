// Package model is Backstage's entity model: the envelope, entity references, the
// validation rules of @backstage/catalog-model, and the relations that the built-in kinds
// emit. It works on entities decoded into plain Go values (map[string]any), exactly as
// they appear in YAML or JSON, so that unknown fields survive untouched.
//
// ParseYAML reads catalog files. Files in plain block style, nearly all of them, take a
// line-based fast path (yamlfast.go) that builds those values without yaml.v3's node
// tree; anything outside its strict subset is parsed by yaml.v3, whose results and error
// messages the fast path must match (TestParseFastMatchesYAML and its neighbours check
// that on generated catalogs, tricky inputs and random mutations).
package model

import (
	"fmt"
	"strings"

	"greenroom.dev/greenroom/host/internal/excerpt"
)

// DefaultNamespace is the namespace of an entity that names none.
const DefaultNamespace = "default"

// Ref is a parsed entity reference. Kind and Namespace are kept as written (compare and
// index with String or Key, which lower-case them as Backstage does).
type Ref struct {
	Kind      string
	Namespace string
	Name      string
}

// String formats the ref the way Backstage's stringifyEntityRef does:
// "kind:namespace/name", with kind and namespace lower-cased and the name as written.
func (r Ref) String() string {
	return strings.ToLower(r.Kind) + ":" + strings.ToLower(r.Namespace) + "/" + r.Name
}

// Key is the fully lower-cased form used for case-insensitive lookups.
func (r Ref) Key() string { return strings.ToLower(r.String()) }

// RefContext holds the defaults a field applies to a short reference.
type RefContext struct {
	DefaultKind      string
	DefaultNamespace string
}

// ParseRef parses "[kind:][namespace/]name" with the given context defaults. Its errors
// are worded as @backstage/catalog-model words them.
func ParseRef(s string, ctx RefContext) (Ref, error) {
	if s == "" {
		return Ref{}, fmt.Errorf("Entity reference must not be empty")
	}
	colon := strings.IndexByte(s, ':')
	slash := strings.IndexByte(s, '/')
	if slash != -1 && slash < colon {
		colon = -1
	}
	var kind, ns, name string
	hasKind, hasNS := colon != -1, slash != -1
	if hasKind {
		kind = s[:colon]
	}
	if hasNS {
		ns = s[colon+1 : slash]
	}
	start := colon + 1
	if slash+1 > start {
		start = slash + 1
	}
	name = s[start:]
	if (hasKind && kind == "") || (hasNS && ns == "") || name == "" {
		return Ref{}, fmt.Errorf("Entity reference %s was not on the form [<kind>:][<namespace>/]<name>", excerpt.Quote(s))
	}
	if !hasKind {
		kind = ctx.DefaultKind
		if kind == "" {
			return Ref{}, fmt.Errorf("Entity reference %s had missing or empty kind (e.g. did not start with \"component:\" or similar)", excerpt.Quote(s))
		}
	}
	if !hasNS {
		ns = ctx.DefaultNamespace
		if ns == "" {
			ns = DefaultNamespace
		}
	}
	return Ref{Kind: kind, Namespace: ns, Name: name}, nil
}

// RefOf returns the ref of an entity (its namespace defaulting to "default").
func RefOf(e map[string]any) Ref {
	md, _ := e["metadata"].(map[string]any)
	kind, _ := e["kind"].(string)
	name, _ := md["name"].(string)
	ns, _ := md["namespace"].(string)
	if ns == "" {
		ns = DefaultNamespace
	}
	return Ref{Kind: kind, Namespace: ns, Name: name}
}
