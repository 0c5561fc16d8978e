package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/route"
)

// routes is a plugin's route table: its manifest's routes in order, the first that
// serves a request winning; a GET route also serves HEAD. A route's value says whether
// it lets anonymous callers in (allow: unauthenticated).
type routes = route.Table[bool]

func compileRoutes(rs []abi.Route) (routes, error) {
	t := routes{HeadAsGet: true}
	for i, r := range rs {
		if err := t.Add(r.Method, r.Path, r.Allow == abi.AllowUnauthenticated); err != nil {
			return routes{}, fmt.Errorf("manifest: routes[%d].path: %w", i, err)
		}
	}
	return t, nil
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

// AllowsAnonymous reports whether a caller who has not signed in may reach method and
// path: the operator opened the whole plugin (plugins[].allowAnonymous), or the route
// that serves them says allow: unauthenticated. A path no route serves is left to the
// barrier (so that an anonymous caller cannot probe for routes).
func (p *Plugin) AllowsAnonymous(method, path string) bool {
	if p.Entry.AllowAnonymous {
		return true
	}
	r, _, out := p.routes.Lookup(method, path, nil)
	return out == route.Found && r.Handler
}

// ServeHTTP is ServeHTTPView for a request and a response held as values, for callers
// off the hot path (tests, tools): it encodes req with abi.AppendHTTPRequest, setting its
// Route and Params, and returns a copy of the answer.
func (p *Plugin) ServeHTTP(ctx context.Context, req *abi.HTTPRequest) (*abi.HTTPResponse, error) {
	enc := func(route string, params map[string]string) []byte {
		req.Route, req.Params = route, params
		return abi.AppendHTTPRequest(nil, req)
	}
	var v abi.HTTPResponseView
	if _, err := p.ServeHTTPView(ctx, req.Method, req.Path, enc, nil, &v); err != nil {
		return nil, err
	}
	resp := &abi.HTTPResponse{Status: v.Status, Headers: abi.Headers{}, Body: bytes.Clone(v.Body)}
	for _, f := range v.Headers {
		resp.Headers[string(f.Name)] = append(resp.Headers[string(f.Name)], string(f.Value))
	}
	return resp, nil
}

// RequestEncoder returns the HTTP request message (abi.AppendHTTPRequest's encoding) of
// the request being served, for the route pattern that matched and its params. The
// bytes need only stay valid until the call returns.
type RequestEncoder = func(route string, params map[string]string) []byte

// ServeHTTPView is ServeHTTP for a caller that encodes the request message itself
// (straight from its HTTP server's request, without building an abi.HTTPRequest) and
// reads the response in place: it routes method and path, calls gr_http with enc's
// message, appends the output message to out and decodes it into resp, which refers
// into the returned slice. The caller keeps out and resp for its next request, so the
// usual request allocates nothing here.
func (p *Plugin) ServeHTTPView(ctx context.Context, method, path string, enc RequestEncoder, out []byte, resp *abi.HTTPResponseView) ([]byte, error) {
	r, params, err := p.route(method, path)
	if err != nil {
		return out, err
	}
	out, err = p.rt.CallAppend(ctx, abi.ExportHTTP, enc(r.Pattern.String(), params), out[:0])
	if err != nil {
		return out, err
	}
	if err := resp.Decode(out); err != nil {
		return out, p.malformed(err)
	}
	if resp.File != nil {
		return out, p.serveFile(ctx, resp)
	}
	return out, nil
}

// serveFile puts the plugin's file that resp names in its body (SPEC.md 7.2), read as
// the plugin's files_read call would read it.
func (p *Plugin) serveFile(ctx context.Context, resp *abi.HTTPResponseView) error {
	if p.readFile == nil {
		return p.malformed(fmt.Errorf("the response names file %q, but the module does not import %s.files_read with capability %s granted, which a file response needs",
			resp.File, abi.Namespace, abi.CapFiles))
	}
	b, ok, err := p.readFile(ctx, string(resp.File))
	var ae *abi.Error
	switch {
	case errors.As(err, &ae) && ae.Code == abi.CodeInvalidArgument:
		return p.malformed(fmt.Errorf("the response names file %q: %v", resp.File, ae.Message))
	case errors.As(err, &ae) && ae.Code == abi.CodeUnavailable:
		return &HTTPError{503, "ServiceUnavailableError", fmt.Sprintf("plugin %s: reading file %q: %s", p.ID, resp.File, ae.Message)}
	case err != nil:
		return &HTTPError{500, "Error", fmt.Sprintf("plugin %s: reading file %q: %v", p.ID, resp.File, err)}
	case !ok:
		return &HTTPError{404, "NotFoundError", fmt.Sprintf("plugin %s has no file %s", p.ID, resp.File)}
	}
	resp.Body = b
	return nil
}

func (p *Plugin) malformed(err error) error {
	return &HTTPError{502, "PluginResponseError", fmt.Sprintf("plugin %s: malformed response from %s: %v", p.ID, abi.ExportHTTP, err)}
}

// route finds the first route that serves method and path; no route for the path is a
// 404, and a path that only other methods serve a 405.
func (p *Plugin) route(method, path string) (*route.Route[bool], map[string]string, error) {
	var buf [4]route.Param // on the stack
	r, params, out := p.routes.Lookup(method, path, buf[:0])
	switch out {
	case route.Found:
		return r, params.Map(), nil
	case route.WrongMethod:
		return nil, nil, &HTTPError{405, "MethodNotAllowedError", fmt.Sprintf("plugin %s does not serve %s %s", p.ID, method, path)}
	}
	return nil, nil, &HTTPError{404, "NotFoundError", fmt.Sprintf("plugin %s has no route for %s %s", p.ID, method, path)}
}
