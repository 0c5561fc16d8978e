package server

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

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
