package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"greenroom.dev/greenroom/host/internal/frontend"
)

// scaffolderPrefix is where the scaffolder's API is served.
const scaffolderPrefix = "/api/scaffolder"

// scaffolderBodyLimit caps request bodies (a dry-run's files), as Backstage's 10 MB.
const scaffolderBodyLimit = 10 << 20

// mountScaffolder serves the scaffolder's net/http API below /api/scaffolder, for a
// signed-in caller (or a service token that may reach "scaffolder"); tasks run as
// that caller. The event stream is written as it comes (fasthttp's body stream
// writer), every other answer whole.
func (s *Server) mountScaffolder(h http.Handler) {
	handler := func(c *fiber.Ctx) error {
		if !s.requireCaller(c, "scaffolder") {
			return nil
		}
		var body []byte
		if m := c.Method(); m != fiber.MethodGet && m != fiber.MethodHead {
			b, err := readBody(c, scaffolderBodyLimit)
			if err != nil {
				return writeError(c, 413, "PayloadTooLargeError", "request body is over the scaffolder API's 10 MB limit")
			}
			body = b
		}
		req, err := http.NewRequestWithContext(c.UserContext(), c.Method(), string(c.Request().RequestURI()), bytes.NewReader(body))
		if err != nil {
			return writeError(c, 400, "InputError", err.Error())
		}
		c.Request().Header.VisitAll(func(k, v []byte) { req.Header.Add(string(k), string(v)) })
		if strings.HasSuffix(c.Path(), "/eventstream") {
			c.Set("Content-Type", "text/event-stream")
			c.Set("Cache-Control", "no-cache")
			c.Set("Connection", "keep-alive")
			c.Status(200)
			ctx, cancel := context.WithCancel(req.Context())
			stop := context.AfterFunc(s.streams, cancel)
			req = req.WithContext(ctx)
			c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
				defer cancel()
				defer stop()
				h.ServeHTTP(&streamWriter{w: w, hdr: http.Header{}}, req)
				_ = w.Flush()
			})
			return nil
		}
		rec := &bufferWriter{hdr: http.Header{}, status: 200}
		h.ServeHTTP(rec, req)
		for k, vs := range rec.hdr {
			for _, v := range vs {
				c.Response().Header.Add(k, v)
			}
		}
		c.Status(rec.status)
		return c.Send(rec.buf.Bytes())
	}
	s.app.All(scaffolderPrefix, handler)
	s.app.All(scaffolderPrefix+"/*", handler)
	s.mountCreateAction(h)
	s.mountCancelAction(h)
}

// bufferWriter is an http.ResponseWriter that keeps the answer.
type bufferWriter struct {
	hdr    http.Header
	status int
	buf    bytes.Buffer
}

func (b *bufferWriter) Header() http.Header         { return b.hdr }
func (b *bufferWriter) WriteHeader(status int)      { b.status = status }
func (b *bufferWriter) Write(p []byte) (int, error) { return b.buf.Write(p) }

// streamWriter is an http.ResponseWriter over fasthttp's body stream: the status and
// headers are already sent; Flush sends what was written, and a write after the client
// left fails, which ends the handler.
type streamWriter struct {
	w   *bufio.Writer
	hdr http.Header
	err error
}

func (s *streamWriter) Header() http.Header { return s.hdr }
func (s *streamWriter) WriteHeader(int)     {}
func (s *streamWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	s.err = err
	return n, err
}
func (s *streamWriter) Flush() {
	if s.err == nil {
		s.err = s.w.Flush()
	}
}

// mountCreateAction serves the /create review page's Create button (a form posted from
// the portal's own pages): it creates the task through the scaffolder's API, as the
// caller, and sends the browser to the task's page.
func (s *Server) mountCreateAction(h http.Handler) {
	s.app.Post(frontend.CreateTaskAction, func(c *fiber.Ctx) error {
		if !s.sameOrigin(c) {
			msg := "This form may be posted only from the portal's own pages"
			s.refused(c, principal(c), 403, msg)
			return writeError(c, 403, "NotAllowedError", msg)
		}
		if !s.requireCaller(c, "scaffolder") {
			return nil
		}
		if ct := string(c.Request().Header.ContentType()); !strings.HasPrefix(ct, fiber.MIMEApplicationForm) {
			return writeError(c, 415, "UnsupportedMediaTypeError", "post the form as "+fiber.MIMEApplicationForm)
		}
		body, err := readBody(c, scaffolderBodyLimit)
		if err != nil {
			return writeError(c, 413, "PayloadTooLargeError", "the form is over its limit")
		}
		form, err := url.ParseQuery(string(body))
		if err != nil || form.Get("templateRef") == "" {
			return writeError(c, 400, "InputError", "the form needs templateRef (template:default/my-template) and values (JSON)")
		}
		values := json.RawMessage(form.Get("values"))
		if !json.Valid(values) {
			values = json.RawMessage("{}")
		}
		js, _ := json.Marshal(map[string]any{"templateRef": form.Get("templateRef"), "values": values})
		req, err := http.NewRequestWithContext(c.UserContext(), "POST", scaffolderPrefix+"/v2/tasks", bytes.NewReader(js))
		if err != nil {
			return writeError(c, 400, "InputError", err.Error())
		}
		req.Header.Set("Content-Type", fiber.MIMEApplicationJSON)
		rec := &bufferWriter{hdr: http.Header{}, status: 200}
		h.ServeHTTP(rec, req)
		var created struct{ ID string }
		if rec.status != http.StatusCreated || json.Unmarshal(rec.buf.Bytes(), &created) != nil || created.ID == "" {
			for k, vs := range rec.hdr {
				for _, v := range vs {
					c.Response().Header.Add(k, v)
				}
			}
			return c.Status(rec.status).Send(rec.buf.Bytes())
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Redirect("/create/tasks/"+url.PathEscape(created.ID), fiber.StatusSeeOther)
	})
}

// mountCancelAction serves the task page's Cancel button: it cancels the task through
// the scaffolder's API, as the caller, and sends the browser back to the task's page.
func (s *Server) mountCancelAction(h http.Handler) {
	s.app.Post(frontend.CancelTaskAction, func(c *fiber.Ctx) error {
		if !s.sameOrigin(c) {
			msg := "This form may be posted only from the portal's own pages"
			s.refused(c, principal(c), 403, msg)
			return writeError(c, 403, "NotAllowedError", msg)
		}
		if !s.requireCaller(c, "scaffolder") {
			return nil
		}
		body, err := readBody(c, formBodyLimit)
		if err != nil {
			return writeError(c, 413, "PayloadTooLargeError", "the form is over its limit")
		}
		form, err := url.ParseQuery(string(body))
		id := form.Get("taskId")
		if err != nil || id == "" {
			return writeError(c, 400, "InputError", "the form needs taskId")
		}
		req, err := http.NewRequestWithContext(c.UserContext(), "POST", scaffolderPrefix+"/v2/tasks/"+url.PathEscape(id)+"/cancel", nil)
		if err != nil {
			return writeError(c, 400, "InputError", err.Error())
		}
		rec := &bufferWriter{hdr: http.Header{}, status: 200}
		h.ServeHTTP(rec, req)
		if rec.status != http.StatusOK {
			for k, vs := range rec.hdr {
				for _, v := range vs {
					c.Response().Header.Add(k, v)
				}
			}
			return c.Status(rec.status).Send(rec.buf.Bytes())
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Redirect("/create/tasks/"+url.PathEscape(id), fiber.StatusSeeOther)
	})
}
