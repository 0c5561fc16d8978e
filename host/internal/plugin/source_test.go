package plugin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/urlreader"
)

// TestURLSource loads a plugin served by a real HTTP server on loopback through the URL
// readers, pinned by sha256.
func TestURLSource(t *testing.T) {
	e := newEnv(t)
	wasm, _ := os.ReadFile(fixture(t, e.dir, "ok", "ok"))
	sum := sha256.Sum256(wasm)
	pin := hex.EncodeToString(sum[:])
	srv := http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ok.wasm" {
			http.NotFound(w, r)
			return
		}
		w.Write(wasm)
	})}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(ln)
	defer srv.Close()
	host := ln.Addr().String()
	urls, err := urlreader.New(urlreader.ReadingConfig{Allow: []urlreader.AllowRule{{Host: host}}}, urlreader.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	load := func(src, sha string, urls urlreader.Reader) error {
		c := e.config(t, "plugins: [{id: remote, source: '"+src+"', sha256: "+sha+"}]")
		p, err := Load(context.Background(), Deps{Engine: e.engine, URLs: urls}, c, &c.Plugins[0])
		if p != nil {
			defer p.Close(context.Background())
			if resp, err := get(t, p, "/"); err != nil || string(resp.Body) != "ok" {
				t.Fatalf("remote plugin answers %v %v", resp, err)
			}
		}
		return err
	}
	if err := load("http://"+host+"/ok.wasm", pin, urls); err != nil {
		t.Fatalf("pinned URL source: %v", err)
	}
	wrong := strings.Repeat("0", 64)
	if err := load("http://"+host+"/ok.wasm", wrong, urls); err == nil || !strings.Contains(err.Error(), "file hashes to "+pin) {
		t.Fatalf("pin mismatch: %v", err)
	}
	if err := load("http://"+host+"/missing.wasm", pin, urls); err == nil || !strings.Contains(err.Error(), "/missing.wasm") {
		t.Fatalf("missing: %v", err)
	}
	if err := load("http://example.invalid/ok.wasm", pin, urls); err == nil || !strings.Contains(err.Error(), "backend.reading.allow") {
		t.Fatalf("disallowed host: %v", err)
	}
	if err := load("http://"+host+"/ok.wasm", pin, nil); err == nil || !strings.Contains(err.Error(), "URL readers") {
		t.Fatalf("no readers: %v", err)
	}
}
