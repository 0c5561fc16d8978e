package server

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
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
