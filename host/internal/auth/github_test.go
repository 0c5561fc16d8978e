package auth

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/identity"
)

// fakeGitHub stands in, on 127.0.0.1, for GitHub Enterprise's OAuth endpoints and the
// two REST calls sign-in makes.
type fakeGitHub struct {
	*httptest.Server
	mu     sync.Mutex
	user   map[string]any
	emails []map[string]any
	codes  map[string]bool
	calls  []string
}

func newFakeGitHub(t *testing.T) *fakeGitHub {
	g := &fakeGitHub{codes: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login/oauth/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != "gh-client" {
			http.Error(w, "bad client", 400)
			return
		}
		g.mu.Lock()
		code := "code-" + q.Get("state")[:8]
		g.codes[code] = true
		g.mu.Unlock()
		to, _ := url.Parse(q.Get("redirect_uri"))
		to.RawQuery = url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
		http.Redirect(w, r, to.String(), http.StatusFound)
	})
	mux.HandleFunc("POST /login/oauth/access_token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		g.mu.Lock()
		valid := g.codes[r.PostForm.Get("code")]
		delete(g.codes, r.PostForm.Get("code"))
		g.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if id != "gh-client" || secret != "gh-secret" || !valid {
			io.WriteString(w, `{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired."}`)
			return
		}
		io.WriteString(w, `{"access_token":"gho_token","token_type":"bearer","scope":"read:user,user:email"}`)
	})
	api := func(v func() any) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			g.mu.Lock()
			g.calls = append(g.calls, r.URL.Path)
			g.mu.Unlock()
			if r.Header.Get("Authorization") != "Bearer gho_token" {
				http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
				return
			}
			g.mu.Lock()
			defer g.mu.Unlock()
			json.NewEncoder(w).Encode(v())
		}
	}
	mux.HandleFunc("GET /api/v3/user", api(func() any { return g.user }))
	mux.HandleFunc("GET /api/v3/user/emails", api(func() any { return g.emails }))
	g.Server = httptest.NewServer(mux)
	t.Cleanup(g.Close)
	return g
}

func githubPortal(t *testing.T, g *fakeGitHub, resolvers string) *portal {
	t.Helper()
	var cfg Config
	body := "providers:\n  github:\n    development:\n      clientId: gh-client\n      clientSecret: gh-secret\n      enterpriseInstanceUrl: " + g.URL +
		"\n      signIn: {resolvers: " + resolvers + "}\n"
	if err := yaml.Unmarshal([]byte(body), &cfg); err != nil {
		t.Fatal(err)
	}
	return newPortal(t, Options{Config: cfg, Users: orgCatalog(t, "")})
}

func TestGitHubSignIn(t *testing.T) {
	octocat := identity.NewUser("user:default/octocat", []string{"group:default/team-a"})
	cases := []struct {
		name      string
		resolvers string
		user      map[string]any
		emails    []map[string]any
		want      identity.Principal
		error     string
		calls     []string
	}{
		{"by username", "[{resolver: usernameMatchingUserEntityName}]",
			map[string]any{"login": "octocat", "name": "The Octocat", "email": "octo@example.com", "avatar_url": "https://avatars.example.com/u/1"}, nil,
			octocat, "", []string{"/api/v3/user"}},
		{"by the primary verified email", "[{resolver: emailMatchingUserEntityProfileEmail}]",
			map[string]any{"login": "someone-else", "email": nil},
			[]map[string]any{{"email": "old@example.com", "primary": false, "verified": true}, {"email": "octo@example.com", "primary": true, "verified": true}},
			octocat, "", []string{"/api/v3/user", "/api/v3/user/emails"}},
		{"an unverified email is none", "[{resolver: emailMatchingUserEntityProfileEmail}]",
			map[string]any{"login": "octocat", "email": nil},
			[]map[string]any{{"email": "octo@example.com", "primary": true, "verified": false}},
			identity.Nobody, "Login failed, user profile does not contain an email", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGitHub(t)
			g.user, g.emails = tc.user, tc.emails
			p := githubPortal(t, g, tc.resolvers)
			b := browser(t)
			hops := follow(t, b, p.URL+"/api/auth/github/start?env=development&flow=redirect&redirectUrl=/settings")
			frame := hops[2]
			if tc.error != "" {
				if !strings.HasPrefix(frame.location, p.URL+"/settings?error="+url.QueryEscape(tc.error)) || cookieNamed(frame.cookies, SessionCookie) != nil {
					t.Fatalf("hops %+v", hops)
				}
				return
			}
			if frame.location != p.URL+"/settings" {
				t.Fatalf("hops %+v", hops)
			}
			if got := whoami(t, b, p); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("whoami %+v, want %+v", got, tc.want)
			}
			if !reflect.DeepEqual(g.calls, tc.calls) {
				t.Errorf("GitHub API calls %v, want %v", g.calls, tc.calls)
			}
			h := do(t, b, "GET", p.URL+"/api/auth/github/refresh", http.Header{"X-Requested-With": {"XMLHttpRequest"}}, nil)
			var res refreshResponse
			json.Unmarshal([]byte(h.body), &res)
			if h.status != 200 || res.Profile.Email != "octo@example.com" || res.ProviderInfo["scope"] != "read:user,user:email" || res.BackstageIdentity.Identity.UserEntityRef != tc.want.UserEntityRef {
				t.Errorf("refresh %d %s", h.status, h.body)
			}
		})
	}
}

// TestGitHubBadCode: a code GitHub does not accept signs no one in.
func TestGitHubBadCode(t *testing.T) {
	g := newFakeGitHub(t)
	g.user = map[string]any{"login": "octocat"}
	p := githubPortal(t, g, "[{resolver: usernameMatchingUserEntityName}]")
	b := browser(t)
	h := get(t, b, p.URL+"/api/auth/github/start?env=development&flow=redirect&redirectUrl=/")
	authz, _ := url.Parse(h.location)
	h = get(t, b, p.URL+"/api/auth/github/handler/frame?code=forged&state="+url.QueryEscape(authz.Query().Get("state")))
	if h.location != p.URL+"/?error=Failed+to+exchange+the+authorization+code" || cookieNamed(h.cookies, SessionCookie) != nil {
		t.Errorf("%d %s", h.status, h.location)
	}
	// The nonce is spent: the same state does not finish a sign-in twice.
	h = get(t, b, p.URL+"/api/auth/github/handler/frame?code=forged&state="+url.QueryEscape(authz.Query().Get("state")))
	if h.location != p.URL+"/?error=Auth+response+is+missing+cookie+nonce" {
		t.Errorf("state used twice: %d %s", h.status, h.location)
	}
	// The user says no at GitHub.
	h = get(t, b, p.URL+"/api/auth/github/start?env=development&flow=redirect&redirectUrl=/")
	authz, _ = url.Parse(h.location)
	h = get(t, b, p.URL+"/api/auth/github/handler/frame?error=access_denied&state="+url.QueryEscape(authz.Query().Get("state")))
	if h.location != p.URL+"/?error=Sign-in+failed+at+GitHub%3A+access_denied" || cookieNamed(h.cookies, SessionCookie) != nil {
		t.Errorf("denied: %d %s", h.status, h.location)
	}
	if len(g.calls) != 0 {
		t.Errorf("API calls without a token: %v", g.calls)
	}
}
