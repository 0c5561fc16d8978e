package proxy

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"

	"greenroom.dev/greenroom/host/internal/egress"
)

// FetchRequest is one call of a configured endpoint made on a plugin's behalf (the
// proxy_fetch host function): Endpoint is the endpoint's prefix, Path the rest.
type FetchRequest struct {
	Endpoint string
	Method   string
	Path     string
	Header   http.Header
	Body     []byte
}

// FetchResponse is the endpoint's answer, its body read whole.
type FetchResponse struct {
	Status int
	// Header holds the response headers by lower-case name, without Content-Length.
	Header map[string][]string
	Body   []byte
}

// Fetch calls the endpoint with the same method check, path rewrite and header
// filtering as HTTP callers get, and reads the response body up to maxBody bytes (a
// plugin's memory is finite). Narrowing endpoints per plugin is the caller's job. Errors
// are *Error (400 for a bad request, 404 for an unknown endpoint, 405, 502...), or match
// egress.ErrTooLarge and context.DeadlineExceeded.
func (p *Proxy) Fetch(ctx context.Context, req FetchRequest, maxBody int64) (*FetchResponse, error) {
	if req.Endpoint == "" {
		return nil, &Error{Status: 400, Name: "InputError", Message: "proxy_fetch: endpoint is missing; name one of " + strings.Join(p.Endpoints(), ", ")}
	}
	h := http.Header{}
	for k, vs := range req.Header {
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n") || !validToken(k) {
				return nil, &Error{Status: 400, Name: "InputError", Message: fmt.Sprintf("proxy_fetch: header %q is not valid", k)}
			}
		}
		h[http.CanonicalHeaderKey(k)] = vs
	}
	r := Request{Method: req.Method, Path: req.Path, Header: h}
	if len(req.Body) > 0 {
		r.Body, r.ContentLength = bytes.NewReader(req.Body), int64(len(req.Body))
	}
	resp, err := p.Call(ctx, req.Endpoint, r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := egress.ReadAll(resp.Body, maxBody, "proxy endpoint "+req.Endpoint+" response")
	if err != nil {
		return nil, err
	}
	out := &FetchResponse{Status: resp.Status, Header: map[string][]string{}, Body: b}
	for k, vs := range resp.Header {
		lk := strings.ToLower(k)
		if lk == "content-length" {
			continue
		}
		out.Header[lk] = vs
	}
	return out, nil
}
