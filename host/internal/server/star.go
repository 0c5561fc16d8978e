package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"greenroom.dev/greenroom/host/internal/catalog/api"
	"greenroom.dev/greenroom/host/internal/frontend"
)

// mountStar serves the entity page's Star button (frontend.StarAction): a form of the
// portal's own pages, posted by a signed-in user, that stars or unstars one entity for
// that user and comes back to the page.
func (s *Server) mountStar(star StarFunc) {
	s.app.Post(frontend.StarAction, func(c *fiber.Ctx) error {
		if !s.sameOrigin(c) {
			msg := "This form may be posted only from the portal's own pages"
			s.refused(c, principal(c), 403, msg)
			return writeError(c, 403, "NotAllowedError", msg)
		}
		if !principal(c).IsUser() {
			return writeError(c, 401, "AuthenticationError", "Sign in to star entities")
		}
		if ct := string(c.Request().Header.ContentType()); !strings.HasPrefix(ct, fiber.MIMEApplicationForm) {
			return writeError(c, 415, "UnsupportedMediaTypeError", "post the form as "+fiber.MIMEApplicationForm)
		}
		body, err := readBody(c, formBodyLimit)
		if err != nil {
			return writeError(c, 413, "PayloadTooLargeError", "the form is over its limit")
		}
		form, err := url.ParseQuery(string(body))
		ref := form.Get("entityRef")
		on := form.Get("star")
		if err != nil || ref == "" || (on != "true" && on != "false") {
			return writeError(c, 400, "InputError", "the form needs entityRef (the entity's full ref, component:default/my-service) and star (true or false)")
		}
		if err := star(c.UserContext(), ref, on == "true"); err != nil {
			return writeError(c, 400, "InputError", err.Error())
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Redirect(frontend.LocalTarget(form.Get("redirect")), fiber.StatusSeeOther)
	})
}

// mountRegister serves the catalog-import page's Import button
// (frontend.RegisterAction): a form of the portal's own pages that registers a URL
// location for the caller, as POST /api/catalog/locations does, and comes back to the
// page.
func (s *Server) mountRegister(c CatalogAPI) {
	s.app.Post(frontend.RegisterAction, func(ctx *fiber.Ctx) error {
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
		if err != nil || form.Get("target") == "" {
			return writeError(ctx, 400, "InputError", "the form needs target, the URL of the catalog file to register")
		}
		js, _ := json.Marshal(map[string]string{"type": "url", "target": form.Get("target")})
		resp := c.Serve(ctx.UserContext(), &api.Request{
			Method: fiber.MethodPost, Path: "/locations", Header: http.Header{"Content-Type": {fiber.MIMEApplicationJSON}},
			Body: js, URL: ctx.OriginalURL(), Authorize: s.authorizer(ctx),
		})
		if resp.Status != http.StatusCreated {
			for k, vs := range resp.Header {
				for _, v := range vs {
					ctx.Response().Header.Add(k, v)
				}
			}
			return ctx.Status(resp.Status).Send(resp.Body)
		}
		ctx.Set(fiber.HeaderCacheControl, "no-store")
		return ctx.Redirect(frontend.RegisterPath+"?"+url.Values{"url": {form.Get("target")}, "registered": {"true"}}.Encode(), fiber.StatusSeeOther)
	})
}
