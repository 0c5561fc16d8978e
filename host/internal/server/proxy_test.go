package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/egress"
	"greenroom.dev/greenroom/host/internal/proxy"
)

var firstSeen = make(chan struct{}, 1)

type upstreamLog struct {
	mu   sync.Mutex
	last *http.Request
}

func (u *upstreamLog) get() *http.Request { u.mu.Lock(); defer u.mu.Unlock(); return u.last }

// proxyFixture runs a real upstream and a real fiber server with the proxy mounted,
// both on 127.0.0.1, and returns the server's base URL.
func proxyFixture(t *testing.T) (base string, up *upstreamLog) {
	t.Helper()
	up = &upstreamLog{}
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up.mu.Lock()
		up.last = r.Clone(context.Background())
		up.mu.Unlock()
		switch strings.TrimPrefix(r.URL.Path, "/base") {
		case "/events":
			// Server-sent events: the second event is written only after the client has
			// seen the first, so a buffering proxy deadlocks until the test times out.
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "data: one\n\n")
			w.(http.Flusher).Flush()
			select {
			case <-firstSeen:
			case <-time.After(5 * time.Second):
			}
			io.WriteString(w, "data: two\n\n")
		case "/upload":
			n, _ := io.Copy(io.Discard, r.Body)
			json.NewEncoder(w).Encode(map[string]int64{"received": n})
		case "/download":
			w.Header().Set("Content-Type", "application/octet-stream")
			buf := make([]byte, 1<<20)
			for i := 0; i < 50; i++ {
				w.Write(buf)
			}
		default:
			w.Header().Set("Set-Cookie", "s=1")
			w.Header().Set("X-Allowed", "yes")
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, r.Method+" "+r.URL.RequestURI())
		}
	}))
	t.Cleanup(upstream.Close)
	_, port, _ := net.SplitHostPort(upstream.Listener.Addr().String())
	var cfg proxy.Config
	if err := yaml.Unmarshal([]byte(`
endpoints:
  /svc:
    target: http://svc.test:`+port+`/base
    allowedMethods: [GET, POST, PUT]
    allowedHeaders: [X-Allowed]
    headers: {X-Api-Key: from-config}
  /rw:
    target: http://svc.test:`+port+`
    pathRewrite: {'^/api/proxy/rw/v1/': '/v2/'}
`), &cfg); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	p, err := proxy.New(cfg, proxy.Options{Resolver: egress.StaticResolver{"svc.test": {"127.0.0.1"}}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{Logger: logger, Proxy: p})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return "http://" + ln.Addr().String(), up
}

func fetch(t *testing.T, method, u string, hdr http.Header, body io.Reader, size int64) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.ContentLength = size
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if h := hdr.Get("Host"); h != "" {
		req.Host = h
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestProxyThroughFiber(t *testing.T) {
	base, up := proxyFixture(t)
	resp, body := fetch(t, "GET", base+"/api/proxy/svc/items/1?x=1", http.Header{
		"Cookie": {"a=b"}, "Authorization": {"Bearer t"}, "X-Allowed": {"c"}, "X-Api-Key": {"client"},
		"Accept": {"text/plain"}, "Host": {"evil.test:1"},
	}, nil, 0)
	if resp.StatusCode != 200 || body != "GET /base/items/1?x=1" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
	r := up.get()
	if r.Header.Get("Cookie") != "" || r.Header.Get("Authorization") != "" || r.Header.Get("X-Allowed") != "c" ||
		r.Header.Get("X-Api-Key") != "from-config" || r.Header.Get("Accept") != "text/plain" || !strings.HasPrefix(r.Host, "svc.test:") {
		t.Fatalf("upstream saw headers %v host %q", r.Header, r.Host)
	}
	if resp.Header.Get("Set-Cookie") != "" || resp.Header.Get("X-Allowed") != "yes" || resp.Header.Get("Content-Type") != "text/plain" {
		t.Fatalf("response headers %v", resp.Header)
	}

	resp, body = fetch(t, "DELETE", base+"/api/proxy/svc/items/1", nil, nil, 0)
	var eb ErrorBody
	json.Unmarshal([]byte(body), &eb)
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, POST, PUT" || eb.Error.Name != "MethodNotAllowedError" ||
		eb.Request.Method != "DELETE" || eb.Request.URL != "/api/proxy/svc/items/1" || eb.Response.StatusCode != 405 {
		t.Fatalf("405: %d %s", resp.StatusCode, body)
	}

	if resp, body = fetch(t, "GET", base+"/api/proxy/rw/v1/things", nil, nil, 0); body != "GET /v2/things" {
		t.Fatalf("pathRewrite: %d %q", resp.StatusCode, body)
	}
	// `..`, encoded once or more or between backslashes, is refused (docs/security.md).
	for _, p := range []string{"%2e%2e/admin", "%252e%252e/admin", "..%5cadmin", "..%255cadmin"} {
		if resp, body = fetch(t, "GET", base+"/api/proxy/svc/"+p, nil, nil, 0); resp.StatusCode != 400 {
			t.Fatalf("dotdot %s: %d %q", p, resp.StatusCode, body)
		}
	}
	if resp, body = fetch(t, "GET", base+"/api/proxy/nope/x", nil, nil, 0); resp.StatusCode != 404 || !strings.Contains(body, "NotFoundError") {
		t.Fatalf("unknown endpoint: %d %q", resp.StatusCode, body)
	}
	// A small body goes through too.
	if resp, body = fetch(t, "PUT", base+"/api/proxy/svc/upload", http.Header{"Content-Type": {"application/json"}}, strings.NewReader(`{"a":1}`), 7); !strings.Contains(body, `"received":7`) {
		t.Fatalf("small body: %d %q", resp.StatusCode, body)
	}
}

func TestProxyThroughFiberStreamsEvents(t *testing.T) {
	base, _ := proxyFixture(t)
	resp, err := http.Get(base + "/api/proxy/svc/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("content type %q", resp.Header.Get("Content-Type"))
	}
	buf := make([]byte, 64)
	got := ""
	deadline := time.Now().Add(3 * time.Second)
	for !strings.Contains(got, "data: one") {
		if time.Now().After(deadline) {
			t.Fatalf("first event not delivered before the stream ended; got %q", got)
		}
		n, err := resp.Body.Read(buf)
		got += string(buf[:n])
		if err != nil {
			break
		}
	}
	if !strings.Contains(got, "data: one") || strings.Contains(got, "two") {
		t.Fatalf("got %q", got)
	}
	firstSeen <- struct{}{}
	rest, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(rest), "data: two") {
		t.Fatalf("rest %q", rest)
	}
}

type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
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

func allocDuring(f func()) uint64 {
	runtime.GC()
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

func TestProxyThroughFiberStreams50MiB(t *testing.T) {
	base, _ := proxyFixture(t)
	const size = 50 << 20
	var body string
	alloc := allocDuring(func() {
		_, body = fetch(t, "POST", base+"/api/proxy/svc/upload", nil, &zeros{n: size}, size)
	})
	if !strings.Contains(body, `"received":52428800`) {
		t.Fatalf("upload: %q", body)
	}
	t.Logf("50 MiB upload through fiber allocated %d KiB", alloc>>10)
	if alloc > 16<<20 {
		t.Errorf("50 MiB upload allocated %d MiB: the body is buffered", alloc>>20)
	}
	// Chunked upload (no Content-Length).
	alloc = allocDuring(func() {
		_, body = fetch(t, "POST", base+"/api/proxy/svc/upload", nil, io.MultiReader(&zeros{n: size}), -1)
	})
	if !strings.Contains(body, `"received":52428800`) {
		t.Fatalf("chunked upload: %q", body)
	}
	if alloc > 16<<20 {
		t.Errorf("50 MiB chunked upload allocated %d MiB: the body is buffered", alloc>>20)
	}
	var n int64
	alloc = allocDuring(func() {
		resp, err := http.Get(base + "/api/proxy/svc/download")
		if err != nil {
			t.Error(err)
			return
		}
		n, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	})
	if n != size {
		t.Fatalf("download: %d bytes", n)
	}
	t.Logf("50 MiB download through fiber allocated %d KiB", alloc>>10)
	if alloc > 16<<20 {
		t.Errorf("50 MiB download allocated %d MiB: the body is buffered", alloc>>20)
	}
}
