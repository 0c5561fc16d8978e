package server

import (
	"context"
	"strings"

	"github.com/gofiber/fiber/v2"

	"greenroom.dev/greenroom/host/internal/scorecard"
)

// ScorecardsAPI serves GET /api/scorecards/... (scorecard.API).
type ScorecardsAPI interface {
	Serve(ctx context.Context, r *scorecard.Request) *scorecard.Response
}

const scorecardsPrefix = "/api/scorecards"

// mountScorecards serves the scorecards' routes. Like the catalog's reads, they are
// open to anonymous callers where auth.allowAnonymous says so; the results are those
// of the entities the caller's catalog.entity.read decision lets it read.
func (s *Server) mountScorecards(a ScorecardsAPI) {
	s.app.Get(scorecardsPrefix+"/*", func(c *fiber.Ctx) error {
		raw := string(c.Request().URI().PathOriginal())
		if i := strings.IndexByte(raw, '?'); i >= 0 {
			raw = raw[:i]
		}
		path := strings.TrimPrefix(raw, scorecardsPrefix)
		if path == OpenAPIPath {
			return c.Next()
		}
		if !s.anonymousReads() || !principal(c).MayReach("scorecards") {
			if !s.requireCaller(c, "scorecards") {
				return nil
			}
		}
		resp := a.Serve(c.UserContext(), &scorecard.Request{
			Path:      path,
			RawQuery:  string(c.Request().URI().QueryString()),
			URL:       string(c.Request().RequestURI()),
			Authorize: scorecard.Authorizer(s.authorizer(c)),
		})
		if resp.Route != "" {
			setRoute(c, scorecardsPrefix+resp.Route)
		}
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Status(resp.Status).Send(resp.Body)
	})
}
