package frontend

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/frontend/ui"
)

func entities() []ext.Entity {
	return []ext.Entity{
		{APIVersion: "backstage.io/v1alpha1", Kind: "Component", Metadata: ext.EntityMetadata{
			Name: "payments", Title: "Payments service", Description: "Takes the money.", Tags: []string{"go", "critical"},
			Links: []ext.EntityLink{{URL: "https://runbook.example/payments", Title: "Runbook"}, {URL: "javascript:alert(1)", Title: "Evil link"}}},
			Spec:      map[string]any{"type": "service", "lifecycle": "production", "owner": "team-a", "system": "shop"},
			Relations: []ext.EntityRelation{{Type: "ownedBy", TargetRef: "group:default/team-a"}, {Type: "providesApi", TargetRef: "api:default/payments-api"}}},
		{APIVersion: "backstage.io/v1alpha1", Kind: "API", Metadata: ext.EntityMetadata{Name: "payments-api", Description: "Charge cards."},
			Spec: map[string]any{"type": "openapi", "lifecycle": "production", "owner": "team-a"}},
		{APIVersion: "backstage.io/v1alpha1", Kind: "Component", Metadata: ext.EntityMetadata{Name: "website", Namespace: "web", Tags: []string{"ts"}},
			Spec: map[string]any{"type": "website", "lifecycle": "experimental", "owner": "group:web/team-b"}},
		{APIVersion: "backstage.io/v1alpha1", Kind: "Component", Metadata: ext.EntityMetadata{Name: "xss", Title: "<script>alert(1)</script>",
			Description: `<img src=x onerror=alert(1)>`, Tags: []string{"go"}},
			Spec: map[string]any{"type": "library", "lifecycle": "deprecated", "owner": `"><script>alert(1)</script>`}},
		{APIVersion: "backstage.io/v1alpha1", Kind: "Group", Metadata: ext.EntityMetadata{Name: "team-a"}, Spec: map[string]any{"type": "team"}},
	}
}

func config(t testing.TB, src string) ext.Extensions {
	t.Helper()
	var doc struct {
		Extensions ext.Extensions `yaml:"extensions"`
	}
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Extensions
}

func newApp(t testing.TB, cfg string, plugins ...ext.Extension) *App {
	t.Helper()
	a, err := New(context.Background(), Options{Catalog: NewMemoryCatalog(entities()), Extensions: plugins, Config: config(t, cfg)})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Problems()) > 0 {
		t.Logf("problems: %v", a.Problems())
	}
	return a
}

func get(t testing.TB, a *App, target string) (int, string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	status, html := a.RenderPage(context.Background(), u.EscapedPath(), u.Query())
	return status, string(html)
}

func plugin(e ext.Extension, source string) ext.Extension {
	e.Source = source
	return e
}

func cardReturning(id, filter string, f func(rc *ext.RenderContext) (ui.Node, error)) ext.Extension {
	return plugin(EntityCard(id, filter, func(context.Context, ext.FactoryInput) (ext.Element, error) {
		return ext.ElementFunc(func(_ context.Context, rc *ext.RenderContext) (ui.Node, error) { return f(rc) }), nil
	}), "plugin test")
}

func TestPages(t *testing.T) {
	docsTab := plugin(EntityTab("entity-content:docs/docs", "Docs", "docs", "kind:component", func(context.Context, ext.FactoryInput) (ext.Element, error) {
		return ext.ElementFunc(func(_ context.Context, rc *ext.RenderContext) (ui.Node, error) {
			return ui.Node{Type: ui.TypeMarkdown, Text: "# Docs for " + rc.Entity.Metadata.Name}, nil
		}), nil
	}), "plugin docs")
	apiCard := cardReturning("entity-card:api/definition", "kind:api", func(rc *ext.RenderContext) (ui.Node, error) {
		return ui.Card("API definition", ui.Node{Type: ui.TypeCode, Text: "openapi: 3.0.0"}), nil
	})
	a := newApp(t, "extensions:\n  - page:catalog:\n      config: {pageSize: 2}\n", docsTab, apiCard)
	tests := []struct {
		target string
		status int
		want   []string
		not    []string
	}{
		{"/", 200, []string{`<title>Home | Greenroom</title>`, `<a class="gr-nav-link" href="/" aria-current="page">Home</a>`, `<a class="gr-link" href="/catalog">Browse the catalog</a>`},
			[]string{`href="/catalog" aria-current`}},
		{"/catalog", 200, []string{`<title>Catalog | Greenroom</title>`, `<a class="gr-nav-link" href="/catalog" aria-current="page">Catalog</a>`,
			`<p class="gr-subtitle">5 entities</p>`, `<form class="gr-form" method="get" action="/catalog">`,
			`<option value="Component">Component (3)</option>`, `Page 1 of 3`, `<a class="gr-link" href="?page=2">Next page</a>`}, []string{"Previous page"}},
		{"/catalog?page=2", 200, []string{`Page 2 of 3`, `href="?page=3">Next page</a>`, `href="?">Previous page</a>`}, nil},
		{"/catalog?kind=api", 200, []string{`1 entity`, `<a class="gr-link" href="/catalog/default/api/payments-api">payments-api</a>`,
			`<option value="API" selected>API (1)</option>`}, []string{`/component/payments"`}},
		{"/catalog?kind=Component&lifecycle=production", 200, []string{`1 entity`, `>Payments service</a>`}, nil},
		// The owner web/team-b is not in the catalog: its name is not a link to a 404.
		{"/catalog?type=website", 200, []string{`1 entity`, `href="/catalog/web/component/website"`, `<td>web/team-b</td>`}, []string{`href="/catalog/web/group/team-b"`}},
		{"/catalog?owner=team-a", 200, []string{`2 entities`}, nil},
		{"/catalog?tag=go&kind=component", 200, []string{`2 entities`, `<span class="gr-badge gr-tone-neutral">critical</span>`}, nil},
		{"/catalog?kind=component&page=2", 200, []string{`Page 2 of 2`, `href="?kind=component">Previous page</a>`}, []string{"Next page"}},
		{"/catalog?q=MONEY", 200, []string{`1 entity`, `>Payments service</a>`, `<input type="search" name="q" value="MONEY"`}, nil},
		{"/catalog?kind=nothing", 200, []string{`Nothing found`, `No entities match these filters.`, `<option value="nothing" selected>nothing</option>`}, nil},
		{"/catalog?page=abc", 400, []string{`Bad page number`, `page=&#34;abc&#34; is not a page number`}, nil},
		{"/catalog?page=0", 400, []string{`Bad page number`}, nil},
		{"/catalog?page=9", 404, []string{`There is no page 9; the last page is 3.`}, nil},
		{"/catalog/default/component/payments", 200, []string{
			`<title>Payments service | Greenroom</title>`, `<span class="gr-badge gr-tone-success">production</span>`,
			`<h3 class="gr-card-title">About</h3>`, `<dt>Owner</dt><dd><a class="gr-link" href="/catalog/default/group/team-a">team-a</a></dd>`,
			`<dt>System</dt><dd>shop</dd>`, // no such system in the catalog
			`<h3 class="gr-card-title">Relations</h3>`, `<td>providesApi</td><td><a class="gr-link" href="/catalog/default/api/payments-api">payments-api</a></td><td>api</td>`, `<text class="gr-graph-relation" x="647.5" y="32.0" text-anchor="middle">providesApi</text><a href="/catalog/default/api/payments-api">`,
			`<h3 class="gr-card-title">Links</h3>`, `<a class="gr-link" href="https://runbook.example/payments" rel="noopener noreferrer nofollow">Runbook</a>`,
			`<span class="gr-link gr-link-blocked" title="link removed: unsafe URL">Evil link</span>`,
			`<a class="gr-tab" href="/catalog/default/component/payments" aria-current="page">Overview</a>`,
			`<a class="gr-tab" href="/catalog/default/component/payments/docs">Docs</a>`,
			`<a class="gr-nav-link" href="/catalog" aria-current="page">Catalog</a>`,
		}, []string{`API definition`, `Docs for`}},
		{"/catalog/default/api/payments-api", 200, []string{`API definition`, `openapi: 3.0.0`, `This entity has no relations.`},
			[]string{`Links</h3>`, `>Docs</a>`}},
		{"/catalog/default/component/payments/docs", 200, []string{`<h1>Docs for payments</h1>`, `href="/catalog/default/component/payments/docs" aria-current="page">Docs</a>`},
			[]string{`About</h3>`}},
		// A tab owns the paths below it: the Docs tab's pages.
		{"/catalog/default/component/payments/docs/guide/setup/", 200, []string{`<h1>Docs for payments</h1>`, `href="/catalog/default/component/payments/docs" aria-current="page">Docs</a>`}, nil},
		{"/catalog/default/component/payments/docsx", 404, []string{`This entity has no tab &#34;docsx&#34;.`}, nil},
		{"/catalog/default/component/payments/nope", 404, []string{`This entity has no tab &#34;nope&#34;.`}, nil},
		{"/catalog/default/component/nothing", 404, []string{`<h1>Page not found</h1>`, `The catalog has no entity component:default/nothing.`}, nil},
		{"/catalog/WEB/Component/website", 200, []string{`<h1>website</h1>`}, nil},
		{"/no/such/page", 404, []string{`Page not found`, `No page is mounted at /no/such/page.`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			status, html := get(t, a, tt.target)
			if status != tt.status {
				t.Errorf("status = %d, want %d", status, tt.status)
			}
			for _, w := range tt.want {
				if !strings.Contains(html, w) {
					t.Errorf("page lacks %s", w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(html, n) {
					t.Errorf("page has %s", n)
				}
			}
			if t.Failed() {
				t.Logf("%s", html[strings.Index(html, "<body>"):])
			}
		})
	}
}

func TestEntityDataIsEscaped(t *testing.T) {
	a := newApp(t, "")
	for _, target := range []string{"/catalog", "/catalog?tag=go", "/catalog/default/component/xss"} {
		_, html := get(t, a, target)
		body := html[strings.Index(html, "<body>"):]
		if strings.Contains(body, "<script") || strings.Contains(body, "<img") || strings.Contains(body, "javascript:") {
			t.Errorf("%s: entity data reached the page unescaped:\n%s", target, body)
		}
		if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s: escaped title missing", target)
		}
	}
}

// TestErrorBoundary: failing plugin cards render error boxes naming them, the other
// cards render, and the status stays 200.
func TestErrorBoundary(t *testing.T) {
	good := cardReturning("entity-card:good/card", "", func(*ext.RenderContext) (ui.Node, error) {
		return ui.Card("Good card", ui.Text("fine")), nil
	})
	failing := cardReturning("entity-card:bad/error", "", func(*ext.RenderContext) (ui.Node, error) {
		return ui.Node{}, errors.New("upstream timed out")
	})
	panicking := cardReturning("entity-card:bad/panic", "", func(*ext.RenderContext) (ui.Node, error) {
		var m map[string]int
		//lint:ignore SA5000 deliberate: a runtime panic, as a real bug would cause
		m["x"]++
		return ui.Node{}, nil
	})
	invalid := cardReturning("entity-card:bad/invalid", "", func(*ext.RenderContext) (ui.Node, error) {
		return ui.Node{Type: "iframe", Href: "https://evil.example"}, nil
	})
	brokenFactory := plugin(EntityCard("entity-card:bad/factory", "", func(context.Context, ext.FactoryInput) (ext.Element, error) {
		return nil, errors.New("gr_extension trapped")
	}), "plugin bad")
	brokenPage := plugin(Page("page:bad", "/bad", func(context.Context, ext.FactoryInput) (ext.Element, error) {
		panic("page factory exploded")
	}), "plugin bad")
	a := newApp(t, "", good, failing, panicking, invalid, brokenFactory, brokenPage)
	status, html := get(t, a, "/catalog/default/component/payments")
	if status != 200 {
		t.Errorf("status = %d, want 200", status)
	}
	for _, w := range []string{
		`Good card`, `<h3 class="gr-card-title">About</h3>`,
		`<p class="gr-error-title">Extension entity-card:bad/error failed</p><pre class="gr-error-text">upstream timed out</pre>`,
		`<p class="gr-error-title">Extension entity-card:bad/panic failed</p><pre class="gr-error-text">panic: assignment to entry in nil map</pre>`,
		`<p class="gr-error-title">Extension entity-card:bad/invalid failed</p><pre class="gr-error-text">returned an invalid UI tree: root: unknown component type &#34;iframe&#34;</pre>`,
		`<p class="gr-error-title">Extension entity-card:bad/factory failed</p><pre class="gr-error-text">gr_extension trapped</pre>`,
	} {
		if !strings.Contains(html, w) {
			t.Errorf("page lacks %s", w)
		}
	}
	if strings.Contains(html, "<iframe") {
		t.Error("invalid output reached the page")
	}
	problems := fmt.Sprint(a.Problems())
	for _, w := range []string{`extension "entity-card:bad/factory" failed: gr_extension trapped`, `extension "page:bad" failed: factory panicked: page factory exploded`} {
		if !strings.Contains(problems, w) {
			t.Errorf("problems %s lack %s", problems, w)
		}
	}
	if status, _ := get(t, a, "/bad"); status != 404 {
		t.Errorf("a page whose factory failed: status %d, want 404", status)
	}
	if status, html := get(t, a, "/"); status != 200 || !strings.Contains(html, "Browse the catalog") {
		t.Errorf("home page: %d", status)
	}
}

func TestConfigChangesTheApp(t *testing.T) {
	radarNav := plugin(NavItem("nav-item:tech-radar", "Tech Radar", "/tech-radar"), "plugin tech-radar")
	radarNav.Disabled = true
	radar := plugin(Page("page:tech-radar", "/tech-radar", func(context.Context, ext.FactoryInput) (ext.Element, error) {
		return ext.ElementFunc(func(context.Context, *ext.RenderContext) (ui.Node, error) {
			return ui.Node{Type: ui.TypePage, Title: "Tech Radar", Children: []ui.Node{{Type: ui.TypeChart, Chart: &ui.Chart{Kind: ui.ChartRadar, Radar: &ui.Radar{
				Quadrants: []string{"Languages", "Tools", "Platforms", "Techniques"}, Rings: []string{"Adopt", "Hold"},
				Entries: []ui.RadarEntry{{Label: "Go", Quadrant: 0, Ring: 0}},
			}}}}}, nil
		}), nil
	}), "plugin tech-radar")

	a := newApp(t, "", radarNav, radar)
	_, html := get(t, a, "/")
	if strings.Contains(html, "Tech Radar") {
		t.Error("a nav item disabled by default is shown")
	}
	if status, html := get(t, a, "/tech-radar"); status != 200 || !strings.Contains(html, `aria-label="Technology radar"`) {
		t.Errorf("radar page: %d", status)
	}

	a = newApp(t, `extensions:
  - nav-item:tech-radar
  - nav-item:catalog: false
  - entity-card:catalog/relations: false
  - app/layout:
      config: {title: Acme Portal}
  - nav-item:home:
      config: {title: Start}
`, radarNav, radar)
	_, html = get(t, a, "/")
	if !strings.Contains(html, `<a class="gr-brand" href="/">Acme Portal</a>`) || !strings.Contains(html, `<title>Home | Acme Portal</title>`) {
		t.Error("app/layout title not applied")
	}
	nav := html[strings.Index(html, `<nav class="gr-nav"`):]
	nav = nav[:strings.Index(nav, "</nav>")]
	if want := `<li><a class="gr-nav-link" href="/" aria-current="page">Start</a></li><li><a class="gr-nav-link" href="/tech-radar">Tech Radar</a></li></ul>`; !strings.HasSuffix(nav, want) {
		t.Errorf("nav = %s, want it to end with %s", nav, want)
	}
	_, html = get(t, a, "/catalog/default/component/payments")
	if strings.Contains(html, "Relations</h3>") || !strings.Contains(html, "About</h3>") {
		t.Error("disabling entity-card:catalog/relations did not remove it")
	}

	// Disabling the radar page makes its path unknown.
	a = newApp(t, "extensions:\n  - page:tech-radar: false\n", radarNav, radar)
	if status, _ := get(t, a, "/tech-radar"); status != 404 {
		t.Errorf("disabled page: status %d", status)
	}
}

func TestStartupErrors(t *testing.T) {
	tests := []struct{ cfg, want string }{
		{"extensions:\n  - page:catalogue: false\n", `app.extensions[0].page:catalogue (line 2): extension "page:catalogue" does not exist (did you mean "page:catalog"?)`},
		{"extensions:\n  - page:catalog:\n      config: {pageSize: 1000}\n", `extension "page:catalog" has invalid config: config.pageSize: maximum: got 1,000, want 100`},
		{"extensions:\n  - page:catalog/entity:\n      config: {path: /x}\n", `extension "page:catalog/entity" takes no config`},
		{"extensions:\n  - entity-card:catalog/links:\n      config: {filter: 'kind'}\n", `extension "entity-card:catalog/links" has invalid config: config.filter`},
		{"extensions:\n  - app/routes: false\n", `extension "app/layout" input "content" needs exactly one extension and none is active`},
		{"extensions:\n  - nav-item:home:\n      attachTo: {id: app/routes, input: routes}\n", `extension "nav-item:home" attaches to input "routes" of "app/routes", which requires data ref "core.routing.path", but it outputs only core.nav.target`},
	}
	for _, tt := range tests {
		_, err := New(context.Background(), Options{Config: config(t, tt.cfg)})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.cfg, err, tt.want)
		}
	}
	dup := NavItem("nav-item:home", "Mine", "/mine")
	dup.Source = "plugin mine"
	if _, err := New(context.Background(), Options{Extensions: []ext.Extension{dup}}); err == nil ||
		!strings.Contains(err.Error(), `extension "nav-item:home" is defined twice, by host and by plugin mine`) {
		t.Errorf("duplicate: %v", err)
	}
}

func TestNoCatalog(t *testing.T) {
	a, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/catalog", "/catalog/default/component/x"} {
		if status, html := get(t, a, p); status != 200 || !strings.Contains(html, "The catalog is not configured on this host.") {
			t.Errorf("%s: %d", p, status)
		}
	}
}

func TestThemeAndCSP(t *testing.T) {
	a := newApp(t, "")
	_, html := a.Render(context.Background(), Request{Path: "/", Theme: ui.ThemeDark})
	if !strings.Contains(string(html), `<html lang="en" data-theme="dark">`) {
		t.Error("theme not applied")
	}
	// The one script is the host's (ui's shell.js, allowed by its CSP hash), in the head.
	if strings.Count(string(html), "<script") != 1 || strings.Index(string(html), "<script") > strings.Index(string(html), "<body>") {
		t.Error("a page has script other than the host's")
	}
}

func TestConcurrentRenders(t *testing.T) {
	a := newApp(t, "")
	done := make(chan string)
	for i := 0; i < 8; i++ {
		go func(i int) {
			targets := []string{"/", "/catalog?kind=component", "/catalog/default/component/payments", "/nope"}
			_, html := get(t, a, targets[i%len(targets)])
			done <- html
		}(i)
	}
	for i := 0; i < 8; i++ {
		if html := <-done; !strings.Contains(html, "</html>") {
			t.Error("incomplete page")
		}
	}
}

// TestHostilePluginCards sends hostile UI trees through the whole pipeline (factory,
// boundary, entity page, document) and checks that no script gets onto the page.
func TestHostilePluginCards(t *testing.T) {
	trees := []ui.Node{
		{Type: ui.TypeMarkdown, Text: "[x](javascript:alert(1)) <script>alert(1)</script><img src=x onerror=alert(1)>"},
		{Type: ui.TypeHTML, Text: `<svg><script>alert(1)</script></svg><a href="javascript:alert(1)" onclick="alert(1)">x</a><style>*{}</style>`},
		{Type: ui.TypeLink, Text: "x", Href: "JaVaScRiPt:alert(1)"},
		{Type: ui.TypeCard, Title: "</h3><script>alert(1)</script>", Href: "data:text/html,<script>alert(1)</script>"},
		{Type: ui.TypeChart, Chart: &ui.Chart{Kind: ui.ChartBar, Bars: []ui.Bar{{Label: "<script>", Value: 1, Href: "javascript:x"}}}},
	}
	var plugins []ext.Extension
	for i, n := range trees {
		n := n
		plugins = append(plugins, cardReturning(fmt.Sprintf("entity-card:evil/c%d", i), "", func(*ext.RenderContext) (ui.Node, error) { return n, nil }))
	}
	a := newApp(t, "", plugins...)
	status, html := get(t, a, "/catalog/default/component/payments")
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	body := strings.ToLower(html[strings.Index(html, "<body>"):])
	for _, bad := range []string{"<script", "javascript:", "onerror=", "onclick=", "<style", "data:text/html"} {
		if strings.Contains(body, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	if !strings.Contains(body, "&lt;/h3&gt;&lt;script&gt;") {
		t.Error("the hostile card title should be shown as text")
	}
}

func TestEntityPageShowsProcessingErrors(t *testing.T) {
	broken := ext.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "Location", Metadata: ext.EntityMetadata{Name: "root"},
		Status: &ext.EntityStatus{Items: []ext.EntityStatusItem{
			{Type: ext.ProcessingStatusType, Level: "error", Message: "InputError: /c/a.yaml:4: component:default/bad_name!: \"metadata.name\" is not valid",
				Error: &ext.EntityStatusError{Name: "InputError", Message: "/c/a.yaml:4: component:default/bad_name!: \"metadata.name\" is not valid"}},
			{Type: ext.ProcessingStatusType, Level: "error", Message: "ConflictError: <b>taken</b>", Error: &ext.EntityStatusError{Name: "ConflictError", Message: "<b>taken</b>"}},
			{Type: ext.ProcessingStatusType, Level: "warning", Message: "only a warning", Error: &ext.EntityStatusError{Name: "Warning", Message: "only a warning"}},
			{Type: "example.com/other", Level: "error", Message: "not ours", Error: &ext.EntityStatusError{Name: "Other", Message: "not ours"}},
		}}}
	a, err := New(context.Background(), Options{Catalog: NewMemoryCatalog(append(entities(), broken))})
	if err != nil {
		t.Fatal(err)
	}
	st, html := get(t, a, "/catalog/default/location/root")
	card := `<section class="gr-card"><h3 class="gr-card-title">Entity processing errors</h3><div class="gr-card-body">` +
		`<div class="gr-error" role="alert"><p class="gr-error-title">InputError</p><pre class="gr-error-text">/c/a.yaml:4: component:default/bad_name!: &#34;metadata.name&#34; is not valid</pre></div>` +
		`<div class="gr-error" role="alert"><p class="gr-error-title">ConflictError</p><pre class="gr-error-text">&lt;b&gt;taken&lt;/b&gt;</pre></div>`
	if st != 200 || !strings.Contains(html, card) {
		t.Fatalf("status %d; the page lacks the processing errors card:\n%s", st, html)
	}
	if strings.Contains(html, "only a warning") || strings.Contains(html, "not ours") {
		t.Error("items that are not processing errors are shown")
	}
	// At the top: before the tabs.
	if strings.Index(html, "Entity processing errors") > strings.Index(html, `class="gr-tab"`) {
		t.Error("the errors card is not above the tabs")
	}
	if _, html := get(t, a, "/catalog/default/component/payments"); strings.Contains(html, "Entity processing errors") {
		t.Error("an entity without errors shows the errors card")
	}
}

// TestOwnerFilterMergesRefs: team-x, default/team-x and group:default/team-x name one
// owner; the Owner filter offers it once, under its short name, and matches all three.
// Owner cells show Backstage's humanized ref and link to the owner's page.
func TestOwnerFilterMergesRefs(t *testing.T) {
	comp := func(name, ns, owner string) ext.Entity {
		return ext.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "Component", Metadata: ext.EntityMetadata{Name: name, Namespace: ns},
			Spec: map[string]any{"type": "service", "lifecycle": "production", "owner": owner}}
	}
	owner := func(kind, ns, name string) ext.Entity {
		return ext.Entity{APIVersion: "backstage.io/v1alpha1", Kind: kind, Metadata: ext.EntityMetadata{Name: name, Namespace: ns}}
	}
	a, err := New(context.Background(), Options{Catalog: NewMemoryCatalog([]ext.Entity{
		comp("a", "", "team-x"), comp("b", "", "group:default/team-x"), comp("c", "default", "default/team-x"), comp("d", "", "Group:team-x"),
		comp("e", "ops", "team-x"), // a bare name is a Group in the entity's own namespace
		comp("f", "", "user:jane"), comp("g", "", "user:ops/bob"),
		owner("Group", "", "team-x"), owner("Group", "ops", "team-x"), owner("User", "", "jane"), owner("User", "ops", "bob"),
	})})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		target string
		want   []string
		not    []string
	}{
		{"/catalog", []string{
			`<option value="group:default/team-x">team-x (4)</option>`, `<option value="group:ops/team-x">ops/team-x (1)</option>`,
			`<option value="user:default/jane">user:jane (1)</option>`, `<option value="user:ops/bob">user:ops/bob (1)</option>`,
			`<td><a class="gr-link" href="/catalog/default/group/team-x">team-x</a></td>`,
			`<td><a class="gr-link" href="/catalog/ops/group/team-x">ops/team-x</a></td>`,
			`<td><a class="gr-link" href="/catalog/default/user/jane">user:jane</a></td>`,
			`<td><a class="gr-link" href="/catalog/ops/user/bob">user:ops/bob</a></td>`,
		}, []string{`>group:default/team-x</a>`, `>default/team-x</a>`, `>Group:team-x</a>`, `value="team-x"`}},
		{"/catalog?owner=group:default/team-x", []string{`4 entities`, `<option value="group:default/team-x" selected>team-x (4)</option>`}, []string{`/component/e"`}},
		{"/catalog?owner=team-x", []string{`4 entities`, `<option value="group:default/team-x" selected>team-x (4)</option>`}, nil},
		{"/catalog?owner=group:ops/team-x", []string{`1 entity`, `href="/catalog/ops/component/e"`}, nil},
		{"/catalog?owner=user:jane", []string{`1 entity`, `href="/catalog/default/component/f"`}, nil},
		{"/catalog/default/component/b", []string{`<dt>Owner</dt><dd><a class="gr-link" href="/catalog/default/group/team-x">team-x</a></dd>`}, nil},
	}
	for _, tt := range tests {
		st, html := get(t, a, tt.target)
		if st != 200 {
			t.Errorf("%s: status %d", tt.target, st)
		}
		for _, w := range tt.want {
			if !strings.Contains(html, w) {
				t.Errorf("%s: page lacks %s", tt.target, w)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(html, n) {
				t.Errorf("%s: page has %s", tt.target, n)
			}
		}
	}
}

// TestPageRouting: the most specific page wins whatever the order of the pages, path
// segments are percent-decoded into params (the rest after * stays as sent), and slashes
// around a path do not matter.
func TestPageRouting(t *testing.T) {
	page := func(id, path string) ext.Extension {
		return plugin(Page(id, path, func(context.Context, ext.FactoryInput) (ext.Element, error) {
			return ext.ElementFunc(func(_ context.Context, rc *ext.RenderContext) (ui.Node, error) {
				return ui.Node{Type: ui.TypePage, Title: id, Children: []ui.Node{ui.Text(fmt.Sprintf("params %v", rc.Params))}}, nil
			}), nil
		}), "plugin pages")
	}
	a := newApp(t, "", page("page:rest", "/x/*"), page("page:param", "/x/:id"), page("page:literal", "/x/new"), page("page:deep", "/x/:id/:sub"))
	for _, tc := range []struct{ target, page, params string }{
		{"/x/new", "page:literal", "map[]"},
		{"/x/7", "page:param", "map[id:7]"},
		{"/x/a%20b//", "page:param", "map[id:a b]"},
		{"/x/7/8", "page:deep", "map[id:7 sub:8]"},
		{"/x/7/8/9%2F", "page:rest", "map[*:7/8/9%2F]"},
		{"/x", "page:rest", "map[*:]"},
	} {
		status, html := get(t, a, tc.target)
		if status != 200 || !strings.Contains(html, "<h1>"+tc.page+"</h1>") || !strings.Contains(html, "params "+tc.params+"<") {
			i := strings.Index(html, "<main")
			t.Errorf("%s: status %d, want %s with params %s:\n%s", tc.target, status, tc.page, tc.params, html[max(i, 0):])
		}
	}
}
