package auth

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// TestRoutes: Backstage's answers for bad requests to the routes.
func TestRoutes(t *testing.T) {
	cfg := guestConfig(t, `providers:
  guest: {}
  github:
    development:
      clientId: the-client
      clientSecret: the-secret
      enterpriseInstanceUrl: http://127.0.0.1:1
      signIn: {resolvers: [{resolver: usernameMatchingUserEntityName}]}
`)
	p := newPortal(t, Options{Config: cfg})
	xhr := http.Header{"X-Requested-With": {"XMLHttpRequest"}}
	cases := []struct {
		name, method, path string
		header             http.Header
		body               string
		status             int
		errName, message   string
	}{
		{"unknown provider", "GET", "/api/auth/nope/start?env=development", nil, "", 404, "NotFoundError", "Unknown auth provider 'nope'"},
		{"unknown provider refresh", "GET", "/api/auth/nope/refresh", nil, "", 404, "NotFoundError", "Unknown auth provider 'nope'"},
		{"unconfigured provider", "POST", "/api/auth/oidc/logout", xhr, "", 404, "NotFoundError", "Unknown auth provider 'oidc'"},
		{"no env", "GET", "/api/auth/github/start", nil, "", 400, "InputError", "No env provided in request query parameters"},
		{"bad origin", "GET", "/api/auth/github/start?env=development&origin=https://evil.example.com", nil, "", 403, "NotAllowedError", "Origin 'https://evil.example.com' is not allowed"},
		{"unparsable origin", "GET", "/api/auth/github/start?env=development&origin=nope", nil, "", 400, "InputError", "App origin is invalid, failed to parse"},
		{"env without config", "GET", "/api/auth/github/start?env=production", nil, "", 404, "NotFoundError", "No configuration available for the 'production' environment of this provider."},
		{"refresh without header", "GET", "/api/auth/github/refresh", nil, "", 401, "AuthenticationError", "Invalid X-Requested-With header"},
		{"refresh without session", "GET", "/api/auth/github/refresh", xhr, "", 401, "AuthenticationError", "Refresh failed"},
		{"logout without header", "POST", "/api/auth/github/logout", nil, "", 401, "AuthenticationError", "Invalid X-Requested-With header"},
		{"logout from another origin", "POST", "/api/auth/github/logout", http.Header{"Origin": {"https://evil.example.com"}}, "", 403, "NotAllowedError", "Origin 'https://evil.example.com' is not allowed"},
		{"logout by GET", "GET", "/api/auth/github/logout", xhr, "", 404, "NotFoundError", "No route for GET /api/auth/github/logout"},
		{"logout to elsewhere", "POST", "/api/auth/github/logout", http.Header{"Origin": {p.URL}, "Content-Type": {"application/x-www-form-urlencoded"}}, "redirectUrl=https://evil.example.com", 400, "InputError", "Invalid redirect URL 'https://evil.example.com'; give a path on this portal, such as /catalog"},
		{"unknown route", "GET", "/api/auth/github/handler/other", nil, "", 404, "NotFoundError", "No route for GET /api/auth/github/handler/other"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := do(t, browser(t), tc.method, p.URL+tc.path, tc.header, strings.NewReader(tc.body))
			want, _ := json.Marshal(map[string]any{
				"error": map[string]string{"name": tc.errName, "message": tc.message}, "request": map[string]string{"method": tc.method, "url": tc.path},
				"response": map[string]int{"statusCode": tc.status},
			})
			var got, wantV any
			json.Unmarshal([]byte(h.body), &got)
			json.Unmarshal(want, &wantV)
			if h.status != tc.status || !reflect.DeepEqual(got, wantV) {
				t.Errorf("%d %s\nwant %d %s", h.status, h.body, tc.status, want)
			}
		})
	}
	// A sign-out button without script: a form posted from the app, then back to it.
	h := do(t, browser(t), "POST", p.URL+"/api/auth/github/logout", http.Header{"Origin": {p.URL}, "Content-Type": {"application/x-www-form-urlencoded"}}, strings.NewReader("redirectUrl=/"))
	if h.status != 303 || h.location != p.URL+"/" {
		t.Errorf("form logout: %d %s", h.status, h.location)
	}
	// GitHub's authorize URL carries the client, the state and the callback.
	h = get(t, browser(t), p.URL+"/api/auth/github/start?env=development")
	u, _ := url.Parse(h.location)
	q := u.Query()
	if h.status != 302 || u.Host != "127.0.0.1:1" || u.Path != "/login/oauth/authorize" || q.Get("client_id") != "the-client" || q.Get("state") == "" ||
		q.Get("redirect_uri") != p.URL+"/api/auth/github/handler/frame" || q.Get("scope") != "read:user user:email" {
		t.Errorf("github start: %d %s", h.status, h.location)
	}
	if got := p.s.Providers(); !reflect.DeepEqual(got, []string{"guest", "github"}) {
		t.Errorf("Providers %v", got)
	}
}
