package server

import (
	"context"
	"encoding/json"
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

	"greenroom.dev/greenroom/host/internal/audit"
	"greenroom.dev/greenroom/host/internal/auth"
	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/catalog/api"
	"greenroom.dev/greenroom/host/internal/frontend"
	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/permission"
	"greenroom.dev/greenroom/host/internal/plugintest"
	"greenroom.dev/greenroom/host/internal/store"
)

// appPages serves the web app's pages as the host does.
type appPages struct{ app *frontend.App }

func (p appPages) RenderPage(ctx context.Context, req PageRequest) (int, []byte) {
	return p.app.Render(ctx, frontend.Request{Path: req.Path, Query: req.Query, Theme: req.Theme})
}

// pagesServer is a server with the web app, the example catalog and the real sign-in
// and permission parts, in production; anonymous says whether callers who have not
// signed in may read, origins are Access.Origins. Everyone in team-checkout or
// team-payments reads the whole catalog; they refresh what their teams own.
func pagesServer(t *testing.T, anonymous bool, origins ...string) (base string, token func(user string, groups ...string) string, log *audit.Log, cat *catalog.Catalog) {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	var cc catalog.Config
	yaml.Unmarshal([]byte("rules: [{allow: [Component, System, API, Resource, Location, Template, Group, User, Domain]}]\nprocessingInterval: 0s\nlocations: [{type: file, target: "+filepath.Join(plugintest.Root(t), "examples/catalog/all.yaml")+"}]\n"), &cc)
	cat, err := catalog.New(context.Background(), catalog.Options{Config: cc, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.RefreshAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "policy.csv"), []byte(`
p, role:default/dev, catalog-entity, read, allow
g, group:default/team-checkout, role:default/dev
g, group:default/team-payments, role:default/dev
`), 0o644)
	os.WriteFile(filepath.Join(dir, "conditions.yaml"), []byte(`
result: CONDITIONAL
roleEntityRef: role:default/dev
pluginId: catalog
resourceType: catalog-entity
permissionMapping: [update]
conditions: {rule: IS_ENTITY_OWNER, resourceType: catalog-entity, params: {claims: [$ownerRefs]}}
`), 0o644)
	engine, err := permission.NewEngine(permission.Config{Enabled: true, RBAC: permission.RBAC{
		PoliciesCSVFile: "policy.csv", ConditionalPoliciesFile: "conditions.yaml"}}, dir)
	if err != nil {
		t.Fatal(err)
	}
	file, err := store.OpenFile(filepath.Join(dir, "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { file.Close() })
	var ac auth.Config
	yaml.Unmarshal([]byte("environment: production\nsession: {secret: 0123456789abcdef0123456789abcdef}\n"), &ac)
	ac.ApplyDefaults()
	svc, err := auth.New(auth.Options{Config: ac, BaseURL: "http://localhost:7007", Store: file.Bucket("auth"), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	app, err := frontend.New(context.Background(), frontend.Options{Catalog: frontend.NewMemoryCatalog(nil), SignIn: &frontend.SignIn{Environment: "production"}})
	if err != nil {
		t.Fatal(err)
	}
	log = audit.New(io.Discard, 100)
	t.Cleanup(func() { log.Close() })
	s := New(Options{
		Logger: quiet, Catalog: api.New(cat), Pages: appPages{app},
		Access: Access{
			Authenticator: svc, SessionCookie: auth.SessionCookie, AuthHandler: svc.Handler(), Permissions: engine,
			AllowAnonymous: func() bool { return anonymous }, Log: log, Origins: origins,
		},
	})
	token = func(user string, groups ...string) string {
		tok, _, err := svc.IssueToken(identity.NewUser(user, groups))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	return "http://" + serveTest(t, s), token, log, cat
}

// noFollow is a client that reports redirects instead of following them.
var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

type answer struct {
	status   int
	location string
	body     string
}

func send(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return answer{resp.StatusCode, resp.Header.Get("Location"), string(b)}
}

// TestPagesSendCallersToSignIn: in production a caller who has not signed in is sent
// from every page to the sign-in page, which brings it back to the page and query it
// asked for; the sign-in page is open, and sends a signed-in caller on to its target,
// never off the portal. The API answers 401 as before; with anonymous access the pages
// render for anonymous callers.
func TestPagesSendCallersToSignIn(t *testing.T) {
	base, token, _, _ := pagesServer(t, false)
	ada := token("user:default/ada", "group:default/team-checkout")
	for _, tc := range []struct {
		path, token string
		want        answer
	}{
		{"/", "", answer{302, "/signin?redirect=%2F", ""}},
		{"/catalog?kind=api&q=a%20b", "", answer{302, "/signin?redirect=%2Fcatalog%3Fkind%3Dapi%26q%3Da%2520b", ""}},
		{"/catalog/default/component/checkout-service/docs", "", answer{302, "/signin?redirect=%2Fcatalog%2Fdefault%2Fcomponent%2Fcheckout-service%2Fdocs", ""}},
		{"/settings", "", answer{302, "/signin?redirect=%2Fsettings", ""}},
		// The path is kept as it came; the sign-in page would not send anyone there
		// (frontend.SignInTarget), nor does the redirect after sign-in.
		{"//evil.example/x", "", answer{302, "/signin?redirect=%2F%2Fevil.example%2Fx", ""}},
		{"/signin", "", answer{200, "", "<h1>Sign in</h1>"}},
		{"/signin?redirect=%2Fcatalog", "", answer{200, "", "<h1>Sign in</h1>"}},
		{"/api/catalog/entities?limit=1", "", answer{401, "", "Missing credentials"}},
		{"/catalog", ada, answer{200, "", "<h1>Catalog</h1>"}},
		// After sign-in the sign-in page sends the browser on, on the portal only.
		{"/signin?redirect=%2Fcatalog%3Fkind%3Dapi", ada, answer{302, "/catalog?kind=api", ""}},
		{"/signin?redirect=%2F%2Fevil.example", ada, answer{302, "/", ""}},
		{"/signin?redirect=https%3A%2F%2Fevil.example%2F", ada, answer{302, "/", ""}},
		{"/signin?redirect=%2F%5Cevil.example", ada, answer{302, "/", ""}},
		{"/signin?redirect=%2Fsignin%3Fredirect%3D%2Fx", ada, answer{302, "/", ""}},
		{"/signin?redirect=%2Fcatalog&error=Sign-in+failed", ada, answer{200, "", "Sign-in failed"}},
		{"/signin", ada, answer{200, "", "You are signed in as user:default/ada"}},
	} {
		req, _ := http.NewRequest("GET", base+tc.path, nil)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		got := send(t, req)
		if got.status != tc.want.status || got.location != tc.want.location || !strings.Contains(got.body, tc.want.body) {
			t.Errorf("GET %s (token %v): %d %q, want %d %q with %q\n%.300s", tc.path, tc.token != "", got.status, got.location, tc.want.status, tc.want.location, tc.want.body, got.body)
		}
	}

	// With anonymous access the pages render for anonymous callers.
	base, _, _, _ = pagesServer(t, true)
	req, _ := http.NewRequest("GET", base+"/catalog", nil)
	if got := send(t, req); got.status != 200 || !strings.Contains(got.body, "<h1>Catalog</h1>") {
		t.Errorf("anonymous access: %d %q", got.status, got.location)
	}
}

// TestRefreshForm: the entity page's Refresh form refreshes the entity for a caller
// the policy lets refresh it and sends the browser back to a path of the portal (303),
// and is refused (403, recorded in the audit log with the caller) for an entity the
// caller may not refresh; without a caller it is 401. A form that does not come from
// the portal's own pages (by its Origin, or its Referer) is refused whatever its
// credentials.
func TestRefreshForm(t *testing.T) {
	base, token, log, _ := pagesServer(t, false)
	ada := token("user:default/ada", "group:default/team-checkout")
	form := func(ref, redirect string) string {
		return url.Values{"entityRef": {ref}, "redirect": {redirect}}.Encode()
	}
	const page = "/catalog/default/component/checkout-service"
	for _, tc := range []struct {
		name, token, origin, referer, contentType, body string
		want                                            answer
	}{
		{"allowed", ada, base, "", "", form("component:default/checkout-service", page), answer{303, page, ""}},
		{"allowed, by Referer", ada, "", base + page, "", form("component:default/checkout-service", page), answer{303, page, ""}},
		{"an entity it does not own", ada, base, "", "", form("component:default/payments-service", "/"), answer{403, "", "NotAllowedError"}},
		{"a redirect off the portal", ada, base, "", "", form("component:default/checkout-service", "//evil.example/x"), answer{303, "/", ""}},
		{"another site's form", ada, "https://evil.example", "", "", form("component:default/checkout-service", page), answer{403, "", "only from the portal's own pages"}},
		{"another site, by Referer", ada, "", "https://evil.example/page", "", form("component:default/checkout-service", page), answer{403, "", "only from the portal's own pages"}},
		{"an opaque origin", ada, "null", "", "", form("component:default/checkout-service", page), answer{403, "", "only from the portal's own pages"}},
		{"no Origin nor Referer", ada, "", "", "", form("component:default/checkout-service", page), answer{403, "", "only from the portal's own pages"}},
		{"nobody", "", base, "", "", form("component:default/checkout-service", page), answer{401, "", "Missing credentials"}},
		{"JSON", ada, base, "", "application/json", `{"entityRef":"component:default/checkout-service"}`, answer{415, "", "application/x-www-form-urlencoded"}},
		{"no entity", ada, base, "", "", form("", page), answer{400, "", "entityRef"}},
		{"no such entity", ada, base, "", "", form("component:default/nope", page), answer{403, "", "NotAllowedError"}},
	} {
		req, _ := http.NewRequest("POST", base+frontend.RefreshAction, strings.NewReader(tc.body))
		ct := tc.contentType
		if ct == "" {
			ct = "application/x-www-form-urlencoded"
		}
		req.Header.Set("Content-Type", ct)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		if tc.referer != "" {
			req.Header.Set("Referer", tc.referer)
		}
		got := send(t, req)
		if got.status != tc.want.status || got.location != tc.want.location || !strings.Contains(got.body, tc.want.body) {
			t.Errorf("%s: %d %q %s, want %d %q with %q", tc.name, got.status, got.location, got.body, tc.want.status, tc.want.location, tc.want.body)
		}
		if got.status >= 400 {
			var body ErrorBody
			if json.Unmarshal([]byte(got.body), &body) != nil || body.Response.StatusCode != got.status {
				t.Errorf("%s: not Backstage's error body: %s", tc.name, got.body)
			}
		}
	}
	denied := map[string]bool{}
	for _, e := range log.Recent(audit.Filter{}) {
		if e.Outcome == audit.Denied && e.Target == frontend.RefreshAction {
			denied[e.Caller+" "+e.Error] = true
		}
	}
	for _, want := range []string{
		"user:default/ada Forbidden: catalog.entity.refresh of component:default/payments-service",
		"user:default/ada Forbidden: This form may be posted only from the portal's own pages",
		"anonymous Unauthorized: Missing credentials",
	} {
		if !denied[want] {
			t.Errorf("audit log lacks the denial %q: %v", want, denied)
		}
	}
}

// TestRefreshFormOrigins: with Access.Origins (the portal's base URLs) a form is taken
// from those origins only, not from whatever host the request names.
func TestRefreshFormOrigins(t *testing.T) {
	base, token, _, _ := pagesServer(t, false, "https://portal.example")
	ada := token("user:default/ada", "group:default/team-checkout")
	host, _, _ := net.SplitHostPort(strings.TrimPrefix(base, "http://"))
	for origin, want := range map[string]int{"https://portal.example": 303, "https://PORTAL.example": 303, base: 403, "http://" + host: 403, "https://portal.example.evil": 403} {
		req, _ := http.NewRequest("POST", base+frontend.RefreshAction, strings.NewReader("entityRef=component:default/checkout-service"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+ada)
		req.Header.Set("Origin", origin)
		if got := send(t, req); got.status != want {
			t.Errorf("Origin %s: %d %s, want %d", origin, got.status, got.body, want)
		}
	}
}
