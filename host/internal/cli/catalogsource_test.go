package cli

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/frontend"
)

// catalogApp writes files (name -> YAML) into a temp dir, loads the catalog from the
// file root, and returns the catalog, the web app over it as serve wires them, and the
// dir.
func catalogApp(t *testing.T, root string, files map[string]string) (*catalog.Catalog, *frontend.App, string) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	all := []catalog.Rule{{Allow: []string{"Component", "System", "API", "Resource", "Location", "Group", "User", "Domain"}}}
	c, err := catalog.New(context.Background(), catalog.Options{
		Config: catalog.Config{Locations: []catalog.LocationConfig{{Type: "file", Target: filepath.Join(dir, root)}}, Rules: &all},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RefreshAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	app, err := frontend.New(context.Background(), frontend.Options{Catalog: catalogSource{c}})
	if err != nil {
		t.Fatal(err)
	}
	return c, app, dir
}

func page(t *testing.T, app *frontend.App, target string) (int, string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	status, html := app.RenderPage(context.Background(), u.EscapedPath(), u.Query())
	return status, string(html)
}

// main returns the page's content, without the shell around it.
func mainOf(html string) string {
	if i := strings.Index(html, `<main`); i >= 0 {
		html = html[i:]
	}
	if i := strings.Index(html, `</main>`); i >= 0 {
		html = html[:i]
	}
	return html
}

const webComponent = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: web
spec:
  type: website
  lifecycle: production
  owner: team-a
`

func TestCatalogPageOfMissingEntityIsNotFound(t *testing.T) {
	_, app, _ := catalogApp(t, "web.yaml", map[string]string{"web.yaml": webComponent})
	if st, html := page(t, app, "/catalog/default/component/web"); st != 200 || !strings.Contains(html, "<h1>web</h1>") {
		t.Fatalf("existing entity: %d %s", st, mainOf(html))
	}
	st, unknown := page(t, app, "/no/such/page")
	if st != 404 {
		t.Fatalf("unknown path: %d", st)
	}
	// The site's not-found page, as for an unknown path; only the sentence differs.
	notFound := strings.Replace(mainOf(unknown), "No page is mounted at /no/such/page.", "The catalog has no entity %s.", 1)
	for target, ref := range map[string]string{
		"/catalog/default/component/does-not-exist": "component:default/does-not-exist",
		"/catalog/default/group/team-a":             "group:default/team-a",
		"/catalog/other/component/web/docs":         "component:other/web",
	} {
		st, html := page(t, app, target)
		if st != 404 || mainOf(html) != strings.Replace(notFound, "%s", ref, 1) {
			t.Errorf("%s: status %d, want 404 and the not-found page:\n%s", target, st, mainOf(html))
		}
	}
}

// TestCatalogPagesShowProcessingErrors: the Location entity's page lists the errors of
// the files it lists, including an entity that failed validation and so was never
// stored, and a file that is missing; an entity whose new version is invalid keeps its
// last good version and shows the error on its own page.
func TestCatalogPagesShowProcessingErrors(t *testing.T) {
	c, app, dir := catalogApp(t, "all.yaml", map[string]string{
		"all.yaml":     "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: all\nspec:\n  targets: [./web.yaml, ./invalid.yaml, ./missing.yaml]\n",
		"web.yaml":     webComponent,
		"invalid.yaml": strings.Replace(webComponent, "name: web", "name: bad_name!", 1),
	})
	st, html := page(t, app, "/catalog/default/location/all")
	body := mainOf(html)
	for _, want := range []string{
		`<h3 class="gr-card-title">Entity processing errors</h3>`,
		`<p class="gr-error-title">InputError</p><pre class="gr-error-text">`,
		`invalid.yaml:1: component:default/bad_name!: &#34;metadata.name&#34; is not valid`,
		`missing.yaml: not found</pre>`,
	} {
		if st != 200 || !strings.Contains(body, want) {
			t.Errorf("Location page (status %d) lacks %q:\n%s", st, want, body)
		}
	}
	if _, html := page(t, app, "/catalog/default/component/web"); strings.Contains(html, "Entity processing errors") {
		t.Fatal("a valid entity shows processing errors")
	}

	// web becomes invalid: it keeps its last good version, and its page says why.
	if err := os.WriteFile(filepath.Join(dir, "web.yaml"), []byte(strings.Replace(webComponent, "owner: team-a", `owner: "group:"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.RefreshAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	st, html = page(t, app, "/catalog/default/component/web")
	if want := `<p class="gr-error-title">InputError</p><pre class="gr-error-text">spec.owner: Entity reference &#34;group:&#34; was not on the form`; st != 200 || !strings.Contains(mainOf(html), want) ||
		!strings.Contains(html, "<h1>web</h1>") {
		t.Fatalf("entity page (status %d) lacks %q:\n%s", st, want, mainOf(html))
	}
}

// TestCatalogIndexOwnerFilter runs the index page's Owner filter over the real catalog:
// team-x and group:default/team-x are one owner (relations.ownedBy), offered once under
// its short name; filtering by it finds both.
func TestCatalogIndexOwnerFilter(t *testing.T) {
	owned := func(name, ns, owner string) string {
		return "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: " + name + "\n  namespace: " + ns +
			"\nspec:\n  type: service\n  lifecycle: production\n  owner: " + owner + "\n"
	}
	_, app, _ := catalogApp(t, "all.yaml", map[string]string{
		"all.yaml": strings.Join([]string{owned("a", "default", "team-x"), owned("b", "default", "group:default/team-x"),
			owned("c", "ops", "team-x"), owned("d", "default", "user:ops/bob")}, "---\n"),
	})
	for target, want := range map[string][]string{
		"/catalog": {
			`<option value="group:default/team-x">team-x (2)</option>`, `<option value="group:ops/team-x">ops/team-x (1)</option>`,
			`<option value="user:ops/bob">user:ops/bob (1)</option>`,
			`<td><a class="gr-link" href="/catalog/default/group/team-x">team-x</a></td>`,
			`<td><a class="gr-link" href="/catalog/ops/group/team-x">ops/team-x</a></td>`,
			`<td><a class="gr-link" href="/catalog/ops/user/bob">user:ops/bob</a></td>`,
		},
		"/catalog?owner=group%3Adefault%2Fteam-x": {`2 entities`, `href="/catalog/default/component/a"`, `href="/catalog/default/component/b"`},
		"/catalog?owner=team-x":                   {`2 entities`, `<option value="group:default/team-x" selected>team-x (2)</option>`},
		"/catalog?owner=group%3Aops%2Fteam-x":     {`1 entity`, `href="/catalog/ops/component/c"`},
	} {
		st, html := page(t, app, target)
		for _, w := range want {
			if st != 200 || !strings.Contains(html, w) {
				t.Errorf("%s: status %d, page lacks %s", target, st, w)
			}
		}
		if strings.Contains(html, `<option value="team-x"`) || strings.Contains(html, `>group:default/team-x<`) {
			t.Errorf("%s: an owner is shown by its raw or full ref", target)
		}
	}
}
