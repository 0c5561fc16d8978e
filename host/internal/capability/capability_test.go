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
	"greenroom.dev/greenroom/host/internal/proxy"
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

func plugin(t *testing.T, grants string) *config.Plugin {
	t.Helper()
	p := &config.Plugin{ID: "p", Limits: config.Limits{Memory: 64 << 20}}
	if err := yaml.Unmarshal([]byte(grants), &p.Grants); err != nil {
		t.Fatal(err)
	}
	return p
}

func call(t *testing.T, funcs map[string]func(context.Context, []byte) ([]byte, error), name, req string) (string, *abi.Error) {
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

func TestOnlyGrantedFunctionsAreLinked(t *testing.T) {
	s := services(t)
	funcs := s.Funcs(plugin(t, "kv: {}"))
	if len(funcs) != 0 {
		t.Fatalf("linked %v without grants", keys(funcs))
	}
	funcs = s.Funcs(plugin(t, "catalog.read: {}\nproxy: {endpoints: [up]}"))
	for _, n := range []string{"catalog_get", "catalog_query", "catalog_facets", "proxy_fetch"} {
		if funcs[n] == nil {
			t.Errorf("%s missing", n)
		}
	}
	for _, n := range []string{"catalog_apply", "url_read"} {
		if funcs[n] != nil {
			t.Errorf("%s linked without its grant", n)
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestCatalogFunctions(t *testing.T) {
	s := services(t)
	funcs := map[string]func(context.Context, []byte) ([]byte, error){}
	for k, v := range s.Funcs(plugin(t, "catalog.read: {}\ncatalog.write: {kinds: [Component], namespaces: [default]}")) {
		funcs[k] = v
	}
	out, e := call(t, funcs, "catalog_get", `{"ref":"component:default/web"}`)
	if e != nil || !strings.Contains(out, `"name":"web"`) {
		t.Fatalf("get: %s %v", out, e)
	}
	if out, e = call(t, funcs, "catalog_get", `{"ref":"component:default/nope"}`); e != nil || out != "null" {
		t.Fatalf("get missing: %s %v", out, e)
	}
	out, e = call(t, funcs, "catalog_query", `{"filter":["kind=component,spec.lifecycle=production"],"fields":["metadata.name"]}`)
	if e != nil || !strings.Contains(out, `"totalItems":1`) || !strings.Contains(out, `"web"`) {
		t.Fatalf("query: %s %v", out, e)
	}
	if _, e = call(t, funcs, "catalog_query", `{"filter":["=x"]}`); e == nil || e.Code != abi.CodeInvalidArgument {
		t.Fatalf("bad filter: %v", e)
	}
	out, e = call(t, funcs, "catalog_facets", `{"facets":["spec.type"]}`)
	if e != nil || !strings.Contains(out, `"website"`) {
		t.Fatalf("facets: %s %v", out, e)
	}
	// catalog.write narrowed by kind and namespace.
	ent := `{"apiVersion":"backstage.io/v1alpha1","kind":"%s","metadata":{"name":"gen","namespace":"%s"},"spec":{"type":"service","owner":"team-a","lifecycle":"production"}}`
	if _, e = call(t, funcs, "catalog_apply", `{"upsert":[`+fmt.Sprintf(ent, "Component", "default")+`]}`); e != nil {
		t.Fatalf("apply: %v", e)
	}
	if out, _ = call(t, funcs, "catalog_get", `{"ref":"component:default/gen"}`); !strings.Contains(out, `"gen"`) {
		t.Fatalf("applied entity missing: %s", out)
	}
	if _, e = call(t, funcs, "catalog_apply", `{"upsert":[`+fmt.Sprintf(ent, "Group", "default")+`]}`); e == nil || e.Code != abi.CodeCapabilityDenied || !strings.Contains(e.Message, "may not write kind Group") {
		t.Fatalf("kind narrowing: %v", e)
	}
	if _, e = call(t, funcs, "catalog_apply", `{"upsert":[`+fmt.Sprintf(ent, "Component", "ops")+`]}`); e == nil || !strings.Contains(e.Message, "may not write namespace ops") {
		t.Fatalf("namespace narrowing: %v", e)
	}
	if _, e = call(t, funcs, "catalog_apply", `{"delete":["group:default/x"]}`); e == nil || e.Code != abi.CodeCapabilityDenied {
		t.Fatalf("delete narrowing: %v", e)
	}
	if _, e = call(t, funcs, "catalog_apply", `not json`); e == nil || e.Code != abi.CodeInvalidArgument {
		t.Fatalf("bad request: %v", e)
	}
}

func TestProxyFetchNarrowedByEndpoint(t *testing.T) {
	s := services(t)
	funcs := s.Funcs(plugin(t, "proxy: {endpoints: [/up]}"))
	f := funcs["proxy_fetch"]
	out, err := f(context.Background(), []byte(`{"endpoint":"up","method":"GET","path":"/x"}`))
	if err != nil {
		t.Fatal(err)
	}
	var resp abi.HTTPResponse
	json.Unmarshal(out, &resp)
	if resp.Status != 200 || string(resp.Body) != "GET /x" {
		t.Fatalf("fetch: %s", out)
	}
	_, err = f(context.Background(), []byte(`{"endpoint":"/other","path":"/x"}`))
	var ae *abi.Error
	if !errors.As(err, &ae) || ae.Code != abi.CodeCapabilityDenied || !strings.Contains(ae.Message, "may not call proxy endpoint /other; add it to plugins[0].grants.proxy.endpoints") {
		t.Fatalf("ungranted endpoint: %v", err)
	}
}

func TestURLReadNarrowedByGlobs(t *testing.T) {
	s := services(t)
	root := os.Getenv("CAPTEST_ROOT")
	funcs := s.Funcs(plugin(t, "url.read: {paths: ['"+root+"/docs/**']}"))
	f := funcs["url_read"]
	u := (&url.URL{Scheme: "file", Path: filepath.Join(root, "docs", "index.md")}).String()
	out, err := f(context.Background(), []byte(`{"url":"`+u+`"}`))
	if err != nil || !strings.Contains(string(out), `"content":"IyBIZWxsbw=="`) {
		t.Fatalf("read: %s %v", out, err)
	}
	u = (&url.URL{Scheme: "file", Path: filepath.Join(root, "secret.txt")}).String()
	_, err = f(context.Background(), []byte(`{"url":"`+u+`"}`))
	var ae *abi.Error
	if !errors.As(err, &ae) || ae.Code != abi.CodeCapabilityDenied {
		t.Fatalf("outside the grant: %v", err)
	}
}
