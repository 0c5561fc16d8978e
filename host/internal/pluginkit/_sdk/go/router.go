package greenroom

import (
	"encoding/json"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
)

// HandlerFunc serves one HTTP request. Returning nil answers 204 No Content.
type HandlerFunc func(*Request) *Response

// TaskFunc runs one scheduled task. A returned error fails the run; its *Error code, if
// any, is kept.
type TaskFunc func(*TaskRequest) error

// TaskRequest is the input of gr_task.
type TaskRequest struct {
	// Name is the manifest name of the task that is due.
	Name string `json:"name"`
	// ScheduledAt is when the run was due, in RFC 3339.
	ScheduledAt string `json:"scheduledAt"`
}

// routeKey indexes handlers by method and pattern (a struct key: no allocation per lookup).
type routeKey struct{ method, pattern string }

type route struct {
	method  string // upper case, or "*"
	pattern string
	segs    []string
	params  bool // the pattern has ":name" or "*" segments
	handler HandlerFunc
}

var (
	routes     []*route
	routeIndex = map[routeKey]*route{}
	tasks      = map[string]TaskFunc{}
)

// HandleFunc registers h for pattern, which is "METHOD /path" or "/path" (any method).
// The path is a manifest route pattern: literal segments, ":name" parameters and a final
// "*". Register in an init function. HandleFunc panics on a bad or duplicate pattern, as
// net/http does.
func HandleFunc(pattern string, h HandlerFunc) {
	if h == nil {
		panic("greenroom: HandleFunc " + pattern + ": nil handler")
	}
	method, path := "*", pattern
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		method, path = strings.ToUpper(pattern[:i]), strings.TrimLeft(pattern[i+1:], " ")
	}
	if !httpMethods[method] {
		panic(fmt.Sprintf("greenroom: HandleFunc %q: %q is not an HTTP method (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS or *)", pattern, method))
	}
	if err := validRoutePath(path); err != nil {
		panic(fmt.Sprintf("greenroom: HandleFunc %q: %v", pattern, err))
	}
	key := routeKey{method, path}
	if routeIndex[key] != nil {
		panic(fmt.Sprintf("greenroom: HandleFunc %q: a handler for %s %s is already registered", pattern, method, path))
	}
	r := &route{method: method, pattern: path, segs: splitPath(path), params: strings.ContainsAny(path, ":*"), handler: h}
	routes = append(routes, r)
	routeIndex[key] = r
}

// HandleTask registers f for the manifest task called name. It panics on an empty or
// duplicate name.
func HandleTask(name string, f TaskFunc) {
	if name == "" || f == nil {
		panic("greenroom: HandleTask needs a name and a function")
	}
	if tasks[name] != nil {
		panic(fmt.Sprintf("greenroom: HandleTask %q: already registered", name))
	}
	tasks[name] = f
}

func splitPath(p string) []string {
	if p == "/" {
		return nil
	}
	return strings.Split(strings.TrimPrefix(p, "/"), "/")
}

// match reports whether path matches the route pattern and returns its parameters.
func (r *route) match(path string) (map[string]string, bool) {
	segs := splitPath(path)
	var params map[string]string
	for i, s := range r.segs {
		if s == "*" {
			if params == nil {
				params = map[string]string{}
			}
			params["*"] = strings.Join(segs[i:], "/")
			return params, true
		}
		if i >= len(segs) {
			return nil, false
		}
		if strings.HasPrefix(s, ":") {
			if segs[i] == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[s[1:]] = segs[i]
			continue
		}
		if s != segs[i] {
			return nil, false
		}
	}
	return params, len(segs) == len(r.segs)
}

// lookup finds the handler for method and the route pattern that the host matched.
func lookup(method, pattern string) *route {
	if len(routes) <= scanRoutes {
		return scan(method, pattern)
	}
	return indexed(method, pattern)
}

// indexed is lookup through routeIndex.
func indexed(method, pattern string) *route {
	if r := routeIndex[routeKey{method, pattern}]; r != nil {
		return r
	}
	if method == "HEAD" {
		if r := routeIndex[routeKey{"GET", pattern}]; r != nil {
			return r
		}
	}
	return routeIndex[routeKey{"*", pattern}]
}

// scanRoutes is how many routes a plugin may have for lookup to compare them one by one
// instead of hashing: inside WebAssembly, hashing the two strings of a map key costs
// more than comparing a few dozen short strings.
const scanRoutes = 32

// scan is lookup by comparing every route, with lookup's order of preference: the
// method itself, then GET for HEAD, then any method.
func scan(method, pattern string) *route {
	var get, anyMethod *route
	for _, r := range routes {
		if r.pattern != pattern {
			continue
		}
		switch r.method {
		case method:
			return r
		case "GET":
			get = r
		case "*":
			anyMethod = r
		}
	}
	if method == "HEAD" && get != nil {
		return get
	}
	return anyMethod
}

// Serve dispatches req to the registered handler and returns its response, as gr_http
// does: by method and req.Route when the host filled it in, else by matching req.Path
// against the registered patterns (filling in req.Route and req.Params). No handler gives
// a 404, a handler for the path but not the method gives a 405 with an Allow header, and a
// panicking handler gives a 500; all three in ErrorResponse's JSON shape.
func Serve(req *Request) (resp *Response) {
	method := strings.ToUpper(req.Method)
	var r *route
	if req.Route != "" {
		r = lookup(method, req.Route)
		if r != nil && req.Params == nil && r.params {
			req.Params, _ = r.match(req.Path)
		}
	}
	if r == nil {
		var allow []string
		for _, cand := range routes {
			params, ok := cand.match(req.Path)
			if !ok {
				continue
			}
			if cand.method == method || cand.method == "*" || (method == "HEAD" && cand.method == "GET") {
				if r == nil || cand.method != "*" {
					r = cand
					req.Route, req.Params = cand.pattern, params
				}
				continue
			}
			allow = append(allow, cand.method)
		}
		if r == nil && len(allow) > 0 {
			sort.Strings(allow)
			return errorResponse(405, "MethodNotAllowedError", CodeInvalidArgument,
				fmt.Sprintf("method %s is not allowed for %s; allowed: %s", method, req.Path, strings.Join(allow, ", "))).
				WithHeader("allow", strings.Join(allow, ", "))
		}
	}
	if r == nil {
		return ErrorResponse(Errorf(CodeNotFound, "no handler for %s %s", method, req.Path))
	}
	defer func() {
		if p := recover(); p != nil {
			Log.Error("handler panicked", "route", r.method+" "+r.pattern, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			resp = ErrorResponse(Errorf(CodeInternal, "handler for %s %s panicked: %v", method, req.Path, p))
		}
	}()
	resp = r.handler(req)
	if resp == nil {
		resp = NoContent()
	}
	return resp
}

// RunTask runs the task handler registered for name, as gr_task does. An unknown name is
// an *Error with CodeNotFound; a panic is an *Error with CodeInternal.
func RunTask(t *TaskRequest) (err error) {
	f := tasks[t.Name]
	if f == nil {
		return Errorf(CodeNotFound, "no task handler for %q; register one with greenroom.HandleTask", t.Name)
	}
	defer func() {
		if p := recover(); p != nil {
			Log.Error("task panicked", "task", t.Name, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = Errorf(CodeInternal, "task %q panicked: %v", t.Name, p)
		}
	}()
	return f(t)
}

// CheckManifest reports, in one error, every mismatch between m and the registered
// handlers: a manifest route or task without a handler, and a handler that no manifest
// route or task reaches. Call it from a native test of the plugin.
func CheckManifest(m *Manifest) error {
	var problems []string
	declared := map[string]bool{}
	for _, rt := range m.Routes {
		declared[rt.Method+" "+rt.Path] = true
		if lookup(rt.Method, rt.Path) == nil {
			problems = append(problems, fmt.Sprintf("manifest route %s %s has no handler", rt.Method, rt.Path))
		}
	}
	for _, r := range routes {
		reached := declared[r.method+" "+r.pattern] || declared["* "+r.pattern] ||
			(r.method == "GET" && declared["HEAD "+r.pattern])
		if r.method == "*" {
			for _, rt := range m.Routes {
				reached = reached || rt.Path == r.pattern
			}
		}
		if !reached {
			problems = append(problems, fmt.Sprintf("handler %s %s is not reached by any manifest route; add {method: %s, path: %s} to routes", r.method, r.pattern, r.method, r.pattern))
		}
	}
	declaredTasks := map[string]bool{}
	for _, t := range m.Tasks {
		declaredTasks[t.Name] = true
		if tasks[t.Name] == nil {
			problems = append(problems, fmt.Sprintf("manifest task %q has no handler", t.Name))
		}
	}
	var names []string
	for name := range tasks {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !declaredTasks[name] {
			problems = append(problems, fmt.Sprintf("task handler %q is not in the manifest's tasks", name))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("plugin %s: %s", m.ID, strings.Join(problems, "; "))
	}
	return nil
}

// serveMessage handles one gr_http input message and appends the output message to dst
// (a new buffer when dst is nil).
func serveMessage(in, dst []byte) ([]byte, *Error) {
	var req Request
	// in is this call's input buffer, never modified: the request's strings may share it.
	if err := decodeRequest(in, &req, true); err != nil {
		return nil, Errorf(CodeInvalidArgument, "gr_http: decoding the request message: %v", err)
	}
	if req.Method == "" || !strings.HasPrefix(req.Path, "/") {
		return nil, Errorf(CodeInvalidArgument, "gr_http: request message needs a method and a path starting with /")
	}
	if dst == nil {
		dst = make([]byte, 0, 256)
	}
	return Serve(&req).appendJSON(dst), nil
}

// taskMessage handles one gr_task input message.
func taskMessage(in []byte) *Error {
	var t TaskRequest
	if err := json.Unmarshal(in, &t); err != nil {
		return Errorf(CodeInvalidArgument, "gr_task: decoding the task message: %v", err)
	}
	if err := RunTask(&t); err != nil {
		return asError(err)
	}
	return nil
}
