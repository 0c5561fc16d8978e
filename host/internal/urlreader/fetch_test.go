package urlreader

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/egress"
	"greenroom.dev/greenroom/host/internal/units"
)

type fetchServer struct {
	port        string
	conditional atomic.Int64 // requests that got a 304
	full        atomic.Int64
}

func newFetchServer(t *testing.T) *fetchServer {
	t.Helper()
	fs := &fetchServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/catalog-info.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
		if r.Header.Get("If-None-Match") == `"v1"` {
			fs.conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fs.full.Add(1)
		io.WriteString(w, "kind: Component\n")
	})
	mux.HandleFunc("/api/noetag", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "plain") })
	mux.HandleFunc("/private/x", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "private") })
	mux.HandleFunc("/api/redirect-evil", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://evil.test:"+fs.port+"/api/catalog-info.yaml", http.StatusFound)
	})
	mux.HandleFunc("/api/redirect-metadata", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	})
	mux.HandleFunc("/api/redirect-private-path", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/private/x", http.StatusFound)
	})
	mux.HandleFunc("/api/redirect-ok", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/api/noetag", http.StatusFound)
	})
	mux.HandleFunc("/api/big", func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("x"), 2<<20))
	})
	mux.HandleFunc("/api/gzip-bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		gz, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
		zeros := make([]byte, 1<<20)
		for i := 0; i < 100; i++ { // 100 MiB unpacked, ~100 KiB on the wire
			if _, err := gz.Write(zeros); err != nil {
				return
			}
		}
		gz.Close()
	})
	mux.HandleFunc("/api/rate", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	mux.HandleFunc("/api/forbidden-rate", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", "4102444800") // 2100-01-01
		w.WriteHeader(http.StatusForbidden)
	})
	mux.HandleFunc("/api/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/api/broken", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	mux.HandleFunc("/api/hostile-error", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, hostileBody)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	_, fs.port, _ = net.SplitHostPort(srv.Listener.Addr().String())
	return fs
}

func newTestMux(t *testing.T, port string, cfg ReadingConfig) *Mux {
	t.Helper()
	res := egress.StaticResolver{
		"docs.test":   {"127.0.0.1"},
		"evil.test":   {"127.0.0.1"},
		"a.wild.test": {"127.0.0.1"},
		"meta.test":   {"169.254.169.254"},
	}
	m, err := New(cfg, Options{Resolver: res})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestFetchReadAndConditionalCache(t *testing.T) {
	fs := newFetchServer(t)
	m := newTestMux(t, fs.port, ReadingConfig{Allow: []AllowRule{{Host: "docs.test:" + fs.port, Paths: []string{"/api/"}}}})
	ctx := context.Background()
	u := "http://docs.test:" + fs.port + "/api/catalog-info.yaml"
	res, err := m.ReadURL(ctx, u, ReadURLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Content) != "kind: Component\n" || res.ETag != `"v1"` || res.LastModifiedAt.Year() != 2006 {
		t.Fatalf("got %+v", res)
	}
	// The caller's ETag gives ErrNotModified.
	if _, err := m.ReadURL(ctx, u, ReadURLOptions{ETag: `"v1"`}); !errors.Is(err, ErrNotModified) {
		t.Fatalf("etag: %v", err)
	}
	// Without an ETag, the cache makes the read conditional and serves the cached body.
	res2, err := m.ReadURL(ctx, u, ReadURLOptions{})
	if err != nil || string(res2.Content) != "kind: Component\n" {
		t.Fatalf("cached read: %v %q", err, res2.Content)
	}
	if fs.full.Load() != 1 || fs.conditional.Load() != 2 {
		t.Fatalf("full=%d conditional=%d, want 1 full and 2 conditional requests", fs.full.Load(), fs.conditional.Load())
	}
	// No upstream ETag: a content hash stands in.
	res, err = m.ReadURL(ctx, "http://docs.test:"+fs.port+"/api/noetag", ReadURLOptions{})
	if err != nil || !strings.HasPrefix(res.ETag, "sha256:") {
		t.Fatalf("noetag: %v %+v", err, res)
	}
	if _, err := m.ReadURL(ctx, "http://docs.test:"+fs.port+"/api/noetag", ReadURLOptions{ETag: res.ETag}); !errors.Is(err, ErrNotModified) {
		t.Fatalf("noetag with hash etag: %v", err)
	}
	if _, err := m.ReadTree(ctx, u, ReadTreeOptions{}); !errors.Is(err, ErrNotSupported) {
		t.Fatalf("ReadTree on fetch: %v", err)
	}
}

func TestFetchAttacks(t *testing.T) {
	fs := newFetchServer(t)
	p := fs.port
	m := newTestMux(t, p, ReadingConfig{
		MaxBytes: 1 << 20,
		Allow: []AllowRule{
			{Host: "docs.test:" + p, Paths: []string{"/api/"}},
			{Host: "*.wild.test:" + p},
			{Host: "meta.test"},
		},
	})
	ctx := context.Background()
	cases := []struct {
		name, url string
		want      error
		contains  string
	}{
		{"host not allowed", "http://evil.test:" + p + "/api/catalog-info.yaml", ErrNotAllowed, "no URL reader accepts"},
		{"port not allowed", "http://docs.test:1/api/catalog-info.yaml", ErrNotAllowed, "no URL reader accepts"},
		{"path not allowed", "http://docs.test:" + p + "/private/x", ErrNotAllowed, "not under the paths"},
		{"dotdot out of paths", "http://docs.test:" + p + "/api/../private/x", ErrNotAllowed, "`..`"},
		{"encoded dotdot", "http://docs.test:" + p + "/api/%2e%2e/private/x", ErrNotAllowed, "`..`"},
		// An upstream that decodes again, or takes a backslash for a slash, would leave
		// the allowed paths.
		{"double-encoded dotdot", "http://docs.test:" + p + "/api/%252e%252e/private/x", ErrNotAllowed, "`..`"},
		{"backslash dotdot", "http://docs.test:" + p + "/api/..%5cprivate/x", ErrNotAllowed, "`..`"},
		{"user info", "http://user:pw@docs.test:" + p + "/api/x", ErrNotAllowed, "user info"},
		{"redirect to disallowed host", "http://docs.test:" + p + "/api/redirect-evil", ErrNotAllowed, "evil.test"},
		{"redirect to disallowed path", "http://docs.test:" + p + "/api/redirect-private-path", ErrNotAllowed, "not under the paths"},
		{"redirect to metadata", "http://docs.test:" + p + "/api/redirect-metadata", ErrNotAllowed, "169.254.169.254"},
		{"wildcard name resolving to 127.0.0.1", "http://a.wild.test:" + p + "/api/catalog-info.yaml", egress.ErrBlocked, "loopback"},
		{"exact name resolving to metadata", "http://meta.test/latest/meta-data/", egress.ErrBlocked, "cloud metadata"},
		{"oversized body", "http://docs.test:" + p + "/api/big", ErrTooLarge, "1048576"},
		{"gzip bomb", "http://docs.test:" + p + "/api/gzip-bomb", ErrTooLarge, "1048576"},
	}
	for _, c := range cases {
		res, err := m.ReadURL(ctx, c.url, ReadURLOptions{})
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.contains) {
			t.Errorf("%s: got %v (res %v), want %v containing %q", c.name, err, res, c.want, c.contains)
		}
	}
	// A caller (the plugin loader) may raise the cap for one read.
	if res, err := m.ReadURL(ctx, "http://docs.test:"+p+"/api/big", ReadURLOptions{MaxBytes: 4 << 20}); err != nil || len(res.Content) != 2<<20 {
		t.Errorf("raised cap: %v", err)
	}
	if res, err := m.ReadURL(ctx, "http://docs.test:"+p+"/api/redirect-ok", ReadURLOptions{}); err != nil || string(res.Content) != "plain" {
		t.Errorf("allowed redirect: %v", err)
	}
}

func TestFetchRateLimitIsNotNotFound(t *testing.T) {
	fs := newFetchServer(t)
	m := newTestMux(t, fs.port, ReadingConfig{Allow: []AllowRule{{Host: "docs.test:" + fs.port}}})
	ctx := context.Background()
	before := time.Now()
	_, err := m.ReadURL(ctx, "http://docs.test:"+fs.port+"/api/rate", ReadURLOptions{})
	var rl *RateLimitError
	if !errors.As(err, &rl) || errors.Is(err, ErrNotFound) || rl.ResetAt.Before(before.Add(119*time.Second)) {
		t.Fatalf("429: %v", err)
	}
	_, err = m.ReadURL(ctx, "http://docs.test:"+fs.port+"/api/forbidden-rate", ReadURLOptions{})
	if !errors.As(err, &rl) || rl.ResetAt.Year() != 2100 || !strings.Contains(err.Error(), "resets at 2100-01-01") {
		t.Fatalf("403 rate limit: %v", err)
	}
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("403 rate limit is not ErrRateLimited: %v", err)
	}
	_, err = m.ReadURL(ctx, "http://docs.test:"+fs.port+"/api/broken", ReadURLOptions{})
	if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrNotFound) {
		t.Fatalf("500: %v", err)
	}
	_, err = m.ReadURL(ctx, "http://docs.test:"+fs.port+"/api/missing", ReadURLOptions{})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("404: %v", err)
	}
}

// hostileBody is an upstream's error page that tries to forge a log line, clear a
// terminal, and fill the error message.
var hostileBody = "\x1b[2J\x1b[31mdenied\ntime=2026-01-01 level=ERROR msg=\"forged\"\r\n" + strings.Repeat("<p>secret</p>", 1000)

// TestErrorQuotesOnlyAnExcerpt: an error that quotes what an upstream answered quotes a
// short excerpt of it, control characters escaped.
func TestErrorQuotesOnlyAnExcerpt(t *testing.T) {
	fs := newFetchServer(t)
	m := newTestMux(t, fs.port, ReadingConfig{Allow: []AllowRule{{Host: "docs.test:" + fs.port}}})
	_, err := m.ReadURL(context.Background(), "http://docs.test:"+fs.port+"/api/hostile-error", ReadURLOptions{})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("502: %v", err)
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\x1b\r\n") || len(msg) > 400 || !strings.Contains(msg, `\x1b[2J`) || !strings.Contains(msg, "HTTP 502") {
		t.Fatalf("error %q (%d bytes): want HTTP 502 and an escaped excerpt of at most about 200 bytes", msg, len(msg))
	}
}

func TestFetchTimeout(t *testing.T) {
	fs := newFetchServer(t)
	m := newTestMux(t, fs.port, ReadingConfig{Timeout: units.Duration(200 * time.Millisecond), Allow: []AllowRule{{Host: "docs.test:" + fs.port}}})
	start := time.Now()
	_, err := m.ReadURL(context.Background(), "http://docs.test:"+fs.port+"/api/slow", ReadURLOptions{})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "backend.reading.timeout") || time.Since(start) > 3*time.Second {
		t.Fatalf("got %v after %v", err, time.Since(start))
	}
}

func TestAllowRuleMatching(t *testing.T) {
	type tc struct {
		rule AllowRule
		url  string
		want bool
	}
	cases := []tc{
		{AllowRule{Host: "example.com"}, "https://example.com/x", true},
		{AllowRule{Host: "example.com"}, "https://EXAMPLE.com./x", true},
		{AllowRule{Host: "example.com"}, "https://example.com:443/x", false},
		{AllowRule{Host: "example.com"}, "https://sub.example.com/x", false},
		{AllowRule{Host: "example.com"}, "https://example.com.evil.org/x", false},
		{AllowRule{Host: "*.example.com"}, "https://a.b.example.com/x", true},
		{AllowRule{Host: "*.example.com"}, "https://example.com/x", false},
		{AllowRule{Host: "*.example.com"}, "https://badexample.com/x", false},
		{AllowRule{Host: "example.com:8080"}, "http://example.com:8080/x", true},
		{AllowRule{Host: "example.com:8080"}, "http://example.com/x", false},
		{AllowRule{Host: "example.com:8000-8100"}, "http://example.com:8050/x", true},
		{AllowRule{Host: "example.com:8000-8100"}, "http://example.com:8101/x", false},
		{AllowRule{Host: "example.net", Paths: []string{"/api/"}}, "https://example.net/api/x", true},
		{AllowRule{Host: "example.net", Paths: []string{"/api/"}}, "https://example.net/api", false},
		{AllowRule{Host: "example.net", Paths: []string{"/api/"}}, "https://example.net/apix", false},
		{AllowRule{Host: "example.net", Paths: []string{"/api/"}}, "https://example.net//api/x", true},
		{AllowRule{Host: "example.com"}, "ftp://example.com/x", false},
	}
	for _, c := range cases {
		f, err := NewFetchReader([]AllowRule{c.rule}, Limits{}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(c.url)
		if got := f.check(u) == nil; got != c.want {
			t.Errorf("rule %+v, %s: allowed=%v, want %v", c.rule, c.url, got, c.want)
		}
	}
}

func TestReadingConfigErrors(t *testing.T) {
	cases := []struct {
		cfg  ReadingConfig
		want string
	}{
		{ReadingConfig{Allow: []AllowRule{{Host: "ok.com"}, {Host: ""}}}, "backend.reading.allow[1].host: missing"},
		{ReadingConfig{Allow: []AllowRule{{Host: "https://example.com"}}}, "without scheme"},
		{ReadingConfig{Allow: []AllowRule{{Host: "a.*.example.com"}}}, "whole first label"},
		{ReadingConfig{Allow: []AllowRule{{Host: "example.com:99999"}}}, "1-65535"},
		{ReadingConfig{Allow: []AllowRule{{Host: "example.com:9-1"}}}, "1-65535"},
		{ReadingConfig{Allow: []AllowRule{{Host: "example.com", Paths: []string{"api/"}}}}, "allow[0].paths[0]: \"api/\" must start with /"},
		{ReadingConfig{MaxBytes: -1}, "backend.reading.maxBytes"},
		{ReadingConfig{CacheBytes: -5}, "backend.reading.cacheBytes"},
	}
	for _, c := range cases {
		_, err := New(c.cfg, Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want %q", c.cfg, err, c.want)
		}
	}
	m, _ := New(ReadingConfig{}, Options{})
	if _, err := m.ReadURL(context.Background(), "catalog-info.yaml", ReadURLOptions{}); !errors.Is(err, ErrInvalidURL) {
		t.Errorf("relative URL: %v", err)
	}
	_, err := m.ReadURL(context.Background(), "https://nowhere.example/x", ReadURLOptions{})
	if !errors.Is(err, ErrNotAllowed) || !strings.Contains(err.Error(), "backend.reading.allow") {
		t.Errorf("no reader: %v", err)
	}
}

func TestCacheBounded(t *testing.T) {
	c := NewCache(800)
	for i := 0; i < 50; i++ {
		c.put(cacheEntry{url: fmt.Sprintf("u%d", i), etag: "e", content: bytes.Repeat([]byte("x"), 90)})
	}
	if c.Size() > 800 || c.Len() == 0 {
		t.Fatalf("size %d len %d", c.Size(), c.Len())
	}
	if _, ok := c.get("u49"); !ok {
		t.Fatal("newest entry evicted")
	}
	if _, ok := c.get("u0"); ok {
		t.Fatal("oldest entry kept")
	}
	c.put(cacheEntry{url: "huge", content: make([]byte, 200)})
	if _, ok := c.get("huge"); ok {
		t.Fatal("entry over an eighth of the cache was cached")
	}
}

func TestMatchGlob(t *testing.T) {
	cases := []struct {
		pat, name string
		want      bool
	}{
		{"**/*.yaml", "a.yaml", true},
		{"**/*.yaml", "a/b/c.yaml", true},
		{"*.yaml", "a/b.yaml", false},
		{"a/**/c.yaml", "a/c.yaml", true},
		{"a/**/c.yaml", "a/x/y/c.yaml", true},
		{"a/*/c.yaml", "a/x/y/c.yaml", false},
		{"catalog-info.yaml", "catalog-info.yaml", true},
	}
	for _, c := range cases {
		if got := MatchGlob(c.pat, c.name); got != c.want {
			t.Errorf("MatchGlob(%q, %q) = %v", c.pat, c.name, got)
		}
	}
	if b, p := SplitGlob("org/repo/**/x.yaml"); b != "org/repo" || p != "**/x.yaml" {
		t.Errorf("SplitGlob: %q %q", b, p)
	}
}
