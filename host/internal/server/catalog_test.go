package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/catalog/api"
	"greenroom.dev/greenroom/host/internal/plugintest"
)

// TestCatalogMount checks the fiber glue of /api/catalog: paths with encoded parts,
// query strings, the link header, POST bodies and Backstage's error body.
func TestCatalogMount(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var cc catalog.Config
	yaml.Unmarshal([]byte("rules: [{allow: [Component, System, API, Resource, Location, Template, Group, User, Domain]}]\nprocessingInterval: 0s\nlocations: [{type: file, target: "+filepath.Join(plugintest.Root(t), "examples/catalog/all.yaml")+"}]\n"), &cc)
	c, err := catalog.New(context.Background(), catalog.Options{Config: cc, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RefreshAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := New(Options{Logger: quiet, Catalog: api.New(c)})
	base := "http://" + serveTest(t, s)

	resp, err := http.Get(base + "/api/catalog/entities?filter=kind=component&fields=metadata.name&limit=2")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var items []map[string]any
	if resp.StatusCode != 200 || json.Unmarshal(b, &items) != nil || len(items) != 2 {
		t.Fatalf("entities: %d %s", resp.StatusCode, b)
	}
	if link := resp.Header.Get("Link"); !strings.Contains(link, `rel="next"`) || !strings.Contains(link, "/api/catalog/entities?") {
		t.Fatalf("link header %q", link)
	}
	resp, _ = http.Get(base + "/api/catalog/entities/by-name/component/default/checkout-service")
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"name":"checkout-service"`) {
		t.Fatalf("by-name: %d %s", resp.StatusCode, b)
	}
	resp, _ = http.Post(base+"/api/catalog/entities/by-refs", "application/json", strings.NewReader(`{"entityRefs":["component:default/checkout-service","component:default/nope"]}`))
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"checkout-service"`) || !strings.Contains(string(b), "null") {
		t.Fatalf("by-refs: %d %s", resp.StatusCode, b)
	}
	resp, _ = http.Get(base + "/api/catalog/entities/by-query?limit=x")
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	var eb ErrorBody
	if resp.StatusCode != 400 || json.Unmarshal(b, &eb) != nil || eb.Error.Name != "InputError" || eb.Request.URL != "/api/catalog/entities/by-query?limit=x" || eb.Response.StatusCode != 400 {
		t.Fatalf("bad limit: %d %s", resp.StatusCode, b)
	}
	// A body over the cap is refused from its Content-Length: the 413 comes back while
	// the client is still sending (a plain client would see the connection reset).
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /api/catalog/entities/by-refs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", catalogBodyLimit+1)
	go conn.Write(make([]byte, catalogBodyLimit+1)) // fails once the server closes; ignored
	resp, err = http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	conn.Close()
	if resp.StatusCode != 413 || !strings.Contains(string(b), "PayloadTooLargeError") {
		t.Fatalf("oversized body: %d %s", resp.StatusCode, b)
	}
	resp, _ = http.Get(base + "/api/catalog/entities/by-name/component/default/nope")
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("missing entity: %d", resp.StatusCode)
	}
	// An empty name: no route has that path, so Backstage's 404 NotFoundError body.
	resp, _ = http.Get(base + "/api/catalog/entities/by-name/component/default/")
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	eb = ErrorBody{}
	if resp.StatusCode != 404 || json.Unmarshal(b, &eb) != nil || eb.Error.Name != "NotFoundError" || eb.Response.StatusCode != 404 ||
		eb.Request.URL != "/api/catalog/entities/by-name/component/default/" {
		t.Fatalf("empty name: %d %s", resp.StatusCode, b)
	}
}

func serveTest(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	return ln.Addr().String()
}
