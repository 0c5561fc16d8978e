package frontend

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/permission"
)

var (
	janeUser = identity.NewUser("user:default/jane", []string{"group:default/team-a", "group:default/ghosts"})
	signIn   = &SignIn{Providers: []string{"guest", "oidc"}, Environment: "development", BaseURL: "http://portal.example:7007", SessionCookie: "greenroom-session"}
	expires  = time.Date(2031, 5, 6, 7, 8, 0, 0, time.UTC)
)

// accountApp is an app with sign-in over the test entities and a User jane with a
// profile (team-a exists, ghosts does not).
func accountApp(t *testing.T, si *SignIn, authz Authorizer) *App {
	t.Helper()
	ents := append(entities(), ext.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "User", Metadata: ext.EntityMetadata{Name: "jane"},
		Spec: map[string]any{"memberOf": []any{"team-a"}, "profile": map[string]any{"displayName": "Jane from the catalog", "email": "jane@catalog.example"}}})
	a, err := New(context.Background(), Options{Catalog: NewMemoryCatalog(ents), SignIn: si, Authorizer: authz})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// as renders target for caller p with session s.
func as(t *testing.T, a *App, p identity.Principal, s *Session, target string) (int, string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if p.Authenticated() {
		ctx = identity.With(ctx, p)
	}
	st, html := a.Render(ctx, Request{Path: u.EscapedPath(), Query: u.Query(), Session: s})
	return st, string(html)
}

// topbar is the page's header bar.
func topbar(html string) string {
	i, j := strings.Index(html, `<header class="gr-topbar">`), strings.Index(html, `</header>`)
	if i < 0 || j < i {
		return ""
	}
	return html[i:j]
}

// TestAccountArea: the header offers an anonymous caller the sign-in page, coming back
// to the page it is on; a signed-in user sees its name (the session's, else its User
// entity's, else its ref) with a menu of Settings and Sign out (a form posted to the
// provider's logout route, without script); a host without sign-in shows neither.
func TestAccountArea(t *testing.T) {
	a := accountApp(t, signIn, nil)
	oidc := &Session{Provider: "oidc", DisplayName: "Jane <Doe>", Email: "jane@example.com", Expires: expires}
	for _, tc := range []struct {
		name   string
		p      identity.Principal
		s      *Session
		target string
		want   []string
		not    []string
	}{
		{"anonymous", identity.Nobody, nil, "/catalog?kind=api",
			[]string{`<div class="gr-account"><a class="gr-link" href="/signin?redirect=%2Fcatalog%3Fkind%3Dapi">Sign in</a></div>`},
			[]string{`gr-menu`}},
		{"anonymous on the sign-in page", identity.Nobody, nil, "/signin?redirect=/catalog", []string{`<div class="gr-account"></div>`}, []string{`Sign in</a>`}},
		{"session", janeUser, oidc, "/",
			[]string{`<details class="gr-menu"><summary class="gr-menu-button">Jane &lt;Doe&gt;</summary>`,
				`<div class="gr-menu-item">Signed in as user:default/jane</div>`,
				`<a class="gr-link" href="/settings">Settings</a>`,
				`<form class="gr-action" method="post" action="/api/auth/oidc/logout"><input type="hidden" name="redirectUrl" value="/"><button type="submit" class="gr-button">Sign out</button></form>`},
			[]string{`>Sign in</a>`, `<script`}},
		{"session without a name", janeUser, &Session{Provider: "guest"}, "/",
			[]string{`<summary class="gr-menu-button">Jane from the catalog</summary>`, `action="/api/auth/guest/logout"`}, nil},
		{"a user the catalog lacks", identity.NewUser("user:default/nobody-known", nil), &Session{Provider: "guest"}, "/",
			[]string{`<summary class="gr-menu-button">user:default/nobody-known</summary>`}, nil},
		{"a token, no session", janeUser, nil, "/",
			[]string{`<summary class="gr-menu-button">Jane from the catalog</summary>`, `href="/settings"`}, []string{`Sign out`, `<form`}},
		{"a service", identity.NewService("ci-bot"), nil, "/", []string{`<summary class="gr-menu-button">ci-bot</summary>`}, []string{`Sign out`}},
	} {
		st, html := as(t, a, tc.p, tc.s, tc.target)
		bar := topbar(html)
		if st != 200 {
			t.Errorf("%s: status %d", tc.name, st)
		}
		for _, w := range tc.want {
			if !strings.Contains(bar, w) {
				t.Errorf("%s: header lacks %s:\n%s", tc.name, w, bar)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(bar, n) {
				t.Errorf("%s: header has %s:\n%s", tc.name, n, bar)
			}
		}
	}

	// Without sign-in there is no account area at all.
	_, html := as(t, accountApp(t, nil, nil), identity.Nobody, nil, "/")
	if strings.Contains(html, `<div class="gr-account">`) || strings.Contains(html, "Sign in") {
		t.Errorf("a host without sign-in shows an account area:\n%s", topbar(html))
	}
	// Nor a sign-in link when no provider is configured.
	_, html = as(t, accountApp(t, &SignIn{Environment: "production"}, nil), identity.Nobody, nil, "/")
	if strings.Contains(topbar(html), "Sign in") {
		t.Errorf("a sign-in link without providers:\n%s", topbar(html))
	}
}

// TestSignInPage: the providers, each a link to its start route in the redirect flow
// that comes back through the sign-in page to the page asked for; a failed sign-in's
// error as an alert; and a redirect target that is not a path of this portal is
// replaced by the home page, so that the page is no open redirect.
func TestSignInPage(t *testing.T) {
	a := accountApp(t, signIn, nil)
	start := func(id, target string) string {
		back := "/signin?redirect=" + url.QueryEscape(target)
		return `href="/api/auth/` + id + `/start?env=development&amp;flow=redirect&amp;redirectUrl=` + url.QueryEscape(back) + `"`
	}
	for _, tc := range []struct {
		target string
		want   []string
		not    []string
	}{
		{"/signin?redirect=" + url.QueryEscape("/catalog?kind=api"), []string{
			`<h1>Sign in</h1>`, `<h3 class="gr-card-title">Guest</h3>`, `<h3 class="gr-card-title">OpenID Connect</h3>`,
			`<a class="gr-button" ` + start("guest", "/catalog?kind=api") + `>Enter as guest</a>`,
			`<a class="gr-button" ` + start("oidc", "/catalog?kind=api") + `>Sign in with OpenID Connect</a>`,
		}, []string{`role="alert"`, `GitHub`}},
		{"/signin", []string{start("oidc", "/")}, nil},
		{"/signin?error=" + url.QueryEscape("Failed to sign-in, <unable> to resolve user identity") + "&redirect=/catalog", []string{
			`<div class="gr-error" role="alert"><p class="gr-error-title">Sign-in failed</p><pre class="gr-error-text">Failed to sign-in, &lt;unable&gt; to resolve user identity</pre></div>`,
			start("oidc", "/catalog"),
		}, []string{`<unable>`}},
		// Open redirects: every target off the portal becomes the home page.
		{"/signin?redirect=//evil.example/x", []string{start("oidc", "/")}, []string{"evil"}},
		{"/signin?redirect=" + url.QueryEscape("https://evil.example/x"), []string{start("oidc", "/")}, []string{"evil"}},
		{"/signin?redirect=" + url.QueryEscape(`/\evil.example`), []string{start("oidc", "/")}, []string{"evil"}},
		{"/signin?redirect=" + url.QueryEscape("/\t/evil.example"), []string{start("oidc", "/")}, []string{"evil"}},
		{"/signin?redirect=" + url.QueryEscape("javascript:alert(1)"), []string{start("oidc", "/")}, []string{"alert"}},
		{"/signin?redirect=" + url.QueryEscape("/signin?redirect=/x"), []string{start("oidc", "/")}, nil},
	} {
		st, html := as(t, a, identity.Nobody, nil, tc.target)
		body := mainOfPage(html)
		if st != 200 {
			t.Errorf("%s: status %d", tc.target, st)
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: page lacks %s:\n%s", tc.target, w, body)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(body, n) {
				t.Errorf("%s: page has %s", tc.target, n)
			}
		}
	}

	// A signed-in caller may go on, or sign in as someone else.
	_, html := as(t, a, janeUser, &Session{Provider: "guest"}, "/signin?redirect=/catalog")
	if body := mainOfPage(html); !strings.Contains(body, `You are signed in as user:default/jane.`) || !strings.Contains(body, `<a class="gr-link" href="/catalog">Continue</a>`) {
		t.Errorf("signed-in sign-in page:\n%s", body)
	}
	// No provider: the page says what the operator must do.
	_, html = as(t, accountApp(t, &SignIn{Environment: "production"}, nil), identity.Nobody, nil, "/signin")
	if !strings.Contains(html, "No sign-in provider is configured for auth.environment production") {
		t.Errorf("sign-in page without providers:\n%s", mainOfPage(html))
	}
}

// TestSettingsPage: the signed-in user's profile (the session's, completed from its
// User entity), its user entity and groups (linked when the caller may read them), its
// session with sign-out, and how a script gets a token; an anonymous caller is told to
// sign in.
func TestSettingsPage(t *testing.T) {
	a := accountApp(t, signIn, nil)
	for _, tc := range []struct {
		name string
		p    identity.Principal
		s    *Session
		want []string
		not  []string
	}{
		{"oidc session", janeUser, &Session{Provider: "oidc", DisplayName: "Jane Doe", Picture: "https://idp.example/jane.png", Expires: expires}, []string{
			`<h1>Settings</h1>`, `<dt>Name</dt><dd>Jane Doe</dd>`,
			`<dt>Email</dt><dd><a class="gr-link" href="mailto:jane@catalog.example">jane@catalog.example</a></dd>`,
			`<img class="gr-image" src="https://idp.example/jane.png" alt="Picture of Jane Doe" referrerpolicy="no-referrer">`,
			`<dt>User entity</dt><dd><a class="gr-link" href="/catalog/default/user/jane">user:default/jane</a></dd>`,
			`<li><a class="gr-link" href="/catalog/default/group/team-a">group:default/team-a</a></li>`,
			`<li>group:default/ghosts</li>`, // not in the catalog: no link to a 404
			`<dt>Signed in with</dt><dd>OpenID Connect</dd>`, `<dt>Expires</dt><dd>2031-05-06 07:08 UTC</dd>`,
			`action="/api/auth/oidc/logout"`,
			`-b &#39;greenroom-session=&lt;cookie&gt;&#39; http://portal.example:7007/api/auth/oidc/refresh`,
			`backend.auth.externalAccess`,
		}, []string{`/api/auth/guest/refresh`}},
		{"guest session", janeUser, &Session{Provider: "guest", Expires: expires}, []string{
			`<dt>Name</dt><dd>Jane from the catalog</dd>`, `<dt>Signed in with</dt><dd>Guest</dd>`,
			`TOKEN=$(curl -s http://portal.example:7007/api/auth/guest/refresh`,
		}, []string{`<img`, `X-Requested-With`}},
		{"token", janeUser, nil, []string{`This request carries a token, not a browser session.`}, []string{`Sign out`}},
		{"anonymous", identity.Nobody, nil, []string{`You are not signed in`, `<a class="gr-link" href="/signin?redirect=%2Fsettings">Sign in</a>`}, []string{`Profile`}},
		{"service", identity.NewService("ci-bot"), nil, []string{`Signed in as a service`, `<dt>Subject</dt><dd>ci-bot</dd>`}, []string{`Profile`}},
	} {
		st, html := as(t, a, tc.p, tc.s, "/settings")
		body := mainOfPage(html)
		if st != 200 {
			t.Errorf("%s: status %d", tc.name, st)
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: page lacks %s", tc.name, w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(body, n) {
				t.Errorf("%s: page has %s", tc.name, n)
			}
		}
		if t.Failed() {
			t.Logf("%s", body)
		}
	}
}

func mainOfPage(html string) string {
	if i := strings.Index(html, `<main`); i >= 0 {
		html = html[i:]
	}
	if i := strings.Index(html, `</main>`); i >= 0 {
		html = html[:i]
	}
	return html
}

// TestLocalTarget: only paths of this portal pass; everything else is the home page.
func TestLocalTarget(t *testing.T) {
	for in, want := range map[string]string{
		"/catalog":                     "/catalog",
		"/catalog?kind=api&q=a%20b":    "/catalog?kind=api&q=a%20b",
		"/catalog/default/component/x": "/catalog/default/component/x",
		"/a#frag":                      "/a#frag",
		"":                             "/",
		"catalog":                      "/",
		"//evil.example":               "/",
		"///evil.example":              "/",
		`/\evil.example`:               "/",
		"/\t/evil.example":             "/",
		"/\n/evil.example":             "/",
		"https://evil.example/":        "/",
		"http:/evil.example":           "/",
		"javascript:alert(1)":          "/",
		" /catalog":                    "/",
		"/%zz":                         "/",
	} {
		if got := LocalTarget(in); got != want {
			t.Errorf("LocalTarget(%q) = %q, want %q", in, got, want)
		}
	}
}

// policyAuthorizer decides with a real permission policy, for basic and unconditional
// resource decisions (the host's authorizer also settles conditional ones against the
// catalog).
type policyAuthorizer struct{ e *permission.Engine }

func (a policyAuthorizer) Allowed(ctx context.Context, perm permission.Permission, _ string) (bool, error) {
	return a.e.Decide(identity.From(ctx), perm).Result == permission.Allow, nil
}

// TestEntityPageOffersOnlyAllowedActions: the entity page offers Refresh, a form posted
// to the host's refresh route, to a caller the policy lets refresh, and to nobody else:
// not to a user it does not let, not to an anonymous caller, not without an authorizer.
func TestEntityPageOffersOnlyAllowedActions(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "policy.csv"), []byte(`p, role:default/dev, catalog-entity, read, allow
p, role:default/dev, catalog.entity.refresh, update, allow
g, group:default/team-a, role:default/dev
`), 0o644)
	e, err := permission.NewEngine(permission.Config{Enabled: true, RBAC: permission.RBAC{PoliciesCSVFile: "policy.csv"}}, dir)
	if err != nil {
		t.Fatal(err)
	}
	a := accountApp(t, signIn, policyAuthorizer{e})
	const form = `<form class="gr-action" method="post" action="/api/app/refresh"><input type="hidden" name="entityRef" value="component:default/payments"><input type="hidden" name="redirect" value="/catalog/default/component/payments"><button type="submit" class="gr-button">Refresh</button></form>`
	for _, tc := range []struct {
		name  string
		app   *App
		p     identity.Principal
		offer bool
	}{
		{"allowed", a, janeUser, true},
		{"denied", a, identity.NewUser("user:default/bob", []string{"group:default/team-b"}), false},
		{"anonymous", a, identity.Nobody, false},
		{"no authorizer", accountApp(t, signIn, nil), janeUser, false},
	} {
		st, html := as(t, tc.app, tc.p, nil, "/catalog/default/component/payments")
		if st != 200 || strings.Contains(html, form) != tc.offer || (!tc.offer && strings.Contains(html, "/api/app/refresh")) {
			t.Errorf("%s: status %d, Refresh offered %v, want %v:\n%s", tc.name, st, strings.Contains(html, form), tc.offer, mainOfPage(html))
		}
	}
}
