package server

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"greenroom.dev/greenroom/host/internal/search"
)

// SearchAPI serves GET /api/search/query (search.API).
type SearchAPI interface {
	Serve(ctx context.Context, r *search.Request) *search.Response
}

// mountSearch serves Backstage's search query route. Like the catalog's reads, it is
// open to anonymous callers where auth.allowAnonymous says so; the results are those
// the caller's catalog.entity.read decision lets it read.
func (s *Server) mountSearch(a SearchAPI) {
	s.app.Get("/api/search/query", func(c *fiber.Ctx) error {
		if !s.anonymousReads() || !principal(c).MayReach("search") {
			if !s.requireCaller(c, "search") {
				return nil
			}
		}
		resp := a.Serve(c.UserContext(), &search.Request{
			RawQuery:  string(c.Request().URI().QueryString()),
			URL:       string(c.Request().RequestURI()),
			Authorize: search.Authorizer(s.authorizer(c)),
		})
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Status(resp.Status).Send(resp.Body)
	})
}
