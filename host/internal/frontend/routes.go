package frontend

import (
	"fmt"
	"net/url"
	"strings"
)

// route is a compiled page path: literal segments, :name parameters and an optional
// final * that takes the rest (Params["*"]).
type route struct {
	pattern string
	segs    []string
	rest    bool
}

func compileRoute(p string) (route, error) {
	if !strings.HasPrefix(p, "/") {
		return route{}, fmt.Errorf("page path %q must start with /", p)
	}
	r := route{pattern: p}
	trimmed := strings.Trim(p, "/")
	if trimmed == "" {
		return r, nil
	}
	segs := strings.Split(trimmed, "/")
	for i, s := range segs {
		switch {
		case s == "*" && i == len(segs)-1:
			r.rest = true
			continue
		case s == "" || s == "*" || s == ":":
			return route{}, fmt.Errorf("page path %q: empty or misplaced segment %q; use literal segments, :name and a final *", p, s)
		}
		r.segs = append(r.segs, s)
	}
	return r, nil
}

// match matches an escaped request path.
func (r route) match(path string) (map[string]string, bool) {
	trimmed := strings.Trim(path, "/")
	var parts []string
	if trimmed != "" {
		parts = strings.Split(trimmed, "/")
	}
	if len(parts) < len(r.segs) || (!r.rest && len(parts) != len(r.segs)) {
		return nil, false
	}
	var params map[string]string
	for i, s := range r.segs {
		part := parts[i]
		if u, err := url.PathUnescape(part); err == nil {
			part = u
		}
		if strings.HasPrefix(s, ":") {
			if part == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[s[1:]] = part
		} else if part != s {
			return nil, false
		}
	}
	if r.rest {
		if params == nil {
			params = map[string]string{}
		}
		params["*"] = strings.Join(parts[len(r.segs):], "/")
	}
	return params, true
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
