package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/frontend"
	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/permission"
	"greenroom.dev/greenroom/host/internal/plugintest"
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
	app, err := frontend.New(context.Background(), frontend.Options{Catalog: catalogSource{c: c}})
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
	owner := func(kind, name, ns, spec string) string {
		return "apiVersion: backstage.io/v1alpha1\nkind: " + kind + "\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\nspec: " + spec + "\n"
	}
	_, app, _ := catalogApp(t, "all.yaml", map[string]string{
		"all.yaml": strings.Join([]string{owned("a", "default", "team-x"), owned("b", "default", "group:default/team-x"),
			owned("c", "ops", "team-x"), owned("d", "default", "user:ops/bob"),
			owner("Group", "team-x", "default", "{type: team, children: []}"), owner("Group", "team-x", "ops", "{type: team, children: []}"),
			owner("User", "bob", "ops", "{memberOf: []}")}, "---\n"),
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

// TestWasmCardGetsServedEntity: a Wasm entity card's gr_render gets the entity exactly as
// GET /api/catalog/entities/by-name/... serves it, uid, etag, status and custom metadata
// keys included (abi/SPEC.md 7.3), through the whole served portal.
func TestWasmCardGetsServedEntity(t *testing.T) {
	dir := t.TempDir()
	plugintest.Copy(t, plugintest.Go(t, "host/internal/frontend/wasmext/testdata/cards"), filepath.Join(dir, "cards.wasm"))
	cfg := fmt.Sprintf(`
backend:
  listen: {host: 127.0.0.1, port: 0}
  auth:
    externalAccess:
      - {type: static, options: {token: %s, subject: cli-tests}}
runtime:
  compilationCache: %s
plugins:
  - id: cards
    source: cards.wasm
    grants: {catalog.read: {}}
    limits: {timeout: 5s}
app:
  extensions:
    # Only the card under test; the others fail on purpose.
    - entity-card:cards/owner: false
    - entity-card:cards/facts: false
    - entity-card:cards/table: false
    - entity-card:cards/markdown: false
    - entity-card:cards/chart: false
    - entity-card:cards/fails: false
    - entity-card:cards/panics: false
    - entity-card:cards/crashes: false
    - entity-card:cards/malformed: false
    - entity-card:cards/loops: false
    - entity-card:cards/bad-factory: false
catalog:
  rules:
    - allow: [Component, Location]
  locations:
    - {type: file, target: ./catalog/all.yaml}
`, testToken, filepath.Join(os.TempDir(), "greenroom-test-wasm-cache"))
	files := map[string]string{
		"app-config.yaml": cfg,
		// A Location with custom metadata, whose missing target gives it a status.
		"catalog/all.yaml": `apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: all
  title: Everything
  labels: {tier: "1"}
  chatChannel: "#catalog"
  costCenter: {code: 42, owner: finance}
spec:
  targets: [./web.yaml, ./missing.yaml]
`,
		"catalog/web.yaml": webComponent,
	}
	for name, content := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h := startPortal(t, dir)
	base := "http://" + h.addr
	var st int
	var served string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if st, served = call(t, "GET", base+"/api/catalog/entities/by-name/location/default/all", nil); st == 200 && strings.Contains(served, `"status"`) {
			break
		}
	}
	var e struct {
		Metadata struct{ UID, Etag string }
		Status   json.RawMessage
	}
	if err := json.Unmarshal([]byte(served), &e); err != nil || e.Metadata.UID == "" || e.Metadata.Etag == "" || !strings.Contains(string(e.Status), "missing.yaml") {
		t.Fatalf("served entity (%d): %v\n%s", st, err, served)
	}

	st, page := call(t, "GET", base+"/catalog/default/location/all", nil)
	card := page[strings.Index(page, ">Envelope<"):]
	for _, want := range []string{
		"<dt>uid</dt><dd>" + e.Metadata.UID + "</dd>",
		"<dt>etag</dt><dd>" + e.Metadata.Etag + "</dd>",
		"<dt>status</dt><dd>" + html.EscapeString(string(e.Status)) + "</dd>",
		"<dt>metadata.chatChannel</dt><dd>" + html.EscapeString(`"#catalog"`) + "</dd>",
		"<dt>metadata.costCenter</dt><dd>" + html.EscapeString(`{"code":42,"owner":"finance"}`) + "</dd>",
	} {
		if st != 200 || !strings.Contains(card, want) {
			t.Errorf("the card (page status %d) lacks %s", st, want)
		}
	}
	// The whole entity, byte for byte as the API serves it (once the highlighting's
	// spans are taken out).
	m := regexp.MustCompile(`(?s)<code class="language-json">(.*?)</code>`).FindStringSubmatch(card)
	if m != nil {
		m[1] = regexp.MustCompile(`<span class="gr-hl-[a-z]+">|</span>`).ReplaceAllString(m[1], "")
	}
	if m == nil || html.UnescapeString(m[1]) != served {
		t.Errorf("the card did not get the served entity:\n got %v\nwant %s", m, served)
	}
	if t.Failed() {
		t.Logf("%s", mainOf(page))
	}
}

// teamCatalog is a catalog of two teams, each owning a component, with jane in team-a;
// team-a's component depends on team-b's.
var teamCatalog = map[string]string{"all.yaml": strings.Join([]string{
	"apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-a}\nspec: {type: team, children: []}\n",
	"apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-b}\nspec: {type: team, children: []}\n",
	"apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: jane}\nspec: {memberOf: [team-a], profile: {displayName: Jane Doe, email: jane@example.com}}\n",
	"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a-service, tags: [go]}\nspec: {type: service, lifecycle: production, owner: team-a, dependsOn: [component:b-service]}\n",
	"apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: a-api}\nspec: {type: openapi, lifecycle: production, owner: team-a, definition: x}\n",
	"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: b-service, tags: [rust]}\nspec: {type: website, lifecycle: experimental, owner: team-b}\n",
}, "---\n")}

// teamPolicy lets team-a's members read what their teams own, and every Group and
// User; and refresh the components they own.
func teamPolicy(t *testing.T) *permission.Engine {
	t.Helper()
	dir := t.TempDir()
	writeTeamPolicy(dir)
	e, err := permission.NewEngine(permission.Config{Enabled: true, RBAC: permission.RBAC{
		PoliciesCSVFile: "policy.csv", ConditionalPoliciesFile: "conditions.yaml"}}, dir)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// writeTeamPolicy writes teamPolicy's files, policy.csv and conditions.yaml, into dir.
func writeTeamPolicy(dir string) {
	os.WriteFile(filepath.Join(dir, "policy.csv"), []byte("g, group:default/team-a, role:default/dev\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "conditions.yaml"), []byte(`result: CONDITIONAL
roleEntityRef: role:default/dev
pluginId: catalog
resourceType: catalog-entity
permissionMapping: [read]
conditions:
  anyOf:
    - {rule: IS_ENTITY_OWNER, resourceType: catalog-entity, params: {claims: [$ownerRefs]}}
    - {rule: IS_ENTITY_KIND, resourceType: catalog-entity, params: {kinds: [Group, User]}}
---
result: CONDITIONAL
roleEntityRef: role:default/dev
pluginId: catalog
resourceType: catalog-entity
permissionMapping: [update]
conditions:
  allOf:
    - {rule: IS_ENTITY_OWNER, resourceType: catalog-entity, params: {claims: [$ownerRefs]}}
    - {rule: IS_ENTITY_KIND, resourceType: catalog-entity, params: {kinds: [Component]}}
`), 0o644)
}

var jane = identity.NewUser("user:default/jane", []string{"group:default/team-a"})

// TestCatalogPagesReadAsTheCaller: the pages read the catalog through the caller's
// catalog.entity.read decision, which the index applies: jane sees what team-a owns
// and the teams and users, in lists, totals, facet counts and links; team-b's
// component is absent, its page the site's 404 and the link to it plain text. Nobody
// (the policy denies it) sees nothing.
func TestCatalogPagesReadAsTheCaller(t *testing.T) {
	c, _, _ := catalogApp(t, "all.yaml", teamCatalog)
	app, err := frontend.New(context.Background(), frontend.Options{Catalog: catalogSource{c, teamPolicy(t)}})
	if err != nil {
		t.Fatal(err)
	}
	asJane := identity.With(context.Background(), jane)
	render := func(ctx context.Context, target string) (int, string) {
		u, _ := url.Parse(target)
		st, b := app.RenderPage(ctx, u.EscapedPath(), u.Query())
		return st, mainOf(string(b))
	}
	for _, tc := range []struct {
		ctx    context.Context
		target string
		status int
		want   []string
		not    []string
	}{
		{asJane, "/catalog", 200,
			[]string{`5 entities`, `href="/catalog/default/component/a-service"`, `href="/catalog/default/api/a-api"`,
				`<option value="Component">Component (1)</option>`, `<option value="group:default/team-a">team-a (2)</option>`,
				`<option value="go">go (1)</option>`},
			[]string{`b-service`, `team-b (`, `rust`, `website`, `experimental`}},
		{asJane, "/catalog?kind=group", 200, []string{`2 entities`, `href="/catalog/default/group/team-b"`}, nil},
		{asJane, "/catalog?q=b-service", 200, []string{`No entities match these filters.`}, []string{`href="/catalog/default/component/b-service"`}},
		{asJane, "/catalog/default/component/a-service", 200,
			[]string{`<td>dependsOn</td><td>b-service</td><td>component</td>`,
				`<td>ownedBy</td><td><a class="gr-link" href="/catalog/default/group/team-a">team-a</a></td>`},
			[]string{`href="/catalog/default/component/b-service"`}},
		{asJane, "/catalog/default/component/b-service", 404, []string{`<h1>Page not found</h1>`, `The catalog has no entity component:default/b-service.`}, nil},
		{asJane, "/catalog/default/group/team-b", 200, []string{`<h1>team-b</h1>`}, nil},
		{context.Background(), "/catalog", 200, []string{`0 entities`, `No entities match these filters.`}, []string{`a-service`}},
		{context.Background(), "/catalog/default/component/a-service", 404, []string{`Page not found`}, nil},
	} {
		st, html := render(tc.ctx, tc.target)
		if st != tc.status {
			t.Errorf("%s as %s: status %d, want %d", tc.target, identity.From(tc.ctx).Name(), st, tc.status)
		}
		for _, w := range tc.want {
			if !strings.Contains(html, w) {
				t.Errorf("%s as %s: page lacks %s", tc.target, identity.From(tc.ctx).Name(), w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(html, n) {
				t.Errorf("%s as %s: page has %s", tc.target, identity.From(tc.ctx).Name(), n)
			}
		}
		if t.Failed() {
			t.Logf("%s", html)
			t.FailNow()
		}
	}
}
