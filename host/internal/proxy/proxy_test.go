package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/egress"
)

type seen struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (s *seen) last() *http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reqs[len(s.reqs)-1]
}

// upstream is a real HTTP server on 127.0.0.1 that records what reached it.
func upstream(t *testing.T) (port string, s *seen) {
	t.Helper()
	s = &seen{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, r.Clone(context.Background()))
		s.mu.Unlock()
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "http://169.254.169.254/", http.StatusFound)
			return
		case "/upload":
			n, _ := io.Copy(io.Discard, r.Body)
			json.NewEncoder(w).Encode(map[string]int64{"received": n})
			return
		case "/download":
			w.Header().Set("Content-Type", "application/octet-stream")
			buf := make([]byte, 1<<20)
			for i := 0; i < 50; i++ {
				w.Write(buf)
			}
			return
		}
		w.Header().Set("Set-Cookie", "session=upstream")
		w.Header().Set("X-Secret", "internal")
		w.Header().Set("X-Allowed", "yes")
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, r.Method+" "+r.URL.RequestURI())
	}))
	t.Cleanup(srv.Close)
	_, port, _ = net.SplitHostPort(srv.Listener.Addr().String())
	return port, s
}

func decodeConfig(t *testing.T, y string) Config {
	t.Helper()
	var c Config
	if err := yaml.Unmarshal([]byte(y), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func newProxy(t *testing.T, port string, extra string) (*Proxy, *httptest.Server, *bytes.Buffer) {
	t.Helper()
	cfg := decodeConfig(t, `
endpoints:
  /simple: http://svc.test:`+port+`
  based:
    target: http://svc.test:`+port+`/base
    credentials: dangerously-allow-unauthenticated
    headers:
      X-Api-Key: secret-from-config
    allowedHeaders: [X-Allowed]
  /ro:
    target: http://svc.test:`+port+`
    allowedMethods: [GET, head]
  /rw:
    target: http://svc.test:`+port+`/base
    pathRewrite:
      '^/api/proxy/rw/old/': '/new/'
      '^/api/proxy/rw/': '/other/'
  /fwd:
    target: http://svc.test:`+port+`
    credentials: forward
  /keephost:
    target: http://svc.test:`+port+`
    changeOrigin: false
`+extra)
	var logs bytes.Buffer
	p, err := New(cfg, Options{
		Resolver: egress.StaticResolver{"svc.test": {"127.0.0.1"}, "evil.test": {"127.0.0.1"}},
		Logger:   slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(p)
	t.Cleanup(front.Close)
	return p, front, &logs
}

func do(t *testing.T, method, u string, hdr map[string]string, body io.Reader) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestHeaderFilteringBothWays(t *testing.T) {
	port, s := upstream(t)
	_, front, _ := newProxy(t, port, "")
	resp, body := do(t, "GET", front.URL+"/api/proxy/based/items?x=1", map[string]string{
		"Cookie": "session=user", "Authorization": "Bearer user-token", "X-Custom": "no",
		"X-Allowed": "client", "Accept": "text/plain", "User-Agent": "test-agent",
		"X-Api-Key": "client-override", "X-Forwarded-Host": "evil.test",
	}, nil)
	if resp.StatusCode != 200 || body != "GET /base/items?x=1" {
		t.Fatalf("status %d body %q", resp.StatusCode, body)
	}
	up := s.last()
	want := map[string]string{"Accept": "text/plain", "User-Agent": "test-agent", "X-Allowed": "client", "X-Api-Key": "secret-from-config"}
	for k, v := range want {
		if got := up.Header.Get(k); got != v {
			t.Errorf("upstream %s = %q, want %q", k, got, v)
		}
	}
	for _, k := range []string{"Cookie", "Authorization", "X-Custom", "X-Forwarded-Host"} {
		if v := up.Header.Get(k); v != "" {
			t.Errorf("upstream got %s: %q; it should have been filtered", k, v)
		}
	}
	if up.Host != "svc.test:"+port {
		t.Errorf("upstream Host %q, want the target's", up.Host)
	}
	if resp.Header.Get("Content-Type") != "text/plain" || resp.Header.Get("X-Allowed") != "yes" {
		t.Errorf("safe/allowed response headers missing: %v", resp.Header)
	}
	for _, k := range []string{"Set-Cookie", "X-Secret"} {
		if v := resp.Header.Get(k); v != "" {
			t.Errorf("client got response header %s: %q", k, v)
		}
	}
}

func TestAuthorityNeverFromRequest(t *testing.T) {
	port, s := upstream(t)
	_, front, _ := newProxy(t, port, "")
	// A hostile Host header does not move the connection, and is not sent upstream with
	// changeOrigin (the default).
	resp, _ := do(t, "GET", front.URL+"/api/proxy/simple/x", map[string]string{"Host": "evil.test:1"}, nil)
	if resp.StatusCode != 200 || s.last().Host != "svc.test:"+port {
		t.Fatalf("status %d upstream host %q", resp.StatusCode, s.last().Host)
	}
	// changeOrigin: false forwards the header but still connects to the target.
	resp, _ = do(t, "GET", front.URL+"/api/proxy/keephost/x", map[string]string{"Host": "evil.test:1"}, nil)
	if resp.StatusCode != 200 || s.last().Host != "evil.test:1" {
		t.Fatalf("changeOrigin false: status %d upstream host %q", resp.StatusCode, s.last().Host)
	}
	// Paths that try to become an authority stay paths.
	for _, pth := range []string{"/api/proxy/simple//evil.test/x", "/api/proxy/simple/@evil.test/x"} {
		resp, body := do(t, "GET", front.URL+pth, nil, nil)
		if resp.StatusCode != 200 || !strings.Contains(body, "evil.test/x") {
			t.Errorf("%s: status %d body %q", pth, resp.StatusCode, body)
		}
	}
	// `..` is refused rather than escaping the target's base path.
	resp, body := do(t, "GET", front.URL+"/api/proxy/based/%2e%2e/admin", nil, nil)
	if resp.StatusCode != 400 || !strings.Contains(body, "InputError") {
		t.Errorf("dotdot: status %d body %s", resp.StatusCode, body)
	}
	// A redirect is passed back, not followed, and its Location is filtered.
	resp, _ = do(t, "GET", front.URL+"/api/proxy/simple/redirect", nil, nil)
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "" {
		t.Errorf("redirect: status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestAllowedMethods405(t *testing.T) {
	port, _ := upstream(t)
	_, front, _ := newProxy(t, port, "")
	if resp, _ := do(t, "HEAD", front.URL+"/api/proxy/ro/x", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("HEAD allowed (lower case in config): %d", resp.StatusCode)
	}
	resp, body := do(t, "POST", front.URL+"/api/proxy/ro/x?y=1", nil, strings.NewReader("data"))
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Fatalf("status %d allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	var eb struct {
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
	if err := json.Unmarshal([]byte(body), &eb); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if eb.Error.Name != "MethodNotAllowedError" || !strings.Contains(eb.Error.Message, "allowedMethods") ||
		eb.Request.Method != "POST" || eb.Request.URL != "/api/proxy/ro/x?y=1" || eb.Response.StatusCode != 405 {
		t.Fatalf("error body %s", body)
	}
}

func TestPathRewriteAndRouting(t *testing.T) {
	port, _ := upstream(t)
	_, front, _ := newProxy(t, port, "")
	cases := map[string]string{
		"/api/proxy/simple":             "GET /",
		"/api/proxy/simple/":            "GET /",
		"/api/proxy/simple/a/b?q=1&r=2": "GET /a/b?q=1&r=2",
		"/api/proxy/simple/a%2Fb":       "GET /a%2Fb",
		"/api/proxy/rw/old/x":           "GET /base/new/x",
		"/api/proxy/rw/y":               "GET /base/other/y",
		"/api/proxy/based":              "GET /base/",
	}
	for pth, want := range cases {
		resp, body := do(t, "GET", front.URL+pth, nil, nil)
		if resp.StatusCode != 200 || body != want {
			t.Errorf("%s: %d %q, want %q", pth, resp.StatusCode, body, want)
		}
	}
	resp, body := do(t, "GET", front.URL+"/api/proxy/simplex/a", nil, nil)
	if resp.StatusCode != 404 || !strings.Contains(body, "NotFoundError") || !strings.Contains(body, "/simple") {
		t.Errorf("unknown route: %d %s", resp.StatusCode, body)
	}
}

func TestCredentials(t *testing.T) {
	port, s := upstream(t)
	p, front, _ := newProxy(t, port, "")
	do(t, "GET", front.URL+"/api/proxy/fwd/x", map[string]string{"Authorization": "Bearer t"}, nil)
	if s.last().Header.Get("Authorization") != "Bearer t" {
		t.Errorf("forward: Authorization not forwarded")
	}
	do(t, "GET", front.URL+"/api/proxy/simple/x", map[string]string{"Authorization": "Bearer t"}, nil)
	if s.last().Header.Get("Authorization") != "" {
		t.Errorf("require: Authorization forwarded")
	}
	// Who may call an endpoint is the server's barrier; the proxy says what each needs.
	for path, want := range map[string]string{"/fwd/x": CredentialsForward, "/simple/x": CredentialsRequire, "/nope/x": ""} {
		if got, _ := p.CredentialsAt(path); got != want {
			t.Errorf("CredentialsAt(%s) = %q, want %q", path, got, want)
		}
	}
}

func TestCallByName(t *testing.T) {
	port, s := upstream(t)
	p, _, _ := newProxy(t, port, "")
	ctx := context.Background()
	resp, err := p.Call(ctx, "based", Request{Method: "POST", Path: "/items?x=1", Header: http.Header{"Cookie": {"a"}, "Content-Type": {"application/json"}}, Body: strings.NewReader(`{"a":1}`), ContentLength: 7})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "POST /base/items?x=1" || s.last().Header.Get("Cookie") != "" || s.last().Header.Get("X-Api-Key") != "secret-from-config" {
		t.Fatalf("got %q, upstream headers %v", b, s.last().Header)
	}
	if resp.Header.Get("Set-Cookie") != "" {
		t.Fatalf("response not filtered: %v", resp.Header)
	}
	var pe *Error
	if _, err := p.Call(ctx, "/ro", Request{Method: "DELETE", Path: "/x"}); !errors.As(err, &pe) || pe.Status != 405 {
		t.Fatalf("method check on Call: %v", err)
	}
	if _, err := p.Call(ctx, "nope", Request{}); !errors.As(err, &pe) || pe.Status != 404 || !strings.Contains(pe.Message, "/based") {
		t.Fatalf("unknown endpoint: %v", err)
	}
}

func TestTargetResolvingToMetadataRefused(t *testing.T) {
	cfg := decodeConfig(t, "endpoints:\n  /meta: http://meta.test/\n")
	p, err := New(cfg, Options{Resolver: egress.StaticResolver{"meta.test": {"169.254.169.254"}}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Call(context.Background(), "meta", Request{Path: "/latest/meta-data/"})
	var pe *Error
	if !errors.As(err, &pe) || pe.Status != 502 || !strings.Contains(pe.Message, "cloud metadata") {
		t.Fatalf("got %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"endpoints:\n  /x: {target: 'ftp://a'}\n", `proxy.endpoints["/x"].target: "ftp://a" must be an absolute http`},
		{"endpoints:\n  /x: {}\n", `proxy.endpoints["/x"].target: missing`},
		{"endpoints:\n  /x: {target: 'http://u:p@a'}\n", "user info"},
		{"endpoints:\n  /x: {target: 'http://a', credentials: maybe}\n", `proxy.endpoints["/x"].credentials: "maybe"`},
		{"endpoints:\n  /x: {target: 'http://a', pathRewrite: {'(': '/'}}\n", `pathRewrite["("]`},
		{"endpoints:\n  /x: {target: 'http://a', allowedMethods: ['GET POST']}\n", "allowedMethods[0]"},
		{"endpoints:\n  /x: http://a\n  x: http://b\n", "configured twice"},
		{"endpoints:\n  /: http://a\n", "route is empty"},
	}
	for _, c := range cases {
		_, err := New(decodeConfig(t, c.yaml), Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.yaml, err, c.want)
		}
	}
	// skipInvalidProxies keeps the good ones.
	p, err := New(decodeConfig(t, "skipInvalidProxies: true\nendpoints:\n  /bad: {target: 'nope'}\n  /good: http://a\n"), Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil || strings.Join(p.Endpoints(), ",") != "/good" {
		t.Fatalf("skipInvalidProxies: %v %v", err, p)
	}
	// Unknown keys and wrong shapes name the line.
	var c Config
	err = yaml.Unmarshal([]byte("endpoints:\n  /x:\n    target: http://a\n    allowedMethod: [GET]\n"), &c)
	if err == nil || !strings.Contains(err.Error(), "line 4") || !strings.Contains(err.Error(), `"allowedMethod" is not known`) {
		t.Fatalf("unknown key: %v", err)
	}
	err = yaml.Unmarshal([]byte("endpoints:\n  /x: [a]\n"), &c)
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("sequence endpoint: %v", err)
	}
	err = yaml.Unmarshal([]byte("endpoints:\n  /x:\n    target: http://a\n    pathRewrite: [a]\n"), &c)
	if err == nil || !strings.Contains(err.Error(), "pathRewrite must be a mapping") {
		t.Fatalf("pathRewrite list: %v", err)
	}
}

// memGrowth runs f and returns the bytes allocated meanwhile (all goroutines).
func memGrowth(f func()) uint64 {
	runtime.GC()
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// zeroReader yields n zero bytes without allocating them up front.
type zeroReader struct{ n int64 }

func (z *zeroReader) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > z.n {
		p = p[:z.n]
	}
	clear(p)
	z.n -= int64(len(p))
	return len(p), nil
}

const fiftyMiB = 50 << 20

func TestStreaming50MiBBoundedMemory(t *testing.T) {
	port, _ := upstream(t)
	_, front, _ := newProxy(t, port, "")
	// Upload: client -> proxy -> upstream.
	var got string
	alloc := memGrowth(func() {
		req, _ := http.NewRequest("POST", front.URL+"/api/proxy/simple/upload", &zeroReader{n: fiftyMiB})
		req.ContentLength = fiftyMiB
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got = string(b)
	})
	if !strings.Contains(got, `"received":52428800`) {
		t.Fatalf("upload: upstream answered %q", got)
	}
	t.Logf("upload of 50 MiB allocated %d KiB", alloc>>10)
	if alloc > 16<<20 {
		t.Errorf("upload of 50 MiB allocated %d MiB; the body is being buffered", alloc>>20)
	}
	// Download: upstream -> proxy -> client.
	var n int64
	alloc = memGrowth(func() {
		resp, err := http.Get(front.URL + "/api/proxy/simple/download")
		if err != nil {
			t.Error(err)
			return
		}
		n, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	})
	if n != fiftyMiB {
		t.Fatalf("download: got %d bytes", n)
	}
	t.Logf("download of 50 MiB allocated %d KiB", alloc>>10)
	if alloc > 16<<20 {
		t.Errorf("download of 50 MiB allocated %d MiB; the body is being buffered", alloc>>20)
	}
}

// rawUpstream answers every connection with raw, and closes it.
func rawUpstream(t *testing.T, raw string) (port string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				buf := make([]byte, 4096)
				c.Read(buf) // the request
				io.WriteString(c, raw)
			}()
		}
	}()
	_, port, _ = net.SplitHostPort(ln.Addr().String())
	return port
}

// TestUpstreamErrorQuotesOnlyAnExcerpt: when an upstream's answer is not HTTP, the 502
// says so with a short excerpt of what it sent, control characters escaped.
func TestUpstreamErrorQuotesOnlyAnExcerpt(t *testing.T) {
	port := rawUpstream(t, "\x1b[2J\x1b[31m"+strings.Repeat("<p>secret</p>", 250)+"\r\n\r\n")
	_, front, _ := newProxy(t, port, "")
	resp, body := do(t, "GET", front.URL+"/api/proxy/simple/x", nil, nil)
	var e struct {
		Error struct{ Message string } `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || resp.StatusCode != 502 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	msg := e.Error.Message
	if strings.ContainsAny(msg, "\x1b\r\n") || len(msg) > 600 || !strings.Contains(msg, "upstream") {
		t.Fatalf("502 message %q (%d bytes): want an escaped excerpt of at most about 200 bytes", msg, len(msg))
	}
}

// decodingUpstream decodes the request path twice, treats a backslash as a separator
// and cleans the result, as a careless upstream behind a gateway does; it serves its
// secret at /secret, outside the endpoint's /base.
func decodingUpstream(t *testing.T) (port string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.EscapedPath()
		for i := 0; i < 2; i++ {
			if d, err := url.PathUnescape(p); err == nil {
				p = d
			}
		}
		p = path.Clean(strings.ReplaceAll(p, `\`, "/"))
		if p == "/secret" {
			io.WriteString(w, "SECRET")
			return
		}
		io.WriteString(w, "seen "+r.URL.EscapedPath())
	}))
	t.Cleanup(srv.Close)
	_, port, _ = net.SplitHostPort(srv.Listener.Addr().String())
	return port
}

// TestEncodedDotDotRefused: a path that reaches `..` however many times it is decoded,
// or with a backslash for a separator, is refused with 400, so that an upstream that
// decodes twice cannot be walked out of the endpoint's base path (docs/security.md).
// Encoded slashes that do not make `..` are passed as they are (GitLab's API names
// projects as group%2Fproject).
func TestEncodedDotDotRefused(t *testing.T) {
	port := decodingUpstream(t)
	_, front, _ := newProxy(t, port, "")
	for _, p := range []string{
		"%2e%2e/secret", "..%2fsecret", "%2e%2e%2fsecret", // decoded once
		"%252e%252e/secret", "%252e%252e%252fsecret", ".%252e/secret", // twice
		"%25252e%25252e/secret",                                // three times
		"..%5csecret", "..%255csecret", "x%5c..%5c..%5csecret", // backslash separators
	} {
		resp, body := do(t, "GET", front.URL+"/api/proxy/based/"+p, nil, nil)
		if resp.StatusCode != 400 || !strings.Contains(body, "InputError") {
			t.Errorf("%s: %d %s; want 400", p, resp.StatusCode, body)
		}
	}
	for _, p := range []string{"group%2Fproject/files", "a%2520b", "..a/b..", "%2e/x"} {
		resp, body := do(t, "GET", front.URL+"/api/proxy/based/"+p, nil, nil)
		if resp.StatusCode != 200 || body != "seen /base/"+p {
			t.Errorf("%s: %d %s; want it passed as it is", p, resp.StatusCode, body)
		}
	}
}
