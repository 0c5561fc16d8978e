package server

import (
	"github.com/gofiber/fiber/v2"

	"greenroom.dev/greenroom/host/internal/openapi"
)

// OpenAPIPath is where each API's OpenAPI document is served, below /api/<id>.
const OpenAPIPath = "/openapi.json"

// OpenAPIDocument is implemented by an Endpoint whose plugin ships an OpenAPI document
// in its manifest; the server serves it at /api/<id>/openapi.json.
type OpenAPIDocument interface {
	OpenAPI() []byte
}

// mountOpenAPI serves GET /api/<id>/openapi.json: the host's document for each of its
// APIs that this server mounts, or the document a plugin's manifest ships. Anything
// else falls through to the routes after it (a plugin may serve the path itself).
// Documents describe routes, not data: they are open to whoever may read anonymously,
// and otherwise to any caller who may reach the API.
func (s *Server) mountOpenAPI() {
	s.app.Get("/api/:api"+OpenAPIPath, func(c *fiber.Ctx) error {
		id := c.Params("api")
		doc := s.hostDocument(id)
		if doc == nil && s.opts.Plugins != nil {
			if ep, ok := s.opts.Plugins.Lookup(id); ok {
				if d, ok := ep.(OpenAPIDocument); ok {
					doc = d.OpenAPI()
				}
			}
		}
		if doc == nil {
			return c.Next()
		}
		setRoute(c, "/api/:api"+OpenAPIPath)
		if !s.anonymousReads() && !s.requireCaller(c, id) {
			return nil
		}
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Send(doc)
	})
}

// hostDocument is the document of the host's API id, when this server serves it.
func (s *Server) hostDocument(id string) []byte {
	served := map[string]bool{
		"catalog":    s.opts.Catalog != nil,
		"admin":      s.opts.Reload != nil,
		"audit":      s.opts.Audit != nil,
		"auth":       s.opts.Access.AuthHandler != nil,
		"permission": s.opts.Access.PermissionAPI != nil,
		"search":     s.opts.Search != nil,
		"scaffolder": s.opts.Scaffolder != nil,
		"scorecards": s.opts.Scorecards != nil,
	}
	if !served[id] {
		return nil
	}
	doc, _ := openapi.Document(id)
	return doc
}
