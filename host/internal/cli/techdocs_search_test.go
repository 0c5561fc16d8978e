package cli

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/plugintest"
)

// TestTechDocsSearch drives the TechDocs plugin (a real Wasm build) and the search index
// through the whole server, with the team policy on: a sync builds the docs of two
// components and the plugin hands their pages and sections to the index through
// search_replace; GET /api/search/query?types[]=techdocs finds a section with
// Backstage's TechDocs document shape; jane (team-a) finds team-a's docs and not
// team-b's, on the API and on the /search page's Documentation tab.
func TestTechDocsSearch(t *testing.T) {
	dir := t.TempDir()
	writeTeamPolicy(dir)
	plugintest.Copy(t, plugintest.TechDocs(t), filepath.Join(dir, "techdocs.wasm"))
	catalog := strings.Join([]string{
		"apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-a}\nspec: {type: team, children: []}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-b}\nspec: {type: team, children: []}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: jane}\nspec: {memberOf: [team-a]}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a-service, title: A Service, annotations: {backstage.io/techdocs-ref: dir:./a}}\nspec: {type: service, lifecycle: production, owner: team-a}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: b-service, annotations: {backstage.io/techdocs-ref: dir:./b}}\nspec: {type: website, lifecycle: experimental, owner: team-b}\n",
	}, "---\n")
	writeTree(t, dir, "all.yaml", catalog)
	writeTree(t, dir, "a/mkdocs.yml", "site_name: A docs\nnav:\n  - Home: index.md\n  - Guide: guide.md\n")
	writeTree(t, dir, "a/docs/index.md", "# A service\n\nWelcome.\n")
	writeTree(t, dir, "a/docs/guide.md", "# Guide\n\nRead on.\n\n## Install\n\nRun the zanzibar installer &amp; wait.\n")
	writeTree(t, dir, "b/mkdocs.yml", "site_name: B docs\n")
	writeTree(t, dir, "b/docs/index.md", "# B service\n\nThe zanzibar way.\n")
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	writeTree(t, dir, "app-config.yaml", fmt.Sprintf(`
app: {baseUrl: %[1]s}
backend:
  baseUrl: %[1]s
  listen: {host: 127.0.0.1, port: %[2]d}
  auth:
    externalAccess:
      - {type: static, options: {token: %[3]s, subject: ci-bot}}
  reading: {fileRoots: [.]}
auth:
  providers:
    guest: {userEntityRef: user:default/jane}
permission:
  enabled: true
  rbac: {policies-csv-file: policy.csv, conditionalPoliciesFile: conditions.yaml}
runtime:
  compilationCache: %[4]s
catalog:
  rules: [{allow: [Component, Group, User, Location]}]
  locations: [{type: file, target: ./all.yaml}]
plugins:
  - id: techdocs
    source: techdocs.wasm
    grants: {catalog.read: {}, url.read: {}, files: {}, tasks: {}, search.write: {types: [techdocs]}}
    limits: {memory: 256MiB, timeout: 30s}
`, base, port, testToken, filepath.Join(os.TempDir(), "greenroom-test-wasm-cache")))
	startPortal(t, dir)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if st, _ := callTB(t, base+"/api/catalog/entities/by-name/component/default/b-service"); st == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the catalog never had its components")
		}
	}
	for _, name := range []string{"a-service", "b-service"} {
		if st, body := events(t, base, "default/component/"+name); st != 200 || !strings.Contains(body, `{"updated":true}`) || !strings.Contains(body, "indexed") {
			t.Fatalf("sync %s: %d %s", name, st, body)
		}
	}

	// The API, as the service token (it may read both): a section of a-service's guide,
	// with Backstage's TechDocs fields.
	st, body := callTB(t, base+"/api/search/query?term=zanzibar&types[]=techdocs")
	var res struct {
		Results []struct {
			Type     string         `json:"type"`
			Document map[string]any `json:"document"`
		} `json:"results"`
		NumberOfResults int `json:"numberOfResults"`
	}
	if err := json.Unmarshal([]byte(body), &res); st != 200 || err != nil {
		t.Fatalf("search: %d %v %s", st, err, body)
	}
	var install map[string]any
	names := map[string]bool{}
	for _, r := range res.Results {
		if r.Type != "techdocs" {
			t.Errorf("a result of type %q for types[]=techdocs", r.Type)
		}
		names[fmt.Sprint(r.Document["name"])] = true
		if r.Document["location"] == "/docs/default/component/a-service/guide/#install" {
			install = r.Document
		}
	}
	want := map[string]any{"title": "Install", "text": "Run the zanzibar installer & wait.", "location": "/docs/default/component/a-service/guide/#install",
		"path": "guide/#install", "kind": "component", "namespace": "default", "name": "a-service", "entityTitle": "A Service",
		"componentType": "service", "type": "service", "lifecycle": "production", "owner": "team-a"}
	if got, _ := json.Marshal(install); string(got) != mustJSON(want) {
		t.Errorf("the Install section:\n got  %s\n want %s\n(all: %s)", got, mustJSON(want), body)
	}
	if !names["a-service"] || !names["b-service"] {
		t.Errorf("the service token finds docs of %v, want both components'", names)
	}

	// jane, signed in as guest, may read what team-a owns: a-service's docs, not b-service's.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	get := func(target string) (int, string) {
		t.Helper()
		resp, err := browser.Get(target)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	_, page := get(base + "/signin?redirect=%2F")
	m := regexp.MustCompile(`<a class="gr-button" href="([^"]*)">Enter as guest</a>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the sign-in page has no guest button:\n%s", mainOf(page))
	}
	get(base + html.UnescapeString(m[1]))
	st, body = get(base + "/api/search/query?term=zanzibar&types[]=techdocs")
	if st != 200 || !strings.Contains(body, "/docs/default/component/a-service/guide/#install") || strings.Contains(body, "b-service") {
		t.Errorf("jane's search: %d %s", st, body)
	}
	st, page = get(base + "/search?query=zanzibar&types%5B%5D=techdocs")
	for _, w := range []string{
		`aria-current="page">Documentation</a>`,
		`<a href="/docs/default/component/a-service/guide/#install" rel="nofollow"><strong>Install</strong> | A Service docs</a>`,
		`Run the <mark>zanzibar</mark> installer &amp; wait.`,
	} {
		if !strings.Contains(page, w) {
			t.Errorf("jane's /search page lacks %s:\n%s", w, mainOf(page))
		}
	}
	if st != 200 || strings.Contains(page, "b-service") {
		t.Errorf("jane's /search page: %d, shows b-service: %v", st, strings.Contains(page, "b-service"))
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
