package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"greenroom.dev/greenroom/host/internal/audit"
	"greenroom.dev/greenroom/host/internal/catalog/api"
	"greenroom.dev/greenroom/host/internal/frontend"
	"greenroom.dev/greenroom/host/internal/permission"
)

// CatalogAPI serves Backstage's catalog REST API below /api/catalog.
type CatalogAPI interface {
	Serve(ctx context.Context, r *api.Request) *api.Response
}

// Pages renders the web app's pages, for the caller in ctx (identity.From).
type Pages interface {
	RenderPage(ctx context.Context, req PageRequest) (status int, html []byte)
}

// PageRequest is a request for a page.
type PageRequest struct {
	// Path is the URL path as requested (escaped form).
	Path string
	// Query is the parsed query string.
	Query url.Values
	// Theme is the reader's choice: "", "light" or "dark".
	Theme string
	// SessionCookie is the value of the session cookie (Access.SessionCookie), "" when
	// there is none, for the pages that show the browser's session.
	SessionCookie string
}

// catalogBodyLimit caps catalog API request bodies (entities, by-refs lists).
const catalogBodyLimit = 10 << 20

const catalogPrefix = "/api/catalog"

func (s *Server) mountCatalog(c CatalogAPI) {
	h := func(ctx *fiber.Ctx) error {
		// Reads are open to anonymous callers where auth.allowAnonymous says so (the
		// policy then decides for nobody); writes always need a caller.
		if m := ctx.Method(); (m != fiber.MethodGet && m != fiber.MethodHead) || !s.anonymousReads() {
			if !s.requireCaller(ctx, "catalog") {
				return nil
			}
		} else if !principal(ctx).MayReach("catalog") && !s.requireCaller(ctx, "catalog") {
			return nil
		}
		req := ctx.Request()
		raw := string(req.URI().PathOriginal())
		if i := strings.IndexByte(raw, '?'); i >= 0 {
			raw = raw[:i]
		}
		path := strings.TrimPrefix(raw, catalogPrefix)
		if path == "" {
			path = "/"
		}
		r := &api.Request{
			Method:   ctx.Method(),
			Path:     path,
			RawQuery: string(req.URI().QueryString()),
			URL:      string(req.RequestURI()),
			Header:   http.Header{},
		}
		r.Authorize = s.authorizer(ctx)
		if ct := req.Header.ContentType(); len(ct) > 0 {
			r.Header.Set("Content-Type", string(ct))
		}
		if r.Method != fiber.MethodGet && r.Method != fiber.MethodHead {
			body, err := readBody(ctx, catalogBodyLimit)
			if err != nil {
				return writeError(ctx, 413, "PayloadTooLargeError", "request body is over the catalog API's limit")
			}
			r.Body = body
		}
		resp := c.Serve(ctx.UserContext(), r)
		if r.Route != "" {
			setRoute(ctx, catalogPrefix+r.Route)
		}
		for k, vs := range resp.Header {
			for _, v := range vs {
				ctx.Response().Header.Add(k, v)
			}
		}
		ctx.Status(resp.Status)
		return ctx.Send(resp.Body)
	}
	s.app.All(catalogPrefix, h)
	s.app.All(catalogPrefix+"/*", h)
}

func (s *Server) mountAdmin() {
	s.app.Post("/api/admin/reload", func(c *fiber.Ctx) error {
		if s.opts.Reload == nil {
			return writeError(c, 404, "NotFoundError", "reload is not available")
		}
		if !s.requirePermission(c, "admin", permission.AdminReload) {
			return nil
		}
		err := s.opts.Reload(c.UserContext())
		s.adminAction(c, "reload", err)
		if err != nil {
			return writeError(c, 422, "ReloadError", "the new config did not load; the previous one keeps serving: "+err.Error())
		}
		return c.JSON(fiber.Map{"status": "reloaded"})
	})
}

// mountPages serves the web app for every GET that no API route took. The pages are
// self-contained (their stylesheet is inline, and there are no scripts), so every such
// GET is a page.
//
// With the credentials barrier on and anonymous access off, a caller who has not
// signed in is sent to the sign-in page (302), which brings it back to the page it
// asked for; the sign-in page itself is open to all. The sign-in page sends a caller
// who has signed in on to its redirect target, unless it has an error to show.
func (s *Server) mountPages(p Pages) {
	s.app.Get("/*", func(c *fiber.Ctx) error {
		setRoute(c, "pages")
		path := string(c.Request().URI().PathOriginal())
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		rawQuery := string(c.Request().URI().QueryString())
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return writeError(c, 400, "InputError", "invalid query string: "+err.Error())
		}
		if s.barrierOn() {
			caller := principal(c)
			switch {
			case path == frontend.SignInPath:
				if caller.Authenticated() && q.Has("redirect") && !q.Has("error") {
					c.Set(fiber.HeaderCacheControl, "no-store")
					return c.Redirect(frontend.SignInTarget(q.Get("redirect")), fiber.StatusFound)
				}
			case !caller.Authenticated() && !s.anonymousReads():
				target := path
				if rawQuery != "" {
					target += "?" + rawQuery
				}
				c.Set(fiber.HeaderCacheControl, "no-store")
				return c.Redirect(frontend.SignInPath+"?"+url.Values{"redirect": {target}}.Encode(), fiber.StatusFound)
			}
		}
		status, html := p.RenderPage(c.UserContext(), PageRequest{
			Path: path, Query: q, Theme: c.Cookies("greenroom-theme"),
			SessionCookie: sessionCookie(c, s.opts.Access.SessionCookie),
		})
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		c.Set("Content-Security-Policy", s.opts.ContentSecurityPolicy)
		c.Set("X-Content-Type-Options", "nosniff")
		c.Set("Referrer-Policy", "same-origin")
		return c.Status(status).Send(html)
	})
}

// authorizer decides the catalog API's permissions for the request's caller; nil
// (everything allowed) without the credentials barrier.
func (s *Server) authorizer(c *fiber.Ctx) api.Authorizer {
	if !s.barrierOn() {
		return nil
	}
	caller := principal(c)
	return func(_ context.Context, perm permission.Permission) (permission.Decision, error) {
		return s.decide(caller, perm), nil
	}
}

// formBodyLimit caps the body of a form the app's pages post.
const formBodyLimit = 64 << 10

// mountActions serves the forms the app's pages post (frontend.RefreshAction). They
// act for the caller, like the API routes they stand for, and only for forms posted
// from the portal's own pages (sameOrigin): the session cookie is SameSite=Lax, so a
// browser does not send it with another site's form, and the Origin check refuses such
// a form whatever credentials it carries.
func (s *Server) mountActions(c CatalogAPI) {
	s.app.Post(frontend.RefreshAction, func(ctx *fiber.Ctx) error {
		if !s.sameOrigin(ctx) {
			msg := "This form may be posted only from the portal's own pages"
			s.refused(ctx, principal(ctx), 403, msg)
			return writeError(ctx, 403, "NotAllowedError", msg)
		}
		if !s.requireCaller(ctx, "catalog") {
			return nil
		}
		if ct := string(ctx.Request().Header.ContentType()); !strings.HasPrefix(ct, fiber.MIMEApplicationForm) {
			return writeError(ctx, 415, "UnsupportedMediaTypeError", "post the form as "+fiber.MIMEApplicationForm)
		}
		body, err := readBody(ctx, formBodyLimit)
		if err != nil {
			return writeError(ctx, 413, "PayloadTooLargeError", "the form is over its limit")
		}
		form, err := url.ParseQuery(string(body))
		if err != nil || form.Get("entityRef") == "" {
			return writeError(ctx, 400, "InputError", "the form needs entityRef, the full ref of the entity to refresh (component:default/my-service)")
		}
		js, _ := json.Marshal(map[string]string{"entityRef": form.Get("entityRef")})
		resp := c.Serve(ctx.UserContext(), &api.Request{
			Method: fiber.MethodPost, Path: "/refresh", Header: http.Header{"Content-Type": {fiber.MIMEApplicationJSON}},
			Body: js, URL: ctx.OriginalURL(), Authorize: s.authorizer(ctx),
		})
		if resp.Status != http.StatusOK {
			if resp.Status == http.StatusForbidden {
				s.refused(ctx, principal(ctx), resp.Status, "catalog.entity.refresh of "+form.Get("entityRef"))
			}
			for k, vs := range resp.Header {
				for _, v := range vs {
					ctx.Response().Header.Add(k, v)
				}
			}
			return ctx.Status(resp.Status).Send(resp.Body)
		}
		ctx.Set(fiber.HeaderCacheControl, "no-store")
		return ctx.Redirect(frontend.LocalTarget(form.Get("redirect")), fiber.StatusSeeOther)
	})
}

// sameOrigin reports whether a posted form comes from the portal's own pages: its
// Origin header, or without one its Referer's origin, is one of Access.Origins (or,
// when none are configured, the origin the request was sent to).
func (s *Server) sameOrigin(c *fiber.Ctx) bool {
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" {
		if ref, err := url.Parse(c.Get(fiber.HeaderReferer)); err == nil && ref.Scheme != "" && ref.Host != "" {
			origin = ref.Scheme + "://" + ref.Host
		}
	}
	if origin == "" || origin == "null" {
		return false
	}
	allowed := s.opts.Access.Origins
	if len(allowed) == 0 {
		allowed = []string{c.Protocol() + "://" + string(c.Request().Host())}
	}
	for _, o := range allowed {
		if strings.EqualFold(strings.TrimSuffix(o, "/"), origin) {
			return true
		}
	}
	return false
}

// sessionCookie is the value of the named cookie (a copy: the page may outlive the
// request's buffers), or "".
func sessionCookie(c *fiber.Ctx, name string) string {
	if name == "" {
		return ""
	}
	return string(c.Request().Header.Cookie(name))
}

// adminAction records an admin action (POST /api/admin/*) and its caller in the audit
// log.
func (s *Server) adminAction(c *fiber.Ctx, action string, err error) {
	if s.opts.Access.Log == nil {
		return
	}
	s.opts.Access.Log.RecordCall(audit.Entry{Time: time.Now(), Caller: principal(c).Name(), Capability: "admin", Function: action, Target: strings.Clone(c.Path()), RequestID: requestID(c)}, err)
}
