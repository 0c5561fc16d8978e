package server

import (
	"github.com/gofiber/fiber/v2"

	"greenroom.dev/greenroom/host/internal/audit"
)

// auditHandler serves GET /api/audit: the most recent audit log entries, filtered by the
// query parameters plugin, capability, outcome and limit.
func auditHandler(log *audit.Log) func(*fiber.Ctx) error {
	return func(c *fiber.Ctx) error {
		f, err := audit.ParseFilter(func(k string) string { return c.Query(k) })
		if err != nil {
			return writeError(c, 400, "InputError", err.Error())
		}
		return c.JSON(audit.Page{Items: log.Recent(f)})
	}
}
