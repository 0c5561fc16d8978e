package cli

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRegisterExistingComponent: the catalog page leads to /catalog-import, which
// previews what a catalog file's URL would add (a dry run) and registers it with its
// Import button; a URL that is not http(s) or that the readers may not read is a 400
// that says why.
func TestRegisterExistingComponent(t *testing.T) {
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: imported-svc\n  title: Imported service\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n")
	}))
	defer files.Close()
	u, _ := url.Parse(files.URL)
	dir := t.TempDir()
	port := freePort(t)
	os.WriteFile(filepath.Join(dir, "app-config.yaml"), []byte(fmt.Sprintf(`
app: {baseUrl: "http://127.0.0.1:%[3]d"}
backend:
  baseUrl: "http://127.0.0.1:%[3]d"
  listen: {host: 127.0.0.1, port: %[3]d}
  reading:
    allow: [{host: "%[1]s"}]
  auth:
    externalAccess:
      - {type: static, options: {token: %[2]s, subject: cli-tests}}
catalog:
  rules: [{allow: [Component, Location]}]
`, u.Host, testToken, port)), 0o644)
	h := startPortal(t, dir)
	base := "http://" + h.addr
	target := files.URL + "/catalog-info.yaml"

	status, page := call(t, "GET", base+"/catalog", nil)
	if status != 200 || !strings.Contains(page, `href="/catalog-import">Register existing component</a>`) {
		t.Errorf("the catalog page has no register button (%d)", status)
	}
	status, page = call(t, "GET", base+"/catalog-import?url="+url.QueryEscape(target), nil)
	for _, want := range []string{"Registering it would add 2 entities", "<td>Location</td>", "<td>imported-svc</td>", "<td>Imported service</td>", `action="/api/app/register"`, `value="` + target + `"`} {
		if status != 200 || !strings.Contains(page, want) {
			t.Errorf("preview (%d) lacks %s: %s", status, want, mainOf(page))
		}
	}
	if status, _ := call(t, "GET", base+"/api/catalog/entities/by-name/component/default/imported-svc", nil); status != 404 {
		t.Errorf("the dry run registered the entity: %d", status)
	}

	req, _ := http.NewRequest("POST", base+"/api/app/register", strings.NewReader(url.Values{"target": {target}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base) // as a browser posts a form of the portal's page
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Do(bearer(req))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/catalog-import?registered=true") {
		t.Fatalf("import: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if status, _ := call(t, "GET", base+"/api/catalog/entities/by-name/component/default/imported-svc", nil); status != 200 {
		t.Errorf("after the import the entity is %d", status)
	}
	status, page = call(t, "GET", base+"/catalog-import?url="+url.QueryEscape(target), nil)
	if !strings.Contains(page, "This location is registered already") {
		t.Errorf("a second preview (%d) does not say it is registered", status)
	}

	for _, tc := range []struct{ target, want string }{
		{"ftp://example.com/x.yaml", "is not an http(s) URL"},
		{"https://not-allowed.example/catalog-info.yaml", "not-allowed.example"},
	} {
		status, page := call(t, "GET", base+"/catalog-import?url="+url.QueryEscape(tc.target), nil)
		if status != 400 || !strings.Contains(page, tc.want) {
			t.Errorf("%s: %d, page lacks %q", tc.target, status, tc.want)
		}
	}
}
