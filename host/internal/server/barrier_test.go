package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/audit"
	"greenroom.dev/greenroom/host/internal/auth"
	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/catalog/api"
	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/permission"
	"greenroom.dev/greenroom/host/internal/plugintest"
	"greenroom.dev/greenroom/host/internal/proxy"
	"greenroom.dev/greenroom/host/internal/store"
)

// barrierServer is a server with the real sign-in and permission parts, in production
// (no anonymous access): the example catalog, a plugin, a proxy endpoint, reload and the
// audit API. RBAC: ada (team-checkout) may read, admin is an admin, a service token
// restricted to the catalog, and one without restrictions.
func barrierServer(t *testing.T) (base string, svc *auth.Service, log *audit.Log, plugin *fakeEndpoint) {
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
p, role:default/reader, catalog-entity, read, allow
g, group:default/team-checkout, role:default/reader
`), 0o644)
	engine, err := permission.NewEngine(permission.Config{Enabled: true, RBAC: permission.RBAC{
		PoliciesCSVFile: "policy.csv", Admin: permission.Admin{Users: []permission.Member{{Name: "user:default/admin"}}}}}, dir)
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
	var bc auth.BackendConfig
	yaml.Unmarshal([]byte(`externalAccess:
  - {type: static, options: {token: catalog-only-token-123, subject: ci}, accessRestrictions: [{plugin: catalog}]}
  - {type: static, options: {token: full-service-token-123, subject: ops}}
`), &bc)
	svc, err = auth.New(auth.Options{Config: ac, Backend: bc, BaseURL: "http://localhost:7007", Store: file.Bucket("auth"), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	var pc proxy.Config
	yaml.Unmarshal([]byte("endpoints:\n  /open: {target: http://127.0.0.1:1, credentials: dangerously-allow-unauthenticated}\n  /closed: http://127.0.0.1:1\n"), &pc)
	prox, err := proxy.New(pc, proxy.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	log = audit.New(io.Discard, 100)
	t.Cleanup(func() { log.Close() })
	ep := &fakeEndpoint{maxBody: 1 << 10, got: make(chan []byte, 16), callers: make(chan string, 16), reply: `{"status":200,"text":"hi"}`}
	plugin = ep
	s := New(Options{
		Logger: quiet, Catalog: api.New(cat), Proxy: prox, Plugins: fakePlugins{"x": ep}, Audit: log,
		Reload: func(context.Context) error { return nil },
		Access: Access{
			Authenticator: svc, SessionCookie: auth.SessionCookie, AuthHandler: svc.Handler(),
			Permissions: engine, PermissionAPI: permission.NewAPI(engine, nil),
			AllowAnonymous: func() bool { return false }, Log: log,
		},
	})
	return "http://" + serveTest(t, s), svc, log, plugin
}

// TestBarrier: in production, without credentials, every mutating route, the plugin and
// admin routes, /api/audit and the reads answer 401; tokens get what the policy and
// their restrictions allow, and each refusal is in the audit log with its caller.
func TestBarrier(t *testing.T) {
	base, svc, log, plugin := barrierServer(t)
	token := func(user string, groups ...string) string {
		tok, _, err := svc.IssueToken(identity.NewUser(user, groups))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	ada := token("user:default/ada", "group:default/team-checkout")
	bob := token("user:default/bob")
	admin := token("user:default/admin")
	type want struct {
		status int
		body   string
	}
	for _, c := range []struct {
		method, path, token string
		want                want
	}{
		// Nobody: 401 everywhere but health, sign-in and the permission API's open routes.
		{"GET", "/healthz", "", want{200, "ok"}},
		{"GET", "/api/catalog/entities?limit=1", "", want{401, "Missing credentials"}},
		{"POST", "/api/catalog/locations", "", want{401, "Missing credentials"}},
		{"DELETE", "/api/catalog/entities/by-uid/x", "", want{401, "Missing credentials"}},
		{"POST", "/api/catalog/refresh", "", want{401, "Missing credentials"}},
		{"GET", "/api/x/hello", "", want{401, "Missing credentials"}},
		// A route the plugin opens to anonymous callers (allow: unauthenticated).
		{"GET", "/api/x/public/badge", "", want{200, "hi"}},
		{"POST", "/api/admin/reload", "", want{401, "Missing credentials"}},
		{"GET", "/api/audit", "", want{401, "Missing credentials"}},
		{"GET", "/api/proxy/closed/x", "", want{401, "Missing credentials"}},
		{"GET", "/api/permission/health", "", want{200, `"ok"`}},
		{"GET", "/api/auth/.well-known/jwks.json", "", want{200, `"keys"`}},
		{"GET", "/api/permission/roles", "", want{401, "Missing credentials"}},
		// A token that does not verify is refused on any route.
		{"GET", "/healthz", "not-a-token", want{401, "Illegal token"}},
		{"GET", "/api/catalog/entities?limit=1", ada + "x", want{401, "Illegal token"}},
		// Users: what the policy says.
		{"GET", "/api/catalog/entities?filter=kind=user&fields=metadata.name&limit=1", ada, want{200, `"metadata":{"name":"`}},
		{"GET", "/api/catalog/entities?filter=kind=user&fields=metadata.name", bob, want{200, `[]`}},
		{"GET", "/api/catalog/entities/by-name/component/default/checkout-service", bob, want{404, "NotFoundError"}},
		{"POST", "/api/admin/reload", ada, want{403, "user:default/ada may not update (permission greenroom.admin.reload)"}},
		{"GET", "/api/audit", ada, want{403, "greenroom.audit.read"}},
		{"POST", "/api/admin/reload", admin, want{200, "reloaded"}},
		{"GET", "/api/audit", admin, want{200, `"items"`}},
		{"GET", "/api/x/hello", bob, want{200, "hi"}},
		// Services: their access restrictions.
		{"GET", "/api/catalog/entities?filter=kind=user&limit=1", "catalog-only-token-123", want{200, `"kind":"User"`}},
		{"GET", "/api/x/hello", "catalog-only-token-123", want{403, "This token's access is restricted to plugin(s) 'catalog'"}},
		{"POST", "/api/admin/reload", "catalog-only-token-123", want{403, "restricted to plugin(s) 'catalog'"}},
		{"GET", "/api/x/hello", "full-service-token-123", want{200, "hi"}},
		{"POST", "/api/admin/reload", "full-service-token-123", want{200, "reloaded"}},
	} {
		t.Run(c.method+" "+c.path+" "+c.token[:min(len(c.token), 8)], func(t *testing.T) {
			req, _ := http.NewRequest(c.method, base+c.path, nil)
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.want.status || !strings.Contains(string(b), c.want.body) {
				t.Fatalf("%d %s, want %d containing %s", resp.StatusCode, b, c.want.status, c.want.body)
			}
			apiDocs(t).Check(t, req, resp, b)
			if resp.StatusCode == 401 || resp.StatusCode == 403 {
				var body ErrorBody
				if json.Unmarshal(b, &body) != nil || body.Response.StatusCode != resp.StatusCode {
					t.Errorf("not Backstage's error body: %s", b)
				}
			}
		})
	}
	// The plugin served each caller as itself, and its request message says who (not
	// with the caller's token).
	if got := <-plugin.callers; got != "anonymous" { // the public badge
		t.Errorf("plugin served %s for the public route", got)
	}
	<-plugin.got
	for _, want := range []struct{ name, caller string }{
		{"user:default/bob", `"caller":{"type":"user","userEntityRef":"user:default/bob","ownershipEntityRefs":["user:default/bob"]}`},
		{"ops", `"caller":{"type":"service","subject":"ops"}`},
	} {
		if got := <-plugin.callers; got != want.name {
			t.Errorf("plugin served %s, want %s", got, want.name)
		}
		msg := <-plugin.got
		if !strings.Contains(string(msg), want.caller) || strings.Contains(string(msg), "authorization") {
			t.Errorf("request message %s, want %s and no credentials", msg, want.caller)
		}
	}
	var denied, admins []audit.Entry
	for _, e := range log.Recent(audit.Filter{}) {
		switch {
		case e.Outcome == audit.Denied:
			denied = append(denied, e)
		case e.Capability == "admin":
			admins = append(admins, e)
		}
	}
	callers := map[string]bool{}
	for _, e := range denied {
		callers[e.Caller] = true
	}
	for _, c := range []string{"anonymous", "user:default/ada", "ci"} {
		if !callers[c] {
			t.Errorf("no denial recorded for %s: %+v", c, denied)
		}
	}
	if len(admins) != 2 || admins[0].Function != "reload" || (admins[0].Caller != "ops" && admins[0].Caller != "user:default/admin") {
		t.Errorf("admin actions %+v", admins)
	}
}
