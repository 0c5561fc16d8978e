// Package server is Greenroom's HTTP front door, on fiber. It is the only package that
// knows fiber: everything it serves comes from plain-Go interfaces, so the parts behind
// it are testable without an HTTP framework.
//
// In the order fiber matches them: /healthz and /readyz, sign-in under /api/auth and
// the permission API under /api/permission, the catalog API under /api/catalog and the
// forms the app's pages post (POST /api/app/refresh), GET /api/search/query, the
// proxy under /api/proxy, POST
// /api/admin/reload, GET /api/audit when enabled, backend plugin routes under
// /api/<plugin-id>/, and last the web app's pages, sent with the
// Content-Security-Policy it is given (or, for a caller who must sign in first, a
// redirect to the sign-in page). Errors use Backstage's error body,
// and a handler that panics answers 500 instead of ending the process.
//
// A plugin request is encoded straight from fasthttp's request into a pooled buffer and
// the plugin's response is read in place (pluginreq.go); only the response body is
// copied, because fasthttp writes it after the pooled buffer has gone back to the pool.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/audit"
	"greenroom.dev/greenroom/host/internal/permission"
	"greenroom.dev/greenroom/host/internal/proxy"
)

// Plugins finds backend plugins by id. The result must stay usable for the whole request
// even if the set of plugins changes meanwhile (reload).
type Plugins interface {
	Lookup(id string) (Endpoint, bool)
}

// Endpoint is one backend plugin's HTTP surface.
type Endpoint interface {
	// MaxBody is the request body cap in bytes.
	MaxBody() int64
	// AllowsAnonymous reports whether callers who have not signed in may reach method
	// and path (relative to /api/<id>); otherwise the barrier asks for a caller.
	AllowsAnonymous(method, path string) bool
	// ServeHTTPView handles one request: it routes method and path (relative to
	// /api/<id>), calls enc for the request message of the route that matched (see
	// plugin.Plugin.ServeHTTPView), appends the response message to out and decodes it
	// into resp, which refers into the returned slice. Errors should implement
	// StatusError.
	ServeHTTPView(ctx context.Context, method, path string, enc func(route string, params map[string]string) []byte, out []byte, resp *abi.HTTPResponseView) ([]byte, error)
}

// StatusError is an error that knows its HTTP status and Backstage error name.
type StatusError interface {
	error
	HTTPStatus() int
	BackstageName() string
}

// Options configure a Server.
type Options struct {
	Logger  *slog.Logger
	Plugins Plugins
	// Ready reports readiness for /readyz: nil when ready, else why not.
	Ready func() error
	// Detail adds fields to /readyz's body (for example the last reload error).
	Detail func() map[string]any
	// ReadTimeout bounds reading a request's headers. Default 30s.
	ReadTimeout time.Duration
	// Catalog serves /api/catalog; nil leaves it out.
	Catalog CatalogAPI
	// Proxy serves /api/proxy; nil leaves it out.
	Proxy *proxy.Proxy
	// Reload applies the config files again (POST /api/admin/reload); nil leaves it out.
	Reload func(ctx context.Context) error
	// Pages renders the web app for GET requests outside /api; nil leaves it out.
	Pages Pages
	// ContentSecurityPolicy is sent with every page.
	ContentSecurityPolicy string
	// Audit serves the recent audit log entries at GET /api/audit; nil leaves it out
	// (it is off unless audit.api.enabled).
	Audit *audit.Log
	// Access is sign-in, the credentials barrier and the permission policy.
	Access Access
	// Metrics is told of every request (route template, method, status, time); nil
	// records nothing.
	Metrics HTTPObserver
	// MetricsHandler serves GET /metrics (Prometheus's exposition) to callers with the
	// greenroom.metrics.read permission; nil leaves it out (metrics off, or served on a
	// listener of their own).
	MetricsHandler http.Handler
	// AccessLog, when set, gets one line per request (request ID, method, path, route
	// template, status, duration, caller).
	AccessLog *slog.Logger
	// Scaffolder serves /api/scaffolder (software templates); nil leaves it out.
	Scaffolder http.Handler
	// Search serves GET /api/search/query; nil leaves it out.
	Search SearchAPI
	// Scorecards serves GET /api/scorecards/...; nil leaves it out.
	Scorecards ScorecardsAPI
	// Star stars (on) or unstars an entity for the signed-in user of ctx
	// (POST frontend.StarAction); nil leaves the route out.
	Star StarFunc
}

// StarFunc stars or unstars the entity with the full ref for the user of ctx.
type StarFunc func(ctx context.Context, ref string, on bool) error

// Server serves the portal.
type Server struct {
	app      *fiber.App
	opts     Options
	log      *slog.Logger
	draining atomic.Bool
	// streams ends when the server shuts down, and with it every long-lived response
	// (the scaffolder's event streams).
	streams    context.Context
	endStreams context.CancelFunc
}

// preReadLimit is the body size fasthttp reads before calling a handler; larger bodies
// are streamed, so each route applies its own cap.
const preReadLimit = 1 << 20

// New builds a Server.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.ReadTimeout == 0 {
		opts.ReadTimeout = 30 * time.Second
	}
	s := &Server{opts: opts, log: opts.Logger}
	s.streams, s.endStreams = context.WithCancel(context.Background())
	s.app = fiber.New(fiber.Config{
		AppName:               "greenroom",
		DisableStartupMessage: true,
		StreamRequestBody:     true,
		BodyLimit:             preReadLimit,
		ReadTimeout:           opts.ReadTimeout,
		IdleTimeout:           2 * time.Minute,
		ErrorHandler:          s.errorHandler,

		// Node's (and so Backstage's) limit on a request's line and headers: a long
		// search term reaches its route's own InputError instead of a bare 431.
		ReadBufferSize: 16 << 10,
	})
	s.app.Use(s.observe)
	s.app.Use(s.recoverPanics)
	s.app.Use(s.identify)
	s.app.Get("/healthz", func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"status": "ok"})
	})
	s.app.Get("/readyz", s.readyz)
	if opts.MetricsHandler != nil {
		s.mountMetrics(opts.MetricsHandler)
	}
	// Fiber matches in registration order: the host's own /api routes come before the
	// plugin routes, and pages last.
	s.mountOpenAPI()
	s.mountAuth()
	if opts.Catalog != nil {
		s.mountCatalog(opts.Catalog)
		s.mountActions(opts.Catalog)
		s.mountRegister(opts.Catalog)
	}
	if opts.Search != nil {
		s.mountSearch(opts.Search)
	}
	if opts.Star != nil {
		s.mountStar(opts.Star)
	}
	if opts.Proxy != nil {
		s.mountProxy(opts.Proxy)
	}
	s.mountAdmin()
	if opts.Scaffolder != nil {
		s.mountScaffolder(opts.Scaffolder)
	}
	if opts.Scorecards != nil {
		s.mountScorecards(opts.Scorecards)
	}
	if opts.Audit != nil {
		s.app.Get("/api/audit", func(c *fiber.Ctx) error {
			if !s.requirePermission(c, "audit", permission.AuditRead) {
				return nil
			}
			return auditHandler(opts.Audit)(c)
		})
	}
	s.app.All("/api/:plugin/*", s.plugin)
	s.app.All("/api/:plugin", s.plugin)
	if opts.Pages != nil {
		s.mountPages(opts.Pages)
	}
	return s
}

func (s *Server) readyz(c *fiber.Ctx) error {
	body := fiber.Map{"status": "ok"}
	if s.opts.Detail != nil {
		for k, v := range s.opts.Detail() {
			body[k] = v
		}
	}
	status := 200
	if s.draining.Load() {
		status, body["status"] = 503, "draining"
	} else if s.opts.Ready != nil {
		if err := s.opts.Ready(); err != nil {
			status, body["status"], body["reason"] = 503, "not ready", err.Error()
		}
	}
	return c.Status(status).JSON(body)
}

// Serve serves on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	err := s.app.Listener(ln)
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}

// Shutdown stops accepting connections and waits for in-flight requests to finish, up to
// ctx's deadline.
func (s *Server) Shutdown(ctx context.Context) error {
	s.draining.Store(true)
	s.endStreams()
	return s.app.ShutdownWithContext(ctx)
}

// errorHandler turns fiber's own errors (404 for unknown routes, 413, ...) into
// Backstage's error body.
// recoverPanics answers a request whose handler panicked with a 500 and Backstage's error
// body, and logs the panic with its stack: a bug met by one request must not take the
// host, and every other request, down with it.
func (s *Server) recoverPanics(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("request handler panicked", "method", c.Method(), "path", c.Path(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			c.Response().Header.Del(fiber.HeaderContentEncoding)
			err = writeError(c, 500, "Error", "internal server error")
		}
	}()
	return c.Next()
}

func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		name := "Error"
		switch fe.Code {
		case 404:
			name = "NotFoundError"
		case 405:
			name = "MethodNotAllowedError"
		case 413:
			name = "PayloadTooLargeError"
		case 400:
			name = "InputError"
		}
		return writeError(c, fe.Code, name, fe.Message)
	}
	s.log.Error("request failed", "method", c.Method(), "path", c.Path(), "err", err)
	return writeError(c, 500, "Error", "internal server error")
}

// ErrorBody is Backstage's error response body.
type ErrorBody struct {
	Error    ErrorInfo    `json:"error"`
	Request  RequestInfo  `json:"request"`
	Response ResponseInfo `json:"response"`
}

// ErrorInfo is the error part of ErrorBody.
type ErrorInfo struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

// RequestInfo is the request part of ErrorBody.
type RequestInfo struct {
	Method string `json:"method"`
	URL    string `json:"url"`
}

// ResponseInfo is the response part of ErrorBody.
type ResponseInfo struct {
	StatusCode int `json:"statusCode"`
}

func writeError(c *fiber.Ctx, status int, name, msg string) error {
	return c.Status(status).JSON(ErrorBody{
		Error:    ErrorInfo{Name: name, Message: msg},
		Request:  RequestInfo{Method: c.Method(), URL: string(c.Request().RequestURI())},
		Response: ResponseInfo{StatusCode: status},
	})
}
