package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/egress"
)

// FetchRequest is the proxy_fetch host function's request (abi/SPEC.md 3.3): call the
// configured endpoint named Endpoint. Body is base64 on the wire.
type FetchRequest struct {
	Endpoint string      `json:"endpoint"`
	Method   string      `json:"method,omitempty"`
	Path     string      `json:"path,omitempty"`
	Headers  abi.Headers `json:"headers,omitempty"`
	Body     []byte      `json:"body,omitempty"`
}

// HostFetch serves proxy_fetch: it calls the endpoint with the same method check, path
// rewrite and header filtering as HTTP callers get, and returns the response as an ABI
// HTTP response message (header names lower case) with the body read up to maxBody
// bytes (the plugin's memory is finite). Endpoint narrowing per plugin is the caller's.
func (p *Proxy) HostFetch(ctx context.Context, req FetchRequest, maxBody int64) (*abi.HTTPResponse, error) {
	if req.Endpoint == "" {
		return nil, &Error{Status: 400, Name: "InputError", Message: "proxy_fetch: endpoint is missing; name one of " + strings.Join(p.Endpoints(), ", ")}
	}
	h := http.Header{}
	for k, vs := range req.Headers {
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
	out := &abi.HTTPResponse{Status: resp.Status, Headers: abi.Headers{}, Body: b}
	for k, vs := range resp.Header {
		lk := strings.ToLower(k)
		if lk == "content-length" {
			continue
		}
		out.Headers[lk] = vs
	}
	return out, nil
}

// CallError turns a proxy error into the ABI error a plugin sees.
func CallError(err error) *abi.Error {
	var pe *Error
	code := abi.CodeInternal
	switch {
	case errors.Is(err, egress.ErrTooLarge):
		code = abi.CodeTooLarge
	case errors.Is(err, context.DeadlineExceeded):
		code = abi.CodeTimeout
	case errors.As(err, &pe):
		switch {
		case pe.Status == 404:
			code = abi.CodeNotFound
		case pe.Status == 400 || pe.Status == 405:
			code = abi.CodeInvalidArgument
		case pe.Status >= 502:
			code = abi.CodeUnavailable
		}
	}
	return &abi.Error{Code: code, Message: err.Error()}
}
