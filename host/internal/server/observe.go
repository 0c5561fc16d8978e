package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"greenroom.dev/greenroom/host/internal/permission"
	"greenroom.dev/greenroom/host/internal/requestid"
)

// HTTPObserver is told of every request the server answers, for the host's metrics:
// route is the template of what served it (/api/catalog/entities/by-name/:kind/:namespace/:name,
// /api/hello-go/hello, /readyz, "pages" for the web app), never the raw path.
type HTTPObserver interface {
	ObserveHTTP(route, method string, status int, took time.Duration)
}

const (
	routeKey     = "greenroom.route"
	requestIDKey = "greenroom.requestId"
)

// MetricsPath is where the server serves Options.MetricsHandler.
const MetricsPath = "/metrics"

// setRoute names the template that served the request, for the metrics; route must
// not refer into the request's buffers.
func setRoute(c *fiber.Ctx, route string) { c.Locals(routeKey, route) }

// requestID is the request's ID (see observe).
func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(requestIDKey).(string)
	return id
}

// observe runs first: it gives the request its ID (a valid incoming X-Request-Id, or
// a new one), returns it in the response, and carries it in the user context (for
// plugin calls, their host calls and the audit log); after the handlers it records the
// request in the metrics and the access log. Errors a handler returns are answered here,
// so that their status is the one recorded.
func (s *Server) observe(c *fiber.Ctx) error {
	var began time.Time
	if s.opts.Metrics != nil || s.opts.AccessLog != nil {
		began = time.Now()
	}
	var id string
	if in := c.Request().Header.Peek(requestid.Header); requestid.Valid(in) {
		id = string(in)
	} else {
		id = requestid.New()
	}
	c.Locals(requestIDKey, id)
	c.SetUserContext(requestid.With(c.UserContext(), id))
	c.Response().Header.Set(requestid.Header, id)
	if err := c.Next(); err != nil {
		if herr := s.errorHandler(c, err); herr != nil {
			return herr
		}
	}
	if s.opts.Metrics == nil && s.opts.AccessLog == nil {
		return nil
	}
	took := time.Since(began)
	status := c.Response().StatusCode()
	route, _ := c.Locals(routeKey).(string)
	if route == "" {
		route = c.Route().Path
		if status == http.StatusNotFound && (route == "/" || route == "/*") {
			route = "unmatched"
		}
	}
	if s.opts.Metrics != nil {
		s.opts.Metrics.ObserveHTTP(route, c.Method(), status, took)
	}
	if l := s.opts.AccessLog; l != nil {
		l.LogAttrs(context.Background(), slog.LevelInfo, "request",
			slog.String("requestId", id),
			slog.String("method", c.Method()),
			slog.String("path", string(c.Request().URI().PathOriginal())),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Float64("durationMs", float64(took.Microseconds())/1000),
			slog.Int("bytes", len(c.Response().Body())),
			slog.String("caller", principal(c).Name()),
			slog.String("remoteAddr", c.IP()),
		)
	}
	return nil
}

// mountMetrics serves GET /metrics on backend.listen: a caller like any other, who
// needs the greenroom.metrics.read permission.
func (s *Server) mountMetrics(h http.Handler) {
	fh := adaptor.HTTPHandler(h)
	s.app.Get(MetricsPath, func(c *fiber.Ctx) error {
		if !s.requirePermission(c, "metrics", permission.MetricsRead) {
			return nil
		}
		return fh(c)
	})
}
