package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"greenroom.dev/greenroom/host/internal/audit"
	"greenroom.dev/greenroom/host/internal/catalog/api"
	"greenroom.dev/greenroom/host/internal/permission"
)

// CatalogAPI serves Backstage's catalog REST API below /api/catalog.
type CatalogAPI interface {
	Serve(ctx context.Context, r *api.Request) *api.Response
}

// Pages renders the web app's pages.
type Pages interface {
	// RenderPage renders the page at path; theme is the reader's choice ("", "light",
	// "dark").
	RenderPage(ctx context.Context, path string, query url.Values, theme string) (status int, html []byte)
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
		if s.barrierOn() {
			caller := principal(ctx)
			r.Authorize = func(_ context.Context, perm permission.Permission) (permission.Decision, error) {
				return s.decide(caller, perm), nil
			}
		}
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

// mountPages serves the web app for every GET that no API route took.
func (s *Server) mountPages(p Pages) {
	s.app.Get("/*", func(c *fiber.Ctx) error {
		path := string(c.Request().URI().PathOriginal())
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		q, err := url.ParseQuery(string(c.Request().URI().QueryString()))
		if err != nil {
			return writeError(c, 400, "InputError", "invalid query string: "+err.Error())
		}
		status, html := p.RenderPage(c.UserContext(), path, q, c.Cookies("greenroom-theme"))
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		c.Set("Content-Security-Policy", s.opts.ContentSecurityPolicy)
		c.Set("X-Content-Type-Options", "nosniff")
		c.Set("Referrer-Policy", "same-origin")
		return c.Status(status).Send(html)
	})
}

// adminAction records an admin action (POST /api/admin/*) and its caller in the audit
// log.
func (s *Server) adminAction(c *fiber.Ctx, action string, err error) {
	if s.opts.Access.Log == nil {
		return
	}
	s.opts.Access.Log.RecordCall(audit.Entry{Time: time.Now(), Caller: principal(c).Name(), Capability: "admin", Function: action, Target: strings.Clone(c.Path())}, err)
}
