package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/openapi"
	"greenroom.dev/greenroom/host/internal/openapitest"
	"greenroom.dev/greenroom/host/internal/plugintest"
)

// TestOpenAPIResponses drives every route of the host's documented APIs — catalog,
// admin, audit, auth, permission, search, scaffolder, scorecards — through the real server, with answers that succeed
// and answers that fail, and validates each response against its API's OpenAPI
// document. A route, a field or a status that the code serves and the document does
// not describe fails here.
func TestOpenAPIResponses(t *testing.T) {
	dir := metricsPortal(t, "audit: {api: {enabled: true}}\nauth: {providers: {guest: {}}}\n")
	h := startMetricsPortal(t, dir)
	base := "http://" + h.addr
	waitReady(t, base)
	v := openapitest.New(t)
	do := func(method, path, body string, status int, header ...string) string {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		bearer(req)
		for i := 0; i+1 < len(header); i += 2 {
			if header[i+1] == "" {
				req.Header.Del(header[i])
			} else {
				req.Header.Set(header[i], header[i+1])
			}
		}
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != status {
			t.Errorf("%s %s: %d %.300s, want %d", method, path, resp.StatusCode, b, status)
		}
		if id := resp.Header.Get("X-Request-Id"); len(id) != 36 {
			t.Errorf("%s %s: X-Request-Id %q, want a new UUID on every answer", method, path, id)
		}
		if !v.Check(t, req, resp, b) {
			t.Errorf("%s %s: not under a documented API", method, path)
		}
		return string(b)
	}
	// Catalog: every route, found and not.
	var uid string
	body := do("GET", "/api/catalog/entities/by-name/component/default/web", "", 200)
	if i := strings.Index(body, `"uid":"`); i > 0 {
		uid = body[i+7 : i+7+strings.IndexByte(body[i+7:], '"')]
	}
	do("GET", "/api/catalog/entities/by-name/component/default/nope", "", 404)
	do("GET", "/api/catalog/entities/by-name/component/default/web/ancestry", "", 200)
	do("GET", "/api/catalog/entities/by-uid/"+uid, "", 200)
	do("GET", "/api/catalog/entities/by-uid/nope", "", 404)
	do("GET", "/api/catalog/entities", "", 200)
	do("GET", "/api/catalog/entities?filter=kind=component&fields=metadata.name&limit=1", "", 200)
	do("GET", "/api/catalog/entities/by-query?filter=kind=component&limit=1", "", 200)
	do("GET", "/api/catalog/entities/by-query?fields=kind,metadata.name&orderField=metadata.name,desc", "", 200)
	do("GET", "/api/catalog/entities/by-query?limit=x", "", 400)
	do("POST", "/api/catalog/entities/by-refs", `{"entityRefs":["component:default/web","component:default/nope"]}`, 200)
	do("POST", "/api/catalog/entities/by-refs", `{"entityRefs":["component:default/web"],"fields":["metadata.name"]}`, 200)
	do("POST", "/api/catalog/entities/by-refs", `{}`, 400)
	do("GET", "/api/catalog/entity-facets?facet=kind&facet=spec.type", "", 200)
	locs := do("GET", "/api/catalog/locations", "", 200)
	do("GET", "/api/catalog/locations/nope", "", 404)
	if i := strings.Index(locs, `"id":"`); i > 0 {
		id := locs[i+6 : i+6+strings.IndexByte(locs[i+6:], '"')]
		do("GET", "/api/catalog/locations/"+id, "", 200)
	}
	do("GET", "/api/catalog/locations/by-entity/component/default/web", "", 200)
	do("POST", "/api/catalog/locations?dryRun=true", `{"type":"url","target":"file:///nowhere/catalog-info.yaml"}`, 400)
	do("POST", "/api/catalog/refresh", `{"entityRef":"component:default/web"}`, 200)
	do("POST", "/api/catalog/refresh", `{"entityRef":"component:default/nope"}`, 404)
	do("POST", "/api/catalog/validate-entity", `{"location":"url:http://example.com/x.yaml","entity":{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"ok"},"spec":{"type":"service","lifecycle":"production","owner":"team-a"}}}`, 200)
	do("POST", "/api/catalog/validate-entity", `{"location":"url:http://example.com/x.yaml","entity":{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"bad name!"}}}`, 400)
	do("POST", "/api/catalog/analyze-location", `{"location":{"type":"url","target":"ftp://nowhere"}}`, 400)
	do("DELETE", "/api/catalog/entities/by-uid/nope", "", 204)
	do("GET", "/api/catalog/nope", "", 404)
	// Admin, audit.
	do("POST", "/api/admin/reload", "", 200)
	do("GET", "/api/audit?limit=5", "", 200)
	do("GET", "/api/audit?outcome=maybe", "", 400)
	// Auth: the guest's token, the keys, discovery, an unknown provider.
	do("GET", "/api/auth/guest/refresh", "", 200, "Authorization", "")
	do("GET", "/api/auth/.well-known/jwks.json", "", 200)
	do("GET", "/api/auth/.well-known/openid-configuration", "", 200)
	do("GET", "/api/auth/nope/refresh", "", 404)
	do("GET", "/api/auth/guest/start?env=development", "", 302)
	// Permission: health, a decision for nobody, the RBAC views (no policy: allowed).
	do("GET", "/api/permission/health", "", 200)
	do("POST", "/api/permission/authorize", `{"items":[{"id":"1","permission":{"type":"basic","name":"catalog.entity.create","attributes":{"action":"create"}}}]}`, 200, "Authorization", "")
	do("POST", "/api/permission/authorize", `{}`, 400, "Authorization", "")
	do("GET", "/api/permission/roles", "", 200)
	do("GET", "/api/permission/policies", "", 200)
	do("POST", "/api/permission/roles", `{}`, 501)
	// Search: a page, a bad query.
	do("GET", "/api/search/query?term=web&pageLimit=1", "", 200)
	do("GET", "/api/search/query?term=web&types[]=software-catalog&filters[kind]=Component", "", 200)
	do("GET", "/api/search/query?types[]=nope", "", 400)
	do("GET", "/api/search/query?pageLimit=0", "", 400)
	// Scaffolder: the lists, a dry-run of an inline template, and what is not there.
	do("GET", "/api/scaffolder/v2/actions", "", 200)
	do("GET", "/api/scaffolder/v2/templating-extensions", "", 200)
	do("GET", "/api/scaffolder/v2/tasks?status=completed&order=desc:createdAt", "", 200)
	do("GET", "/api/scaffolder/v2/tasks?order=sideways", "", 400)
	do("GET", "/api/scaffolder/v2/templates/default/template/nope/parameter-schema", "", 404)
	do("POST", "/api/scaffolder/v2/tasks", `{not json`, 400)
	do("POST", "/api/scaffolder/v2/tasks", `{"templateRef":"template:default/nope","values":{}}`, 404)
	do("GET", "/api/scaffolder/v2/tasks/nope", "", 404)
	do("GET", "/api/scaffolder/v2/tasks/nope/events", "", 404)
	do("POST", "/api/scaffolder/v2/tasks/nope/cancel", "", 404)
	do("POST", "/api/scaffolder/v2/tasks/nope/retry", "", 404)
	do("POST", "/api/scaffolder/v2/dry-run", `{"template":{"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template","metadata":{"name":"t"},"spec":{"parameters":[{"properties":{"name":{"type":"string"}}}],"steps":[{"id":"log","action":"debug:log","input":{"message":"hi ${{ parameters.name }}"}}],"output":{"text":[{"title":"t","content":"c"}]}}},"values":{"name":"x"},"directoryContents":[]}`, 200)
	do("POST", "/api/scaffolder/v2/dry-run", `{"template":{"kind":"Component"},"values":{},"directoryContents":[]}`, 400)
	do("GET", "/api/scaffolder/v2/nope", "", 404)
	// Scorecards: no scorecards configured here (the scorecards tests cover the rest).
	do("GET", "/api/scorecards/definitions", "", 200)
	do("GET", "/api/scorecards/definitions/nope/results", "", 404)
	do("GET", "/api/scorecards/entities/component/default/web", "", 200)
	for _, id := range openapi.IDs() {
		if v.Checked[id] == 0 {
			t.Errorf("no response of %s was checked", id)
		}
	}
}

// TestOpenAPIDocumentsServed: GET /api/<id>/openapi.json serves each host API's
// document, as the package holds it.
func TestOpenAPIDocumentsServed(t *testing.T) {
	h := startPortal(t, portal(t, "audit: {api: {enabled: true}}\n"))
	for _, id := range openapi.IDs() {
		st, body := call(t, "GET", "http://"+h.addr+"/api/"+id+"/openapi.json", nil)
		want, _ := openapi.Document(id)
		if st != 200 || !bytes.Equal([]byte(body), want) {
			t.Errorf("/api/%s/openapi.json: %d %.100s", id, st, body)
		}
	}
}

// TestPluginOpenAPI: a plugin whose manifest ships an OpenAPI document has it served
// at /api/<id>/openapi.json, and its real responses validate against it; a manifest
// whose document is not OpenAPI 3 is refused at load, naming the field.
func TestPluginOpenAPI(t *testing.T) {
	dir := portal(t, "")
	plugintest.Copy(t, plugintest.GoWithManifest(t, "examples/hello-go", "host/internal/cli/testdata/hello-go-openapi.plugin.yaml"), filepath.Join(dir, "hello-go.wasm"))
	h := startPortal(t, dir)
	base := "http://" + h.addr
	st, doc := call(t, "GET", base+"/api/hello-go/openapi.json", nil)
	if st != 200 || !strings.Contains(doc, `"operationId":"Hello"`) {
		t.Fatalf("GET /api/hello-go/openapi.json: %d %.300s", st, doc)
	}
	val, err := openapitest.Build([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path   string
		status int
	}{{"/hello?name=X", 200}, {"/hello", 400}, {"/count", 200}} {
		req, _ := http.NewRequest("GET", base+"/api/hello-go"+c.path, nil)
		resp, err := http.DefaultClient.Do(bearer(req))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Fatalf("GET %s: %d %s", c.path, resp.StatusCode, b)
		}
		// The plugin's document has paths relative to /api/<id>.
		rel := req.Clone(req.Context())
		rel.URL.Path = strings.TrimPrefix(req.URL.Path, "/api/hello-go")
		openapitest.Against(t, val, rel, resp, b)
	}
	// A plugin without a document: the path falls through to the plugin (404 here).
	if st, _ := call(t, "GET", base+"/api/hello-c/openapi.json", nil); st != 404 {
		t.Fatalf("hello-c has no document, yet /api/hello-c/openapi.json answered %d", st)
	}

	bad := t.TempDir()
	man, err := os.ReadFile(filepath.Join(plugintest.Root(t), "host/internal/cli/testdata/hello-go-openapi.plugin.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(bad, "plugin.yaml"), []byte(strings.Replace(string(man), "openapi: 3.1.0", "swagger: '2.0'", 1)), 0o644)
	dir2 := portal(t, "")
	plugintest.Copy(t, plugintest.GoWithManifest(t, "examples/hello-go", relTo(t, filepath.Join(bad, "plugin.yaml"))), filepath.Join(dir2, "hello-go.wasm"))
	cfg, err := config.Load([]string{filepath.Join(dir2, "app-config.yaml")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = start(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err == nil || !strings.Contains(err.Error(), "hello-go") || !strings.Contains(err.Error(), `manifest: openapi: it has no "openapi" version`) {
		t.Fatalf("a manifest with a Swagger 2 document: %v", err)
	}
}

// relTo is path relative to the repository root (plugintest takes such paths).
func relTo(t *testing.T, path string) string {
	t.Helper()
	rel, err := filepath.Rel(plugintest.Root(t), path)
	if err != nil {
		t.Fatal(err)
	}
	return rel
}

// checkedCall is call, with the answer validated against its API's OpenAPI document
// (and an event stream's frames against the scaffolder's SerializedTaskEvent).
func checkedCall(t *testing.T, v *openapitest.Validators, method, url string, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(bearer(req))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !v.Check(t, req, resp, b) {
		t.Errorf("%s %s: %d, and not a valid answer of a documented API", method, url, resp.StatusCode)
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		s := openapitest.Schema(t, "scaffolder", "SerializedTaskEvent")
		for _, line := range strings.Split(string(b), "\n") {
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				openapitest.Value(t, s, url+": event stream frame", []byte(data))
			}
		}
	}
	return resp.StatusCode, string(b)
}
