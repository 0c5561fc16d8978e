package auth

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// oidcProvider signs in with a generic OpenID Connect provider: go-oidc reads its
// discovery document and verifies the ID token, x/oauth2 runs the authorization code
// flow with PKCE (S256).
type oidcProvider struct {
	s    *Service
	envs map[string]*oidcEnv
}

type oidcEnv struct {
	cfg      OIDCConfig
	callback string

	mu       sync.Mutex
	provider *oidc.Provider
	oauth    *oauth2.Config
	verifier *oidc.IDTokenVerifier
}

const wellKnown = "/.well-known/openid-configuration"

func newOIDC(s *Service, envs map[string]OIDCConfig) *oidcProvider {
	p := &oidcProvider{s: s, envs: map[string]*oidcEnv{}}
	for env, cfg := range envs {
		cb := cfg.CallbackURL
		if cb == "" {
			cb = s.authURL + "/oidc/handler/frame"
		}
		p.envs[env] = &oidcEnv{cfg: cfg, callback: cb}
	}
	return p
}

func (p *oidcProvider) hasEnv(env string) bool { _, ok := p.envs[env]; return ok }

func (p *oidcProvider) sessionDuration(env string) time.Duration {
	if d := p.envs[env].cfg.SessionDuration.D(); d > 0 {
		return d
	}
	return DefaultSessionDuration
}

// ctx carries the Service's HTTP client for go-oidc and x/oauth2.
func (p *oidcProvider) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, p.s.client)
}

// discover reads the discovery document once it is first needed, so that the host
// starts while the provider is down; a failure is tried again at the next sign-in.
func (p *oidcProvider) discover(ctx context.Context, env string) (*oidcEnv, error) {
	e := p.envs[env]
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.provider != nil {
		return e, nil
	}
	issuer := strings.TrimSuffix(e.cfg.MetadataURL, wellKnown)
	prov, err := oidc.NewProvider(p.ctx(ctx), issuer)
	if err != nil {
		return nil, fmt.Errorf("auth: oidc %s: read %s: %w", env, e.cfg.MetadataURL, err)
	}
	scopes := []string{oidc.ScopeOpenID, "profile", "email"}
	for _, sc := range e.cfg.AdditionalScopes {
		if !containsString(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	e.provider = prov
	e.oauth = &oauth2.Config{
		ClientID: e.cfg.ClientID, ClientSecret: e.cfg.ClientSecret,
		Endpoint: prov.Endpoint(), RedirectURL: e.callback, Scopes: scopes,
	}
	e.verifier = prov.Verifier(&oidc.Config{ClientID: e.cfg.ClientID, Now: p.s.now})
	return e, nil
}

func (p *oidcProvider) startURL(ctx context.Context, env string, st oauthState, encoded string) (string, error) {
	e, err := p.discover(ctx, env)
	if err != nil {
		p.s.log.Error("auth: oidc start", "err", err)
		return "", &Error{Status: http.StatusBadGateway, Name: "Error", Message: "The identity provider cannot be reached; try again later", Cause: err}
	}
	opts := []oauth2.AuthCodeOption{
		oauth2.S256ChallengeOption(p.s.sessions.derive("pkce", st.Nonce)),
		oidc.Nonce(p.s.sessions.derive("oidc-nonce", st.Nonce)),
	}
	if e.cfg.Prompt != "" {
		opts = append(opts, oauth2.SetAuthURLParam("prompt", e.cfg.Prompt))
	}
	return e.oauth.AuthCodeURL(encoded, opts...), nil
}

func (p *oidcProvider) signIn(ctx context.Context, r *http.Request, env string, st oauthState) (signedIn, error) {
	if msg := r.FormValue("error"); msg != "" {
		return signedIn{}, authenticationError("Sign-in failed at the identity provider: "+msg, fmt.Errorf("%s", r.FormValue("error_description")))
	}
	code := r.FormValue("code")
	if code == "" {
		return signedIn{}, inputError("Missing code in the identity provider's response")
	}
	e, err := p.discover(ctx, env)
	if err != nil {
		return signedIn{}, err
	}
	ctx = p.ctx(ctx)
	tok, err := e.oauth.Exchange(ctx, code, oauth2.VerifierOption(p.s.sessions.derive("pkce", st.Nonce)))
	if err != nil {
		return signedIn{}, authenticationError("Failed to exchange the authorization code", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return signedIn{}, authenticationError("The identity provider returned no ID token", nil)
	}
	idt, err := e.verifier.Verify(ctx, raw)
	if err != nil {
		return signedIn{}, authenticationError("Invalid ID token", err)
	}
	if idt.Nonce != p.s.sessions.derive("oidc-nonce", st.Nonce) {
		return signedIn{}, authenticationError("Invalid ID token", fmt.Errorf("its nonce is not this sign-in's"))
	}
	var c oidcClaims
	if err := idt.Claims(&c); err != nil {
		return signedIn{}, authenticationError("Invalid ID token", err)
	}
	if c.Email == "" {
		// Some providers keep the email out of the ID token.
		if ui, err := e.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil && ui.Subject == idt.Subject {
			var more oidcClaims
			if ui.Claims(&more) == nil {
				c.merge(more)
			}
		}
	}
	acc := account{Profile: Profile{DisplayName: c.Name, Picture: c.Picture}, Username: c.PreferredUsername}
	// An email the provider has not verified names nobody: anyone may type one.
	if c.EmailVerified == nil || bool(*c.EmailVerified) {
		acc.Profile.Email = c.Email
	}
	user, err := resolve(ctx, p.s.users, e.cfg.SignIn.Resolvers, acc)
	if err != nil {
		return signedIn{}, err
	}
	scope, _ := tok.Extra("scope").(string)
	if scope == "" {
		scope = strings.Join(e.oauth.Scopes, " ")
	}
	return signedIn{user: user, profile: acc.Profile, scope: scope}, nil
}

// oidcClaims are the ID token and userinfo claims sign-in reads.
type oidcClaims struct {
	Email             string   `json:"email"`
	EmailVerified     *boolish `json:"email_verified"`
	Name              string   `json:"name"`
	Picture           string   `json:"picture"`
	PreferredUsername string   `json:"preferred_username"`
}

func (c *oidcClaims) merge(o oidcClaims) {
	if c.Email == "" {
		c.Email, c.EmailVerified = o.Email, o.EmailVerified
	}
	if c.Name == "" {
		c.Name = o.Name
	}
	if c.Picture == "" {
		c.Picture = o.Picture
	}
	if c.PreferredUsername == "" {
		c.PreferredUsername = o.PreferredUsername
	}
}

// boolish reads a JSON boolean, or the strings "true" and "false" that some providers
// send.
type boolish bool

func (b *boolish) UnmarshalJSON(d []byte) error {
	switch strings.Trim(string(d), `"`) {
	case "true":
		*b = true
	case "false":
		*b = false
	default:
		return fmt.Errorf("email_verified %s is not a boolean", d)
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
