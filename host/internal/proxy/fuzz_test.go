package proxy

import (
	"io"
	"log/slog"
	"strings"
	"testing"
)

// FuzzUpstreamURLKeepsAuthority: whatever path, query and rewrite a request brings, the
// upstream URL keeps the target's scheme and host and stays under the target's path.
func FuzzUpstreamURLKeepsAuthority(f *testing.F) {
	for _, s := range []string{"/svc/x", "/svc//evil.test/x", "/svc/@evil.test", "/svc/%2F%2Fevil.test", "/svc/..%2F..%2Fadmin",
		"/svc/x?y", "/svc/%40evil", "/svc/http://evil.test/", "/svc/\\\\evil.test", "/svc/%00", "/svc/#frag", "/svc/../x"} {
		f.Add(s, "a=1#x")
	}
	cfg := Config{Endpoints: map[string]Endpoint{
		"/svc": {Target: "https://api.example.com:8443/base", PathRewrite: PathRewrite{{Pattern: "^/api/proxy/svc/v1", Replacement: ""}}},
	}}
	p, err := New(cfg, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	ep := p.byRoute["/svc"]
	f.Fuzz(func(t *testing.T, path, query string) {
		if !strings.HasPrefix(path, "/svc") {
			path = "/svc/" + path
		}
		u, perr := p.upstreamURL(ep, path, query)
		if perr != nil {
			return
		}
		if u.Scheme != "https" || u.Host != "api.example.com:8443" || u.User != nil {
			t.Fatalf("path %q query %q left the target: %s", path, query, u)
		}
		if !strings.HasPrefix(u.EscapedPath(), "/base") {
			t.Fatalf("path %q left the target's base path: %s", path, u)
		}
		for _, seg := range strings.Split(u.Path, "/") {
			if seg == ".." {
				t.Fatalf("path %q reached upstream with ..: %s", path, u)
			}
		}
	})
}
