package api_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/catalog/api"
)

// The example's custom kinds through Backstage's routes: queried, faceted, related and
// validated as the built-in kinds are, every response checked against the OpenAPI
// document.
func TestCustomKindRoutes(t *testing.T) {
	dir, err := filepath.Abs("../../../../examples/catalog")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "..", "..", "app-config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Catalog struct {
			Kinds []catalog.KindConfig `yaml:"kinds"`
		} `yaml:"catalog"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	rules := allKinds
	c, err := catalog.New(context.Background(), catalog.Options{
		Config: catalog.Config{Rules: &rules, Kinds: doc.Catalog.Kinds, Locations: []catalog.LocationConfig{
			{Type: "file", Target: filepath.Join(dir, "all.yaml")}, {Type: "file", Target: filepath.Join(dir, "platform", "all.yaml")}}},
		Logger: quietLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RefreshAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler(api.New(c)))
	defer srv.Close()

	r := do(t, srv.URL, "GET", "/entities/by-query?filter=kind=environment,spec.tier=production&fields=metadata.name", "")
	if r.status != 200 || !strings.Contains(string(r.body), `"totalItems":2`) {
		t.Fatalf("by-query: %d %s", r.status, r.body)
	}
	r = do(t, srv.URL, "GET", "/entities/by-query?filter=relations.deployedIn=environment:default/staging&fields=metadata.name", "")
	if r.status != 200 || !strings.Contains(string(r.body), `"totalItems":4`) {
		t.Fatalf("components deployed in staging: %d %s", r.status, r.body)
	}
	r = do(t, srv.URL, "GET", "/entity-facets?facet=kind&facet=spec.provider", "")
	for _, want := range []string{`{"value":"Cluster","count":3}`, `{"value":"Environment","count":3}`, `{"value":"aws","count":2}`} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("facets lack %s: %s", want, r.body)
		}
	}
	r = do(t, srv.URL, "GET", "/entities/by-name/cluster/default/eu-prod-1", "")
	if r.status != 200 || !strings.Contains(string(r.body), `{"type":"hosts","targetRef":"environment:default/production-eu"}`) {
		t.Fatalf("by-name: %d %s", r.status, r.body)
	}
	bad := `{"location":"url:https://example.com/catalog-info.yaml","entity":{"apiVersion":"greenroom.dev/v1","kind":"Cluster","metadata":{"name":"x"},"spec":{"region":"r","provider":"moon","nodes":2,"owner":"team-platform"}}}`
	r = do(t, srv.URL, "POST", "/validate-entity", bad)
	var body struct {
		Errors []struct{ Name, Message string }
	}
	_ = json.Unmarshal(r.body, &body)
	if r.status != 400 || len(body.Errors) != 1 || body.Errors[0].Name != "InputError" || !strings.Contains(body.Errors[0].Message, "/spec/provider: value must be one of") ||
		!strings.Contains(body.Errors[0].Message, "#/properties/provider/enum") {
		t.Fatalf("validate-entity: %d %s", r.status, r.body)
	}
	ok := strings.Replace(bad, `"moon"`, `"gcp"`, 1)
	if r := do(t, srv.URL, "POST", "/validate-entity", ok); r.status != 200 {
		t.Fatalf("validate-entity of a valid cluster: %d %s", r.status, r.body)
	}
}
