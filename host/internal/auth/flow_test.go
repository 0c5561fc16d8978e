package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/openapitest"
)

// portal serves a Service's Handler under /api/auth on 127.0.0.1, with /whoami
// answering who Authenticate says the caller is, as the host will mount it.
type portal struct {
	URL string
	s   *Service
}

func newPortal(t *testing.T, o Options) *portal {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	if o.BaseURL == "" {
		o.BaseURL = base
	}
	s := newService(t, o)
	mux := http.NewServeMux()
	mux.Handle("/api/auth/", s.Handler())
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		p, err := s.Authenticate(r)
		if err != nil {
			e := err.(*Error)
			w.WriteHeader(e.Status)
			w.Write(ErrorBody(r.Method, r.URL.RequestURI(), e))
			return
		}
		json.NewEncoder(w).Encode(p)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "a page") })
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	return &portal{URL: base, s: s}
}

// browser is an HTTP client with a cookie jar that does not follow redirects, so that
// each hop can be looked at.
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type hop struct {
	status   int
	location string
	cookies  []*http.Cookie
	body     string
	header   http.Header
}

func do(t *testing.T, c *http.Client, method, u string, header http.Header, body io.Reader) hop {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	checkDoc(t, req, resp, b)
	return hop{status: resp.StatusCode, location: resp.Header.Get("Location"), cookies: resp.Cookies(), body: string(b), header: resp.Header}
}

var (
	docOnce sync.Once
	docVal  *openapitest.Validators
)

// checkDoc validates an answer of /api/auth against its OpenAPI document
// (host/internal/openapi's auth document); other paths are not checked.
func checkDoc(t *testing.T, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	docOnce.Do(func() { docVal = openapitest.New(t) })
	docVal.Check(t, req, resp, body)
}

func get(t *testing.T, c *http.Client, u string) hop { return do(t, c, http.MethodGet, u, nil, nil) }

// follow GETs u and the redirects after it, returning every hop.
func follow(t *testing.T, c *http.Client, u string) []hop {
	t.Helper()
	var hops []hop
	for i := 0; i < 10; i++ {
		h := get(t, c, u)
		hops = append(hops, h)
		if h.status < 300 || h.status > 399 {
			return hops
		}
		next, err := url.Parse(h.location)
		if err != nil {
			t.Fatal(err)
		}
		base, _ := url.Parse(u)
		u = base.ResolveReference(next).String()
	}
	t.Fatal("too many redirects")
	return nil
}

func cookieNamed(cs []*http.Cookie, name string) *http.Cookie {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func whoami(t *testing.T, c *http.Client, p *portal) identity.Principal {
	t.Helper()
	h := get(t, c, p.URL+"/whoami")
	var pr identity.Principal
	if err := json.Unmarshal([]byte(h.body), &pr); err != nil {
		t.Fatalf("whoami %d %s", h.status, h.body)
	}
	return pr
}

func guestConfig(t *testing.T, body string) Config {
	t.Helper()
	var c Config
	if err := yaml.Unmarshal([]byte(body), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// refreshResponse is Backstage's ClientAuthResponse, as /refresh returns it.
type refreshResponse struct {
	Profile           Profile        `json:"profile"`
	ProviderInfo      map[string]any `json:"providerInfo"`
	BackstageIdentity struct {
		Token            string `json:"token"`
		ExpiresInSeconds int    `json:"expiresInSeconds"`
		Identity         struct {
			Type                string   `json:"type"`
			UserEntityRef       string   `json:"userEntityRef"`
			OwnershipEntityRefs []string `json:"ownershipEntityRefs"`
		} `json:"identity"`
	} `json:"backstageIdentity"`
}

func TestGuestSignIn(t *testing.T) {
	p := newPortal(t, Options{Config: guestConfig(t, "providers: {guest: {}}\n"), Users: orgCatalog(t, "")})
	b := browser(t)
	hops := follow(t, b, p.URL+"/api/auth/guest/start?env=development&flow=redirect&redirectUrl="+url.QueryEscape("/catalog?kind=component"))
	if len(hops) != 3 || !strings.HasPrefix(hops[0].location, p.URL+"/api/auth/guest/handler/frame?state=") || hops[1].location != p.URL+"/catalog?kind=component" || hops[2].body != "a page" {
		t.Fatalf("hops %+v", hops)
	}
	nonce := cookieNamed(hops[0].cookies, "guest-nonce")
	if nonce == nil || !nonce.HttpOnly || nonce.Path != "/api/auth/guest/handler" || nonce.MaxAge != 600 || nonce.SameSite != http.SameSiteLaxMode || nonce.Secure {
		t.Errorf("nonce cookie %+v", nonce)
	}
	sess := cookieNamed(hops[1].cookies, SessionCookie)
	if sess == nil || !sess.HttpOnly || sess.Path != "/" || sess.SameSite != http.SameSiteLaxMode || sess.Secure || sess.MaxAge != 24*3600 {
		t.Fatalf("session cookie %+v", sess)
	}
	want := identity.NewUser("user:default/guest", []string{"group:default/team-a"})
	if got := whoami(t, b, p); !reflect.DeepEqual(got, want) {
		t.Errorf("whoami %+v, want %+v (the catalog's guest user and its group)", got, want)
	}
	h := get(t, b, p.URL+"/api/auth/guest/refresh")
	var res refreshResponse
	if err := json.Unmarshal([]byte(h.body), &res); err != nil || h.status != 200 {
		t.Fatalf("refresh %d %s", h.status, h.body)
	}
	id := res.BackstageIdentity
	if res.Profile.DisplayName != "The Guest" || len(res.ProviderInfo) != 0 || id.ExpiresInSeconds != 3600 || id.Identity.Type != "user" ||
		id.Identity.UserEntityRef != "user:default/guest" || !reflect.DeepEqual(id.Identity.OwnershipEntityRefs, want.OwnershipEntityRefs) {
		t.Errorf("refresh %s", h.body)
	}
	if got, err := p.s.Authenticate(bearerRequest(id.Token)); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("the refreshed token: %+v %v", got, err)
	}
	if got, err := p.s.AuthenticateValues(context.Background(), "", sess.Value); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("AuthenticateValues with the cookie: %+v %v", got, err)
	}
	if s, ok := p.s.Session(withCookie(sess.Value)); !ok || s.Provider != "guest" || s.Profile.DisplayName != "The Guest" || !reflect.DeepEqual(s.User, want) {
		t.Errorf("Session %+v %v", s, ok)
	}

	// Signing in again ends the browser's previous session.
	hops = follow(t, b, p.URL+"/api/auth/guest/start?env=development&flow=redirect")
	if again := cookieNamed(hops[1].cookies, SessionCookie); again == nil || again.Value == sess.Value {
		t.Fatalf("second sign-in: %+v", again)
	}
	if got, _ := p.s.Authenticate(withCookie(sess.Value)); got.Authenticated() {
		t.Errorf("the first session outlived the second sign-in: %+v", got)
	}
	if _, err := p.s.Authenticate(bearerRequest(id.Token)); err == nil {
		t.Error("the first session's token outlived the second sign-in")
	}

	// A script in development: refresh with no cookie gives a guest token.
	h = get(t, http.DefaultClient, p.URL+"/api/auth/guest/refresh")
	res = refreshResponse{}
	json.Unmarshal([]byte(h.body), &res)
	if got, err := p.s.Authenticate(bearerRequest(res.BackstageIdentity.Token)); err != nil || got.UserEntityRef != "user:default/guest" {
		t.Errorf("guest token without a session: %d %s: %+v %v", h.status, h.body, got, err)
	}
}

func withCookie(value string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(&http.Cookie{Name: SessionCookie, Value: value})
	return r
}

// TestGuestWithoutCatalogUser: when the catalog lacks the guest user, the configured
// ownership refs apply.
func TestGuestWithoutCatalogUser(t *testing.T) {
	p := newPortal(t, Options{Config: guestConfig(t, "providers: {guest: {userEntityRef: user:default/visitor, ownershipEntityRefs: [group:default/visitors]}}\n"), Users: orgCatalog(t, "")})
	b := browser(t)
	follow(t, b, p.URL+"/api/auth/guest/start?env=development&flow=redirect")
	if got := whoami(t, b, p); !reflect.DeepEqual(got, identity.NewUser("user:default/visitor", []string{"group:default/visitors"})) {
		t.Errorf("whoami %+v", got)
	}
}

// TestPopupFlow: without flow=redirect the callback answers Backstage's popup page,
// which posts the response to the opener on the app's origin only.
func TestPopupFlow(t *testing.T) {
	p := newPortal(t, Options{Config: guestConfig(t, "providers: {guest: {}}\n")})
	b := browser(t)
	hops := follow(t, b, p.URL+"/api/auth/guest/start?env=development&origin="+url.QueryEscape(p.URL))
	last := hops[len(hops)-1]
	csp := last.header.Get("Content-Security-Policy")
	if last.status != 200 || !strings.HasPrefix(last.header.Get("Content-Type"), "text/html") || !strings.Contains(csp, "script-src 'sha256-") || !strings.Contains(csp, "default-src 'none'") {
		t.Fatalf("frame %d %v", last.status, last.header)
	}
	msg, origin := popupMessage(t, last.body)
	if origin != p.URL || msg["type"] != "authorization_response" || msg["response"].(map[string]any)["backstageIdentity"] == nil {
		t.Errorf("message to %s: %v", origin, msg)
	}
	if cookieNamed(last.cookies, SessionCookie) == nil {
		t.Error("no session cookie")
	}
}

var atobRE = regexp.MustCompile(`atob\('([^']*)'\)`)

// popupMessage reads the message and the target origin out of the popup page.
func popupMessage(t *testing.T, page string) (map[string]any, string) {
	t.Helper()
	m := atobRE.FindAllStringSubmatch(page, -1)
	if len(m) != 2 {
		t.Fatalf("popup page %s", page)
	}
	b, _ := base64.StdEncoding.DecodeString(m[0][1])
	o, _ := base64.StdEncoding.DecodeString(m[1][1])
	var msg map[string]any
	if err := json.Unmarshal(b, &msg); err != nil {
		t.Fatal(err)
	}
	return msg, string(o)
}

// TestStateMismatch: the callback is refused unless the nonce in state equals the
// nonce cookie of the browser that started the sign-in (login CSRF), and no session
// starts.
func TestStateMismatch(t *testing.T) {
	p := newPortal(t, Options{Config: guestConfig(t, "providers: {guest: {}}\n")})
	attacker := browser(t)
	h := get(t, attacker, p.URL+"/api/auth/guest/start?env=development&flow=redirect&redirectUrl=/catalog")
	attackerFrame := h.location

	victim := browser(t)
	h = get(t, victim, attackerFrame) // no nonce cookie at all
	if h.status != 302 || h.location != p.URL+"/catalog?error=Auth+response+is+missing+cookie+nonce" || cookieNamed(h.cookies, SessionCookie) != nil {
		t.Errorf("no nonce cookie: %d %s %v", h.status, h.location, h.cookies)
	}
	get(t, victim, p.URL+"/api/auth/guest/start?env=development&flow=redirect&redirectUrl=/catalog") // victim's own nonce
	h = get(t, victim, attackerFrame)
	if h.status != 302 || h.location != p.URL+"/catalog?error=Invalid+nonce" || cookieNamed(h.cookies, SessionCookie) != nil {
		t.Errorf("another browser's state: %d %s %v", h.status, h.location, h.cookies)
	}
	h = get(t, victim, p.URL+"/api/auth/guest/handler/frame?state=%25%25garbage")
	if msg, _ := popupMessage(t, h.body); msg["error"].(map[string]any)["message"] != "Invalid state passed via request" || cookieNamed(h.cookies, SessionCookie) != nil {
		t.Errorf("garbled state: %v", msg)
	}
	if got := whoami(t, victim, p); got.Authenticated() {
		t.Errorf("victim signed in as %+v", got)
	}
}

// TestOpenRedirect: the post-sign-in redirect goes to a path of the app and nowhere
// else, whether the target comes to /start or is forged into the state.
func TestOpenRedirect(t *testing.T) {
	p := newPortal(t, Options{Config: guestConfig(t, "providers: {guest: {}}\n")})
	bad := []string{
		"https://evil.example.com/", "//evil.example.com/x", "///evil.example.com", `/\evil.example.com`, `\\evil.example.com`,
		"http://evil.example.com%2F@" + strings.TrimPrefix(p.URL, "http://"), p.URL + "@evil.example.com/", "http://user:pw@" + strings.TrimPrefix(p.URL, "http://") + "/",
		"javascript:alert(1)", "evil.example.com/x", "https:evil.example.com", "/catalog\r\nSet-Cookie: x=y", "data:text/html,<script>", "  //evil.example.com",
		"https://" + strings.TrimPrefix(p.URL, "http://") + "/", // the right host, another scheme
	}
	for _, target := range bad {
		h := get(t, browser(t), p.URL+"/api/auth/guest/start?env=development&flow=redirect&redirectUrl="+url.QueryEscape(target))
		var body struct {
			Error map[string]string `json:"error"`
		}
		json.Unmarshal([]byte(h.body), &body)
		want := map[string]string{"name": "InputError", "message": "Invalid redirect URL '" + target + "'; give a path on this portal, such as /catalog"}
		if h.status != 400 || !reflect.DeepEqual(body.Error, want) || h.location != "" {
			t.Errorf("start with %q: %d %s %s; want 400 %v", target, h.status, h.location, h.body, want)
		}

		// Forged into the state, with the browser's own nonce: still refused.
		b := browser(t)
		get(t, b, p.URL+"/api/auth/guest/start?env=development")
		u, _ := url.Parse(p.URL + "/api/auth/guest/handler")
		nonce := cookieNamed(b.Jar.Cookies(u), "guest-nonce")
		st := oauthState{Nonce: nonce.Value, Env: "development", Flow: "redirect", RedirectURL: target}
		h = get(t, b, p.URL+"/api/auth/guest/handler/frame?state="+st.encode())
		if h.location != "" || cookieNamed(h.cookies, SessionCookie) != nil {
			t.Errorf("state with %q: %d to %q, cookies %v", target, h.status, h.location, h.cookies)
		}
	}
	for target, want := range map[string]string{
		"/catalog":                     p.URL + "/catalog",
		"/catalog?kind=api#top":        p.URL + "/catalog?kind=api#top",
		p.URL + "/docs/x?y=1":          p.URL + "/docs/x?y=1",
		"/a%2F%2Fb":                    p.URL + "/a%2F%2Fb",
		"/catalog/default/component/x": p.URL + "/catalog/default/component/x",
	} {
		hops := follow(t, browser(t), p.URL+"/api/auth/guest/start?env=development&flow=redirect&redirectUrl="+url.QueryEscape(target))
		if len(hops) < 2 || hops[1].location != want {
			t.Errorf("%q: went to %+v, want %s", target, hops, want)
		}
	}
}

// TestSessionReplayAfterSignOut: after sign-out, the old cookie value names no one,
// and the tokens issued for the session are refused, also after a restart.
func TestSessionReplayAfterSignOut(t *testing.T) {
	dir := t.TempDir()
	f, bucket := openStore(t, dir)
	clk := newClock()
	p := newPortal(t, Options{Config: guestConfig(t, "providers: {guest: {}}\n"), Store: bucket, Now: clk.Now})
	b := browser(t)
	hops := follow(t, b, p.URL+"/api/auth/guest/start?env=development&flow=redirect")
	cookie := cookieNamed(hops[1].cookies, SessionCookie).Value
	var res refreshResponse
	json.Unmarshal([]byte(get(t, b, p.URL+"/api/auth/guest/refresh").body), &res)
	token := res.BackstageIdentity.Token
	if _, err := p.s.Authenticate(bearerRequest(token)); err != nil {
		t.Fatal(err)
	}

	h := do(t, b, http.MethodPost, p.URL+"/api/auth/guest/logout", http.Header{"X-Requested-With": {"XMLHttpRequest"}}, nil)
	cleared := cookieNamed(h.cookies, SessionCookie)
	if h.status != 200 || h.body != "" || cleared == nil || cleared.MaxAge >= 0 || cleared.Path != "/" {
		t.Fatalf("logout %d %q %+v", h.status, h.body, cleared)
	}
	replay := browser(t)
	u, _ := url.Parse(p.URL)
	replay.Jar.SetCookies(u, []*http.Cookie{{Name: SessionCookie, Value: cookie, Path: "/"}})
	if got := whoami(t, replay, p); got.Authenticated() {
		t.Errorf("replayed cookie signed in as %+v", got)
	}
	if _, ok := p.s.Session(withCookie(cookie)); ok {
		t.Error("Session of a signed-out cookie")
	}
	if _, err := p.s.Authenticate(bearerRequest(token)); err == nil || !strings.Contains(err.Error(), "Illegal token: its session was signed out") {
		t.Errorf("session's token after sign-out: %v", err)
	}
	// After a restart too.
	f.Close()
	_, bucket = openStore(t, dir)
	s2 := newService(t, Options{Config: guestConfig(t, "providers: {guest: {}}\n"), Store: bucket, Now: clk.Now, BaseURL: p.URL})
	if _, err := s2.Authenticate(bearerRequest(token)); err == nil {
		t.Error("session's token accepted after sign-out and a restart")
	}
	if got, _ := s2.Authenticate(withCookie(cookie)); got.Authenticated() {
		t.Errorf("replayed cookie after a restart: %+v", got)
	}
}

// TestSessionCookieRefusals: a cookie whose signature, store record or lifetime is
// wrong names no one.
func TestSessionCookieRefusals(t *testing.T) {
	dir := t.TempDir()
	_, bucket := openStore(t, dir)
	clk := newClock()
	cfg := guestConfig(t, "providers: {guest: {}}\nsession: {secret: "+strings.Repeat("a", 32)+"}\n")
	p := newPortal(t, Options{Config: cfg, Store: bucket, Now: clk.Now})
	b := browser(t)
	hops := follow(t, b, p.URL+"/api/auth/guest/start?env=development&flow=redirect")
	cookie := cookieNamed(hops[1].cookies, SessionCookie).Value
	id, sig, _ := strings.Cut(cookie, ".")
	other := cfg
	other.Session.Secret = strings.Repeat("b", 32)
	otherSvc := newService(t, Options{Config: other, Store: bucket, Now: clk.Now, BaseURL: p.URL})
	forged, _ := otherSvc.sessions.create(sessionRecord{Sid: "x", User: "user:default/admin", Expires: clk.Now().Add(time.Hour)}, clk.Now())
	for name, value := range map[string]string{
		"no signature":         id,
		"another id":           strings.Repeat("A", 43) + "." + sig,
		"a tampered signature": id + "." + strings.Repeat("A", len(sig)),
		"another secret's":     forged,
		"an id with no record": strings.Repeat("A", 43) + "." + base64.RawURLEncoding.EncodeToString(p.s.sessions.mac("session", strings.Repeat("A", 43))),
		"garbage":              "%%%",
	} {
		if got, err := p.s.Authenticate(withCookie(value)); err != nil || got.Authenticated() {
			t.Errorf("%s: %+v %v", name, got, err)
		}
	}
	if got, _ := p.s.Authenticate(withCookie(cookie)); !got.IsUser() {
		t.Fatal("the real cookie")
	}
	clk.Add(24 * time.Hour)
	if got, _ := p.s.Authenticate(withCookie(cookie)); got.Authenticated() {
		t.Errorf("an expired session: %+v", got)
	}
}

func TestSessionSecret(t *testing.T) {
	_, bucket := openStore(t, t.TempDir())
	a := newService(t, Options{Config: guestConfig(t, "providers: {guest: {}}\n"), Store: bucket})
	b := newService(t, Options{Config: guestConfig(t, "providers: {guest: {}}\n"), Store: bucket})
	if len(a.sessions.secret) < 32 || string(a.sessions.secret) != string(b.sessions.secret) {
		t.Error("the development secret is made once and kept")
	}
	_, err := New(Options{Config: Config{Environment: "production"}, Store: bucket, BaseURL: "http://localhost:7007"})
	if err == nil || !strings.Contains(err.Error(), "auth.session.secret is required outside development") {
		t.Errorf("production without a secret: %v", err)
	}
}

// TestGuestRefusedInProduction: guest sign-in with auth.environment production is
// refused at load (Validate) and by New, and a production portal has no guest route.
func TestGuestRefusedInProduction(t *testing.T) {
	cfg := guestConfig(t, "environment: production\nsession: {secret: "+strings.Repeat("s", 32)+"}\nproviders: {guest: {}}\n")
	cfg.ApplyDefaults()
	if errs := cfg.Validate(); len(errs) != 1 || !strings.Contains(errs[0].Error(), "providers.guest: guest sign-in is for development only") {
		t.Errorf("validate: %v", errs)
	}
	_, bucket := openStore(t, t.TempDir())
	if _, err := New(Options{Config: cfg, Store: bucket, BaseURL: "http://localhost:7007"}); err == nil || !strings.Contains(err.Error(), `auth.providers.guest is refused when auth.environment is "production"`) {
		t.Errorf("New: %v", err)
	}
	cfg.Providers.Guest = nil
	p := newPortal(t, Options{Config: cfg, Store: bucket})
	for _, path := range []string{"/api/auth/guest/start?env=production", "/api/auth/guest/refresh"} {
		if h := get(t, browser(t), p.URL+path); h.status != 404 || !strings.Contains(h.body, `"message":"Unknown auth provider 'guest'"`) {
			t.Errorf("%s: %d %s", path, h.status, h.body)
		}
	}
	if p.s.AllowAnonymous() {
		t.Error("anonymous access in production by default")
	}
}

// TestSecureCookies: with an https base URL, every cookie is Secure.
func TestSecureCookies(t *testing.T) {
	s := newService(t, Options{Config: guestConfig(t, "providers: {guest: {}}\n"), BaseURL: "https://portal.example.com"})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "https://portal.example.com/api/auth/guest/start?env=development&flow=redirect", nil))
	nonce := cookieNamed(rec.Result().Cookies(), "guest-nonce")
	if nonce == nil || !nonce.Secure {
		t.Fatalf("nonce cookie %+v", nonce)
	}
	req := httptest.NewRequest("GET", rec.Header().Get("Location"), nil)
	req.AddCookie(nonce)
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	sess := cookieNamed(rec.Result().Cookies(), SessionCookie)
	if rec.Code != 302 || rec.Header().Get("Location") != "https://portal.example.com/" || sess == nil || !sess.Secure || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode {
		t.Errorf("frame %d %s %+v", rec.Code, rec.Header().Get("Location"), sess)
	}
}

// TestEnvironmentChange: a store moved from development to production keeps none of
// the development sessions and tokens; and a session of a provider taken out of the
// config names no one.
func TestEnvironmentChange(t *testing.T) {
	dir := t.TempDir()
	f, bucket := openStore(t, dir)
	p := newPortal(t, Options{Config: guestConfig(t, "providers: {guest: {}}\n"), Store: bucket})
	b := browser(t)
	hops := follow(t, b, p.URL+"/api/auth/guest/start?env=development&flow=redirect")
	cookie := cookieNamed(hops[1].cookies, SessionCookie).Value
	var res refreshResponse
	json.Unmarshal([]byte(get(t, b, p.URL+"/api/auth/guest/refresh").body), &res)
	loose, _, _ := p.s.IssueToken(jane) // not tied to a session

	// The same environment without the guest provider: its session is void.
	f.Close()
	f, bucket = openStore(t, dir)
	same := newService(t, Options{Config: guestConfig(t, "allowAnonymous: false\n"), Store: bucket, BaseURL: p.URL})
	if got, _ := same.Authenticate(withCookie(cookie)); got.Authenticated() {
		t.Errorf("a session of a provider no longer configured: %+v", got)
	}
	if got, err := same.Authenticate(bearerRequest(loose)); err != nil || !got.IsUser() {
		t.Errorf("a token of the same environment: %+v %v", got, err)
	}

	f.Close()
	_, bucket = openStore(t, dir)
	prod := newService(t, Options{Config: guestConfig(t, "environment: production\nsession: {secret: "+strings.Repeat("p", 32)+"}\n"), Store: bucket, BaseURL: p.URL})
	for name, tok := range map[string]string{"session token": res.BackstageIdentity.Token, "loose token": loose} {
		if got, err := prod.Authenticate(bearerRequest(tok)); err == nil || got.Authenticated() {
			t.Errorf("%s of development accepted in production: %+v", name, got)
		}
	}
	if kids := jwksKids(t, prod); len(kids) != 0 {
		t.Errorf("development keys still published: %v", kids)
	}
	if all, _ := bucket.List(sessionPrefix); len(all) != 0 {
		t.Errorf("development sessions kept: %d", len(all))
	}
}
