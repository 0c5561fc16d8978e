package auth

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"
	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/identity"
)

// oidcPortal runs an OpenID Connect provider (mockoidc) and a portal that signs in
// with it, both on 127.0.0.1, resolving users against a real catalog.
func oidcPortal(t *testing.T, resolvers string) (*portal, *mockoidc.MockOIDC) {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	mc := m.Config()
	var cfg Config
	body := "providers:\n  oidc:\n    development:\n      metadataUrl: " + m.DiscoveryEndpoint() +
		"\n      clientId: " + mc.ClientID + "\n      clientSecret: " + mc.ClientSecret + "\n      signIn: {resolvers: " + resolvers + "}\n"
	if err := yaml.Unmarshal([]byte(body), &cfg); err != nil {
		t.Fatal(err)
	}
	return newPortal(t, Options{Config: cfg, Users: orgCatalog(t, "")}), m
}

// TestOIDCSignIn: the authorization code flow with PKCE against a real provider, with
// a real HTTP client and cookie jar: sign in, find the user in the catalog by email,
// refresh, sign out, and the cookie replayed after sign-out is refused.
func TestOIDCSignIn(t *testing.T) {
	p, m := oidcPortal(t, "[{resolver: emailMatchingUserEntityProfileEmail}]")
	m.QueueUser(&mockoidc.MockUser{Subject: "idp-jane", Email: "jane@example.com", EmailVerified: true, PreferredUsername: "jdoe"})
	b := browser(t)
	hops := follow(t, b, p.URL+"/api/auth/oidc/start?env=development&flow=redirect&redirectUrl=/catalog")
	if len(hops) != 4 || hops[2].location != p.URL+"/catalog" || hops[3].body != "a page" {
		t.Fatalf("hops %+v", hops)
	}
	authz, _ := url.Parse(hops[0].location)
	q := authz.Query()
	if !strings.HasPrefix(hops[0].location, m.AuthorizationEndpoint()) || q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 ||
		q.Get("nonce") == "" || q.Get("scope") != "openid profile email" || q.Get("redirect_uri") != p.URL+"/api/auth/oidc/handler/frame" || q.Get("response_type") != "code" {
		t.Errorf("authorization request %s", hops[0].location)
	}
	jane := identity.NewUser("user:default/jane", []string{"group:default/team-a", "group:ops/team-b"})
	if got := whoami(t, b, p); !reflect.DeepEqual(got, jane) {
		t.Errorf("whoami %+v, want %+v", got, jane)
	}

	xhr := http.Header{"X-Requested-With": {"XMLHttpRequest"}}
	h := do(t, b, "GET", p.URL+"/api/auth/oidc/refresh", xhr, nil)
	var res refreshResponse
	if err := json.Unmarshal([]byte(h.body), &res); err != nil || h.status != 200 {
		t.Fatalf("refresh %d %s", h.status, h.body)
	}
	if res.Profile.Email != "jane@example.com" || res.ProviderInfo["scope"] == nil || res.BackstageIdentity.Identity.UserEntityRef != "user:default/jane" {
		t.Errorf("refresh %s", h.body)
	}
	if got, err := p.s.Authenticate(bearerRequest(res.BackstageIdentity.Token)); err != nil || !reflect.DeepEqual(got, jane) {
		t.Errorf("token %+v %v", got, err)
	}

	u, _ := url.Parse(p.URL)
	cookie := cookieNamed(b.Jar.Cookies(u), SessionCookie).Value
	if h := do(t, b, "POST", p.URL+"/api/auth/oidc/logout", xhr, nil); h.status != 200 {
		t.Fatalf("logout %d %s", h.status, h.body)
	}
	replay := browser(t)
	replay.Jar.SetCookies(u, []*http.Cookie{{Name: SessionCookie, Value: cookie, Path: "/"}})
	h = do(t, replay, "GET", p.URL+"/api/auth/oidc/refresh", xhr, nil)
	if h.status != 401 || !strings.Contains(h.body, `"message":"Refresh failed"`) {
		t.Errorf("refresh with a replayed cookie: %d %s", h.status, h.body)
	}
	if got := whoami(t, replay, p); got.Authenticated() {
		t.Errorf("replayed cookie signed in as %+v", got)
	}
}

// TestOIDCUserNotInCatalog: an account no resolver finds does not sign in.
func TestOIDCUserNotInCatalog(t *testing.T) {
	p, m := oidcPortal(t, "[{resolver: emailMatchingUserEntityProfileEmail}, {resolver: emailLocalPartMatchingUserEntityName}]")
	m.QueueUser(&mockoidc.MockUser{Subject: "x", Email: "stranger@example.com"})
	b := browser(t)
	hops := follow(t, b, p.URL+"/api/auth/oidc/start?env=development&flow=redirect&redirectUrl=/")
	last := hops[len(hops)-2]
	if !strings.HasPrefix(last.location, p.URL+"/?error=Failed+to+sign-in%2C+unable+to+resolve+user+identity") || cookieNamed(last.cookies, SessionCookie) != nil {
		t.Errorf("hops %+v", hops)
	}
	if got := whoami(t, b, p); got.Authenticated() {
		t.Errorf("signed in as %+v", got)
	}
}

// TestOIDCCodeInjection: a code obtained in one browser's sign-in does not finish
// another's, though that browser's state and nonce cookie are right: PKCE binds the
// code to the sign-in that asked for it.
func TestOIDCCodeInjection(t *testing.T) {
	p, m := oidcPortal(t, "[{resolver: emailMatchingUserEntityProfileEmail}]")
	m.QueueUser(&mockoidc.MockUser{Subject: "idp-jane", Email: "jane@example.com"})
	attacker := browser(t)
	h := get(t, attacker, p.URL+"/api/auth/oidc/start?env=development&flow=redirect&redirectUrl=/")
	h = get(t, attacker, h.location) // the provider sends back the code; not followed
	cb, _ := url.Parse(h.location)
	code := cb.Query().Get("code")

	victim := browser(t)
	h = get(t, victim, p.URL+"/api/auth/oidc/start?env=development&flow=redirect&redirectUrl=/")
	authz, _ := url.Parse(h.location)
	h = get(t, victim, p.URL+"/api/auth/oidc/handler/frame?code="+url.QueryEscape(code)+"&state="+url.QueryEscape(authz.Query().Get("state")))
	if h.location != p.URL+"/?error=Failed+to+exchange+the+authorization+code" || cookieNamed(h.cookies, SessionCookie) != nil {
		t.Errorf("injected code: %d %s", h.status, h.location)
	}
}

// TestOIDCProviderDown: the portal starts while the provider is down; sign-in says so.
func TestOIDCProviderDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var cfg Config
	yaml.Unmarshal([]byte("providers:\n  oidc:\n    development:\n      metadataUrl: http://"+addr+"/.well-known/openid-configuration\n      clientId: a\n      clientSecret: b\n      signIn: {resolvers: [{resolver: emailMatchingUserEntityProfileEmail}]}\n"), &cfg)
	p := newPortal(t, Options{Config: cfg})
	h := get(t, browser(t), p.URL+"/api/auth/oidc/start?env=development")
	if h.status != 502 || !strings.Contains(h.body, "The identity provider cannot be reached; try again later") {
		t.Errorf("%d %s", h.status, h.body)
	}
}
