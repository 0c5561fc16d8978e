package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"time"

	"greenroom.dev/greenroom/host/internal/identity"
)

// provider is one way to sign in.
type provider interface {
	// hasEnv reports whether the provider is configured for environment env.
	hasEnv(env string) bool
	// startURL is where /start sends the browser: the identity provider's
	// authorization endpoint (or, for guest, straight to the callback).
	startURL(ctx context.Context, env string, st oauthState, encoded string) (string, error)
	// signIn finishes the sign-in at the callback and resolves the user.
	signIn(ctx context.Context, r *http.Request, env string, st oauthState) (signedIn, error)
	// sessionDuration is how long a browser session of env lasts.
	sessionDuration(env string) time.Duration
}

// signedIn is the outcome of a sign-in.
type signedIn struct {
	user    identity.Principal
	profile Profile
	scope   string
}

// oauthState travels to the identity provider and back in the state parameter: the
// nonce, which must equal the nonce cookie set at start (so that only the browser that
// started a sign-in can finish it), and where to go afterwards.
type oauthState struct {
	Nonce, Env, Origin, RedirectURL, Flow string
}

func (st oauthState) encode() string {
	v := url.Values{}
	for k, s := range map[string]string{"nonce": st.Nonce, "env": st.Env, "origin": st.Origin, "redirectUrl": st.RedirectURL, "flow": st.Flow} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return base64.RawURLEncoding.EncodeToString([]byte(v.Encode()))
}

func decodeState(s string) (oauthState, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 4096 {
		return oauthState{}, inputError("Invalid state passed via request")
	}
	v, err := url.ParseQuery(string(b))
	if err != nil {
		return oauthState{}, inputError("Invalid state passed via request")
	}
	return oauthState{Nonce: v.Get("nonce"), Env: v.Get("env"), Origin: v.Get("origin"), RedirectURL: v.Get("redirectUrl"), Flow: v.Get("flow")}, nil
}

// nonceCookie names a provider's nonce cookie, set at start for its callback.
func nonceCookie(provider string) string { return provider + "-nonce" }

// Handler serves /api/auth: paths relative to it (/guest/start), or with the prefix
// (/api/auth/guest/start), so that the host may mount it either way.
func (s *Service) Handler() http.Handler { return http.HandlerFunc(s.serve) }

func (s *Service) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, BasePath)
	switch path {
	case "/.well-known/jwks.json":
		s.serveJWKS(w, r)
		return
	case "/.well-known/openid-configuration":
		s.serveDiscovery(w, r)
		return
	}
	id, rest, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	p, ok := s.providers[id]
	if !ok {
		writeError(w, r, notFoundError("Unknown auth provider '%s'", id))
		return
	}
	var err error
	switch {
	case rest == "start" && r.Method == http.MethodGet:
		err = s.start(w, r, id, p)
	case rest == "handler/frame" && (r.Method == http.MethodGet || r.Method == http.MethodPost):
		s.frame(w, r, id, p)
	case rest == "refresh" && (r.Method == http.MethodGet || r.Method == http.MethodPost):
		err = s.refresh(w, r, id, p)
	case rest == "logout" && r.Method == http.MethodPost:
		err = s.logout(w, r, id)
	default:
		err = notFoundError("No route for %s %s", r.Method, r.URL.Path)
	}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			s.log.Error("auth: request failed", "provider", id, "path", r.URL.Path, "err", err)
			e = &Error{Status: http.StatusInternalServerError, Name: "Error", Message: "Internal error"}
		}
		writeError(w, r, e)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func (s *Service) serveJWKS(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, r, notFoundError("No route for %s %s", r.Method, r.URL.Path))
		return
	}
	keys, err := s.tokens.keys.jwks(s.now())
	if err != nil {
		s.log.Error("auth: jwks", "err", err)
		writeError(w, r, &Error{Status: http.StatusInternalServerError, Name: "Error", Message: "Internal error"})
		return
	}
	writeJSON(w, map[string]any{"keys": keys})
}

func (s *Service) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, r, notFoundError("No route for %s %s", r.Method, r.URL.Path))
		return
	}
	writeJSON(w, map[string]any{
		"issuer":                                s.authURL,
		"jwks_uri":                              s.authURL + "/.well-known/jwks.json",
		"response_types_supported":              []string{"id_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"ES256"},
		"scopes_supported":                      []string{"openid"},
		"token_endpoint_auth_methods_supported": []string{},
		"claims_supported":                      []string{"sub", "ent"},
		"grant_types_supported":                 []string{},
	})
}

// allowedOrigin reports whether the app may run at origin: the app's or the
// backend's.
func (s *Service) allowedOrigin(origin string) bool {
	return origin == s.appOrigin || origin == originOf(s.authURL)
}

func originOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Scheme + "://" + p.Host
}

// redirectTarget checks where the browser may be sent after sign-in or sign-out: a
// path on the app (/catalog?x=1), or an absolute URL on the app's own origin. It
// returns the absolute URL on the app's origin, so that nothing else is ever reached:
// no other host, no scheme-relative //host, no backslash tricks.
func (s *Service) redirectTarget(target string) (string, error) {
	bad := inputError("Invalid redirect URL '%s'; give a path on this portal, such as /catalog", target)
	if target == "" || strings.ContainsAny(target, "\\") || strings.IndexFunc(target, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		return "", bad
	}
	u, err := url.Parse(target)
	if err != nil || u.User != nil || u.Opaque != "" {
		return "", bad
	}
	if u.Scheme != "" || u.Host != "" {
		if u.Scheme+"://"+u.Host != s.appOrigin {
			return "", bad
		}
	} else if !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") {
		return "", bad
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if strings.HasPrefix(path, "//") {
		return "", bad
	}
	out := s.appOrigin + path
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	if u.Fragment != "" {
		out += "#" + u.EscapedFragment()
	}
	return out, nil
}

// start is GET /:provider/start?env=&origin=&flow=redirect&redirectUrl=.
func (s *Service) start(w http.ResponseWriter, r *http.Request, id string, p provider) error {
	q := r.URL.Query()
	st := oauthState{Env: q.Get("env"), Flow: q.Get("flow"), RedirectURL: q.Get("redirectUrl")}
	if st.RedirectURL == "" {
		st.RedirectURL = q.Get("redirect")
	}
	if o := q.Get("origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return inputError("App origin is invalid, failed to parse")
		}
		st.Origin = u.Scheme + "://" + u.Host
		if !s.allowedOrigin(st.Origin) {
			return notAllowedError("Origin '%s' is not allowed", st.Origin)
		}
	}
	if st.Env == "" {
		return inputError("No env provided in request query parameters")
	}
	if st.Flow == "redirect" && st.RedirectURL == "" {
		st.RedirectURL = "/"
	}
	if st.RedirectURL != "" {
		if _, err := s.redirectTarget(st.RedirectURL); err != nil {
			return err
		}
	}
	if !p.hasEnv(st.Env) {
		return notFoundError("No configuration available for the '%s' environment of this provider.", st.Env)
	}
	st.Nonce = randomString(16)
	to, err := p.startURL(r.Context(), st.Env, st, st.encode())
	if err != nil {
		return err
	}
	s.setCookie(w, nonceCookie(id), st.Nonce, BasePath+"/"+id+"/handler", 10*time.Minute)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", to)
	w.WriteHeader(http.StatusFound)
	return nil
}

// clientResponse is Backstage's ClientAuthResponse.
type clientResponse struct {
	Profile           Profile            `json:"profile"`
	ProviderInfo      map[string]any     `json:"providerInfo"`
	BackstageIdentity *backstageIdentity `json:"backstageIdentity,omitempty"`
}

type backstageIdentity struct {
	Token            string             `json:"token"`
	ExpiresInSeconds int64              `json:"expiresInSeconds"`
	Identity         identityInResponse `json:"identity"`
}

type identityInResponse struct {
	Type                string   `json:"type"`
	UserEntityRef       string   `json:"userEntityRef"`
	OwnershipEntityRefs []string `json:"ownershipEntityRefs"`
}

func (s *Service) response(user identity.Principal, profile Profile, scope, sid string) (clientResponse, error) {
	now := s.now()
	tok, exp, err := s.tokens.issue(user, sid, now)
	if err != nil {
		return clientResponse{}, err
	}
	info := map[string]any{}
	if scope != "" {
		info["scope"] = scope
	}
	return clientResponse{
		Profile:      profile,
		ProviderInfo: info,
		BackstageIdentity: &backstageIdentity{
			Token:            tok,
			ExpiresInSeconds: exp.Unix() - now.Unix(),
			Identity:         identityInResponse{Type: "user", UserEntityRef: user.UserEntityRef, OwnershipEntityRefs: user.OwnershipEntityRefs},
		},
	}, nil
}

// frame is GET|POST /:provider/handler/frame, where the identity provider sends the
// browser back. Failures go back to the app like successes: to redirectUrl with
// ?error= in the redirect flow, else as a message to the popup's opener.
func (s *Service) frame(w http.ResponseWriter, r *http.Request, id string, p provider) {
	origin := s.appOrigin
	st, res, err := s.finishSignIn(w, r, id, p, &origin)
	if err != nil {
		var e *Error
		name, msg := "Error", "Sign-in failed"
		if errors.As(err, &e) {
			name, msg = e.Name, e.Message
		}
		s.log.Warn("auth: sign-in refused", "provider", id, "err", err)
		if st.Flow == "redirect" && st.RedirectURL != "" {
			if to, rerr := s.redirectTarget(st.RedirectURL); rerr == nil {
				u, _ := url.Parse(to)
				q := u.Query()
				q.Set("error", msg)
				u.RawQuery = q.Encode()
				w.Header().Set("Cache-Control", "no-store")
				http.Redirect(w, r, u.String(), http.StatusFound)
				return
			}
		}
		s.webMessage(w, origin, map[string]any{"type": "authorization_response", "error": map[string]string{"name": name, "message": msg}})
		return
	}
	if st.Flow == "redirect" {
		to, _ := s.redirectTarget(st.RedirectURL) // checked in finishSignIn
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, to, http.StatusFound)
		return
	}
	s.webMessage(w, origin, map[string]any{"type": "authorization_response", "response": res})
}

// finishSignIn checks the callback, signs the user in and starts the browser session.
func (s *Service) finishSignIn(w http.ResponseWriter, r *http.Request, id string, p provider, origin *string) (oauthState, clientResponse, error) {
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			return oauthState{}, clientResponse{}, inputError("Invalid callback request")
		}
	}
	st, err := decodeState(r.FormValue("state"))
	if err != nil {
		return oauthState{}, clientResponse{}, err
	}
	if st.Origin != "" {
		if !s.allowedOrigin(st.Origin) {
			return oauthState{}, clientResponse{}, notAllowedError("Origin '%s' is not allowed", st.Origin)
		}
		*origin = st.Origin
	}
	if st.RedirectURL != "" {
		if _, err := s.redirectTarget(st.RedirectURL); err != nil {
			st.RedirectURL = ""
			return st, clientResponse{}, err
		}
	}
	c, err := r.Cookie(nonceCookie(id))
	if err != nil || c.Value == "" {
		return st, clientResponse{}, notAllowedError("Auth response is missing cookie nonce")
	}
	if st.Nonce == "" || c.Value != st.Nonce {
		return st, clientResponse{}, notAllowedError("Invalid nonce")
	}
	s.clearCookie(w, nonceCookie(id), BasePath+"/"+id+"/handler")
	if !p.hasEnv(st.Env) {
		return st, clientResponse{}, notFoundError("No configuration available for the '%s' environment of this provider.", st.Env)
	}
	in, err := p.signIn(r.Context(), r, st.Env, st)
	if err != nil {
		return st, clientResponse{}, err
	}
	// A session this browser had before ends: one browser, one session.
	if old, key, ok := s.sessionFrom(r); ok {
		if err := s.store.Delete(key); err != nil {
			return st, clientResponse{}, fmt.Errorf("auth: end the previous session: %w", err)
		}
		if err := s.tokens.revoked.revoke(old.Sid, s.now().Add(s.tokens.lifetime+time.Second), s.now()); err != nil {
			return st, clientResponse{}, err
		}
	}
	now := s.now()
	rec := sessionRecord{
		Sid: randomString(16), Provider: id, User: in.user.UserEntityRef, Ownership: in.user.OwnershipEntityRefs,
		Profile: in.profile, Scope: in.scope, Created: now, Expires: now.Add(p.sessionDuration(st.Env)),
	}
	cookie, err := s.sessions.create(rec, now)
	if err != nil {
		return st, clientResponse{}, err
	}
	res, err := s.response(in.user, in.profile, in.scope, rec.Sid)
	if err != nil {
		return st, clientResponse{}, err
	}
	s.setCookie(w, SessionCookie, cookie, "/", rec.Expires.Sub(now))
	s.log.Info("auth: signed in", "provider", id, "user", in.user.UserEntityRef)
	return st, res, nil
}

// webMessage answers the popup flow: a page that posts msg to the window that opened
// it, on origin only, and closes.
func (s *Service) webMessage(w http.ResponseWriter, origin string, msg any) {
	b, _ := json.Marshal(msg)
	script := fmt.Sprintf(`var m = JSON.parse(atob('%s')); var o = atob('%s'); var t = window.opener || window.parent;
t.postMessage({type: 'config_info', targetOrigin: o}, '*'); t.postMessage(m, o); setTimeout(function () { window.close(); }, 100);`,
		base64.StdEncoding.EncodeToString(b), base64.StdEncoding.EncodeToString([]byte(origin)))
	sum := sha256.Sum256([]byte(script))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "sameorigin")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title></head><body><script>%s</script></body></html>\n", html.EscapeString("Signing in"), script)
}

// refresh is GET /:provider/refresh: the signed-in user's identity and a new token.
// The guest provider answers without a session (a script's way to a token in
// development); the others need the session cookie and X-Requested-With.
func (s *Service) refresh(w http.ResponseWriter, r *http.Request, id string, p provider) error {
	if g, ok := p.(*guestProvider); ok {
		if rec, _, ok := s.sessionFrom(r); ok && rec.Provider == id {
			return s.refreshSession(w, rec)
		}
		in, err := g.signIn(r.Context(), r, "", oauthState{})
		if err != nil {
			return err
		}
		res, err := s.response(in.user, in.profile, "", "")
		if err != nil {
			return err
		}
		writeJSON(w, res)
		return nil
	}
	if r.Header.Get("X-Requested-With") != "XMLHttpRequest" {
		return authenticationError("Invalid X-Requested-With header", nil)
	}
	rec, _, ok := s.sessionFrom(r)
	if !ok || rec.Provider != id {
		return authenticationError("Refresh failed", errors.New("no live session for this provider"))
	}
	return s.refreshSession(w, rec)
}

func (s *Service) refreshSession(w http.ResponseWriter, rec *sessionRecord) error {
	res, err := s.response(identity.NewUser(rec.User, rec.Ownership), rec.Profile, rec.Scope, rec.Sid)
	if err != nil {
		return err
	}
	writeJSON(w, res)
	return nil
}

// logout is POST /:provider/logout: it ends the browser's session. It takes
// X-Requested-With: XMLHttpRequest as Backstage's clients send it, or a form posted
// from the app's own origin (a sign-out button without script), which may name a
// redirectUrl to go to afterwards.
func (s *Service) logout(w http.ResponseWriter, r *http.Request, id string) error {
	origin := r.Header.Get("Origin")
	if origin != "" && !s.allowedOrigin(origin) {
		return notAllowedError("Origin '%s' is not allowed", origin)
	}
	xhr := r.Header.Get("X-Requested-With") == "XMLHttpRequest"
	if !xhr && origin == "" && id != "guest" {
		return authenticationError("Invalid X-Requested-With header", nil)
	}
	var to string
	if !xhr {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		r.ParseForm()
		if target := r.FormValue("redirectUrl"); target != "" {
			var err error
			if to, err = s.redirectTarget(target); err != nil {
				return err
			}
		}
	}
	if err := s.signOut(w, r); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	if to != "" {
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	}
	w.WriteHeader(http.StatusOK)
	return nil
}
