package catalogreader

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/egress"
	"greenroom.dev/greenroom/host/internal/urlreader"
)

func TestReadLocation(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/catalog-info.yaml":
			w.Header().Set("ETag", `"v1"`)
			if r.Header.Get("If-None-Match") == `"v1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			io.WriteString(w, "kind: Component\n")
		case "/limited.yaml":
			w.Header().Set("Retry-After", "60")
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "org.yaml"), []byte("kind: Group\n"), 0o644)
	mux, err := urlreader.New(urlreader.ReadingConfig{
		Allow:     []urlreader.AllowRule{{Host: "catalog.test:" + port}},
		FileRoots: []string{dir},
	}, urlreader.Options{Resolver: egress.StaticResolver{"catalog.test": {"127.0.0.1"}}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var r catalog.Reader = &Reader{URLs: mux}
	ctx := context.Background()
	base := "http://catalog.test:" + port
	res, err := r.ReadLocation(ctx, "url", base+"/catalog-info.yaml", "")
	if err != nil || string(res.Data) != "kind: Component\n" || res.ETag != `"v1"` {
		t.Fatalf("%v %+v", err, res)
	}
	res, err = r.ReadLocation(ctx, "url", base+"/catalog-info.yaml", `"v1"`)
	if err != nil || !res.NotModified {
		t.Fatalf("not modified: %v %+v", err, res)
	}
	if _, err := r.ReadLocation(ctx, "url", base+"/gone.yaml", ""); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("gone: %v", err)
	}
	// A rate limit must never look like a deleted file to the catalog.
	_, err = r.ReadLocation(ctx, "url", base+"/limited.yaml", "")
	if err == nil || errors.Is(err, catalog.ErrNotFound) || !errors.Is(err, urlreader.ErrRateLimited) {
		t.Fatalf("rate limit: %v", err)
	}
	if _, err := r.ReadLocation(ctx, "url", "http://elsewhere.test/x.yaml", ""); err == nil || errors.Is(err, catalog.ErrNotFound) || !strings.Contains(err.Error(), "backend.reading.allow") {
		t.Fatalf("not allowed: %v", err)
	}
	res, err = r.ReadLocation(ctx, "file", filepath.Join(dir, "org.yaml"), "")
	if err != nil || string(res.Data) != "kind: Group\n" {
		t.Fatalf("file: %v", err)
	}
	if _, err := r.ReadLocation(ctx, "file", "/etc/passwd", ""); !errors.Is(err, urlreader.ErrNotAllowed) {
		t.Fatalf("file outside roots: %v", err)
	}
}
