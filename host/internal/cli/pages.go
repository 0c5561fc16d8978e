package cli

import (
	"context"
	"net/url"

	"greenroom.dev/greenroom/host/internal/auth"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/frontend"
	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/permission"
	"greenroom.dev/greenroom/host/internal/server"
)

// RenderPage implements server.Pages with the current app, for the caller in ctx and
// the browser session its cookie names. A request whose caller is not the session's
// user (a Bearer token sent with another user's cookie) has no session on its pages.
func (h *host) RenderPage(ctx context.Context, req server.PageRequest) (int, []byte) {
	var session *frontend.Session
	if caller := identity.From(ctx); req.SessionCookie != "" && h.auth != nil && caller.IsUser() {
		if s, ok := h.auth.SessionOf(req.SessionCookie); ok && s.User.UserEntityRef == caller.UserEntityRef {
			session = &frontend.Session{Provider: s.Provider, DisplayName: s.Profile.DisplayName, Email: s.Profile.Email, Picture: s.Profile.Picture, Expires: s.Expires}
			h.completeProfile(session, s.User.UserEntityRef)
		}
	}
	return h.app.Load().Render(ctx, frontend.Request{Path: req.Path, Query: req.Query, Theme: req.Theme, Session: session})
}

// completeProfile fills in what the provider did not say of the signed-in user (OIDC
// providers often send no name) from its User entity's spec.profile, which sign-in
// resolved it to. A user sees its own profile whatever the policy says of reading its
// User entity, as Backstage shows the profile from sign-in.
func (h *host) completeProfile(s *frontend.Session, ref string) {
	if s.DisplayName != "" && s.Email != "" && s.Picture != "" {
		return
	}
	b := h.catalog.ByRef(ref)
	if b == nil {
		return
	}
	u, err := auth.UserFromEntity(b)
	if err != nil {
		return
	}
	for _, f := range []struct {
		dst *string
		v   string
	}{{&s.DisplayName, u.DisplayName}, {&s.Email, u.Email}, {&s.Picture, u.Picture}} {
		if *f.dst == "" {
			*f.dst = f.v
		}
	}
}

// signIn is what the pages know of the host's sign-in.
func (h *host) signIn(cfg *config.Config) *frontend.SignIn {
	if h.auth == nil {
		return nil
	}
	return &frontend.SignIn{Providers: h.auth.Providers(), Environment: h.auth.Environment(), BaseURL: cfg.Backend.BaseURL, SessionCookie: auth.SessionCookie}
}

// Allowed implements frontend.Authorizer: the caller's decision, a CONDITIONAL one
// settled against the catalog entity, as the routes behind the actions settle it.
func (h *host) Allowed(ctx context.Context, perm permission.Permission, resourceRef string) (bool, error) {
	d := h.permissions.Decide(identity.From(ctx), perm)
	switch d.Result {
	case permission.Allow:
		return true, nil
	case permission.Conditional:
		if resourceRef == "" || d.Conditions == nil {
			return false, nil
		}
		return h.resolveResource(perm.ResourceType, resourceRef, *d.Conditions)
	}
	return false, nil
}

// origins are the portal's own origins, app.baseUrl's and backend.baseUrl's: the forms
// of its pages come from them.
func origins(cfg *config.Config) []string {
	var out []string
	for _, u := range []string{cfg.App.BaseURL, cfg.Backend.BaseURL} {
		if p, err := url.Parse(u); err == nil && p.Scheme != "" && p.Host != "" {
			out = append(out, p.Scheme+"://"+p.Host)
		}
	}
	return out
}
