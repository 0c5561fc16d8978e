// Package route matches request paths against route patterns, for every router in the
// host: backend plugin routes (from a plugin's manifest), the web app's pages and the
// catalog REST API.
//
// A pattern is "/" followed by segments: literal ones, ":name" parameters that match one
// non-empty segment, and a final "*" that matches the rest of the path (possibly empty)
// as the parameter "*". A trailing slash on a pattern or a path is ignored. A Table holds
// routes (method, pattern, handler) in order and finds the first one that serves a
// request; when none does, it tells a path that no route has (404) from a path whose
// routes take other methods (405, or Backstage's 403 in the catalog API).
//
// Matching walks the path in place: a route without parameters allocates nothing, and
// one with parameters only their map, once the whole path has matched.
package route

import (
	"fmt"
	"net/url"
	"strings"
)

// Pattern is a compiled route pattern.
type Pattern struct {
	text   string
	segs   []string // literal segments and ":name" parameters, without the final "*"
	rest   bool     // the pattern ends in "*"
	params int      // how many parameters a match has, "*" included
}

// Compile compiles a pattern: "/", then literal segments, ":name" parameters and at
// most one "*", which must be the last segment. Slashes around the pattern are
// ignored ("/a/" is "/a"). Errors quote the pattern and say what is wrong.
func Compile(pattern string) (*Pattern, error) {
	if !strings.HasPrefix(pattern, "/") {
		return nil, fmt.Errorf("%q must start with /", pattern)
	}
	p := &Pattern{text: pattern}
	trimmed := strings.Trim(pattern, "/")
	if trimmed == "" {
		return p, nil
	}
	segs := strings.Split(trimmed, "/")
	for i, s := range segs {
		switch {
		case s == "*" && i == len(segs)-1:
			p.rest = true
			p.params++
			continue
		case s == "" || s == "*" || s == ":":
			return nil, fmt.Errorf("%q: empty or misplaced segment %q; use literal segments, :name and a final *", pattern, s)
		case s[0] == ':':
			p.params++
		}
		p.segs = append(p.segs, s)
	}
	return p, nil
}

// MustCompile is Compile for patterns fixed in the source; it panics on an error.
func MustCompile(pattern string) *Pattern {
	p, err := Compile(pattern)
	if err != nil {
		panic("route: " + err.Error())
	}
	return p
}

// String is the pattern as written.
func (p *Pattern) String() string { return p.text }

// Rest reports whether the pattern ends in "*".
func (p *Pattern) Rest() bool { return p.rest }

// Segments returns the pattern's literal and ":name" segments, without a final "*".
func (p *Pattern) Segments() []string { return append([]string(nil), p.segs...) }

// Literals is how many of Segments are literal.
func (p *Pattern) Literals() int {
	n := 0
	for _, s := range p.segs {
		if s[0] != ':' {
			n++
		}
	}
	return n
}

// MoreSpecific orders patterns for routers that try the most specific first: a pattern
// without "*" before one with it, then more segments before fewer, then more literal
// segments before fewer.
func (p *Pattern) MoreSpecific(q *Pattern) bool {
	if p.rest != q.rest {
		return !p.rest
	}
	if len(p.segs) != len(q.segs) {
		return len(p.segs) > len(q.segs)
	}
	return p.Literals() > q.Literals()
}

// Match matches a path as sent (segments compared as they are, not percent-decoded)
// and returns the parameters, or nil when the pattern has none.
func (p *Pattern) Match(path string) (map[string]string, bool) {
	return p.matchParams(path, false)
}

// matchParams is match, with the parameters collected into a new map when the path
// matches and the pattern has any: a route that fails late allocates nothing.
func (p *Pattern) matchParams(path string, decode bool) (map[string]string, bool) {
	if !p.match(path, decode, nil) {
		return nil, false
	}
	if p.params == 0 {
		return nil, true
	}
	params := make(map[string]string, p.params)
	p.match(path, decode, params)
	return params, true
}

// match matches path: one leading and one trailing slash are ignored, then each
// segment of the pattern takes one segment of the path, and "*" the rest. With decode,
// path segments are percent-decoded before they are compared with a literal and before
// they become a parameter (a segment that does not decode is taken as sent); the rest
// that "*" takes is never decoded. A non-nil params receives the parameters.
func (p *Pattern) match(path string, decode bool, params map[string]string) bool {
	rest := strings.TrimPrefix(strings.TrimSuffix(path, "/"), "/")
	for _, s := range p.segs {
		if rest == "" { // no segment left for s, and "" matches no segment
			return false
		}
		part := rest
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			part, rest = rest[:j], rest[j+1:]
		} else {
			rest = ""
		}
		if decode && strings.IndexByte(part, '%') >= 0 {
			if d, err := url.PathUnescape(part); err == nil {
				part = d
			}
		}
		if s[0] != ':' {
			if part != s {
				return false
			}
			continue
		}
		if part == "" {
			return false
		}
		if params != nil {
			params[s[1:]] = part
		}
	}
	if p.rest {
		if params != nil {
			params["*"] = rest
		}
		return true
	}
	return rest == ""
}

// Route is one route of a Table.
type Route[H any] struct {
	// Method is the HTTP method the route serves, or "*" for any.
	Method  string
	Pattern *Pattern
	Handler H
}

// Outcome is what a Table lookup found.
type Outcome uint8

const (
	// Found: a route serves the method and path.
	Found Outcome = iota
	// NoRoute: no route has the path (HTTP 404).
	NoRoute
	// WrongMethod: routes have the path, but none serves the method (HTTP 405).
	WrongMethod
)

// Table is an ordered list of routes; the first route that serves a request wins. The
// zero Table is empty and compares path segments as sent.
type Table[H any] struct {
	// Decode percent-decodes path segments before comparing them with literal segments
	// and before they become parameters (see Pattern.Match).
	Decode bool
	// HeadAsGet lets a GET route serve HEAD requests too.
	HeadAsGet bool

	routes []Route[H]
}

// Add compiles pattern and appends the route. method is an HTTP method or "*".
func (t *Table[H]) Add(method, pattern string, h H) error {
	p, err := Compile(pattern)
	if err != nil {
		return err
	}
	t.AddPattern(method, p, h)
	return nil
}

// AddPattern appends a route with a compiled pattern.
func (t *Table[H]) AddPattern(method string, p *Pattern, h H) {
	t.routes = append(t.routes, Route[H]{Method: method, Pattern: p, Handler: h})
}

// MustAdd is Add for routes fixed in the source; it panics on an error.
func (t *Table[H]) MustAdd(method, pattern string, h H) {
	if err := t.Add(method, pattern, h); err != nil {
		panic("route: " + err.Error())
	}
}

// Routes returns the table's routes, in order. The caller must not modify them.
func (t *Table[H]) Routes() []Route[H] { return t.routes }

// Len is the number of routes.
func (t *Table[H]) Len() int { return len(t.routes) }

// Lookup finds the first route that serves method and path and returns it with the
// path's parameters (nil when the pattern has none). When no route serves them, the
// route is nil and the outcome tells NoRoute from WrongMethod.
func (t *Table[H]) Lookup(method, path string) (*Route[H], map[string]string, Outcome) {
	pathSeen := false
	for i := range t.routes {
		r := &t.routes[i]
		if !t.serves(r.Method, method) {
			if !pathSeen {
				pathSeen = r.Pattern.match(path, t.Decode, nil)
			}
			continue
		}
		if params, ok := r.Pattern.matchParams(path, t.Decode); ok {
			return r, params, Found
		}
	}
	if pathSeen {
		return nil, nil, WrongMethod
	}
	return nil, nil, NoRoute
}

func (t *Table[H]) serves(routeMethod, method string) bool {
	return routeMethod == "*" || routeMethod == method || (t.HeadAsGet && routeMethod == "GET" && method == "HEAD")
}
