package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/catalog/api"
)

// handler is the net/http adapter the tests serve the API through (the real server
// uses fiber in host/internal/server).
func handler(a *api.API) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		path := strings.TrimPrefix(r.URL.EscapedPath(), "/api/catalog")
		u := r.URL.EscapedPath()
		if r.URL.RawQuery != "" {
			u += "?" + r.URL.RawQuery
		}
		resp := a.Serve(r.Context(), &api.Request{Method: r.Method, Path: path, RawQuery: r.URL.RawQuery, Header: r.Header, Body: body, URL: u})
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.Status)
		_, _ = w.Write(resp.Body)
	})
}

var allKinds = []catalog.Rule{{Allow: []string{"Component", "API", "Resource", "System", "Domain", "Group", "User", "Location", "Template"}}}

// exampleServer serves the example organisation on a loopback port.
func exampleServer(t testing.TB) (*catalog.Catalog, *httptest.Server) {
	t.Helper()
	c := exampleCatalog(t)
	srv := httptest.NewServer(handler(api.New(c)))
	t.Cleanup(srv.Close)
	return c, srv
}

// exampleCatalog loads the example organisation.
func exampleCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	dir, err := filepath.Abs("../../../../examples/catalog")
	if err != nil {
		t.Fatal(err)
	}
	rules := allKinds
	c, err := catalog.New(context.Background(), catalog.Options{
		Config: catalog.Config{Rules: &rules, Locations: []catalog.LocationConfig{{Type: "file", Target: filepath.Join(dir, "all.yaml")}}},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RefreshAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
