// Package proxy forwards requests to the upstreams configured under proxy.endpoints,
// following Backstage's proxy-backend: routes under /api/proxy/<route>, header filtering
// in both directions, allowed methods, path rewrites and fixed headers. Bodies are
// streamed in both directions, never buffered.
//
// The connection always goes to the configured target: nothing in the incoming request
// (Host header, absolute URL, path) can change the upstream authority, which is the
// mistake behind Spin's CVE-2024-32980.
package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"greenroom.dev/greenroom/host/internal/egress"
	"greenroom.dev/greenroom/host/internal/excerpt"
)

// DefaultPrefix is where the proxy is mounted.
const DefaultPrefix = "/api/proxy"

// Credentials modes.
const (
	CredentialsRequire         = "require"
	CredentialsForward         = "forward"
	CredentialsUnauthenticated = "dangerously-allow-unauthenticated"
)

// safeHeaders pass in both directions on every endpoint (Backstage's list).
var safeHeaders = []string{
	"cache-control", "content-language", "content-length", "content-type", "expires",
	"last-modified", "pragma", "host", "accept", "accept-language", "user-agent",
}

var hopByHop = map[string]bool{
	"connection": true, "keep-alive": true, "proxy-authenticate": true, "proxy-authorization": true,
	"proxy-connection": true, "te": true, "trailer": true, "transfer-encoding": true, "upgrade": true,
}

// Options are the non-config inputs of New.
type Options struct {
	// Resolver resolves target host names; nil means the system resolver.
	Resolver egress.Resolver
	// Logger gets the start-up lines; nil means slog.Default().
	Logger *slog.Logger
	// Prefix is the mount path; empty means /api/proxy.
	Prefix string
	// ResponseHeaderTimeout bounds the wait for upstream response headers; 0 means 60s.
	// Bodies have no overall timeout so that long downloads and streams work.
	ResponseHeaderTimeout time.Duration
	// Observer is told of every upstream request (the host's metrics); nil observes
	// nothing.
	Observer Observer
}

// Proxy forwards requests to configured endpoints. It is an http.Handler, and Call
// reaches an endpoint by name without HTTP (for the proxy_fetch host function).
type Proxy struct {
	prefix    string
	endpoints []*endpoint // longest route first
	byRoute   map[string]*endpoint
	client    *http.Client
	log       *slog.Logger
	observer  Observer
}

type endpoint struct {
	route          string
	target         *url.URL
	changeOrigin   bool
	rewrite        []rewrite
	headers        http.Header
	allowedMethods []string
	methodOK       map[string]bool // nil: all
	reqHeaders     map[string]bool
	respHeaders    map[string]bool
	credentials    string
}

type rewrite struct {
	re   *regexp.Regexp
	repl string
}

// Validate reports every problem of the proxy config, each naming its YAML path (the
// config loader runs it, so that serve, audit and reload refuse the same config). New
// reports the first.
func (c Config) Validate() []error {
	p := &Proxy{prefix: DefaultPrefix}
	routes := map[string]string{}
	var errs []error
	for name, e := range c.Endpoints {
		ep, err := p.compile(name, e)
		if err == nil {
			if other, dup := routes[ep.route]; dup {
				err = fmt.Errorf("proxy.endpoints[%q]: route %s is configured twice (as %q too); keep one", name, ep.route, other)
			}
			routes[ep.route] = name
		}
		if err != nil && !c.SkipInvalidProxies {
			errs = append(errs, err)
		}
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errs
}

// New validates the config and builds the proxy. Errors name the YAML path.
func New(cfg Config, opts Options) (*Proxy, error) {
	p := &Proxy{prefix: opts.Prefix, byRoute: map[string]*endpoint{}, log: opts.Logger, observer: opts.Observer}
	if p.prefix == "" {
		p.prefix = DefaultPrefix
	}
	p.prefix = strings.TrimSuffix(p.prefix, "/")
	if p.log == nil {
		p.log = slog.Default()
	}
	names := make([]string, 0, len(cfg.Endpoints))
	for k := range cfg.Endpoints {
		names = append(names, k)
	}
	sort.Strings(names)
	targets := map[string]bool{}
	for _, name := range names {
		ep, err := p.compile(name, cfg.Endpoints[name])
		if err == nil {
			if _, dup := p.byRoute[ep.route]; dup {
				err = fmt.Errorf("proxy.endpoints[%q]: route %s is configured twice (with and without a leading slash); keep one", name, ep.route)
			}
		}
		if err != nil {
			if cfg.SkipInvalidProxies {
				p.log.Warn("proxy: skipping invalid endpoint (proxy.skipInvalidProxies is set)", "endpoint", name, "err", err)
				continue
			}
			return nil, err
		}
		p.byRoute[ep.route] = ep
		p.endpoints = append(p.endpoints, ep)
		targets[strings.ToLower(ep.target.Hostname())] = true
	}
	sort.Slice(p.endpoints, func(i, j int) bool { return len(p.endpoints[i].route) > len(p.endpoints[j].route) })
	rht := opts.ResponseHeaderTimeout
	if rht == 0 {
		rht = 60 * time.Second
	}
	tr := egress.NewTransport(&egress.Dialer{Resolver: opts.Resolver, Trusted: func(h string) bool { return targets[h] }}, rht)
	tr.DisableCompression = true // pass bodies as they are; content-encoding is not a safe header
	p.client = &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if len(p.endpoints) > 0 {
		p.log.Info("proxy: endpoints mounted", "prefix", p.prefix, "endpoints", p.Endpoints())
	}
	return p, nil
}

func (p *Proxy) compile(name string, e Endpoint) (*endpoint, error) {
	where := fmt.Sprintf("proxy.endpoints[%q]", name)
	route := "/" + strings.Trim(name, "/")
	if route == "/" {
		return nil, fmt.Errorf("%s: the route is empty; name it, as in /my-service", where)
	}
	for _, seg := range strings.Split(route, "/") {
		if seg == ".." || seg == "." {
			return nil, fmt.Errorf("%s: the route may not contain . or .. segments", where)
		}
	}
	if e.Target == "" {
		return nil, fmt.Errorf("%s.target: missing; write the upstream URL, such as https://api.example.com/v1", where)
	}
	t, err := url.Parse(e.Target)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s.target: %q is not a valid URL: %v", where, e.Target, err)
	case t.Scheme != "http" && t.Scheme != "https":
		return nil, fmt.Errorf("%s.target: %q must be an absolute http:// or https:// URL", where, e.Target)
	case t.Host == "":
		return nil, fmt.Errorf("%s.target: %q has no host", where, e.Target)
	case t.User != nil:
		return nil, fmt.Errorf("%s.target: %q carries user info; put credentials in headers (Authorization) instead", where, e.Target)
	case t.RawQuery != "" || t.Fragment != "":
		return nil, fmt.Errorf("%s.target: %q has a query or fragment; the target is a base URL only", where, e.Target)
	}
	ep := &endpoint{route: route, target: t, changeOrigin: true, headers: http.Header{}, credentials: e.Credentials}
	if e.ChangeOrigin != nil {
		ep.changeOrigin = *e.ChangeOrigin
	}
	switch e.Credentials {
	case "":
		ep.credentials = CredentialsRequire
	case CredentialsRequire, CredentialsForward, CredentialsUnauthenticated:
	default:
		return nil, fmt.Errorf("%s.credentials: %q is not one of require, forward, dangerously-allow-unauthenticated", where, e.Credentials)
	}
	for _, r := range e.PathRewrite {
		re, err := regexp.Compile(r.Pattern)
		if err != nil {
			return nil, fmt.Errorf("%s.pathRewrite[%q]: not a valid regular expression: %v", where, r.Pattern, err)
		}
		ep.rewrite = append(ep.rewrite, rewrite{re: re, repl: r.Replacement})
	}
	if len(ep.rewrite) == 0 {
		ep.rewrite = []rewrite{{re: regexp.MustCompile("^" + regexp.QuoteMeta(p.prefix+route) + "/?"), repl: "/"}}
	}
	ep.reqHeaders = map[string]bool{}
	ep.respHeaders = map[string]bool{}
	for _, h := range safeHeaders {
		ep.reqHeaders[h], ep.respHeaders[h] = true, true
	}
	for k, v := range e.Headers {
		if !validToken(k) || strings.ContainsAny(v, "\r\n") {
			return nil, fmt.Errorf("%s.headers[%q]: not a valid header name and value", where, k)
		}
		ep.headers.Set(k, v)
		ep.reqHeaders[strings.ToLower(k)] = true
	}
	for i, h := range e.AllowedHeaders {
		if !validToken(h) {
			return nil, fmt.Errorf("%s.allowedHeaders[%d]: %q is not a header name", where, i, h)
		}
		ep.reqHeaders[strings.ToLower(h)], ep.respHeaders[strings.ToLower(h)] = true, true
	}
	if len(e.AllowedMethods) > 0 {
		ep.methodOK = map[string]bool{}
		for i, m := range e.AllowedMethods {
			if !validToken(m) {
				return nil, fmt.Errorf("%s.allowedMethods[%d]: %q is not an HTTP method", where, i, m)
			}
			ep.methodOK[strings.ToUpper(m)] = true
			ep.allowedMethods = append(ep.allowedMethods, strings.ToUpper(m))
		}
	}
	return ep, nil
}

func validToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", c) {
			return false
		}
	}
	return true
}

// Endpoints lists the configured routes (the names Call takes).
func (p *Proxy) Endpoints() []string {
	out := make([]string, 0, len(p.endpoints))
	for _, ep := range p.endpoints {
		out = append(out, ep.route)
	}
	sort.Strings(out)
	return out
}

// Credentials is the credentials setting of the endpoint with this route (require,
// forward or dangerously-allow-unauthenticated), or "" when there is none.
func (p *Proxy) Credentials(route string) string {
	if ep, ok := p.byRoute["/"+strings.Trim(route, "/")]; ok {
		return ep.credentials
	}
	return ""
}

// CredentialsAt is the credentials setting of the endpoint that serves escapedPath (the
// path after the prefix, as Forward takes it); ok is false when no endpoint does.
func (p *Proxy) CredentialsAt(escapedPath string) (credentials string, ok bool) {
	if ep := p.match(escapedPath); ep != nil {
		return ep.credentials, true
	}
	return "", false
}

// Prefix is the mount path, /api/proxy unless Options.Prefix said otherwise.
func (p *Proxy) Prefix() string { return p.prefix }

// Error is a proxy failure with the status and Backstage error name to answer with.
type Error struct {
	Status  int
	Name    string
	Message string
	// Allow lists the allowed methods for a 405.
	Allow []string
}

func (e *Error) Error() string { return e.Message }

// ErrorBody is Backstage's error envelope for e.
func ErrorBody(method, requestURL string, e *Error) []byte {
	var body struct {
		Error struct {
			Name    string `json:"name"`
			Message string `json:"message"`
		} `json:"error"`
		Request struct {
			Method string `json:"method"`
			URL    string `json:"url"`
		} `json:"request"`
		Response struct {
			StatusCode int `json:"statusCode"`
		} `json:"response"`
	}
	body.Error.Name, body.Error.Message = e.Name, e.Message
	body.Request.Method, body.Request.URL = method, requestURL
	body.Response.StatusCode = e.Status
	b, _ := json.Marshal(body)
	return b
}

// Incoming is a request as received under the prefix, for Forward.
type Incoming struct {
	Method string
	// Path is the escaped request path after the prefix, starting with the route:
	// /larger-example/v1/items/1.
	Path     string
	RawQuery string
	// Host is the incoming Host header; it is only sent upstream when the endpoint sets
	// changeOrigin: false, and never decides where the connection goes.
	Host          string
	Header        http.Header
	Body          io.Reader // nil for none
	ContentLength int64     // -1 if unknown
}

// Response is the upstream answer with filtered headers. The caller must close Body.
type Response struct {
	Status int
	Header http.Header
	Body   io.ReadCloser
}

// Forward routes in to its endpoint by path and sends it upstream.
func (p *Proxy) Forward(ctx context.Context, in Incoming) (*Response, error) {
	ep := p.match(in.Path)
	if ep == nil {
		return nil, &Error{Status: 404, Name: "NotFoundError", Message: fmt.Sprintf("no proxy endpoint serves %s%s; configured: %s", p.prefix, in.Path, strings.Join(p.Endpoints(), ", "))}
	}
	return p.forward(ctx, ep, in)
}

// Request is a call to a named endpoint without HTTP, for the proxy_fetch host function.
type Request struct {
	Method string
	// Path is relative to the endpoint and may carry a query: /items/1?expand=true.
	Path   string
	Header http.Header
	Body   io.Reader
	// ContentLength of Body, -1 if unknown; ignored when Body is nil.
	ContentLength int64
}

// Call sends req to the endpoint named endpoint (its route, with or without the leading
// slash), applying the same method check, path rewrite and header filtering as HTTP
// requests. Capability narrowing (which plugin may call which endpoint) is the caller's.
func (p *Proxy) Call(ctx context.Context, endpoint string, req Request) (*Response, error) {
	ep := p.byRoute["/"+strings.Trim(endpoint, "/")]
	if ep == nil {
		return nil, &Error{Status: 404, Name: "NotFoundError", Message: fmt.Sprintf("no proxy endpoint named %q; configured: %s (proxy.endpoints)", endpoint, strings.Join(p.Endpoints(), ", "))}
	}
	pth, q, _ := strings.Cut(req.Path, "?")
	if pth != "" && !strings.HasPrefix(pth, "/") {
		pth = "/" + pth
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	cl := req.ContentLength
	if req.Body == nil {
		cl = 0
	}
	return p.forward(ctx, ep, Incoming{Method: method, Path: ep.route + pth, RawQuery: q, Header: req.Header, Body: req.Body, ContentLength: cl})
}

func (p *Proxy) match(escapedPath string) *endpoint {
	for _, ep := range p.endpoints {
		if escapedPath == ep.route || strings.HasPrefix(escapedPath, ep.route+"/") {
			return ep
		}
	}
	return nil
}

func (p *Proxy) forward(ctx context.Context, ep *endpoint, in Incoming) (*Response, error) {
	method := strings.ToUpper(in.Method)
	if !validToken(method) {
		return nil, &Error{Status: 400, Name: "InputError", Message: fmt.Sprintf("%q is not an HTTP method", in.Method)}
	}
	if ep.methodOK != nil && !ep.methodOK[method] {
		return nil, &Error{Status: 405, Name: "MethodNotAllowedError", Allow: ep.allowedMethods,
			Message: fmt.Sprintf("method %s is not allowed on proxy endpoint %s; allowed: %s (proxy.endpoints[%q].allowedMethods)", method, ep.route, strings.Join(ep.allowedMethods, ", "), ep.route)}
	}
	u, perr := p.upstreamURL(ep, in.Path, in.RawQuery)
	if perr != nil {
		return nil, perr
	}
	body := in.Body
	if in.ContentLength == 0 {
		body = nil
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, &Error{Status: 400, Name: "InputError", Message: err.Error()}
	}
	if req.URL.Host != ep.target.Host || req.URL.Scheme != ep.target.Scheme {
		return nil, &Error{Status: 400, Name: "InputError", Message: "request would leave the configured target"}
	}
	if body != nil {
		req.ContentLength = in.ContentLength
	}
	for k, vs := range in.Header {
		lk := strings.ToLower(k)
		if hopByHop[lk] || lk == "host" || lk == "content-length" {
			continue
		}
		pass := ep.reqHeaders[lk]
		if lk == "authorization" {
			switch ep.credentials {
			case CredentialsForward:
				pass = true
			case CredentialsRequire:
				pass = false
			}
		}
		if pass {
			req.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
		}
	}
	for k, vs := range ep.headers {
		req.Header[k] = vs
	}
	if _, ok := req.Header["User-Agent"]; !ok {
		req.Header["User-Agent"] = nil // do not add Go's default
	}
	if ep.changeOrigin || in.Host == "" {
		req.Host = ep.target.Host
	} else {
		req.Host = in.Host
	}
	sent := time.Now()
	resp, err := p.client.Do(req)
	p.observe(ep.route, resp, err, sent)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, &Error{Status: 499, Name: "Error", Message: "client went away"}
		}
		var be *egress.BlockedError
		if errors.As(err, &be) {
			return nil, &Error{Status: 502, Name: "BadGatewayError", Message: fmt.Sprintf("proxy endpoint %s: %v", ep.route, err)}
		}
		// The transport's error may quote what the upstream sent: keep an excerpt.
		return nil, &Error{Status: 502, Name: "BadGatewayError", Message: fmt.Sprintf("proxy endpoint %s: upstream %s failed: %s", ep.route, ep.target.Host, excerpt.Text(fmt.Sprint(errors.Unwrap(err))))}
	}
	out := &Response{Status: resp.StatusCode, Header: http.Header{}, Body: resp.Body}
	for k, vs := range resp.Header {
		lk := strings.ToLower(k)
		if hopByHop[lk] || !ep.respHeaders[lk] {
			continue
		}
		out.Header[k] = vs
	}
	return out, nil
}

// upstreamURL builds the upstream URL for a request path (escaped, after the prefix,
// starting with the route) and query. Only the path is taken from the request; scheme
// and host always come from the configured target.
func (p *Proxy) upstreamURL(ep *endpoint, escapedPath, rawQuery string) (*url.URL, *Error) {
	if _, err := url.PathUnescape(escapedPath); err != nil {
		return nil, &Error{Status: 400, Name: "InputError", Message: "request path is not validly escaped"}
	}
	if egress.ReachesDotDot(escapedPath) {
		return nil, &Error{Status: 400, Name: "InputError", Message: "`..` is not allowed in proxied paths, also not percent-encoded (once or more) or between backslashes"}
	}
	// Rewrite the full path, as http-proxy-middleware sees it, then append it to the
	// target's path.
	full := p.prefix + escapedPath
	for _, rw := range ep.rewrite {
		if loc := rw.re.FindStringSubmatchIndex(full); loc != nil {
			var dst []byte
			dst = rw.re.ExpandString(dst, rw.repl, full, loc)
			full = full[:loc[0]] + string(dst) + full[loc[1]:]
			break
		}
	}
	if !strings.HasPrefix(full, "/") {
		full = "/" + full
	}
	u := *ep.target
	escaped := strings.TrimSuffix(ep.target.EscapedPath(), "/") + full
	var err error
	u.Path, err = url.PathUnescape(escaped)
	if err != nil {
		return nil, &Error{Status: 400, Name: "InputError", Message: "rewritten path is not validly escaped"}
	}
	u.RawPath = escaped
	u.RawQuery = rawQuery
	u.Fragment, u.RawFragment = "", ""
	// Round-trip through the string form, as the request will, and insist that the
	// authority did not move.
	back, err := url.Parse(u.String())
	if err != nil || back.Host != ep.target.Host || back.Scheme != ep.target.Scheme || back.User != nil {
		return nil, &Error{Status: 400, Name: "InputError", Message: "request would leave the configured target"}
	}
	return back, nil
}

// ServeHTTP serves requests under the prefix.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	escaped := r.URL.EscapedPath()
	if !strings.HasPrefix(escaped, p.prefix+"/") {
		writeError(w, r, &Error{Status: 404, Name: "NotFoundError", Message: "not under " + p.prefix})
		return
	}
	resp, err := p.Forward(r.Context(), Incoming{
		Method:        r.Method,
		Path:          strings.TrimPrefix(escaped, p.prefix),
		RawQuery:      r.URL.RawQuery,
		Host:          r.Host,
		Header:        r.Header,
		Body:          r.Body,
		ContentLength: r.ContentLength,
	})
	if err != nil {
		var pe *Error
		if !errors.As(err, &pe) {
			pe = &Error{Status: 500, Name: "Error", Message: err.Error()}
		}
		writeError(w, r, pe)
		return
	}
	defer resp.Body.Close()
	h := w.Header()
	for k, vs := range resp.Header {
		h[k] = vs
	}
	w.WriteHeader(resp.Status)
	CopyBody(w, resp.Body)
}

// CopyBody streams src to w in 32 KiB pieces, flushing after each so that server-sent
// events and long downloads reach the client as they arrive.
func CopyBody(w io.Writer, src io.Reader) (int64, error) {
	buf := make([]byte, 32<<10)
	fl, _ := w.(http.Flusher)
	var n int64
	for {
		k, err := src.Read(buf)
		if k > 0 {
			m, werr := w.Write(buf[:k])
			n += int64(m)
			if werr != nil {
				return n, werr
			}
			if fl != nil {
				fl.Flush()
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

func writeError(w http.ResponseWriter, r *http.Request, e *Error) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if len(e.Allow) > 0 {
		w.Header().Set("Allow", strings.Join(e.Allow, ", "))
	}
	status := e.Status
	if status == 499 {
		return
	}
	w.WriteHeader(status)
	w.Write(ErrorBody(r.Method, r.URL.RequestURI(), e))
}
