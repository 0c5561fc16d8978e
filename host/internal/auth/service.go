package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"greenroom.dev/greenroom/host/internal/identity"
)

// BasePath is where the host mounts Handler.
const BasePath = "/api/auth"

// Options are what a Service needs besides its config.
type Options struct {
	// Config is the auth section, after ApplyDefaults and Validate.
	Config Config
	// Backend is the backend.auth section, after Validate.
	Backend BackendConfig
	// BaseURL is backend.baseUrl. Tokens are issued by BaseURL/api/auth, the default
	// callback URLs are under it, and cookies are Secure when it is https.
	BaseURL string
	// AppBaseURL is app.baseUrl: the origin the sign-in pages may be opened from and
	// may send the browser back to. Default BaseURL.
	AppBaseURL string
	// Store keeps keys and sessions between restarts (the store's "auth" bucket).
	Store Store
	// Users finds User entities for the sign-in resolvers.
	Users UserLookup
	// HTTPClient calls the identity providers, GitHub's API and remote JWKS. Default: a
	// client with a 30s timeout.
	HTTPClient *http.Client
	// Logger gets sign-ins and their failures. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Service is the auth part of the host: Handler serves /api/auth, Authenticate names
// the caller of any request.
type Service struct {
	cfg       Config
	authURL   string // BaseURL + /api/auth: the issuer of user tokens
	appOrigin string
	secure    bool
	store     Store
	users     UserLookup
	client    *http.Client
	log       *slog.Logger
	now       func() time.Time
	tokens    *tokens
	sessions  *sessions
	external  *external
	providers map[string]provider
}

// New makes the Service: it reads the published keys and the revoked sessions from
// the store.
func New(o Options) (*Service, error) {
	if o.Store == nil {
		return nil, errors.New("auth: no store")
	}
	base, err := url.Parse(o.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("auth: backend.baseUrl %q is not an http(s) URL", o.BaseURL)
	}
	if o.AppBaseURL == "" {
		o.AppBaseURL = o.BaseURL
	}
	app, err := url.Parse(o.AppBaseURL)
	if err != nil || (app.Scheme != "http" && app.Scheme != "https") || app.Host == "" {
		return nil, fmt.Errorf("auth: app.baseUrl %q is not an http(s) URL", o.AppBaseURL)
	}
	s := &Service{
		cfg:       o.Config,
		authURL:   strings.TrimSuffix(o.BaseURL, "/") + BasePath,
		appOrigin: app.Scheme + "://" + app.Host,
		secure:    base.Scheme == "https",
		store:     o.Store,
		users:     o.Users,
		client:    o.HTTPClient,
		log:       o.Logger,
		now:       o.Now,
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 30 * time.Second}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.cfg.ApplyDefaults()
	now := s.now()
	if err := s.forgetOtherEnvironment(); err != nil {
		return nil, err
	}
	lifetime := s.cfg.BackstageTokenExpiration.D()
	k, err := newKeys(s.store, lifetime, now)
	if err != nil {
		return nil, err
	}
	rev, err := loadRevocations(s.store, now)
	if err != nil {
		return nil, err
	}
	s.tokens = &tokens{keys: k, issuer: s.authURL, lifetime: lifetime, revoked: rev}
	secret, err := sessionSecret(s.cfg, s.store)
	if err != nil {
		return nil, err
	}
	s.sessions = &sessions{store: s.store, secret: secret}
	s.external = newExternal(o.Backend, s.client)
	s.providers = map[string]provider{}
	if g := s.cfg.Providers.Guest; g != nil {
		if !s.cfg.IsDevelopment() && !g.DangerouslyAllowOutsideDevelopment {
			return nil, fmt.Errorf("auth: auth.providers.guest is refused when auth.environment is %q", s.cfg.Environment)
		}
		s.providers["guest"] = &guestProvider{s: s, cfg: *g}
	}
	if len(s.cfg.Providers.OIDC) > 0 {
		s.providers["oidc"] = newOIDC(s, s.cfg.Providers.OIDC)
	}
	if len(s.cfg.Providers.GitHub) > 0 {
		s.providers["github"] = newGitHub(s, s.cfg.Providers.GitHub)
	}
	return s, nil
}

// forgetOtherEnvironment drops every published key and session when the store was
// last used with another auth.environment: a portal moved from development to
// production keeps none of the guest sessions or tokens of its development days.
func (s *Service) forgetOtherEnvironment() error {
	was, ok, err := s.store.Get(environmentKey)
	if err != nil {
		return fmt.Errorf("auth: read the environment: %w", err)
	}
	if ok && string(was) == s.cfg.Environment {
		return nil
	}
	if ok {
		for _, prefix := range []string{keyPrefix, sessionPrefix} {
			old, err := s.store.List(prefix)
			if err != nil {
				return fmt.Errorf("auth: read state of environment %s: %w", was, err)
			}
			for k := range old {
				if err := s.store.Delete(k); err != nil {
					return fmt.Errorf("auth: drop state of environment %s: %w", was, err)
				}
			}
		}
		s.log.Warn("auth: auth.environment changed; every session and token of the old one is void", "was", string(was), "now", s.cfg.Environment)
	}
	if err := s.store.Put(environmentKey, []byte(s.cfg.Environment)); err != nil {
		return fmt.Errorf("auth: keep the environment: %w", err)
	}
	return nil
}

// Providers lists the configured sign-in providers (guest, oidc, github) that have a
// block for auth.environment, for the sign-in page. Each starts at
// /api/auth/<id>/start?env=<Environment>&flow=redirect&redirectUrl=<path>.
func (s *Service) Providers() []string {
	var out []string
	for _, id := range []string{"guest", "oidc", "github"} {
		if p, ok := s.providers[id]; ok && p.hasEnv(s.cfg.Environment) {
			out = append(out, id)
		}
	}
	return out
}

// Environment is auth.environment, the env the sign-in links pass to /start.
func (s *Service) Environment() string { return s.cfg.Environment }

// AllowAnonymous reports whether callers without credentials may read
// (auth.allowAnonymous, by default only in development).
func (s *Service) AllowAnonymous() bool { return s.cfg.AnonymousAllowed() }

// Issuer is the iss of the user tokens this Service issues: backend.baseUrl/api/auth.
func (s *Service) Issuer() string { return s.authURL }

// IssueToken signs a user identity token for p (a user), as sign-in does; the host
// uses it for tests and tools.
func (s *Service) IssueToken(p identity.Principal) (token string, expires time.Time, err error) {
	if !p.IsUser() {
		return "", time.Time{}, fmt.Errorf("auth: a token is for a user, not %s", p.Name())
	}
	return s.tokens.issue(p, "", s.now())
}

// Authenticate names the caller of r: a Bearer user identity token, a Bearer service
// token of backend.auth.externalAccess, the session cookie, or identity.Nobody when r
// carries none of them. A Bearer token that is not valid is an *Error, 401 "Illegal
// token" (the cause says why, for the log). A session cookie that is not valid any
// more (expired, signed out, forged) counts as no credentials, so that a stale cookie
// does not lock the browser out of the pages anonymous callers may see.
//
// The returned Principal's slices are shared: read them, do not change them.
func (s *Service) Authenticate(r *http.Request) (identity.Principal, error) {
	var session string
	if c, err := r.Cookie(SessionCookie); err == nil {
		session = c.Value
	}
	return s.AuthenticateValues(r.Context(), r.Header.Get("Authorization"), session)
}

// AuthenticateValues is Authenticate for a server that holds no *http.Request (the
// fiber server, which need not convert every request): authorization is the
// Authorization header, session the value of the greenroom-session cookie; either may
// be "".
func (s *Service) AuthenticateValues(ctx context.Context, authorization, session string) (identity.Principal, error) {
	now := s.now()
	if raw, ok := bearer(authorization); ok {
		// Static tokens and service tokens seen before, then user tokens, then
		// JWKS-verified tokens, so that no user token makes us fetch a remote key set.
		if p, ok := s.external.known(raw, now); ok {
			return p, nil
		}
		p, err := s.tokens.verify(raw, now)
		if !errors.Is(err, errNotUserToken) {
			return p, err
		}
		if p, jerr := s.external.verifyJWKS(ctx, raw, now); jerr == nil {
			return p, nil
		} else if len(s.external.jwks) > 0 {
			err = errIllegalToken(jerr)
		}
		return identity.Nobody, err
	}
	if rec, _, ok := s.session(session); ok {
		return identity.NewUser(rec.User, rec.Ownership), nil
	}
	return identity.Nobody, nil
}

// MissingCredentials is the 401 the host's credentials barrier answers a request
// without credentials on a route that needs them.
func MissingCredentials() *Error { return authenticationError("Missing credentials", nil) }

// CheckPluginAccess answers 403, as Backstage does, when p is a service token whose
// accessRestrictions do not include plugin (the plugin id of /api/<plugin>, or
// catalog, proxy, ... for the host's own APIs); nil otherwise.
func CheckPluginAccess(p identity.Principal, plugin string) *Error {
	if p.MayReach(plugin) {
		return nil
	}
	var names []string
	for _, r := range p.AccessRestrictions {
		names = append(names, r.Plugin)
	}
	return notAllowedError("This token's access is restricted to plugin(s) '%s'", strings.Join(names, "', '"))
}

// bearer returns the token of an "Authorization: Bearer <token>" header. Another
// scheme (Basic, for a proxied upstream) is no credentials for Greenroom, as in
// Backstage.
func bearer(h string) (string, bool) {
	if len(h) < 7 || !strings.EqualFold(h[:7], "Bearer ") {
		return "", false
	}
	raw := strings.TrimSpace(h[7:])
	return raw, raw != ""
}
