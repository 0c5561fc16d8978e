package plugin

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"greenroom.dev/greenroom/abi"
)

// bufPool holds request-message buffers; large ones are not kept.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

const maxPooledBuf = 64 << 10

type route struct {
	method  string
	pattern string
	segs    []string
}

func compileRoutes(rs []abi.Route) ([]route, error) {
	out := make([]route, 0, len(rs))
	for _, r := range rs {
		p := strings.TrimSuffix(r.Path, "/")
		var segs []string
		if p != "" {
			segs = strings.Split(strings.TrimPrefix(p, "/"), "/")
		}
		out = append(out, route{method: r.Method, pattern: r.Path, segs: segs})
	}
	return out, nil
}

// match matches a path against the route, filling params. It walks the path in place
// (no per-request split), since it runs on every request.
func (r *route) match(path string) (map[string]string, bool) {
	path = strings.TrimSuffix(path, "/")
	rest := strings.TrimPrefix(path, "/")
	var params map[string]string
	for i, s := range r.segs {
		if s == "*" {
			if params == nil {
				params = map[string]string{}
			}
			params["*"] = rest
			return params, true
		}
		if rest == "" && path == "" || (rest == "" && i > 0) {
			return nil, false
		}
		part := rest
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			part, rest = rest[:j], rest[j+1:]
		} else {
			rest = ""
		}
		if strings.HasPrefix(s, ":") {
			if part == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[s[1:]] = part
			continue
		}
		if s != part {
			return nil, false
		}
		if rest == "" && i < len(r.segs)-1 && r.segs[i+1] != "*" {
			return nil, false
		}
	}
	return params, rest == ""
}

// HTTPError is a request-level error with its HTTP status and Backstage name.
type HTTPError struct {
	Status int
	Name   string
	Msg    string
}

func (e *HTTPError) Error() string         { return e.Msg }
func (e *HTTPError) HTTPStatus() int       { return e.Status }
func (e *HTTPError) BackstageName() string { return e.Name }

// MaxBody is the request body cap.
func (p *Plugin) MaxBody() int64 { return int64(p.Entry.Limits.MaxBodySize) }

// ServeHTTP routes a request to the plugin's gr_http export.
func (p *Plugin) ServeHTTP(ctx context.Context, req *abi.HTTPRequest) (*abi.HTTPResponse, error) {
	pathMatched := false
	for i := range p.routes {
		r := &p.routes[i]
		params, ok := r.match(req.Path)
		if !ok {
			continue
		}
		pathMatched = true
		if r.method != "*" && r.method != req.Method && !(r.method == "GET" && req.Method == "HEAD") {
			continue
		}
		req.Route, req.Params = r.pattern, params
		buf := bufPool.Get().(*[]byte)
		*buf = abi.AppendHTTPRequest((*buf)[:0], req)
		out, err := p.rt.Call(ctx, abi.ExportHTTP, *buf)
		if cap(*buf) <= maxPooledBuf {
			bufPool.Put(buf)
		}
		if err != nil {
			return nil, err
		}
		resp, err := abi.DecodeHTTPResponse(out)
		if err != nil {
			return nil, &HTTPError{502, "PluginResponseError", fmt.Sprintf("plugin %s: malformed response from %s: %v", p.ID, abi.ExportHTTP, err)}
		}
		return resp, nil
	}
	if pathMatched {
		return nil, &HTTPError{405, "MethodNotAllowedError", fmt.Sprintf("plugin %s does not serve %s %s", p.ID, req.Method, req.Path)}
	}
	return nil, &HTTPError{404, "NotFoundError", fmt.Sprintf("plugin %s has no route for %s %s", p.ID, req.Method, req.Path)}
}
