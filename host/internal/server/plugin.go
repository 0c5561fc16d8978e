package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/excerpt"
	"greenroom.dev/greenroom/host/internal/identity"
)

// maxPluginErrorBytes caps the message of a failed plugin request that a client gets.
const maxPluginErrorBytes = 1024

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
	// A write signed in by the session cookie alone came from the portal's own pages:
	// identify refused it otherwise (a plugin's action nodes post such forms).
	// A plugin's routes need a signed-in user, or a service token that may reach it,
	// unless the route (or the operator, for the whole plugin) lets anonymous callers in.
	if who := principal(c); !(who.Type == identity.None && ep.AllowsAnonymous(c.Method(), "/"+c.Params("*1"))) && !s.requireCaller(c, id) {
		return nil
	}
	pr := getPluginRequest()
	defer putPluginRequest(pr)
	body, err := borrowBody(c, ep.MaxBody())
	if err != nil {
		var te *tooLarge
		if errors.As(err, &te) {
			return writeError(c, 413, "PayloadTooLargeError", fmt.Sprintf("request body is over the %d byte limit of plugin %s", te.limit, id))
		}
		return writeError(c, 400, "InputError", "reading request body: "+err.Error())
	}
	pr.req, pr.method, pr.body, pr.reqID = c.Request(), c.Method(), body, requestID(c)
	if who := principal(c); who.Authenticated() {
		pr.caller = abi.Caller{Type: string(who.Type), UserEntityRef: who.UserEntityRef, OwnershipEntityRefs: who.OwnershipEntityRefs, Subject: who.Subject}
	}
	// "*1" is the name fiber gives the first wildcard; Params("*") would build it by
	// concatenation, an allocation per request.
	pr.setPath(c.Params("*1"))
	// fasthttp has no per-request cancellation; plugin calls run under their own deadline.
	// The plugin's host calls are made for this caller (identity.From of the context).
	pr.out, err = ep.ServeHTTPView(c.UserContext(), pr.method, pr.path, pr.encode, pr.out, &pr.resp)
	if s.opts.Metrics != nil || s.opts.AccessLog != nil {
		// The plugin's id and its manifest's route: both bounded by the config.
		if pr.route != "" {
			setRoute(c, "/api/"+id+pr.route)
		} else {
			setRoute(c, "/api/"+id+"/*")
		}
	}
	if err != nil {
		status, name := pluginErrorStatus(err)
		if status >= 500 {
			s.log.Warn("plugin request failed", "plugin", id, "method", pr.method, "path", strings.Clone(pr.path), "status", status, "err", err)
		}
		// What the call's failure says may quote the plugin (its error message, its
		// functions' names in a trap's stack trace, its malformed response): the client
		// gets an escaped excerpt.
		return writeError(c, status, name, excerpt.Limit(err.Error(), maxPluginErrorBytes))
	}
	// The first value of a name replaces what fiber set, later ones add to it.
	h := &c.Response().Header
	for i, f := range pr.resp.Headers {
		if i > 0 && bytes.Equal(f.Name, pr.resp.Headers[i-1].Name) {
			h.AddBytesKV(f.Name, f.Value)
		} else {
			h.SetBytesKV(f.Name, f.Value)
		}
	}
	guardActiveContent(h)
	c.Status(pr.resp.Status)
	// The body refers into pr, which goes back to the pool when this returns, before
	// fasthttp writes the response: copy it. (c.Send would keep the slice itself.)
	c.Response().SetBody(pr.resp.Body)
	return nil
}

// guardActiveContent keeps a plugin's response from running script on the portal's
// origin, where it would act with the signed-in user's session: a browser may not sniff
// another type from the body, and a document it could render (HTML, XML, SVG, or no
// type at all) is sandboxed, which gives it an origin of its own and no script, forms
// or pop-ups. The plugin's own Content-Security-Policy, if any, still applies too: a
// browser enforces every policy it is sent.
func guardActiveContent(h *fasthttp.ResponseHeader) {
	h.Set("X-Content-Type-Options", "nosniff")
	if activeContentType(h.ContentType()) {
		h.Add("Content-Security-Policy", "sandbox")
	}
}

// activeContentType reports whether a response of this Content-Type may be rendered
// by a browser as a document that runs script. It runs on every plugin response, so it
// compares in place, without allocating.
func activeContentType(ct []byte) bool {
	mt := ct
	if i := bytes.IndexByte(mt, ';'); i >= 0 {
		mt = mt[:i]
	}
	mt = bytes.TrimSpace(mt)
	if len(mt) == 0 {
		return true
	}
	for _, t := range activeTypes {
		if len(mt) == len(t) && asciiEqualFold(mt, t) {
			return true
		}
	}
	return len(mt) >= len("+xml") && asciiEqualFold(mt[len(mt)-len("+xml"):], "+xml")
}

// activeTypes are the media types a browser renders as a document with script, in
// lower case (asciiEqualFold's form).
var activeTypes = []string{"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml", "text/xsl", "multipart/x-mixed-replace"}

type tooLarge struct{ limit int64 }

func (t *tooLarge) Error() string { return fmt.Sprintf("body over %d bytes", t.limit) }

// readBody reads the request body up to limit bytes, streaming large bodies so that an
// oversized one is refused without being held in memory. The result is the caller's.
func readBody(c *fiber.Ctx, limit int64) ([]byte, error) {
	b, err := borrowBody(c, limit)
	if err != nil || b == nil || c.Request().IsBodyStream() {
		return b, err
	}
	return append([]byte(nil), b...), nil
}

// borrowBody is readBody without the copy: a body that fasthttp read whole is returned
// in place, valid until the handler returns.
func borrowBody(c *fiber.Ctx, limit int64) ([]byte, error) {
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
	return b, nil
}
