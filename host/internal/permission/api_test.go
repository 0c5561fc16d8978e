package permission

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/openapitest"
)

func testAPI(t *testing.T, resolve ResourceResolver) *API {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "rbac-policy.csv", testCSV)
	writeFile(t, dir, "conditional-policies.yaml", testConditional)
	e, err := NewEngine(Config{Enabled: true, RBAC: RBAC{
		Admin:                   Admin{Users: []Member{{Name: "user:default/grace"}}},
		PoliciesCSVFile:         "rbac-policy.csv",
		ConditionalPoliciesFile: "conditional-policies.yaml",
	}}, dir)
	if err != nil {
		t.Fatal(err)
	}
	return NewAPI(e, resolve)
}

// owners is a tiny resource resolver over entities and their owners: it applies
// IS_ENTITY_OWNER, IS_ENTITY_KIND and HAS_METADATA and the criteria operators, as the
// catalog does.
func owners(entities map[string]string, calls *[]string) ResourceResolver {
	var match func(ref string, c Criteria) (bool, error)
	match = func(ref string, c Criteria) (bool, error) {
		switch {
		case c.Not != nil:
			ok, err := match(ref, *c.Not)
			return !ok, err
		case c.AnyOf != nil || c.AllOf != nil:
			all := c.AllOf != nil
			for _, s := range append(c.AnyOf, c.AllOf...) {
				ok, err := match(ref, s)
				if err != nil || ok != all {
					return ok, err
				}
			}
			return all, nil
		}
		var params struct {
			Claims []string `json:"claims"`
			Kinds  []string `json:"kinds"`
		}
		if err := json.Unmarshal(c.Params, &params); err != nil {
			return false, err
		}
		switch c.Rule {
		case RuleIsEntityOwner:
			return slices.Contains(params.Claims, entities[ref]), nil
		case RuleIsEntityKind:
			kind, _, _ := strings.Cut(ref, ":")
			return slices.ContainsFunc(params.Kinds, func(k string) bool { return strings.EqualFold(k, kind) }), nil
		case RuleHasMetadata:
			return false, nil
		}
		return false, fmt.Errorf("unknown rule %s", c.Rule)
	}
	return func(resourceType, ref string, c Criteria) (bool, error) {
		*calls = append(*calls, resourceType+" "+ref)
		if resourceType != CatalogEntityResource {
			return false, fmt.Errorf("unknown resource type %s", resourceType)
		}
		if _, ok := entities[ref]; !ok {
			return false, nil
		}
		return match(ref, c)
	}
}

func post(t *testing.T, a *API, who identity.Principal, body string) (int, string) {
	t.Helper()
	r := a.Serve(who, &Request{Method: "POST", Path: "/authorize", Body: []byte(body), URL: "/api/permission/authorize"})
	checkDoc(t, "POST", "/authorize", body, r)
	return r.Status, string(r.Body)
}

var (
	docOnce sync.Once
	docVal  *openapitest.Validators
)

// checkDoc validates a response of the API against its OpenAPI document
// (host/internal/openapi's permission document).
func checkDoc(t *testing.T, method, path, body string, r *Response) {
	t.Helper()
	docOnce.Do(func() { docVal = openapitest.New(t) })
	req, err := http.NewRequest(method, "http://localhost/api/permission"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	for k, vs := range r.Header {
		h[k] = vs
	}
	docVal.Check(t, req, &http.Response{StatusCode: r.Status, Header: h, Request: req}, r.Body)
}

// TestAuthorize: Backstage's request and response shapes; conditional decisions are
// returned as criteria, or settled by the resolver when the item names a resource.
func TestAuthorize(t *testing.T) {
	var calls []string
	a := testAPI(t, owners(map[string]string{
		"component:default/web":  "user:default/olive",
		"component:default/shop": "group:default/team-x",
		"api:default/orders":     "user:default/otto",
	}, &calls))
	read := `{"type":"resource","name":"catalog.entity.read","attributes":{"action":"read"},"resourceType":"catalog-entity"}`
	del := `{"type":"resource","name":"catalog.entity.delete","attributes":{"action":"delete"},"resourceType":"catalog-entity"}`
	create := `{"type":"basic","name":"catalog.entity.create","attributes":{"action":"create"}}`
	cases := []struct {
		name string
		who  identity.Principal
		body string
		want string
	}{
		{"allow and deny", user("bob", "group:default/team-a"),
			`{"items":[{"id":"1","permission":` + create + `},{"id":"2","permission":{"type":"basic","name":"greenroom.admin.reload","attributes":{"action":"update"}}}]}`,
			`{"items":[{"id":"1","result":"ALLOW"},{"id":"2","result":"DENY"}]}`},
		{"conditional without a resource", user("olive"), `{"items":[{"id":"a","permission":` + read + `}]}`,
			`{"items":[{"id":"a","result":"CONDITIONAL","pluginId":"catalog","resourceType":"catalog-entity","conditions":{"anyOf":[{"rule":"IS_ENTITY_OWNER","resourceType":"catalog-entity","params":{"claims":["user:default/olive"]}},{"rule":"HAS_METADATA","resourceType":"catalog-entity","params":{"key":"maintainer","value":"user:default/olive"}}]}}]}`},
		{"conditional settled per resource", user("olive"),
			`{"items":[{"id":"a","permission":` + read + `,"resourceRef":"component:default/web"},{"id":"b","permission":` + read + `,"resourceRef":"component:default/shop"},{"id":"c","permission":` + del + `,"resourceRef":"component:default/gone"}]}`,
			`{"items":[{"id":"a","result":"ALLOW"},{"id":"b","result":"DENY"},{"id":"c","result":"DENY"}]}`},
		{"combined conditions settled", user("otto"),
			`{"items":[{"id":"a","permission":` + read + `,"resourceRef":"api:default/orders"},{"id":"b","permission":` + read + `,"resourceRef":"component:default/shop"}]}`,
			`{"items":[{"id":"a","result":"ALLOW"},{"id":"b","result":"ALLOW"}]}`},
		{"a resource ref with a definite decision", user("ada", "group:default/everyone"),
			`{"items":[{"id":"x","permission":` + read + `,"resourceRef":"component:default/shop"}]}`,
			`{"items":[{"id":"x","result":"ALLOW"}]}`},
		{"nobody", identity.Nobody, `{"items":[{"id":"1","permission":` + read + `}]}`, `{"items":[{"id":"1","result":"DENY"}]}`},
		{"no items", user("ada"), `{"items":[]}`, `{"items":[]}`},
		{"extra keys are ignored", user("ada", "group:default/everyone"), `{"items":[{"id":"1","permission":` + read + `,"note":1}],"x":true}`, `{"items":[{"id":"1","result":"ALLOW"}]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := post(t, a, tc.who, tc.body)
			if status != 200 || body != tc.want {
				t.Errorf("%d %s\nwant 200 %s", status, body, tc.want)
			}
		})
	}
	if !slices.Contains(calls, "catalog-entity component:default/gone") || !slices.Contains(calls, "catalog-entity api:default/orders") {
		t.Errorf("resolver calls %q", calls)
	}
}

// TestAuthorizeErrors: schema errors are 400 InputErrors naming the field, a service is
// refused with 403, a resolver failure is a 500; all in Backstage's error body.
func TestAuthorizeErrors(t *testing.T) {
	var calls []string
	failing := func(string, string, Criteria) (bool, error) { return false, errors.New("catalog unavailable") }
	a := testAPI(t, owners(map[string]string{}, &calls))
	read := `{"type":"resource","name":"catalog.entity.read","attributes":{"action":"read"},"resourceType":"catalog-entity"}`
	cases := []struct {
		name   string
		api    *API
		who    identity.Principal
		body   string
		status int
		errN   string
		msg    string
	}{
		{"not JSON", a, user("ada"), `{items`, 400, "InputError", "Invalid request body: invalid character"},
		{"empty", a, user("ada"), ``, 400, "InputError", "Invalid request body: expected a JSON object"},
		{"not an object", a, user("ada"), `[]`, 400, "InputError", "Invalid request body: expected a JSON object, got array"},
		{"no items", a, user("ada"), `{}`, 400, "InputError", "Invalid request body: items: required"},
		{"items not a list", a, user("ada"), `{"items":{}}`, 400, "InputError", "Invalid request body: items: expected a list, got object"},
		{"no id", a, user("ada"), `{"items":[{"permission":` + read + `}]}`, 400, "InputError", "Invalid request body: items[0].id: required"},
		{"id a number", a, user("ada"), `{"items":[{"id":1,"permission":` + read + `}]}`, 400, "InputError", "Invalid request body: items[0].id: expected a string, got number"},
		{"no permission", a, user("ada"), `{"items":[{"id":"1"}]}`, 400, "InputError", "Invalid request body: items[0].permission: required"},
		{"bad type", a, user("ada"), `{"items":[{"id":"1","permission":{"type":"other","name":"x","attributes":{}}}]}`, 400, "InputError", "items[0].permission.type: must be basic or resource"},
		{"no name", a, user("ada"), `{"items":[{"id":"1","permission":{"type":"basic","attributes":{}}}]}`, 400, "InputError", "items[0].permission.name: required"},
		{"no attributes", a, user("ada"), `{"items":[{"id":"1","permission":{"type":"basic","name":"x"}}]}`, 400, "InputError", "items[0].permission.attributes: required"},
		{"attributes not an object", a, user("ada"), `{"items":[{"id":"1","permission":{"type":"basic","name":"x","attributes":"read"}}]}`, 400, "InputError", "items[0].permission.attributes: expected an object, got string"},
		{"bad action", a, user("ada"), `{"items":[{"id":"1","permission":{"type":"basic","name":"x","attributes":{"action":"use"}}}]}`, 400, "InputError", `items[0].permission.attributes.action: "use" is not create, read, update or delete`},
		{"resource without type", a, user("ada"), `{"items":[{"id":"1","permission":{"type":"resource","name":"x","attributes":{}}}]}`, 400, "InputError", "items[0].permission.resourceType: required for a resource permission"},
		{"second item", a, user("ada"), `{"items":[{"id":"1","permission":` + read + `},{"id":"2","permission":` + read + `,"resourceRef":5}]}`, 400, "InputError", "items[1].resourceRef: expected a string, got number"},
		{"a service", a, identity.NewService("external:ci"), `{"items":[]}`, 403, "NotAllowedError", "This endpoint does not allow 'service' credentials"},
		{"resolver fails", testAPI(t, failing), user("olive"), `{"items":[{"id":"1","permission":` + read + `,"resourceRef":"component:default/web"}]}`, 500, "Error", "apply the conditions of catalog.entity.read to component:default/web: catalog unavailable"},
		{"no resolver", testAPI(t, nil), user("olive"), `{"items":[{"id":"1","permission":` + read + `,"resourceRef":"component:default/web"}]}`, 500, "Error", "nothing resolves resources of type catalog-entity"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := post(t, tc.api, tc.who, tc.body)
			var eb struct {
				Error    struct{ Name, Message string }
				Request  struct{ Method, URL string }
				Response struct{ StatusCode int }
			}
			if err := json.Unmarshal([]byte(body), &eb); err != nil {
				t.Fatalf("%d %s: %v", status, body, err)
			}
			if status != tc.status || eb.Response.StatusCode != tc.status || eb.Error.Name != tc.errN || !strings.Contains(eb.Error.Message, tc.msg) {
				t.Errorf("%d %s\nwant %d %s containing %q", status, body, tc.status, tc.errN, tc.msg)
			}
			if eb.Request.Method != "POST" || eb.Request.URL != "/api/permission/authorize" {
				t.Errorf("request %+v", eb.Request)
			}
		})
	}
}

// TestViews: the health route, and RHDH's read-only roles and policies views, for the
// policy's admins only.
func TestViews(t *testing.T) {
	a := testAPI(t, nil)
	get := func(who identity.Principal, path string) (int, string) {
		r := a.Serve(who, &Request{Method: "GET", Path: path})
		checkDoc(t, "GET", path, "", r)
		return r.Status, string(r.Body)
	}
	if s, b := get(identity.Nobody, "/health"); s != 200 || b != `{"status":"ok"}` {
		t.Errorf("health: %d %s", s, b)
	}
	grace := user("grace")
	s, b := get(grace, "/roles")
	var roles []struct {
		MemberReferences []string
		Name             string
		Metadata         struct{ Source string }
	}
	if err := json.Unmarshal([]byte(b), &roles); s != 200 || err != nil {
		t.Fatalf("roles: %d %s %v", s, b, err)
	}
	if len(roles) != 9 || roles[0].Name != AdminRole || roles[0].Metadata.Source != "configuration" || !slices.Equal(roles[0].MemberReferences, []string{"user:default/grace"}) {
		t.Errorf("roles: %s", b)
	}
	s, b = get(grace, "/roles/role/default/owner")
	if s != 200 || b != `[{"memberReferences":["user:default/olive","user:default/oscar","user:default/otto"],"name":"role:default/owner","metadata":{"source":"csv-file"}}]` {
		t.Errorf("one role: %d %s", s, b)
	}
	s, b = get(grace, "/policies/role/default/no-delete")
	if s != 200 || b != `[{"entityReference":"role:default/no-delete","permission":"catalog-entity","policy":"delete","effect":"deny","metadata":{"source":"csv-file"}}]` {
		t.Errorf("one role's policies: %d %s", s, b)
	}
	s, b = get(grace, "/policies")
	if s != 200 || !strings.Contains(b, `{"entityReference":"user:default/frank","permission":"catalog.location.read","policy":"read","effect":"allow","metadata":{"source":"csv-file"}}`) ||
		!strings.Contains(b, `{"entityReference":"role:default/rbac_admin","permission":"greenroom.admin.reload","policy":"update","effect":"allow","metadata":{"source":"configuration"}}`) {
		t.Errorf("policies: %d %s", s, b)
	}
	for _, tc := range []struct {
		who    identity.Principal
		method string
		path   string
		status int
		msg    string
	}{
		{user("ada", "group:default/everyone"), "GET", "/roles", 403, "user:default/ada may not read the RBAC policy (policy.entity.read)"},
		{identity.Nobody, "GET", "/policies", 401, "Missing credentials"},
		{grace, "GET", "/roles/role/default/nope", 404, "role role:default/nope not found"},
		{grace, "POST", "/roles", 501, "edited in its files"},
		{grace, "GET", "/nope", 404, "No route for GET /nope"},
		{grace, "GET", "/authorize", 404, "No route for GET /authorize"},
	} {
		r := a.Serve(tc.who, &Request{Method: tc.method, Path: tc.path})
		checkDoc(t, tc.method, tc.path, "", r)
		if r.Status != tc.status || !strings.Contains(string(r.Body), tc.msg) || !strings.Contains(string(r.Body), fmt.Sprintf(`"statusCode":%d`, tc.status)) {
			t.Errorf("%s %s: %d %s, want %d %q", tc.method, tc.path, r.Status, r.Body, tc.status, tc.msg)
		}
	}
}
