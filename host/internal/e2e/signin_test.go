package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/oauth2-proxy/mockoidc"

	"greenroom.dev/greenroom/host/internal/plugintest"
)

// signInCatalog: jane (the OpenID Connect provider's default user, by email) is in
// team-a, which owns a component and an API; team-b owns a component that depends on
// team-a's.
const signInCatalog = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-b}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: jane}
spec: {memberOf: [team-a], profile: {displayName: Jane Doe, email: jane.doe@example.com}}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: a-service, description: Team A's service.}
spec: {type: service, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: a-api, description: Team A's API.}
spec: {type: openapi, lifecycle: production, owner: team-a, definition: "openapi: 3.0.0"}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: b-service, description: Team B's service.}
spec: {type: service, lifecycle: production, owner: team-b, dependsOn: [component:a-service]}
`

// signInPolicy: team-a's members read what their teams own, and refresh the
// components among it.
const signInPolicy = "g, group:default/team-a, role:default/dev\n"

const signInConditions = `result: CONDITIONAL
roleEntityRef: role:default/dev
pluginId: catalog
resourceType: catalog-entity
permissionMapping: [read]
conditions: {rule: IS_ENTITY_OWNER, resourceType: catalog-entity, params: {claims: [$ownerRefs]}}
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
`

// TestBrowserSignIn: a portal in production (no anonymous access, sign-in through an
// OpenID Connect provider running in the test, an RBAC policy with conditions), and
// Chromium: sent to the sign-in page, it signs in through the provider and comes back
// to the page it asked for; it sees the user's name, only the entities the user's team
// owns (in the list, and in a Wasm card's catalog reads), the site's 404 for another
// team's entity, and Refresh only where the policy lets the user refresh. The API
// refuses the refresh the page did not offer. Sign-out brings it back to the sign-in
// page, and its old session cookie is refused. An account the catalog does not know
// comes back to the sign-in page, which says why.
func TestBrowserSignIn(t *testing.T) {
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idp.Shutdown() })
	user := mockoidc.DefaultUser() // what the provider signs in when its queue is empty
	if user.Email != "jane.doe@example.com" || !user.EmailVerified {
		t.Fatalf("mockoidc's default user is %+v; update signInCatalog", user)
	}

	dir := t.TempDir()
	card := plugintest.Copy(t, plugintest.Go(t, "examples/entity-card"), filepath.Join(dir, "entity-card.wasm"))
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	oc := idp.Config()
	cfg := fmt.Sprintf(`
app: {title: Greenroom E2E, baseUrl: %[1]s}
backend:
  baseUrl: %[1]s
  listen: {host: 127.0.0.1, port: %[2]d}
auth:
  environment: production
  session: {secret: e2e-session-secret-0123456789abcdef}
  allowAnonymous: false
  providers:
    oidc:
      production:
        metadataUrl: %[3]s
        clientId: %[4]s
        clientSecret: %[5]s
        signIn: {resolvers: [{resolver: emailMatchingUserEntityProfileEmail}]}
permission:
  enabled: true
  rbac: {policies-csv-file: rbac-policy.csv, conditionalPoliciesFile: conditional-policies.yaml}
runtime:
  compilationCache: %[6]s
catalog:
  rules: [{allow: [Component, API, Group, User, Location]}]
  locations: [{type: file, target: ./catalog.yaml}]
  processingInterval: 0s
plugins:
  - {id: entity-card, source: %[7]s, grants: {catalog.read: {}}, limits: {timeout: 5s}}
`, base, port, idp.DiscoveryEndpoint(), oc.ClientID, oc.ClientSecret, filepath.Join(os.TempDir(), "greenroom-test-wasm-cache"), card)
	for name, content := range map[string]string{
		"app-config.yaml": cfg, "catalog.yaml": signInCatalog,
		"rbac-policy.csv": signInPolicy, "conditional-policies.yaml": signInConditions,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := startPortalIn(t, dir)
	if p.base != base {
		t.Fatalf("the portal listens at %s, not at its baseUrl %s", p.base, base)
	}
	ctx := browser(t)
	location := func() *url.URL {
		t.Helper()
		var loc string
		if err := chromedp.Run(ctx, chromedp.Location(&loc)); err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(loc)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	count := func(selector string) int {
		t.Helper()
		var n int
		if err := chromedp.Run(ctx, chromedp.Evaluate(`document.querySelectorAll(`+fmt.Sprintf("%q", selector)+`).length`, &n)); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// A page, not signed in: the sign-in page, which lists the provider.
	if err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/catalog"),
		chromedp.WaitVisible(`//h1[normalize-space()="Sign in"]`, chromedp.BySearch),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "signin-01-sign-in-page")
	if u := location(); u.Path != "/signin" || u.Query().Get("redirect") != "/catalog" {
		t.Fatalf("sent to %s, want /signin?redirect=/catalog", u)
	}

	// An account the catalog does not know: back on the sign-in page, which says why.
	idp.QueueUser(&mockoidc.MockUser{Subject: "stranger", Email: "stranger@example.com", EmailVerified: true})
	if err := chromedp.Run(ctx,
		chromedp.Click(`//a[normalize-space()="Sign in with OpenID Connect"]`, chromedp.BySearch),
		chromedp.WaitVisible(`[role="alert"]`, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "signin-02-failed")
	if alert := text(t, ctx, `[role="alert"]`); !strings.Contains(alert, "Sign-in failed") || !strings.Contains(alert, "unable to resolve user identity") {
		t.Errorf("the failed sign-in's alert says %q", alert)
	}
	if u := location(); u.Path != "/signin" || u.Query().Get("redirect") != "/catalog" || count("summary.gr-menu-button") != 0 {
		t.Fatalf("after a failed sign-in the browser is at %s", u)
	}

	// Sign in through the provider: back on the catalog, as Jane.
	if err := chromedp.Run(ctx,
		chromedp.Click(`//a[normalize-space()="Sign in with OpenID Connect"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//h1[normalize-space()="Catalog"]`, chromedp.BySearch),
		chromedp.WaitVisible("table", chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "signin-03-catalog")
	if u := location(); u.String() != base+"/catalog" {
		t.Fatalf("after sign-in the browser is at %s, want %s/catalog", u, base)
	}
	if name := text(t, ctx, "summary.gr-menu-button"); name != "Jane Doe" {
		t.Errorf("the header names the user %q, want Jane Doe", name)
	}
	table := text(t, ctx, "table")
	if !strings.Contains(table, "a-service") || !strings.Contains(table, "a-api") || strings.Contains(table, "b-service") {
		t.Errorf("the catalog shows, for team-a's member:\n%s", table)
	}
	if opts := text(t, ctx, `select[name="owner"]`); strings.Contains(opts, "team-b") {
		t.Errorf("the Owner filter offers team-b: %s", opts)
	}

	// Team A's component: Refresh offered; the Wasm card's catalog read does not see
	// team-b's component that depends on it.
	const refresh = `form[action="/api/app/refresh"] button`
	if err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/catalog/default/component/a-service"),
		chromedp.WaitVisible(`//h3[normalize-space()="At a glance"]`, chromedp.BySearch),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "signin-04-entity-with-refresh")
	if n := count(refresh); n != 1 {
		t.Errorf("a-service offers %d Refresh buttons, want 1", n)
	}
	// The relation is a-service's own data, but it does not link to the 404.
	if page := text(t, ctx, "main"); !strings.Contains(page, "Nothing in the catalog depends on it.") ||
		count(`a[href="/catalog/default/component/b-service"]`) != 0 {
		t.Errorf("the entity page shows or links team-b's component:\n%s", page)
	}
	// The page the form's redirect loads, not the one it was posted from: the old page
	// has the same heading, and navigating on while the post is in flight aborts one.
	if err := chromedp.Run(ctx,
		chromedp.Evaluate(`window.beforeRefresh = true`, nil),
		chromedp.Click(refresh, chromedp.ByQuery),
		chromedp.ActionFunc(func(ctx context.Context) error {
			for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				var loaded bool // an evaluation during the navigation fails: try again
				if chromedp.Evaluate(`!window.beforeRefresh && document.readyState === "complete"`, &loaded).Do(ctx) == nil && loaded {
					return nil
				}
			}
			return errors.New("the page after Refresh did not load")
		}),
		chromedp.WaitVisible(`//h1[normalize-space()="a-service"]`, chromedp.BySearch),
	); err != nil {
		t.Fatal(err)
	}
	if u := location(); u.Path != "/catalog/default/component/a-service" {
		t.Errorf("after Refresh the browser is at %s", u)
	}

	// Team A's API: readable, but not a component: no Refresh.
	if err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/catalog/default/api/a-api"),
		chromedp.WaitVisible(`//h1[normalize-space()="a-api"]`, chromedp.BySearch),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "signin-05-entity-without-refresh")
	if n := count(`form[action="/api/app/refresh"]`); n != 0 {
		t.Errorf("a-api offers Refresh (%d forms)", n)
	}

	// Team B's component: the site's 404.
	if err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/catalog/default/component/b-service"),
		chromedp.WaitVisible(`//h1[normalize-space()="Page not found"]`, chromedp.BySearch),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "signin-06-forbidden-entity")

	// Settings: the profile and the team.
	if err := chromedp.Run(ctx,
		chromedp.Click(`summary.gr-menu-button`, chromedp.ByQuery),
		chromedp.WaitVisible(`//details//a[normalize-space()="Settings"]`, chromedp.BySearch),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "signin-07-user-menu")
	if err := chromedp.Run(ctx,
		chromedp.Click(`//details//a[normalize-space()="Settings"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//h1[normalize-space()="Settings"]`, chromedp.BySearch),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "signin-08-settings")
	settings := text(t, ctx, "main")
	for _, want := range []string{"Jane Doe", "jane.doe@example.com", "user:default/jane", "group:default/team-a", "OpenID Connect", "/api/auth/oidc/refresh"} {
		if !strings.Contains(settings, want) {
			t.Errorf("settings page lacks %q:\n%s", want, settings)
		}
	}

	// The browser's session, used by hand: the API refuses what the pages did not offer.
	var session *network.Cookie
	if err := chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) error {
		cookies, err := network.GetCookies().WithURLs([]string{base}).Do(ctx)
		for _, c := range cookies {
			if c.Name == "greenroom-session" {
				session = c
			}
		}
		return err
	})); err != nil || session == nil {
		t.Fatalf("the browser's session cookie: %v", err)
	}
	if !session.HTTPOnly || session.SameSite != network.CookieSameSiteLax {
		t.Errorf("session cookie: HttpOnly %v, SameSite %q", session.HTTPOnly, session.SameSite)
	}
	withCookie := func(method, path, contentType, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.AddCookie(&http.Cookie{Name: session.Name, Value: session.Value})
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
			req.Header.Set("Origin", base)
		}
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	for _, c := range []struct {
		method, path, contentType, body string
		status                          int
	}{
		{"POST", "/api/catalog/refresh", "application/json", `{"entityRef":"api:default/a-api"}`, 403},
		{"POST", "/api/app/refresh", "application/x-www-form-urlencoded", "entityRef=api%3Adefault%2Fa-api", 403},
		{"POST", "/api/catalog/refresh", "application/json", `{"entityRef":"component:default/a-service"}`, 200},
		{"GET", "/api/catalog/entities/by-name/component/default/b-service", "", "", 404},
		{"GET", "/catalog/default/component/b-service", "", "", 404},
	} {
		if st, body := withCookie(c.method, c.path, c.contentType, c.body); st != c.status {
			t.Errorf("%s %s %s with the session: %d %s, want %d", c.method, c.path, c.body, st, body, c.status)
		}
	}

	// Sign out: back at the sign-in page; the old cookie is refused.
	if err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.Click(`summary.gr-menu-button`, chromedp.ByQuery),
		chromedp.Click(`//button[normalize-space()="Sign out"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//h1[normalize-space()="Sign in"]`, chromedp.BySearch),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "signin-09-signed-out")
	if u := location(); u.Path != "/signin" || u.Query().Get("redirect") != "/" {
		t.Errorf("after sign-out the browser is at %s", u)
	}
	if n := count("summary.gr-menu-button"); n != 0 {
		t.Errorf("the header still shows a user menu after sign-out")
	}
	if st, _ := withCookie("GET", "/catalog", "", ""); st != 302 {
		t.Errorf("a page with the old session cookie: %d, want 302 to sign in", st)
	}
	if st, body := withCookie("GET", "/api/catalog/entities?limit=1", "", ""); st != 401 {
		t.Errorf("the API with the old session cookie: %d %s, want 401", st, body)
	}
}
