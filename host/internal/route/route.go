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
// Matching walks the path in place. Parameters are collected once the whole path has
// matched, into a buffer the caller provides (usually on its stack): then routing
// allocates nothing. Given no buffer, it allocates one slice for a route with
// parameters.
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

// Param is one parameter of a match: a ":name" segment's name and the path segment it
// took, or "*" and the rest of the path.
type Param struct{ Name, Value string }

// Params are a match's parameters, in the pattern's order. A caller that routes every
// request appends them to a buffer of its own (Table.Lookup), so that matching
// allocates nothing.
type Params []Param

// Get returns the value of the parameter name, or "".
func (ps Params) Get(name string) string {
	for _, p := range ps {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// Map returns the parameters as a map, or nil when there are none.
func (ps Params) Map() map[string]string {
	if len(ps) == 0 {
		return nil
	}
	m := make(map[string]string, len(ps))
	for _, p := range ps {
		m[p.Name] = p.Value
	}
	return m
}

// Match matches a path as sent (segments compared as they are, not percent-decoded)
// and appends the parameters to dst.
func (p *Pattern) Match(path string, dst Params) (Params, bool) {
	if !p.matches(path, false) {
		return dst, false
	}
	return p.appendParams(path, false, dst), true
}

// matches reports whether path matches: one leading and one trailing slash are
// ignored, then each segment of the pattern takes one segment of the path, and "*" the
// rest. With decode, path segments are percent-decoded before they are compared with a
// literal and before they become a parameter (a segment that does not decode is taken
// as sent); the rest that "*" takes is never decoded.
func (p *Pattern) matches(path string, decode bool) bool {
	rest := trim(path)
	for _, s := range p.segs {
		if rest == "" { // no segment left for s, and "" matches no segment
			return false
		}
		part := rest // next(rest), written out: this runs for every route tried
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			part, rest = rest[:j], rest[j+1:]
		} else {
			rest = ""
		}
		if decode {
			part = decoded(part)
		}
		if s[0] == ':' {
			if part == "" {
				return false
			}
		} else if part != s {
			return false
		}
	}
	return p.rest || rest == ""
}

// appendParams appends the parameters of a path that matches to dst. Collecting them
// only once the whole path has matched keeps a route that fails late from growing dst.
func (p *Pattern) appendParams(path string, decode bool, dst Params) Params {
	if p.params == 0 {
		return dst
	}
	if cap(dst)-len(dst) < p.params { // one allocation, of the size needed
		grown := make(Params, len(dst), len(dst)+p.params)
		copy(grown, dst)
		dst = grown
	}
	rest := trim(path)
	for _, s := range p.segs {
		var part string
		part, rest = next(rest)
		if s[0] == ':' {
			if decode {
				part = decoded(part)
			}
			dst = append(dst, Param{s[1:], part})
		}
	}
	if p.rest {
		dst = append(dst, Param{"*", rest})
	}
	return dst
}

// trim drops one trailing and one leading slash.
func trim(path string) string {
	if n := len(path); n > 0 && path[n-1] == '/' {
		path = path[:n-1]
	}
	if len(path) > 0 && path[0] == '/' {
		path = path[1:]
	}
	return path
}

// next splits the first segment off a path.
func next(path string) (seg, rest string) {
	if j := strings.IndexByte(path, '/'); j >= 0 {
		return path[:j], path[j+1:]
	}
	return path, ""
}

// decoded is a path segment percent-decoded, or as it is when it does not decode.
func decoded(seg string) string {
	if strings.IndexByte(seg, '%') < 0 {
		return seg
	}
	if d, err := url.PathUnescape(seg); err == nil {
		return d
	}
	return seg
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
// path's parameters appended to params (a caller's buffer, or nil). When no route serves
// them, the route is nil and the outcome tells NoRoute from WrongMethod. With a buffer
// large enough for the parameters, Lookup allocates nothing; with nil, it allocates one
// slice for a route that has parameters.
func (t *Table[H]) Lookup(method, path string, params Params) (*Route[H], Params, Outcome) {
	decode := t.Decode && strings.IndexByte(path, '%') >= 0 // else there is nothing to decode
	pathSeen := false
	for i := range t.routes {
		r := &t.routes[i]
		if r.Method != "*" && r.Method != method && !(t.HeadAsGet && r.Method == "GET" && method == "HEAD") {
			pathSeen = pathSeen || r.Pattern.matches(path, decode)
			continue
		}
		if r.Pattern.matches(path, decode) {
			if r.Pattern.params > 0 {
				params = r.Pattern.appendParams(path, decode, params)
			}
			return r, params, Found
		}
	}
	if pathSeen {
		return nil, params, WrongMethod
	}
	return nil, params, NoRoute
}
