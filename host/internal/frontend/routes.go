package frontend

import (
	"fmt"
	"net/url"
	"strings"

	"greenroom.dev/greenroom/host/internal/route"
)

// compilePage compiles a page path: literal segments, :name parameters and an
// optional final * that takes the rest (Params["*"]).
func compilePage(p string) (*route.Pattern, error) {
	r, err := route.Compile(p)
	if err != nil {
		return nil, fmt.Errorf("page path %w", err)
	}
	return r, nil
}

// EntityPath is the path of an entity's page (and, with tab, of one of its tabs).
func EntityPath(namespace, kind, name string, tab ...string) string {
	p := "/catalog/" + url.PathEscape(strings.ToLower(namespace)) + "/" + url.PathEscape(strings.ToLower(kind)) + "/" + url.PathEscape(name)
	for _, t := range tab {
		if t != "" {
			p += "/" + url.PathEscape(t)
		}
	}
	return p
}

// parseEntityRef reads [kind:][namespace/]name with defaults.
func parseEntityRef(ref, defKind, defNamespace string) (kind, namespace, name string) {
	kind, namespace, name = defKind, defNamespace, ref
	if i := strings.IndexByte(name, ':'); i >= 0 {
		kind, name = name[:i], name[i+1:]
	}
	if i := strings.IndexByte(name, '/'); i >= 0 {
		namespace, name = name[:i], name[i+1:]
	}
	return kind, namespace, name
}

// fullRef completes [kind:][namespace/]name to a lower-cased kind:namespace/name, with
// defKind and the default namespace; "" stays "".
func fullRef(ref, defKind string) string {
	if ref == "" {
		return ""
	}
	kind, ns, name := parseEntityRef(ref, defKind, "default")
	return strings.ToLower(kind + ":" + ns + "/" + name)
}

// fullRefIn completes [kind:][namespace/]name to a lower-cased kind:namespace/name,
// with defKind and defNamespace.
func fullRefIn(ref, defKind, defNamespace string) string {
	kind, ns, name := parseEntityRef(ref, defKind, defNamespace)
	return strings.ToLower(kind + ":" + ns + "/" + name)
}

// humanizeRef is humanize for a full ref kind:namespace/name.
func humanizeRef(ref, defKind string) string {
	kind, ns, name := parseEntityRef(ref, defKind, "default")
	return humanize(kind, ns, name, defKind)
}

// humanize writes an entity ref for people, as Backstage's humanizeEntityRef does: the
// kind lower-cased and left out when it is defKind, the namespace left out when it is
// "default".
func humanize(kind, namespace, name, defKind string) string {
	s := name
	if namespace != "" && namespace != "default" {
		s = namespace + "/" + s
	}
	if k := strings.ToLower(kind); k != strings.ToLower(defKind) {
		s = k + ":" + s
	}
	return s
}
