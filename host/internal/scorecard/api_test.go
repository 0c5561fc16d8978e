package scorecard

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"greenroom.dev/greenroom/host/internal/openapitest"
	"greenroom.dev/greenroom/host/internal/permission"
)

var (
	docOnce sync.Once
	docVal  *openapitest.Validators
)

// get serves one GET and validates the answer against the scorecards API's OpenAPI
// document, as the server sends it.
func get(t *testing.T, a *API, path, query string, auth Authorizer) *Response {
	t.Helper()
	docOnce.Do(func() { docVal = openapitest.New(t) })
	r := a.Serve(context.Background(), &Request{Path: path, RawQuery: query, Authorize: auth})
	req, err := http.NewRequest("GET", "http://127.0.0.1/api/scorecards"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.RawQuery = query
	resp := &http.Response{StatusCode: r.Status, Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}}, Request: req}
	docVal.Check(t, req, resp, r.Body)
	return r
}

// TestAPI: every route answers as its OpenAPI document says, filters by level, owner
// and failing rule, and hides the entities the caller may not read.
func TestAPI(t *testing.T) {
	c, _ := testCatalog(t,
		component("bare", "experimental", "team-a", ""),
		component("described", "production", "team-b", "  description: Takes orders\n"),
	)
	e := newEngine(t, c, nil, readiness())
	e.Full()
	e.snapshot()
	if _, err := e.Publish("ci", []Fact{{Entity: "component:default/described", Name: "ci.successRate30d", Value: 0.5}}); err != nil {
		t.Fatal(err)
	}
	e.followFacts()
	a := &API{Engine: e, Catalog: c}
	refs := func(r *Response) []string {
		t.Helper()
		var body struct {
			Items      []Result
			TotalItems int
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range body.Items {
			out = append(out, it.EntityRef+"="+it.Level)
		}
		return out
	}
	for _, tc := range []struct {
		path, query string
		status      int
		want        string
	}{
		{"/definitions", "", 200, `"counts":{"":0,"Bronze":1,"Gold":0,"Silver":1}`},
		{"/definitions/readiness", "", 200, `"title":"Production readiness"`},
		{"/definitions/nope", "", 404, `No scorecard \"nope\"`},
		{"/definitions/readiness/trend", "", 200, `"Bronze":1`},
		{"/definitions/readiness/results", "level=bad", 200, `"items":[]`},
		{"/definitions/readiness/results", "limit=x", 400, "Invalid limit"},
		{"/definitions/readiness/results", "failing=true", 400, "failing needs a rule"},
		{"/entities/component/default/described", "", 200, `"plugin":"ci"`},
		{"/entities/component/default/described", "", 200, `"reason":"CI must succeed at least 90% of the time over 30 days."`},
		{"/elsewhere", "", 404, "No route"},
	} {
		r := get(t, a, tc.path, tc.query, nil)
		if r.Status != tc.status || !strings.Contains(string(r.Body), tc.want) {
			t.Errorf("GET %s?%s: %d %s, want %d with %s", tc.path, tc.query, r.Status, r.Body, tc.status, tc.want)
		}
	}
	for q, want := range map[string]string{
		"":             "Component:default/bare=Bronze,Component:default/described=Silver",
		"level=silver": "Component:default/described=Silver",
		"owner=team-a": "Component:default/bare=Bronze",
		"system=shop&rule=has-description&failing=true": "Component:default/bare=Bronze",
		"level=none":       "",
		"limit=1&offset=1": "Component:default/described=Silver",
	} {
		if got := strings.Join(refs(get(t, a, "/definitions/readiness/results", q, nil)), ","); got != want {
			t.Errorf("results?%s: %s, want %s", q, got, want)
		}
	}
	// A caller who may read only team-a's entities sees only those.
	var crit permission.Criteria
	if err := json.Unmarshal([]byte(`{"rule":"IS_ENTITY_OWNER","resourceType":"catalog-entity","params":{"claims":["group:default/team-a"]}}`), &crit); err != nil {
		t.Fatal(err)
	}
	onlyA := func(context.Context, permission.Permission) (permission.Decision, error) {
		return permission.Decision{Result: permission.Conditional, PluginID: "catalog", ResourceType: permission.CatalogEntityResource, Conditions: &crit}, nil
	}
	if got := strings.Join(refs(get(t, a, "/definitions/readiness/results", "", onlyA)), ","); got != "Component:default/bare=Bronze" {
		t.Errorf("results for a caller who reads team-a's entities: %s", got)
	}
	if r := get(t, a, "/entities/component/default/described", "", onlyA); r.Status != 404 {
		t.Errorf("another team's entity: %d %s, want 404", r.Status, r.Body)
	}
}
