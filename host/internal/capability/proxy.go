package capability

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/egress"
	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/proxy"
)

// The proxy capability: the configured proxy endpoints, narrowed to the ones the grant
// names. A response body is capped at a quarter of the plugin's memory limit.

func proxyFetch(s *Services, p *config.Plugin) Call[abi.ProxyFetchRequest, *abi.HTTPResponse] {
	g := p.Grants.Proxy
	if s.Proxy == nil || g == nil {
		return nil
	}
	granted := map[string]bool{}
	for _, e := range g.Endpoints {
		granted["/"+strings.Trim(e, "/")] = true
	}
	maxBody := int64(p.Limits.Memory) / 4
	return func(ctx context.Context, r *abi.ProxyFetchRequest) (*abi.HTTPResponse, error) {
		name := "/" + strings.Trim(r.Endpoint, "/")
		if !granted[name] {
			return nil, abi.Errorf(abi.CodeCapabilityDenied, "plugin %s may not call proxy endpoint %s; add it to %s.grants.proxy.endpoints", p.ID, name, p.Path())
		}
		// The endpoint's credentials apply to the caller the plugin serves, as they
		// apply to a browser: require (the default) and forward need a signed-in user or
		// a service.
		if c := s.Proxy.Credentials(name); c != proxy.CredentialsUnauthenticated && !identity.From(ctx).Authenticated() {
			return nil, abi.Errorf(abi.CodeCapabilityDenied, "proxy endpoint %s has credentials: %s, and the plugin serves an anonymous caller; sign in, or set the endpoint's credentials to dangerously-allow-unauthenticated", name, c)
		}
		resp, err := s.Proxy.Fetch(ctx, proxy.FetchRequest{Endpoint: name, Method: r.Method, Path: r.Path, Header: http.Header(r.Headers), Body: r.Body}, maxBody)
		if err != nil {
			return nil, proxyError(err)
		}
		return &abi.HTTPResponse{Status: resp.Status, Headers: abi.Headers(resp.Header), Body: resp.Body}, nil
	}
}

// proxyError maps the proxy's errors to ABI errors.
func proxyError(err error) error {
	var pe *proxy.Error
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
