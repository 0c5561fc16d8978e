package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/audit"
	"greenroom.dev/greenroom/host/internal/identity"
)

// cookieAuth signs in "ada" by the session cookie "ada-session" and "ops" by the Bearer
// token "ops-token", as auth.Service does: a Bearer token is taken instead of the cookie.
type cookieAuth struct{}

func (cookieAuth) AuthenticateValues(_ context.Context, authorization, cookie string) (identity.Principal, error) {
	if isBearer([]byte(authorization)) {
		if authorization[7:] == "ops-token" {
			return identity.NewUser("user:default/ops", nil), nil
		}
		return identity.Nobody, statusErr{401, "AuthenticationError", "Illegal token"}
	}
	if cookie == "ada-session" {
		return identity.NewUser("user:default/ada", nil), nil
	}
	return identity.Nobody, nil
}

// TestCrossOriginSessionWritesRefused: a plugin's route that changes
// something (POST, PUT, PATCH, DELETE) takes a caller signed in by the session cookie
// only with an Origin (or, without one, a Referer) of the portal's own: another site's
// form, an opaque origin or none at all is refused with 403 before the plugin is called,
// and recorded in the audit log. GETs with the cookie, and callers with a Bearer token
// (which a browser does not send on its own), are not concerned.
func TestCrossOriginSessionWritesRefused(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	log := audit.New(io.Discard, 100)
	t.Cleanup(func() { log.Close() })
	ep := &fakeEndpoint{maxBody: 1 << 10, got: make(chan []byte, 64), callers: make(chan string, 64), reply: `{"status":200,"text":"done"}`}
	s := New(Options{Logger: quiet, Plugins: fakePlugins{"x": ep}, Access: Access{
		Authenticator: cookieAuth{}, SessionCookie: "greenroom-session", AllowAnonymous: func() bool { return false }, Log: log,
	}})
	base := "http://" + serveTest(t, s)
	for _, tc := range []struct {
		name, method, cookie, bearer, origin, referer string
		status                                        int
	}{
		{"a form of the portal's page", "POST", "ada-session", "", base, "", 200},
		{"the portal's page, by Referer", "POST", "ada-session", "", "", base + "/catalog/default/component/x/ci?run=1", 200},
		{"another site's form", "POST", "ada-session", "", "https://evil.example", "", 403},
		{"another port of the same host", "POST", "ada-session", "", strings.Replace(base, "127.0.0.1:", "127.0.0.1:1", 1), "", 403},
		{"another site, by Referer", "POST", "ada-session", "", "", "https://evil.example/x", 403},
		{"an opaque origin", "POST", "ada-session", "", "null", "", 403},
		{"no Origin nor Referer", "POST", "ada-session", "", "", "", 403},
		{"DELETE from another site", "DELETE", "ada-session", "", "https://evil.example", "", 403},
		{"PUT from another site", "PUT", "ada-session", "", "https://evil.example", "", 403},
		{"PATCH from another site", "PATCH", "ada-session", "", "https://evil.example", "", 403},
		{"a GET from another site", "GET", "ada-session", "", "https://evil.example", "", 200},
		{"a token, no Origin", "POST", "", "ops-token", "", "", 200},
		{"a token with the cookie, from another origin", "POST", "ada-session", "ops-token", "https://evil.example", "", 200},
		{"an empty Bearer does not hide the cookie", "POST", "ada-session", " ", "https://evil.example", "", 403},
		{"nobody", "POST", "", "", "https://evil.example", "", 401},
	} {
		req, _ := http.NewRequest(tc.method, base+"/api/x/runs/1/rerun", strings.NewReader("redirect=%2F"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if tc.cookie != "" {
			req.AddCookie(&http.Cookie{Name: "greenroom-session", Value: tc.cookie})
		}
		if tc.bearer != "" {
			req.Header.Set("Authorization", "Bearer "+tc.bearer)
		}
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		if tc.referer != "" {
			req.Header.Set("Referer", tc.referer)
		}
		got := send(t, req)
		called := false
		select {
		case <-ep.got:
			<-ep.callers
			called = true
		default:
		}
		if got.status != tc.status || called != (tc.status == 200) {
			t.Errorf("%s: %d %s, plugin called %v; want %d", tc.name, got.status, got.body, called, tc.status)
		}
		if tc.status == 403 && !strings.Contains(got.body, "only from the portal's own pages") {
			t.Errorf("%s: %s", tc.name, got.body)
		}
	}
	denied := 0
	for _, e := range log.Recent(audit.Filter{}) {
		if e.Outcome == audit.Denied && e.Caller == "user:default/ada" && strings.Contains(e.Error, "only from the portal's own pages") {
			denied++
		}
	}
	if denied != 9 {
		t.Errorf("the audit log has %d refused cross-origin posts of ada, want 9", denied)
	}

	// With the portal's origins configured, only those count.
	s = New(Options{Logger: quiet, Plugins: fakePlugins{"x": ep}, Access: Access{
		Authenticator: cookieAuth{}, SessionCookie: "greenroom-session", AllowAnonymous: func() bool { return false }, Origins: []string{"https://portal.example"},
	}})
	base = "http://" + serveTest(t, s)
	for origin, want := range map[string]int{"https://portal.example": 200, base: 403} {
		req, _ := http.NewRequest("POST", base+"/api/x/runs/1/rerun", nil)
		req.AddCookie(&http.Cookie{Name: "greenroom-session", Value: "ada-session"})
		req.Header.Set("Origin", origin)
		if got := send(t, req); got.status != want {
			t.Errorf("Origin %s with Access.Origins: %d %s, want %d", origin, got.status, got.body, want)
		}
		if want == 200 {
			<-ep.got
			<-ep.callers
		}
	}

	// Every route, not only plugins': the catalog API, the proxy, admin and the
	// scaffolder refuse a cookie-signed write from another site before they run. The
	// sign-in flows under /api/auth keep their own state checks.
	for _, path := range []string{"/api/catalog/locations", "/api/catalog/entities/by-uid/u1", "/api/proxy/github/repos/a/b", "/api/admin/reload", "/api/scaffolder/v2/tasks"} {
		method := "POST"
		if strings.Contains(path, "by-uid") {
			method = "DELETE"
		}
		req, _ := http.NewRequest(method, base+path, strings.NewReader(`{}`))
		req.AddCookie(&http.Cookie{Name: "greenroom-session", Value: "ada-session"})
		req.Header.Set("Origin", "https://evil.example")
		if got := send(t, req); got.status != 403 || !strings.Contains(got.body, "only from the portal's own pages") {
			t.Errorf("%s %s from another site with the session cookie: %d %s, want 403", method, path, got.status, got.body)
		}
	}
	req, _ := http.NewRequest("POST", base+"/api/auth/guest/logout", nil)
	req.AddCookie(&http.Cookie{Name: "greenroom-session", Value: "ada-session"})
	req.Header.Set("Origin", "https://evil.example")
	if got := send(t, req); got.status == 403 {
		t.Errorf("/api/auth is refused by the origin check: %s", got.body)
	}
}
