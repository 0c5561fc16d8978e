package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"greenroom.dev/greenroom/host/internal/audit"
	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/permission"
)

// Authenticator finds the caller of a request from its Authorization header and its
// session cookie (the host's auth.Service). A header it cannot verify is an error that
// implements StatusError (401 Illegal token); no credentials is identity.Nobody.
type Authenticator interface {
	AuthenticateValues(ctx context.Context, authorization, sessionCookie string) (identity.Principal, error)
}

// Decider decides a permission for a caller (the host's permission policy).
type Decider interface {
	Decide(p identity.Principal, perm permission.Permission) permission.Decision
}

// PermissionAPI serves /api/permission (authorize, health, the RBAC views).
type PermissionAPI interface {
	Serve(caller identity.Principal, r *permission.Request) *permission.Response
}

// Access configures who may reach what: sign-in, the credentials barrier and the
// permission policy. With a nil Authenticator there is no barrier at all (tests and
// tools that build a server without sign-in).
type Access struct {
	Authenticator Authenticator
	// SessionCookie names the browser's session cookie.
	SessionCookie string
	// AuthHandler serves /api/auth (sign-in, tokens, JWKS).
	AuthHandler http.Handler
	// Permissions decides permissions; nil allows every permission to whoever passes the
	// barrier.
	Permissions Decider
	// PermissionAPI serves /api/permission; nil leaves it out.
	PermissionAPI PermissionAPI
	// AllowAnonymous reports whether callers who have not signed in may read: the
	// catalog API's GET routes and the web app's pages (auth.allowAnonymous).
	AllowAnonymous func() bool
	// Log records every request the barrier or the policy refuses, and every admin
	// action, naming the caller; nil records nothing.
	Log *audit.Log
	// Origins are the portal's own origins (scheme://host[:port] of app.baseUrl and
	// backend.baseUrl): the forms the app's pages post (the entity page's Refresh) are
	// taken only with an Origin, or else a Referer, of one of them. Empty: the origin
	// the request was sent to.
	Origins []string
}

const principalKey = "greenroom.principal"

// identify finds the request's caller once and keeps it for the handlers: in the
// fiber context (principal) and in the user context that plugin calls and page
// renders run under (identity.From). A Bearer token that does not verify is refused at
// once with 401, whatever the route.
func (s *Server) identify(c *fiber.Ctx) error {
	a := s.opts.Access.Authenticator
	if a == nil {
		return c.Next()
	}
	authz := c.Request().Header.Peek(fiber.HeaderAuthorization)
	cookie := c.Request().Header.Cookie(s.opts.Access.SessionCookie)
	p := identity.Nobody
	if len(authz) > 0 || len(cookie) > 0 {
		var err error
		// Copies: the verifier may remember a token's text after this request's
		// buffers are reused.
		p, err = a.AuthenticateValues(c.UserContext(), string(authz), string(cookie))
		if err != nil {
			var se StatusError
			if errors.As(err, &se) {
				s.refused(c, identity.Nobody, se.HTTPStatus(), err.Error())
				return writeError(c, se.HTTPStatus(), se.BackstageName(), publicMessage(err))
			}
			return err
		}
	}
	if p.Type != identity.None {
		// Nobody needs no context value: identity.From answers Nobody without one.
		c.Locals(principalKey, p)
		if len(cookie) > 0 && !isBearer(authz) {
			// A browser sends the session cookie with any form that posts here, another
			// site's too (one on another port of the same host is same-site, so
			// SameSite=Lax does not stop it): a request that changes something and is
			// signed in by the cookie alone must come from the portal's own pages, as its
			// Origin (or Referer) shows. This holds for every route: the catalog API, the
			// proxy, admin, the scaffolder and plugins. Tokens in the Authorization header
			// are not sent by a browser on its own, so API callers are not concerned; the
			// sign-in flows under /api/auth keep their own state checks.
			if m := c.Method(); m != fiber.MethodGet && m != fiber.MethodHead && m != fiber.MethodOptions &&
				!strings.HasPrefix(c.Path(), "/api/auth/") && !s.sameOrigin(c) {
				msg := "A request signed in by the session cookie may " + m + " only from the portal's own pages (its Origin)"
				s.refused(c, p, 403, msg)
				return writeError(c, 403, "NotAllowedError", msg)
			}
		}
		c.SetUserContext(identity.With(c.UserContext(), p))
	}
	return c.Next()
}

// isBearer reports whether an Authorization header carries a Bearer token, which the
// authenticator takes instead of the session cookie (as auth.Service reads it).
func isBearer(authz []byte) bool {
	return len(authz) >= 7 && strings.EqualFold(string(authz[:7]), "bearer ") && strings.TrimSpace(string(authz[7:])) != ""
}

// publicMessage is an error's message without its cause (an auth.Error's cause is for
// logs only).
func publicMessage(err error) string {
	if m, ok := err.(interface{ Unwrap() error }); ok && m.Unwrap() != nil {
		msg := err.Error()
		if i := strings.Index(msg, ": "+m.Unwrap().Error()); i > 0 {
			return msg[:i]
		}
	}
	return err.Error()
}

// principal is the caller identify found (Nobody without sign-in).
func principal(c *fiber.Ctx) identity.Principal {
	if p, ok := c.Locals(principalKey).(identity.Principal); ok {
		return p
	}
	return identity.Nobody
}

// barrierOn reports whether the host checks credentials.
func (s *Server) barrierOn() bool { return s.opts.Access.Authenticator != nil }

// anonymousReads reports whether callers who have not signed in may read.
func (s *Server) anonymousReads() bool {
	return !s.barrierOn() || s.opts.Access.AllowAnonymous != nil && s.opts.Access.AllowAnonymous()
}

// requireCaller is the credentials barrier in front of plugin (the id of /api/<plugin>,
// or catalog, proxy, admin, audit for the host's own APIs): a signed-in user, or a
// service whose token's access restrictions include plugin. It writes the 401 or 403
// and returns false when the caller may not pass.
func (s *Server) requireCaller(c *fiber.Ctx, plugin string) bool {
	if !s.barrierOn() {
		return true
	}
	p := principal(c)
	switch {
	case !p.Authenticated():
		s.refused(c, p, 401, "Missing credentials")
		_ = writeError(c, 401, "AuthenticationError", "Missing credentials")
		return false
	case !p.MayReach(plugin):
		msg := "This token's access is restricted to plugin(s) '" + restrictedTo(p) + "'"
		s.refused(c, p, 403, msg)
		_ = writeError(c, 403, "NotAllowedError", msg)
		return false
	}
	return true
}

func restrictedTo(p identity.Principal) string {
	names := make([]string, 0, len(p.AccessRestrictions))
	for _, r := range p.AccessRestrictions {
		names = append(names, r.Plugin)
	}
	return strings.Join(names, "', '")
}

// decide asks the policy; without one, everything is allowed.
func (s *Server) decide(p identity.Principal, perm permission.Permission) permission.Decision {
	if s.opts.Access.Permissions == nil {
		return permission.Decision{Result: permission.Allow}
	}
	return s.opts.Access.Permissions.Decide(p, perm)
}

// requirePermission passes the barrier for plugin and then asks the policy for a basic
// permission; it writes the 401 or 403 and returns false when the caller may not.
func (s *Server) requirePermission(c *fiber.Ctx, plugin string, perm permission.Permission) bool {
	if !s.requireCaller(c, plugin) {
		return false
	}
	if s.barrierOn() && s.decide(principal(c), perm).Result != permission.Allow {
		msg := principal(c).Name() + " may not " + perm.Attributes.Action + " (permission " + perm.Name + ")"
		s.refused(c, principal(c), 403, msg)
		_ = writeError(c, 403, "NotAllowedError", msg)
		return false
	}
	return true
}

// refused records a request the barrier or the policy refused.
func (s *Server) refused(c *fiber.Ctx, p identity.Principal, status int, msg string) {
	log := s.opts.Access.Log
	if log == nil {
		return
	}
	log.Record(audit.Entry{
		Time:       time.Now(),
		Caller:     p.Name(),
		Capability: "http",
		Function:   c.Method(),
		Target:     strings.Clone(c.Path()),
		Outcome:    audit.Denied,
		Error:      http.StatusText(status) + ": " + msg,
		RequestID:  requestID(c),
	})
}

// mountAuth serves /api/auth (the sign-in routes and the JWKS) and /api/permission.
func (s *Server) mountAuth() {
	if h := s.opts.Access.AuthHandler; h != nil {
		fh := adaptor.HTTPHandler(h)
		s.app.All("/api/auth", fh)
		s.app.All("/api/auth/*", fh)
	}
	if api := s.opts.Access.PermissionAPI; api != nil {
		h := func(c *fiber.Ctx) error {
			path := strings.TrimPrefix(c.Path(), "/api/permission")
			if path == "" {
				path = "/"
			}
			// health and authorize take no credentials (authorize decides for nobody);
			// the RBAC views need a caller.
			if path != "/health" && path != "/authorize" && !s.requireCaller(c, "permission") {
				return nil
			}
			resp := api.Serve(principal(c), &permission.Request{
				Method: c.Method(), Path: path, Body: append([]byte(nil), c.Body()...), URL: string(c.Request().RequestURI()),
			})
			for k, vs := range resp.Header {
				for _, v := range vs {
					c.Response().Header.Add(k, v)
				}
			}
			return c.Status(resp.Status).Send(resp.Body)
		}
		s.app.All("/api/permission", h)
		s.app.All("/api/permission/*", h)
	}
}
