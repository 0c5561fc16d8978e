package cli

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestHomeStarsAndRecent: a signed-in user stars an entity from its page, and the
// home page lists it with the entities they opened and the operator's quick links;
// a malformed, foreign or anonymous star form is refused.
func TestHomeStarsAndRecent(t *testing.T) {
	examples, err := filepath.Abs("../../../examples/catalog/all.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	os.WriteFile(filepath.Join(dir, "app-config.yaml"), []byte(fmt.Sprintf(`
app:
  baseUrl: %[1]s
  extensions:
    - page:home:
        config:
          quickLinks: [{title: On-call runbook, url: "https://runbooks.example.com/"}]
backend:
  baseUrl: %[1]s
  listen: {host: 127.0.0.1, port: %[2]d}
auth:
  providers:
    guest: {userEntityRef: user:default/guest}
catalog:
  rules: [{allow: [Component, System, API, Resource, Location, Group, User, Domain]}]
  locations: [{type: file, target: %[3]s}]
`, base, port, examples)), 0o644)
	startPortal(t, dir)
	waitReady(t, base) // the catalog has its entities (a loaded machine is slow to process them)

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	do := func(method, target string, form url.Values, origin string) (int, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, target, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", origin)
		}
		resp, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	star := url.Values{"entityRef": {"component:default/payments-service"}, "star": {"true"}, "redirect": {"/catalog/default/component/payments-service"}}
	if status, _ := do("POST", base+"/api/app/star", star, base); status != 401 {
		t.Errorf("anonymous star: %d", status)
	}
	_, page := do("GET", base+"/signin", nil, "")
	m := regexp.MustCompile(`<a class="gr-button" href="([^"]*)">Enter as guest</a>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no guest sign-in on /signin")
	}
	do("GET", base+html.UnescapeString(m[1]), nil, "")

	_, page = do("GET", base+"/catalog/default/component/payments-service", nil, "")
	if !strings.Contains(page, `action="/api/app/star"`) || !strings.Contains(page, ">Star</button>") {
		t.Fatalf("the entity page offers no Star button")
	}
	do("GET", base+"/catalog/default/api/payments-api", nil, "")
	status, page := do("POST", base+"/api/app/star", star, base)
	if status != 200 || !strings.Contains(page, ">Unstar</button>") {
		t.Errorf("after starring: %d, Unstar offered: %v", status, strings.Contains(page, ">Unstar</button>"))
	}
	for _, tc := range []struct {
		name   string
		form   url.Values
		origin string
		status int
	}{
		{"foreign origin", star, "https://evil.example", 403},
		{"no ref", url.Values{"star": {"true"}}, base, 400},
		{"bad star", url.Values{"entityRef": {"component:default/x"}, "star": {"maybe"}}, base, 400},
		{"not a ref", url.Values{"entityRef": {"x"}, "star": {"true"}}, base, 400},
	} {
		if status, body := do("POST", base+"/api/app/star", tc.form, tc.origin); status != tc.status {
			t.Errorf("%s: %d %s", tc.name, status, body)
		}
	}

	_, home := do("GET", base+"/", nil, "")
	for _, want := range []string{
		`<form class="gr-form" method="get" action="/search">`,
		`Starred entities</h`, `href="/catalog/default/component/payments-service">component:payments-service</a>`,
		`Recently visited</h`, `href="/catalog/default/api/payments-api">api:payments-api</a>`,
		`href="https://runbooks.example.com/"`, "On-call runbook",
	} {
		if !strings.Contains(home, want) {
			t.Errorf("the home page lacks %s", want)
		}
	}
}
