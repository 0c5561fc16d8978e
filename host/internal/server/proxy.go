package server

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"greenroom.dev/greenroom/host/internal/proxy"
)

// mountProxy serves p under its prefix (/api/proxy). Fiber matches routes in the order
// they are registered, so New must call it before the /api/:plugin routes.
//
// Bodies are streamed both ways with fasthttp's body streams (fiber's net/http adaptor
// would buffer them): the request body stream goes straight into the upstream request,
// and the upstream response body becomes the response body stream.
func (s *Server) mountProxy(p *proxy.Proxy) {
	h := s.proxyHandler(p)
	s.app.All(p.Prefix(), h)
	s.app.All(p.Prefix()+"/*", h)
}

func (s *Server) proxyHandler(p *proxy.Proxy) fiber.Handler {
	prefix := p.Prefix()
	return func(c *fiber.Ctx) error {
		req := c.Request()
		// The original, undecoded path: fasthttp's Path() is normalised, which would hide
		// `..` and encoded slashes from the proxy's own checks.
		raw := string(req.URI().PathOriginal())
		if i := strings.IndexByte(raw, '?'); i >= 0 {
			raw = raw[:i]
		}
		rest, ok := strings.CutPrefix(raw, prefix)
		if !ok || (rest != "" && rest[0] != '/') {
			return writeError(c, 400, "InputError", "the request path must start with "+prefix+"/ as written, without escapes")
		}
		// The endpoint's credentials: require (the default) and forward need a signed-in
		// user or a service token; dangerously-allow-unauthenticated lets anyone through.
		if cred, ok := p.CredentialsAt(rest); ok && cred != proxy.CredentialsUnauthenticated && !s.requireCaller(c, "proxy") {
			return nil
		}
		header := make(http.Header, 16)
		req.Header.VisitAll(func(k, v []byte) {
			key := string(k)
			header[key] = append(header[key], string(v))
		})
		cl := int64(req.Header.ContentLength())
		var body io.Reader
		switch {
		case req.BodyStream() != nil:
			body = req.BodyStream()
		case len(req.Body()) > 0:
			body = bytes.NewReader(req.Body())
			cl = int64(len(req.Body()))
		default:
			cl = 0
		}
		if cl < 0 {
			cl = -1 // chunked or read-to-close: unknown length, streamed as chunked
		}
		// The request body belongs to fasthttp and is reused after this request; the
		// guard stops the upstream transport from reading it once the response is done.
		guard := &bodyGuard{r: body}
		if body != nil {
			body = guard
		}
		resp, err := p.Forward(c.UserContext(), proxy.Incoming{
			Method:        c.Method(),
			Path:          rest,
			RawQuery:      string(req.URI().QueryString()),
			Host:          string(req.Host()),
			Header:        header,
			Body:          body,
			ContentLength: cl,
		})
		if err != nil {
			guard.Close()
			var pe *proxy.Error
			if !errors.As(err, &pe) {
				pe = &proxy.Error{Status: 500, Name: "Error", Message: err.Error()}
			}
			if pe.Status >= 500 {
				s.log.Warn("proxy request failed", "method", c.Method(), "path", raw, "status", pe.Status, "err", pe.Message)
			}
			if len(pe.Allow) > 0 {
				c.Set("Allow", strings.Join(pe.Allow, ", "))
			}
			if pe.Status == 499 {
				return nil
			}
			return writeError(c, pe.Status, pe.Name, pe.Message)
		}
		size := -1
		for k, vs := range resp.Header {
			if strings.EqualFold(k, "Content-Length") {
				if n, err := strconv.Atoi(vs[0]); err == nil && n >= 0 {
					size = n
				}
				continue
			}
			for i, v := range vs {
				if i == 0 {
					c.Set(k, v)
				} else {
					c.Response().Header.Add(k, v)
				}
			}
		}
		c.Status(resp.Status)
		if c.Method() == http.MethodHead || resp.Status == http.StatusNoContent || resp.Status == http.StatusNotModified {
			resp.Body.Close()
			guard.Close()
			if size >= 0 {
				c.Response().Header.SetContentLength(size)
			}
			c.Response().SkipBody = c.Method() == http.MethodHead
			return nil
		}
		// fasthttp writes the stream after the handler returns and then closes it,
		// which closes the upstream body and the request-body guard.
		c.Response().SetBodyStream(&closeBoth{Reader: resp.Body, a: resp.Body, b: guard}, size)
		return nil
	}
}

// bodyGuard passes reads through until closed, then fails them, so nothing reads a
// fasthttp request body after fasthttp has moved on.
type bodyGuard struct {
	mu     sync.Mutex
	r      io.Reader
	closed bool
}

func (g *bodyGuard) Read(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed || g.r == nil {
		return 0, io.ErrUnexpectedEOF
	}
	return g.r.Read(p)
}

func (g *bodyGuard) Close() error {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	return nil
}

type closeBoth struct {
	io.Reader
	a, b io.Closer
}

func (c *closeBoth) Close() error {
	err := c.a.Close()
	c.b.Close()
	return err
}
