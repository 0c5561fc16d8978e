package capability

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/egress"
	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/proxy"
	"greenroom.dev/greenroom/host/internal/runtime"
	"greenroom.dev/greenroom/host/internal/urlreader"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// services builds real services: a catalog with two entities, a proxy endpoint /up to a
// loopback server, and a URL reader over a file root.
func services(t *testing.T) *Services {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "catalog.yaml"), []byte(`
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: web, namespace: default}
spec: {type: website, owner: team-a, lifecycle: production}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: api, namespace: default}
spec: {type: service, owner: team-a, lifecycle: experimental}
`), 0o644)
	os.MkdirAll(filepath.Join(dir, "docs"), 0o755)
	os.WriteFile(filepath.Join(dir, "docs", "index.md"), []byte("# Hello"), 0o644)
	os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("no"), 0o644)

	var cc catalog.Config
	yaml.Unmarshal([]byte("locations: [{type: file, target: catalog.yaml}]\nprocessingInterval: 0s\n"), &cc)
	cat, err := catalog.New(context.Background(), catalog.Options{Config: cc, BaseDir: dir, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.RefreshAll(context.Background()); err != nil {
		t.Fatal(err)
	}

	up := http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, r.Method+" "+r.URL.Path)
	})}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go up.Serve(ln)
	t.Cleanup(func() { up.Close() })
	var pc proxy.Config
	if err := yaml.Unmarshal([]byte("endpoints:\n  /up: http://upstream.test:"+portOf(ln)+"\n  /other: http://upstream.test:"+portOf(ln)+"\n"), &pc); err != nil {
		t.Fatal(err)
	}
	res := egress.StaticResolver{"upstream.test": {"127.0.0.1"}}
	px, err := proxy.New(pc, proxy.Options{Resolver: res, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	urls, err := urlreader.New(urlreader.ReadingConfig{FileRoots: []string{dir}}, urlreader.Options{Logger: quiet, Resolver: res})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("CAPTEST_ROOT", dir)
	return &Services{Catalog: cat, URLs: urls, Proxy: px}
}

func portOf(ln net.Listener) string {
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	return p
}

func plugin(t testing.TB, grants string) *config.Plugin {
	t.Helper()
	p := &config.Plugin{ID: "p", Limits: config.Limits{Memory: 64 << 20}}
	if err := yaml.Unmarshal([]byte(grants), &p.Grants); err != nil {
		t.Fatal(err)
	}
	return p
}

// link links every function of the table that the plugin's grants cover, as the loader
// does for a module that imports them all.
func link(t *testing.T, h *Host, p *config.Plugin) map[string]runtime.HostFunc {
	t.Helper()
	out := map[string]runtime.HostFunc{}
	for _, f := range h.Table {
		if f.Builtin() || !p.Grants.Has(f.Capability) {
			continue
		}
		fn, err := h.Link(p, f.Name, true)
		if err != nil {
			t.Fatalf("link %s: %v", f.Name, err)
		}
		out[f.Name] = fn
	}
	return out
}

func callFunc(t *testing.T, funcs map[string]runtime.HostFunc, name, req string) (string, *abi.Error) {
	t.Helper()
	f, ok := funcs[name]
	if !ok {
		t.Fatalf("%s is not linked", name)
	}
	out, err := f(context.Background(), []byte(req))
	if err != nil {
		var ae *abi.Error
		if !errors.As(err, &ae) {
			t.Fatalf("%s: error %T %v is not an abi.Error", name, err, err)
		}
		return "", ae
	}
	return string(out), nil
}

// TestLink: a granted function links to the service; one whose service the host lacks
// is refused at load; an ungranted one is a stub that refuses every call.
func TestLink(t *testing.T) {
	s := services(t)
	h := NewHost(*s, nil)
	p := plugin(t, "catalog.read: {}\nproxy: {endpoints: [up]}")
	for _, n := range []string{"catalog_get", "catalog_query", "catalog_facets", "proxy_fetch"} {
		if f, err := h.Link(p, n, true); f == nil || err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	// kv is granted, but this host has no store.
	if _, err := h.Link(plugin(t, "kv: {}"), "kv_get", true); err == nil || !strings.Contains(err.Error(), "no service for it configured") {
		t.Errorf("kv without a store: %v", err)
	}
	for _, n := range []string{"mem_read", "nope"} {
		if _, err := h.Link(p, n, true); err == nil {
			t.Errorf("%s linked", n)
		}
	}
	stub, err := h.Link(p, "url_read", false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = stub(context.Background(), []byte(`{"url":"https://example.com/x"}`))
	var ae *abi.Error
	if !errors.As(err, &ae) || ae.Code != abi.CodeCapabilityDenied || ae.Message != "plugin p: url_read: capability url.read is not granted" {
		t.Fatalf("stub: %v", err)
	}
}

func TestCatalogFunctions(t *testing.T) {
	s := services(t)
	funcs := link(t, NewHost(*s, nil), plugin(t, "catalog.read: {}\ncatalog.write: {kinds: [Component], namespaces: [default]}"))
	out, e := callFunc(t, funcs, "catalog_get", `{"ref":"component:default/web"}`)
	if e != nil || !strings.Contains(out, `"name":"web"`) || !strings.Contains(out, `"uid":`) {
		t.Fatalf("get: %s %v", out, e)
	}
	if out, e = callFunc(t, funcs, "catalog_get", `{"ref":"component:default/nope"}`); e != nil || out != "null" {
		t.Fatalf("get missing: %s %v", out, e)
	}
	if _, e = callFunc(t, funcs, "catalog_get", `{"ref":"nokind"}`); e == nil || e.Code != abi.CodeInvalidArgument {
		t.Fatalf("get bad ref: %v", e)
	}
	out, e = callFunc(t, funcs, "catalog_query", `{"filter":["kind=component,spec.lifecycle=production"],"fields":["metadata.name"]}`)
	if e != nil || out != `{"items":[{"metadata":{"name":"web"}}],"totalItems":1,"pageInfo":{}}` {
		t.Fatalf("query: %s %v", out, e)
	}
	out, e = callFunc(t, funcs, "catalog_query", `{"filter":["kind=component"],"fields":["metadata.name"],"limit":1}`)
	if e != nil || !strings.Contains(out, `"totalItems":2`) || !strings.Contains(out, `"nextCursor":"`) {
		t.Fatalf("query page: %s %v", out, e)
	}
	if _, e = callFunc(t, funcs, "catalog_query", `{"filter":["=x"]}`); e == nil || e.Code != abi.CodeInvalidArgument || !strings.Contains(e.Message, "Invalid filter") {
		t.Fatalf("bad filter: %v", e)
	}
	if _, e = callFunc(t, funcs, "catalog_query", `{"filter":"kind=component"}`); e == nil || e.Code != abi.CodeInvalidArgument || !strings.Contains(e.Message, "catalog_query: the request is not valid JSON") {
		t.Fatalf("filter of the wrong type: %v", e)
	}
	out, e = callFunc(t, funcs, "catalog_facets", `{"facets":["spec.type"]}`)
	if e != nil || out != `{"facets":{"spec.type":[{"value":"file","count":1},{"value":"service","count":1},{"value":"website","count":1}]}}` {
		t.Fatalf("facets: %s %v", out, e)
	}
	if _, e = callFunc(t, funcs, "catalog_facets", `{}`); e == nil || e.Code != abi.CodeInvalidArgument {
		t.Fatalf("no facets: %v", e)
	}
	// catalog.write narrowed by kind and namespace.
	ent := `{"apiVersion":"backstage.io/v1alpha1","kind":"%s","metadata":{"name":"gen","namespace":"%s"},"spec":{"type":"service","owner":"team-a","lifecycle":"production"}}`
	if _, e = callFunc(t, funcs, "catalog_apply", `{"upsert":[`+fmt.Sprintf(ent, "Component", "default")+`]}`); e != nil {
		t.Fatalf("apply: %v", e)
	}
	if out, _ = callFunc(t, funcs, "catalog_get", `{"ref":"component:default/gen"}`); !strings.Contains(out, `"gen"`) {
		t.Fatalf("applied entity missing: %s", out)
	}
	if _, e = callFunc(t, funcs, "catalog_apply", `{"upsert":[`+fmt.Sprintf(ent, "Group", "default")+`]}`); e == nil || e.Code != abi.CodeCapabilityDenied || !strings.Contains(e.Message, "may not write kind Group") {
		t.Fatalf("kind narrowing: %v", e)
	}
	if _, e = callFunc(t, funcs, "catalog_apply", `{"upsert":[`+fmt.Sprintf(ent, "Component", "ops")+`]}`); e == nil || !strings.Contains(e.Message, "may not write namespace ops") {
		t.Fatalf("namespace narrowing: %v", e)
	}
	if _, e = callFunc(t, funcs, "catalog_apply", `{"delete":["group:default/x"]}`); e == nil || e.Code != abi.CodeCapabilityDenied {
		t.Fatalf("delete narrowing: %v", e)
	}
	if _, e = callFunc(t, funcs, "catalog_apply", `{"upsert":[{"kind":"Component","metadata":{"name":"Bad Name"}}]}`); e == nil || e.Code != abi.CodeInvalidArgument {
		t.Fatalf("invalid entity: %v", e)
	}
	if _, e = callFunc(t, funcs, "catalog_apply", `{"delete":["component:default/gen"]}`); e != nil {
		t.Fatalf("delete: %v", e)
	}
	if out, _ = callFunc(t, funcs, "catalog_get", `{"ref":"component:default/gen"}`); out != "null" {
		t.Fatalf("deleted entity still served: %s", out)
	}
	if _, e = callFunc(t, funcs, "catalog_apply", `not json`); e == nil || e.Code != abi.CodeInvalidArgument {
		t.Fatalf("bad request: %v", e)
	}
}

func TestProxyFetchNarrowedByEndpoint(t *testing.T) {
	s := services(t)
	f := link(t, NewHost(*s, nil), plugin(t, "proxy: {endpoints: [/up]}"))["proxy_fetch"]
	jane := identity.With(context.Background(), identity.NewUser("user:default/jane", nil))
	out, err := f(jane, []byte(`{"endpoint":"up","method":"GET","path":"/x"}`))
	if err != nil {
		t.Fatal(err)
	}
	var resp abi.HTTPResponse
	json.Unmarshal(out, &resp)
	if resp.Status != 200 || string(resp.Body) != "GET /x" || resp.Headers["content-type"][0] != "text/plain" {
		t.Fatalf("fetch: %s", out)
	}
	var ae *abi.Error
	// The endpoint's credentials (require, the default) apply to the caller served.
	_, err = f(context.Background(), []byte(`{"endpoint":"up","method":"GET","path":"/x"}`))
	if !errors.As(err, &ae) || ae.Code != abi.CodeCapabilityDenied || !strings.Contains(ae.Message, "credentials: require, and the plugin serves an anonymous caller") {
		t.Fatalf("anonymous caller: %v", err)
	}
	_, err = f(context.Background(), []byte(`{"endpoint":"/other","path":"/x"}`))
	if !errors.As(err, &ae) || ae.Code != abi.CodeCapabilityDenied || !strings.Contains(ae.Message, "may not call proxy endpoint /other; add it to plugins[0].grants.proxy.endpoints") {
		t.Fatalf("ungranted endpoint: %v", err)
	}
	_, err = f(jane, []byte(`{"endpoint":"/up","headers":{"x-bad":"a\r\nb"}}`))
	if !errors.As(err, &ae) || ae.Code != abi.CodeInvalidArgument {
		t.Fatalf("bad header: %v", err)
	}
}

func TestURLReadNarrowedByGlobs(t *testing.T) {
	s := services(t)
	root := os.Getenv("CAPTEST_ROOT")
	funcs := link(t, NewHost(*s, nil), plugin(t, "url.read: {paths: ['"+root+"/docs/**']}"))
	furl := func(p ...string) string {
		return (&url.URL{Scheme: "file", Path: filepath.Join(append([]string{root}, p...)...)}).String()
	}
	out, e := callFunc(t, funcs, "url_read", `{"url":"`+furl("docs", "index.md")+`"}`)
	if e != nil || !strings.Contains(out, `"content":"IyBIZWxsbw=="`) || !strings.Contains(out, `"lastModifiedAt":"`) {
		t.Fatalf("read: %s %v", out, e)
	}
	var res abi.URLReadResult
	json.Unmarshal([]byte(out), &res)
	if out, e = callFunc(t, funcs, "url_read", `{"url":"`+furl("docs", "index.md")+`","etag":"`+res.ETag+`"}`); e != nil || out != `{"etag":"`+res.ETag+`","notModified":true}` {
		t.Fatalf("not modified: %s %v", out, e)
	}
	if _, e = callFunc(t, funcs, "url_read", `{"url":"`+furl("secret.txt")+`"}`); e == nil || e.Code != abi.CodeCapabilityDenied {
		t.Fatalf("outside the grant: %v", e)
	}
	if _, e = callFunc(t, funcs, "url_read", `{"url":"`+furl("docs", "missing.md")+`"}`); e == nil || e.Code != abi.CodeNotFound {
		t.Fatalf("missing: %v", e)
	}
	out, e = callFunc(t, funcs, "url_read_tree", `{"url":"`+furl("docs")+`","filter":"**/*.md"}`)
	if e != nil || !strings.Contains(out, `"path":"index.md"`) {
		t.Fatalf("tree: %s %v", out, e)
	}
	if _, e = callFunc(t, funcs, "url_read_tree", `{"url":"`+furl("docs")+`","filter":"[a"}`); e == nil || e.Code != abi.CodeInvalidArgument {
		t.Fatalf("bad filter: %v", e)
	}
	out, e = callFunc(t, funcs, "url_search", `{"url":"`+furl("docs")+`/*.md"}`)
	if e != nil || !strings.Contains(out, `index.md","content":"IyBIZWxsbw=="`) {
		t.Fatalf("search: %s %v", out, e)
	}

	// A plugin with little memory reads at most a quarter of it.
	small := plugin(t, "url.read: {}")
	small.Limits.Memory = 16
	f, err := NewHost(*s, nil).Link(small, "url_read", true)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f(context.Background(), []byte(`{"url":"`+furl("docs", "index.md")+`"}`))
	var ae *abi.Error
	if !errors.As(err, &ae) || ae.Code != abi.CodeTooLarge || !strings.Contains(ae.Message, "4 byte limit") {
		t.Fatalf("capped read: %v", err)
	}

	// Globs the config could not have let through still refuse every call, not panic.
	bad := plugin(t, "url.read: {paths: ['docs/**']}")
	f, err = NewHost(*s, nil).Link(bad, "url_read", true)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f(context.Background(), []byte(`{"url":"`+furl("docs", "index.md")+`"}`))
	if !errors.As(err, &ae) || ae.Code != abi.CodeCapabilityDenied || !strings.Contains(ae.Message, "grants.url.read") {
		t.Fatalf("invalid grant: %v", err)
	}
}
