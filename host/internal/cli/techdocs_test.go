package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/openapitest"
	"greenroom.dev/greenroom/host/internal/plugintest"
)

// techdocsPortal starts a portal with the TechDocs plugin (built for wasip1 from
// plugins/techdocs) over a catalog whose docs trees are in dir; extra is appended to
// the plugin's entry.
func techdocsPortal(t testing.TB, dir, catalog, pluginExtra string) string {
	t.Helper()
	plugintest.Copy(t, plugintest.TechDocs(t), filepath.Join(dir, "techdocs.wasm"))
	writeTree(t, dir, "catalog.yaml", catalog)
	writeTree(t, dir, "app-config.yaml", fmt.Sprintf(`
backend:
  listen: {host: 127.0.0.1, port: 0}
  auth:
    externalAccess:
      - {type: static, options: {token: %s, subject: cli-tests}}
  reading:
    fileRoots: [.]
    timeout: 2s
runtime:
  compilationCache: %s
catalog:
  rules: [{allow: [Component, Location]}]
  locations: [{type: file, target: catalog.yaml}]
plugins:
  - id: techdocs
    source: techdocs.wasm
    grants: {catalog.read: {}, url.read: {}, files: {}, tasks: {}, search.write: {types: [techdocs]}, facts.write: {kinds: [Component]}}
    limits: {memory: 256MiB, timeout: 30s}
%s`, testToken, filepath.Join(os.TempDir(), "greenroom-test-wasm-cache"), pluginExtra))
	cfg, err := config.Load([]string{filepath.Join(dir, "app-config.yaml")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := start(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h.stop(ctx)
	})
	base := "http://" + h.addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		if st, _ := callTB(t, base+"/api/catalog/entities/by-name/component/default/svc"); st == 200 {
			return base
		}
		if time.Now().After(deadline) {
			t.Fatal("the catalog never had component:default/svc")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// callTB is a GET with the test token.
func callTB(t testing.TB, url string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	resp, err := http.DefaultClient.Do(bearer(req))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// writeTree writes a file below dir, making its directories.
func writeTree(t testing.TB, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

const techdocsCatalog = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: docs
  annotations: {backstage.io/techdocs-entity: component:default/svc}
spec: {type: library, lifecycle: production, owner: team-b}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: svc
  description: A service with docs.
  annotations: {backstage.io/techdocs-ref: dir:./svc}
spec: {type: service, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: borrower
  annotations: {backstage.io/techdocs-entity: component:default/svc, backstage.io/techdocs-entity-path: guide}
spec: {type: library, lifecycle: production, owner: team-b}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: nodocs
spec: {type: service, lifecycle: production, owner: team-b}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: escaper
  annotations: {backstage.io/techdocs-ref: "dir:../.."}
spec: {type: service, lifecycle: production, owner: team-b}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: nomkdocs
  annotations: {backstage.io/techdocs-ref: "dir:./nomkdocs"}
spec: {type: service, lifecycle: production, owner: team-b}
`

func svcDocs(t testing.TB, dir string) {
	writeTree(t, dir, "svc/mkdocs.yml", "site_name: Svc docs\nsite_description: All about svc\nnav:\n  - Home: index.md\n  - Guide: guide.md\n")
	writeTree(t, dir, "svc/docs/index.md", "# Svc\n\nSee the [guide](guide.md).\n\n![logo](img/logo.png)\n")
	writeTree(t, dir, "svc/docs/guide.md", "# Guide\n\n!!! note\n    Be careful.\n\n```go\nfunc main() {}\n```\n\n## Install\n\n[home](index.md)\n")
	writeTree(t, dir, "svc/docs/img/logo.png", "\x89PNG\r\n")
	writeTree(t, dir, "nomkdocs/docs/index.md", "# No config\n")
}

func events(t *testing.T, base, triplet string) (int, string) {
	t.Helper()
	return call(t, "GET", base+"/api/techdocs/sync/"+triplet, nil)
}

// TestTechDocs drives the TechDocs plugin, a real Wasm build, through the whole
// server: sync builds the site from a file tree through url_read_tree, an unchanged
// source costs one conditional read and no rebuild, Backstage's routes serve the site
// and its metadata, the /docs pages and the entity Docs tab show it, and a source that
// breaks leaves the last good build serving with the error on the page.
func TestTechDocs(t *testing.T) {
	dir := t.TempDir()
	svcDocs(t, dir)
	base := techdocsPortal(t, dir, techdocsCatalog, "    config: {syncInterval: 0}\n")

	st, body := events(t, base, "default/component/svc")
	if st != 200 || !strings.Contains(body, "event: finish\ndata: {\"updated\":true}") {
		t.Fatalf("first sync: %d %s", st, body)
	}
	// The plugin's OpenAPI document (its manifest's), which its JSON answers must match.
	st, doc := call(t, "GET", base+"/api/techdocs/openapi.json", nil)
	if st != 200 || !strings.Contains(doc, `"operationId":"GetTechDocsMetadata"`) {
		t.Fatalf("GET /api/techdocs/openapi.json: %d %.300s", st, doc)
	}
	val, err := openapitest.Build([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	call := func(t *testing.T, method, url string, body io.Reader) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, url, body)
		resp, err := http.DefaultClient.Do(bearer(req))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// The plugin's API; the site's pages are files, not in the document (their
		// errors are), and the portal's pages are not the plugin's.
		if api := strings.Contains(url, "/api/techdocs/"); api && (!strings.Contains(url, "/api/techdocs/static/") || resp.StatusCode != 200) {
			openapitest.Against(t, val, req, resp, b)
		}
		return resp.StatusCode, string(b)
	}
	_, meta1 := call(t, "GET", base+"/api/techdocs/metadata/techdocs/default/component/svc", nil)
	var m struct {
		SiteName        string   `json:"site_name"`
		SiteDescription string   `json:"site_description"`
		ETag            string   `json:"etag"`
		BuildTimestamp  int64    `json:"build_timestamp"`
		Files           []string `json:"files"`
	}
	if err := json.Unmarshal([]byte(meta1), &m); err != nil || m.SiteName != "Svc docs" || m.SiteDescription != "All about svc" || m.ETag == "" || m.BuildTimestamp == 0 ||
		!strings.Contains(strings.Join(m.Files, ","), "guide/index.html") {
		t.Fatalf("metadata: %s %v", meta1, err)
	}
	// Unchanged: one conditional read, no rebuild.
	st, body = events(t, base, "default/component/svc")
	if st != 200 || !strings.Contains(body, `{"updated":false}`) || !strings.Contains(body, "the source is unchanged") {
		t.Fatalf("second sync: %d %s", st, body)
	}
	if _, meta2 := call(t, "GET", base+"/api/techdocs/metadata/techdocs/default/component/svc", nil); meta2 != meta1 {
		t.Errorf("an unchanged source rebuilt the site:\n%s\n%s", meta1, meta2)
	}

	for _, c := range []struct {
		path   string
		status int
		want   []string
	}{
		{"/api/techdocs/static/docs/default/component/svc/", 200, []string{`<title>Home - Svc docs</title>`, `<a href="guide/">guide</a>`, `<img src="img/logo.png" alt="logo">`}},
		{"/api/techdocs/static/docs/default/component/svc/guide/index.html", 200, []string{`<div class="doc-admonition doc-note">`, `<span class="doc-hl-k">func</span>`, `<h2 id="install">`}},
		{"/api/techdocs/static/docs/default/component/svc/img/logo.png", 200, []string{"PNG"}},
		{"/api/techdocs/static/docs/default/component/svc/guide", 200, []string{`<div class="doc-admonition doc-note">`}},
		{"/api/techdocs/static/docs/default/component/svc/nope.html", 404, []string{`"name":"NotFoundError"`, `has no file`}},
		{"/api/techdocs/static/docs/default/component/svc/nope/", 404, []string{`"name":"NotFoundError"`}},
		{"/api/techdocs/static/docs/default/component/nobody/", 404, []string{`Entity component:default/nobody not found`}},
		{"/api/techdocs/metadata/techdocs/default/component/nodocs", 404, []string{`Unable to get metadata for 'default/component/nodocs'`}},
		{"/api/techdocs/metadata/entity/default/component/svc", 200, []string{`"locationMetadata":{"type":"dir","target":"file://` + filepath.ToSlash(dir) + `/svc"}`, `"name":"svc"`}},
		{"/api/techdocs/sync/default/component/nobody", 404, []string{`Entity metadata UID missing`}},
		{"/api/techdocs/sync/default/component/nodocs", 200, []string{"event: error", "has no backstage.io/techdocs-ref annotation"}},
		{"/api/techdocs/sync/default/component/escaper", 200, []string{"event: error", `leads outside ` + filepath.ToSlash(dir)}},
		{"/api/techdocs/sync/default/component/nomkdocs", 200, []string{"event: error", "Could not read MkDocs YAML config file mkdocs.yml or mkdocs.yaml for validation"}},
	} {
		st, body := call(t, "GET", base+c.path, nil)
		if st != c.status {
			t.Errorf("%s: %d, want %d: %s", c.path, st, c.status, body)
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %s:\n%s", c.path, w, body)
			}
		}
	}
	resp, err := get(base + "/api/techdocs/static/docs/default/component/svc/img/logo.png")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Content-Type") != "image/png" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("static headers: %v", resp.Header)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", base+"/api/techdocs/static/docs/Default/Component/Svc/guide/", nil)
	if resp, err := noRedirect.Do(bearer(req)); err != nil || resp.StatusCode != 301 || resp.Header.Get("Location") != "/api/techdocs/static/docs/default/component/svc/guide/" {
		t.Errorf("upper-case triplet: %v %v", resp, err)
	}

	// The pages, through the extension tree.
	for _, c := range []struct {
		path string
		want []string
		not  []string
	}{
		{"/docs", []string{`href="/docs/default/component/svc/">svc</a>`, `href="/docs/default/component/borrower/">borrower</a>`}, []string{"nodocs"}},
		{"/docs?owner=team-b", []string{`borrower`}, []string{`>svc</a>`}},
		{"/docs?q=all+about", nil, []string{`>borrower</a>`}},
		{"/docs/default/component/svc/guide/", []string{`<nav class="doc-nav"`, `<a class="doc-nav-current" href="/docs/default/component/svc/guide/" rel="nofollow">Guide</a>`,
			`<div class="doc-admonition doc-note">`, `<span class="doc-hl-k">func</span>`, `<a href="#install" rel="nofollow">Install</a>`,
			`<a class="doc-prev" href="/docs/default/component/svc/" rel="nofollow">← Home</a>`, `<a href="/docs/default/component/svc/" rel="nofollow">home</a>`}, []string{"<script"}},
		{"/docs/default/component/svc/", []string{`<img src="/api/techdocs/static/docs/default/component/svc/img/logo.png" alt="logo">`, `href="/docs/default/component/svc/guide/"`,
			`Owner: team-a`, `>production</span>`, `href="/catalog/default/component/svc">Entity page</a>`}, nil},
		{"/catalog/default/component/svc/docs/guide/", []string{`aria-current="page">Docs</a>`, `<div class="doc-admonition doc-note">`, `href="/catalog/default/component/svc/docs/"`}, nil},
		// borrower shows svc's docs, opened at techdocs-entity-path.
		{"/catalog/default/component/borrower/docs", []string{`Be careful.`, `href="/catalog/default/component/borrower/docs/"`}, nil},
		{"/catalog/default/component/borrower/docs/guide/", []string{`Be careful.`}, nil},
		// An entity named docs: its Docs tab's pages are found by the tab's path, not by
		// looking for /docs/ in the URL.
		{"/catalog/default/component/docs/docs/guide/", []string{`aria-current="page">Docs</a>`, `<div class="doc-admonition doc-note">`, `href="/catalog/default/component/docs/docs/"`}, nil},
		{"/catalog/default/component/nodocs", nil, []string{`href="/catalog/default/component/nodocs/docs"`}},
		{"/docs/default/component/svc/missing/", []string{"Page not found.", "This site has no page missing/."}, nil},
	} {
		_, body := call(t, "GET", base+c.path, nil)
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %s", c.path, w)
			}
		}
		for _, w := range c.not {
			if strings.Contains(mainOf(body), w) { // the shell has the host's one script
				t.Errorf("%s has %s", c.path, w)
			}
		}
	}

	// A change is rebuilt; a broken source keeps the last good build serving, with the
	// error on the page.
	writeTree(t, dir, "svc/docs/guide.md", "# Guide\n\nVersion two.\n")
	if _, body := events(t, base, "default/component/svc"); !strings.Contains(body, `{"updated":true}`) {
		t.Fatalf("sync after a change: %s", body)
	}
	if _, body := call(t, "GET", base+"/api/techdocs/static/docs/default/component/svc/guide/", nil); !strings.Contains(body, "Version two.") {
		t.Errorf("the rebuilt page: %s", body)
	}
	os.Remove(filepath.Join(dir, "svc/mkdocs.yml"))
	if _, body := events(t, base, "default/component/svc"); !strings.Contains(body, "event: error") || !strings.Contains(body, "Could not read MkDocs YAML config file") {
		t.Fatalf("sync of a broken source: %s", body)
	}
	if st, body := call(t, "GET", base+"/api/techdocs/static/docs/default/component/svc/guide/", nil); st != 200 || !strings.Contains(body, "Version two.") {
		t.Errorf("the last good build is gone: %d %s", st, body)
	}
	_, page := call(t, "GET", base+"/docs/default/component/svc/guide/", nil)
	if testing.Verbose() {
		t.Log(page)
	}
	if !strings.Contains(page, "Could not generate documentation or an error in the TechDocs backend.") || !strings.Contains(page, "Version two.") {
		t.Errorf("the reader hides the error or the last good build:\n%s", page)
	}
}

// TestTechDocsBadSources: a docs tree with a symlink out of it, a 100 MB file or more
// files than the plugin's limit is refused with an error that says which and why, and
// the portal keeps serving.
func TestTechDocsBadSources(t *testing.T) {
	dir := t.TempDir()
	svcDocs(t, dir)
	outside := t.TempDir()
	writeTree(t, outside, "passwd", "root:x:0:0")
	writeTree(t, dir, "linker/mkdocs.yml", "site_name: Linker\n")
	writeTree(t, dir, "linker/docs/index.md", "# Linker\n")
	if err := os.Symlink(filepath.Join(outside, "passwd"), filepath.Join(dir, "linker/docs/passwd.md")); err != nil {
		t.Fatal(err)
	}
	writeTree(t, dir, "huge/mkdocs.yml", "site_name: Huge\n")
	writeTree(t, dir, "huge/docs/index.md", "# Huge\n")
	if err := os.Truncate(filepath.Join(dir, "huge/docs/index.md"), 100<<20); err != nil { // sparse: no disk
		t.Fatal(err)
	}
	writeTree(t, dir, "many/mkdocs.yml", "site_name: Many\n")
	for i := 0; i < 30; i++ {
		writeTree(t, dir, fmt.Sprintf("many/docs/p%d.md", i), "# p\n")
	}
	catalog := techdocsCatalog
	for _, n := range []string{"linker", "huge", "many"} {
		catalog += "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: " + n +
			"\n  annotations: {backstage.io/techdocs-ref: \"dir:./" + n + "\"}\nspec: {type: service, lifecycle: production, owner: team-b}\n"
	}
	base := techdocsPortal(t, dir, catalog, "    config: {maxFiles: 20}\n")
	for _, c := range []struct{ entity, want string }{
		{"linker", "the path leads outside its file root (through a symlink)"},
		{"huge", "huge: docs/index.md is larger than the 20971520 byte limit"},
		{"many", "the docs source has 31 files, more than the limit of 20 (plugin config maxFiles)"},
	} {
		st, body := events(t, base, "default/component/"+c.entity)
		if st != 200 || !strings.Contains(body, "event: error") || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s, want an error event with %q", c.entity, st, body, c.want)
		}
		// The error is on the reader page too.
		if _, page := call(t, "GET", base+"/docs/default/component/"+c.entity+"/", nil); !strings.Contains(page, "Could not generate documentation") {
			t.Errorf("%s: the reader page does not show the error", c.entity)
		}
	}
	if st, body := events(t, base, "default/component/svc"); st != 200 || !strings.Contains(body, `{"updated":true}`) {
		t.Errorf("a good source after bad ones: %d %s", st, body)
	}
}

// TestTechDocsPermission: the docs follow the entity's catalog.entity.read: the plugin
// reads the entity as the caller, so a caller who may not read it gets 404 on every
// TechDocs route and "Page not found." on the reader, while one who may gets the site.
func TestTechDocsPermission(t *testing.T) {
	dir := t.TempDir()
	svcDocs(t, dir)
	// The plugin entry is last in the config: a permission section and a second token
	// go after it, at the top level.
	base := techdocsPortal(t, dir, techdocsCatalog, `permission:
  enabled: true
  rbac: {}
`)
	// The test token builds the site (a service may do what its restrictions leave open).
	if st, body := events(t, base, "default/component/svc"); st != 200 || !strings.Contains(body, `{"updated":true}`) {
		t.Fatalf("sync: %d %s", st, body)
	}
	if st, _ := call(t, "GET", base+"/api/techdocs/static/docs/default/component/svc/", nil); st != 200 {
		t.Fatalf("a caller who may read the entity: %d", st)
	}
	// Nobody (not signed in) may read nothing while the policy is on: the pages show
	// no docs, and the routes want a caller.
	for _, p := range []string{"/docs/default/component/svc/", "/catalog/default/component/svc/docs/"} {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		b := new(strings.Builder)
		_, _ = io.Copy(b, resp.Body)
		resp.Body.Close()
		if strings.Contains(b.String(), "See the") {
			t.Errorf("%s shows the docs to a caller who may not read the entity", p)
		}
	}
	if page := anonymous(t, base+"/docs/default/component/svc/"); !strings.Contains(page, "Page not found.") {
		t.Errorf("reader for nobody: %s", page)
	}
	if page := anonymous(t, base+"/docs"); strings.Contains(page, "/docs/default/component/svc/") {
		t.Errorf("/docs lists an entity nobody may read")
	}
	if resp, err := http.Get(base + "/api/techdocs/static/docs/default/component/svc/"); err != nil || resp.StatusCode != 401 {
		t.Errorf("static for nobody: %v %v", resp, err)
	}
}

func anonymous(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestTechDocsBuildCommand: greenroom techdocs build writes the site the plugin builds
// (pages at directory URLs, assets, techdocs_metadata.json), warnings on stderr; a
// directory without mkdocs.yml fails with Backstage's message.
func TestTechDocsBuildCommand(t *testing.T) {
	dir := t.TempDir()
	svcDocs(t, dir)
	writeTree(t, dir, "svc/docs/extra.md", "[gone](missing.md)\n")
	plugin := plugintest.TechDocs(t)
	out := filepath.Join(t.TempDir(), "site")
	code, stdout, stderr := run(t, "techdocs", "build", filepath.Join(dir, "svc"), "-o", out, "--plugin", plugin)
	if code != 0 || !strings.Contains(stdout, "built ") || !strings.Contains(stderr, `warning: docs/extra.md: link "missing.md": the target missing.md is not among the documentation files`) {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if strings.Contains(stderr, "search") {
		t.Errorf("the private host did not take the site's search documents:\n%s", stderr)
	}
	for _, f := range []string{"index.html", "guide/index.html", "extra/index.html", "img/logo.png", "techdocs_metadata.json", "assets/techdocs.css", "search/search_index.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("the site lacks %s: %v", f, err)
		}
	}
	// Built again into the same place: replaced whole.
	os.Remove(filepath.Join(dir, "svc/docs/extra.md"))
	if code, _, stderr := run(t, "techdocs", "build", filepath.Join(dir, "svc"), "-o", out, "--plugin", plugin); code != 0 {
		t.Fatalf("rebuild: %d %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "extra/index.html")); err == nil {
		t.Error("a page whose file is gone is still in the site")
	}
	code, _, stderr = run(t, "techdocs", "build", filepath.Join(dir, "nomkdocs"), "-o", out, "--plugin", plugin)
	if code != 1 || !strings.Contains(stderr, "Could not read MkDocs YAML config file mkdocs.yml or mkdocs.yaml for validation") {
		t.Errorf("no mkdocs.yml: exit %d %s", code, stderr)
	}
	if code, _, stderr := run(t, "techdocs", "build", dir, "--plugin", filepath.Join(dir, "nope.wasm")); code != 2 || !strings.Contains(stderr, "go tool task plugins") {
		t.Errorf("no plugin: exit %d %s", code, stderr)
	}
}

// TestTechDocsFacts: a sync that builds an entity's docs publishes techdocs.hasDocs
// true, one that fails publishes false, and a scorecard rule reads the fact.
func TestTechDocsFacts(t *testing.T) {
	dir := t.TempDir()
	svcDocs(t, dir)
	base := techdocsPortal(t, dir, techdocsCatalog, `    config: {syncInterval: 0}
scorecards:
  definitions:
    - id: docs
      levels: [{name: Documented}]
      rules:
        - {id: has-docs, level: Documented, expression: '"techdocs.hasDocs" in facts && facts["techdocs.hasDocs"] == true'}
`)
	for _, c := range []struct {
		name  string
		want  bool
		level string
	}{{"svc", true, "Documented"}, {"nomkdocs", false, ""}} {
		if st, body := events(t, base, "default/component/"+c.name); st != 200 {
			t.Fatalf("sync %s: %d %s", c.name, st, body)
		}
		var body struct {
			Items []struct{ Level string }
			Facts []struct {
				Name, Plugin string
				Value        any
			}
		}
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			st, raw := call(t, "GET", base+"/api/scorecards/entities/component/default/"+c.name, nil)
			if st != 200 {
				t.Fatalf("scorecards of %s: %d %s", c.name, st, raw)
			}
			if err := json.Unmarshal([]byte(raw), &body); err != nil {
				t.Fatal(err)
			}
			if len(body.Facts) > 0 && len(body.Items) == 1 && (body.Items[0].Level != "") == c.want || time.Now().After(deadline) {
				break
			}
		}
		if len(body.Facts) != 1 || body.Facts[0].Name != "techdocs.hasDocs" || body.Facts[0].Value != c.want || body.Facts[0].Plugin != "techdocs" {
			t.Errorf("%s: facts %+v, want techdocs.hasDocs = %v from techdocs", c.name, body.Facts, c.want)
		}
		if len(body.Items) != 1 || body.Items[0].Level != c.level {
			t.Errorf("%s: scorecard %+v, want level %q", c.name, body.Items, c.level)
		}
	}
}

// TestTechDocsServeCommand: greenroom techdocs serve previews the site and rebuilds it
// when a file changes.
func TestTechDocsServeCommand(t *testing.T) {
	dir := t.TempDir()
	svcDocs(t, dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out, errb syncBuffer
	go func() {
		done <- serveDocs(ctx, &Env{Stdout: &out, Stderr: &errb}, filepath.Join(dir, "svc"), plugintest.TechDocs(t), ln)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	page := func() string {
		resp, err := http.Get("http://" + ln.Addr().String() + "/guide/")
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	// The first wait includes compiling the plugin, which a busy machine makes slow.
	waitFor := func(want string) {
		t.Helper()
		for deadline := time.Now().Add(3 * time.Minute); !strings.Contains(page(), want); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the preview never showed %q\nstdout: %s\nstderr: %s", want, out.String(), errb.String())
			}
		}
	}
	waitFor("Be careful.")
	writeTree(t, dir, "svc/docs/guide.md", "# Guide\n\nEdited while serving.\n")
	waitFor("Edited while serving.")
}

// fakeDocsRepo is the part of GitHub's REST API the GitHub reader calls for a tree:
// the branch's commit (with If-None-Match) and the commit's tarball. mode "fail" answers
// 500 and "slow" answers after the reading timeout.
type fakeDocsRepo struct {
	mu       sync.Mutex
	files    map[string]string
	sha      string
	mode     string
	requests []string
}

func (f *fakeDocsRepo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	mode, sha, files := f.mode, f.sha, f.files
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	f.mu.Unlock()
	switch mode {
	case "fail":
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"message":"Server Error"}`)
		return
	case "slow":
		time.Sleep(3 * time.Second)
	}
	switch r.URL.Path {
	case "/api/v3/repos/o/r/commits/main":
		if r.Header.Get("If-None-Match") == `"`+sha+`"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"`+sha+`"`)
		io.WriteString(w, sha)
	case "/api/v3/repos/o/r/tarball/" + sha:
		var buf bytes.Buffer
		gz := gzip.NewWriter(&buf)
		tw := tar.NewWriter(gz)
		for name, body := range files {
			tw.WriteHeader(&tar.Header{Name: "o-r-" + sha[:7] + "/" + name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
			io.WriteString(tw, body)
		}
		tw.Close()
		gz.Close()
		w.Header().Set("Content-Type", "application/x-gzip")
		w.Write(buf.Bytes())
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"message":"Not Found"}`)
	}
}

func (f *fakeDocsRepo) set(mode, sha string, files map[string]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mode, f.sha = mode, sha
	if files != nil {
		f.files = files
	}
}

func (f *fakeDocsRepo) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.requests)
	f.requests = nil
	return n
}

// TestTechDocsGitHubSource: docs read from GitHub (a loopback fake of its API): an
// unchanged branch is one conditional request and no rebuild, a new commit rebuilds,
// and an API that answers 500 or not in time leaves the last good build serving with
// the error on the reader page.
func TestTechDocsGitHubSource(t *testing.T) {
	repo := &fakeDocsRepo{}
	repo.set("", strings.Repeat("a", 40), map[string]string{
		"site/mkdocs.yml":     "site_name: From GitHub\n",
		"site/docs/index.md":  "# Home\n\nVersion one.\n",
		"site/docs/other.md":  "# Other\n",
		"catalog-info.yaml":   "unused",
		"site/docs/.hidden":   "x",
		"elsewhere/readme.md": "not in the tree",
	})
	srv := httptest.NewServer(repo)
	defer srv.Close()
	dir := t.TempDir()
	svcDocs(t, dir)
	catalog := techdocsCatalog + "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: gh\n  annotations:\n    backstage.io/techdocs-ref: url:https://github.test/o/r/tree/main/site\nspec: {type: service, lifecycle: production, owner: team-a}\n"
	base := techdocsPortal(t, dir, catalog, "    config: {syncInterval: 0}\nintegrations:\n  github:\n    - {host: github.test, apiBaseUrl: \""+srv.URL+"/api/v3\"}\n")
	if st, body := events(t, base, "default/component/gh"); st != 200 || !strings.Contains(body, `{"updated":true}`) {
		t.Fatalf("first sync: %d %s", st, body)
	}
	repo.count()
	if _, body := events(t, base, "default/component/gh"); !strings.Contains(body, `{"updated":false}`) {
		t.Fatalf("unchanged: %s", body)
	}
	if n := repo.count(); n != 1 {
		t.Errorf("an unchanged branch cost %d requests, want one conditional request", n)
	}
	repo.set("", strings.Repeat("b", 40), map[string]string{"site/mkdocs.yml": "site_name: From GitHub\n", "site/docs/index.md": "# Home\n\nVersion two.\n"})
	if _, body := events(t, base, "default/component/gh"); !strings.Contains(body, `{"updated":true}`) {
		t.Fatalf("new commit: %s", body)
	}
	if _, body := call(t, "GET", base+"/api/techdocs/static/docs/default/component/gh/", nil); !strings.Contains(body, "Version two.") {
		t.Errorf("the new commit's site: %s", body)
	}
	repo.set("fail", strings.Repeat("c", 40), nil)
	if _, body := events(t, base, "default/component/gh"); !strings.Contains(body, "event: error") || !strings.Contains(body, "500") {
		t.Errorf("a 500: %s", body)
	}
	if st, body := call(t, "GET", base+"/api/techdocs/static/docs/default/component/gh/", nil); st != 200 || !strings.Contains(body, "Version two.") {
		t.Errorf("after a 500 the last good build is gone: %d", st)
	}
	if _, page := call(t, "GET", base+"/docs/default/component/gh/", nil); !strings.Contains(page, "Could not generate documentation") || !strings.Contains(page, "Version two.") {
		t.Errorf("the reader after a 500 does not show both the error and the last good build")
	}
	// Past backend.reading.timeout (2s here): the same.
	repo.set("slow", strings.Repeat("d", 40), nil)
	if _, body := events(t, base, "default/component/gh"); !strings.Contains(body, "event: error") || !strings.Contains(body, "timed out (backend.reading.timeout)") {
		t.Errorf("a timeout: %s", body)
	}
	if st, body := call(t, "GET", base+"/api/techdocs/static/docs/default/component/gh/", nil); st != 200 || !strings.Contains(body, "Version two.") {
		t.Errorf("after a timeout the last good build is gone: %d", st)
	}
}
