package cli

import (
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/frontend"
)

// freePort is a port on 127.0.0.1 that was free a moment ago: the portal's
// backend.baseUrl must name the port it listens on, for the sign-in redirects.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestServedPagesSignIn runs the served portal with sign-in required (no anonymous
// access) and the team policy: a browser is sent to the sign-in page, signs in as guest
// (jane), comes back to the page it asked for, sees its name and only what team-a owns,
// is offered Refresh only where the policy lets it refresh, refreshes, reads its
// settings, and signs out with the script-free form; its old cookie no longer works.
func TestServedPagesSignIn(t *testing.T) {
	dir := t.TempDir()
	for name, content := range teamCatalog {
		os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)
	}
	writeTeamPolicy(dir)
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	cfg := fmt.Sprintf(`
app: {baseUrl: %[1]s}
backend:
  baseUrl: %[1]s
  listen: {host: 127.0.0.1, port: %[2]d}
  auth:
    externalAccess:
      - {type: static, options: {token: %[3]s, subject: ci-bot}}
auth:
  allowAnonymous: false
  providers:
    guest: {userEntityRef: user:default/jane}
permission:
  enabled: true
  rbac: {policies-csv-file: policy.csv, conditionalPoliciesFile: conditions.yaml}
catalog:
  rules: [{allow: [Component, API, Group, User, Location]}]
  locations: [{type: file, target: ./all.yaml}]
`, base, port, testToken)
	if err := os.WriteFile(filepath.Join(dir, "app-config.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	startPortal(t, dir)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the catalog's first pass did not end")
		}
	}

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	noFollow := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(c *http.Client, method, target string, form url.Values) (*http.Response, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, target, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", base) // as a browser posts a form of the portal's page
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}

	// Not signed in: to the sign-in page, which links to the guest provider.
	resp, _ := do(noFollow, "GET", base+"/catalog?kind=component", nil)
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "/signin?redirect=%2Fcatalog%3Fkind%3Dcomponent" {
		t.Fatalf("a page without sign-in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := do(browser, "GET", base+resp.Header.Get("Location"), nil)
	m := regexp.MustCompile(`<a class="gr-button" href="([^"]*)">Enter as guest</a>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the sign-in page has no guest button:\n%s", mainOf(page))
	}

	// Sign in: back on the page asked for, as jane.
	resp, page = do(browser, "GET", base+html.UnescapeString(m[1]), nil)
	if resp.StatusCode != 200 || resp.Request.URL.String() != base+"/catalog?kind=component" {
		t.Fatalf("after sign-in: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	for _, want := range []string{`<summary class="gr-menu-button">Jane Doe</summary>`, `action="/api/auth/guest/logout"`, `href="/catalog/default/component/a-service"`} {
		if !strings.Contains(page, want) {
			t.Errorf("catalog page lacks %s", want)
		}
	}
	if strings.Contains(page, "b-service") {
		t.Errorf("the catalog page shows team-b's component")
	}

	// Refresh is offered where the policy lets jane refresh, and works.
	refresh := `<form class="gr-action" method="post" action="/api/app/refresh">`
	for target, offered := range map[string]bool{"/catalog/default/component/a-service": true, "/catalog/default/api/a-api": false} {
		resp, page = do(browser, "GET", base+target, nil)
		if resp.StatusCode != 200 || strings.Contains(page, refresh) != offered {
			t.Errorf("%s: %d, Refresh offered %v, want %v", target, resp.StatusCode, !offered, offered)
		}
	}
	if resp, _ := do(browser, "GET", base+"/catalog/default/component/b-service", nil); resp.StatusCode != 404 {
		t.Errorf("team-b's component: %d, want 404", resp.StatusCode)
	}
	// Search, on its page and through its API, finds only what jane may read (the
	// policy's conditional read), and counts only that.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, page = do(browser, "GET", base+"/search?query=service", nil); strings.Contains(page, `href="/catalog/default/component/a-service"`) || time.Now().After(deadline) {
			break
		}
	}
	if !strings.Contains(page, `href="/catalog/default/component/a-service"`) || strings.Contains(page, "b-service") || !strings.Contains(page, "1 result") {
		t.Errorf("the search page as jane:\n%s", mainOf(page))
	}
	if _, body := do(browser, "GET", base+"/api/search/query?term=service", nil); !strings.Contains(body, `"numberOfResults":1`) || strings.Contains(body, "b-service") {
		t.Errorf("the search API as jane: %s", body)
	}
	resp, _ = do(noFollow, "POST", base+"/api/app/refresh", url.Values{"entityRef": {"component:default/a-service"}, "redirect": {"/catalog/default/component/a-service"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/catalog/default/component/a-service" {
		t.Errorf("refresh: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = do(noFollow, "POST", base+"/api/app/refresh", url.Values{"entityRef": {"api:default/a-api"}})
	if resp.StatusCode != 403 {
		t.Errorf("refresh of what jane may not refresh: %d", resp.StatusCode)
	}

	// A token sent with the session's cookie is who the page is for: the session is
	// not shown as its.
	withToken, _ := http.NewRequest("GET", base+"/", nil)
	for _, c := range jar.Cookies(withToken.URL) {
		withToken.AddCookie(c)
	}
	resp, err := http.DefaultClient.Do(bearer(withToken))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if header := string(b[strings.Index(string(b), "<header"):strings.Index(string(b), "</header>")]); !strings.Contains(header, `<summary class="gr-menu-button">ci-bot</summary>`) ||
		strings.Contains(header, "Sign out") || strings.Contains(header, "Jane") {
		t.Errorf("a token with jane's cookie: the header is %s", header)
	}

	// Settings: the profile and the groups.
	_, page = do(browser, "GET", base+"/settings", nil)
	for _, want := range []string{`<dt>Name</dt><dd>Jane Doe</dd>`, `mailto:jane@example.com`, `<a class="gr-link" href="/catalog/default/group/team-a">group:default/team-a</a>`, `<dt>Signed in with</dt><dd>Guest</dd>`} {
		if !strings.Contains(page, want) {
			t.Errorf("settings page lacks %s", want)
		}
	}

	// Sign out: the form goes to the home page, which now sends the browser to sign in;
	// the old session cookie is refused.
	u, _ := url.Parse(base)
	var old *http.Cookie
	for _, c := range jar.Cookies(u) {
		if c.Name == "greenroom-session" {
			old = c
		}
	}
	if old == nil {
		t.Fatal("no session cookie")
	}
	resp, _ = do(noFollow, "POST", base+"/api/auth/guest/logout", url.Values{"redirectUrl": {"/"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != base+"/" {
		t.Fatalf("sign out: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = do(noFollow, "GET", base+"/", nil)
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "/signin?redirect=%2F" {
		t.Errorf("after sign-out: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	req, _ := http.NewRequest("GET", base+"/settings", nil)
	req.AddCookie(&http.Cookie{Name: old.Name, Value: old.Value})
	var replayed *http.Response
	replayed, err = (&http.Client{CheckRedirect: noFollow.CheckRedirect}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	replayed.Body.Close()
	if replayed.StatusCode != 302 {
		t.Errorf("the old session cookie, replayed: %d", replayed.StatusCode)
	}
}

// TestSessionProfileFromUserEntity: what the provider did not say of the signed-in user
// (an OIDC provider that sends no name) comes from its User entity, whatever the policy
// says of reading it; what the provider said stays.
func TestSessionProfileFromUserEntity(t *testing.T) {
	c, _, _ := catalogApp(t, "all.yaml", teamCatalog)
	h := &host{catalog: c}
	for _, tc := range []struct {
		in, want frontend.Session
		ref      string
	}{
		{frontend.Session{Provider: "oidc"}, frontend.Session{Provider: "oidc", DisplayName: "Jane Doe", Email: "jane@example.com"}, "user:default/jane"},
		{frontend.Session{Provider: "oidc", DisplayName: "J. Doe", Picture: "https://idp.example/j.png"},
			frontend.Session{Provider: "oidc", DisplayName: "J. Doe", Email: "jane@example.com", Picture: "https://idp.example/j.png"}, "user:default/jane"},
		{frontend.Session{Provider: "oidc"}, frontend.Session{Provider: "oidc"}, "user:default/nobody"},
	} {
		s := tc.in
		h.completeProfile(&s, tc.ref)
		if s != tc.want {
			t.Errorf("%s %+v: got %+v, want %+v", tc.ref, tc.in, s, tc.want)
		}
	}
}
