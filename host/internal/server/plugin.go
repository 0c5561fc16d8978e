package server

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/gofiber/fiber/v2"

	"greenroom.dev/greenroom/abi"
)

// plugin serves /api/<plugin-id>/... through the plugin's gr_http export.
func (s *Server) plugin(c *fiber.Ctx) error {
	id := c.Params("plugin")
	var ep Endpoint
	ok := false
	if s.opts.Plugins != nil {
		ep, ok = s.opts.Plugins.Lookup(id)
	}
	if !ok {
		return writeError(c, 404, "NotFoundError", fmt.Sprintf("no plugin or API named %q is served here", id))
	}
	body, err := readBody(c, ep.MaxBody())
	if err != nil {
		var te *tooLarge
		if errors.As(err, &te) {
			return writeError(c, 413, "PayloadTooLargeError", fmt.Sprintf("request body is over the %d byte limit of plugin %s", te.limit, id))
		}
		return writeError(c, 400, "InputError", "reading request body: "+err.Error())
	}
	req := &abi.HTTPRequest{
		Method: c.Method(),
		Path:   "/" + c.Params("*"),
		Body:   body,
	}
	if q := c.Request().URI().QueryArgs(); q.Len() > 0 {
		req.Query = make(map[string][]string, q.Len())
		q.VisitAll(func(k, v []byte) {
			req.Query[string(k)] = append(req.Query[string(k)], string(v))
		})
	}
	h := &c.Request().Header
	req.Headers = make(map[string][]string, h.Len())
	h.VisitAll(func(k, v []byte) {
		lk := lowerHeader(k)
		req.Headers[lk] = append(req.Headers[lk], string(v))
	})
	// fasthttp has no per-request cancellation; plugin calls run under their own deadline.
	resp, err := ep.ServeHTTP(context.Background(), req)
	if err != nil {
		var se StatusError
		if errors.As(err, &se) {
			if se.HTTPStatus() >= 500 {
				s.log.Warn("plugin request failed", "plugin", id, "method", req.Method, "path", req.Path, "status", se.HTTPStatus(), "err", err)
			}
			return writeError(c, se.HTTPStatus(), se.BackstageName(), err.Error())
		}
		s.log.Error("plugin request failed", "plugin", id, "err", err)
		return writeError(c, 500, "Error", err.Error())
	}
	for k, vs := range resp.Headers {
		for i, v := range vs {
			if i == 0 {
				c.Set(k, v)
			} else {
				c.Response().Header.Add(k, v)
			}
		}
	}
	c.Status(resp.Status)
	return c.Send(resp.Body)
}

type tooLarge struct{ limit int64 }

func (t *tooLarge) Error() string { return fmt.Sprintf("body over %d bytes", t.limit) }

// readBody reads the request body up to limit bytes, streaming large bodies so that an
// oversized one is refused without being held in memory.
func readBody(c *fiber.Ctx, limit int64) ([]byte, error) {
	req := c.Request()
	if cl := req.Header.ContentLength(); cl > 0 && int64(cl) > limit {
		return nil, &tooLarge{limit}
	}
	if st := req.BodyStream(); st != nil {
		b, err := io.ReadAll(io.LimitReader(st, limit+1))
		if err != nil {
			return nil, err
		}
		if int64(len(b)) > limit {
			return nil, &tooLarge{limit}
		}
		if len(b) == 0 {
			return nil, nil
		}
		return b, nil
	}
	b := req.Body()
	if int64(len(b)) > limit {
		return nil, &tooLarge{limit}
	}
	if len(b) == 0 {
		return nil, nil
	}
	return append([]byte(nil), b...), nil
}
