package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/catalog/api"
)

type result struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, base, method, path, body string) result {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+"/api/catalog"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	checkOpenAPI(t, method, req.URL.String(), []byte(body), resp.StatusCode, resp.Header, b)
	return result{resp.StatusCode, resp.Header, b}
}

func decode[T any](t *testing.T, r result) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return v
}

func names(t *testing.T, items []map[string]any) []string {
	var out []string
	for _, it := range items {
		md, _ := it["metadata"].(map[string]any)
		out = append(out, md["name"].(string))
	}
	return out
}

func TestFilterGrammar(t *testing.T) {
	_, srv := exampleServer(t)
	cases := []struct {
		query string
		want  int
	}{
		{"filter=kind=component", 5},
		{"filter=KIND=Component", 5},                                     // case-insensitive
		{"filter=kind=component,spec.lifecycle=production", 4},           // comma = AND
		{"filter=kind=api&filter=kind=resource", 6},                      // repeated = OR
		{"filter=kind=component,spec.type=service,spec.type=website", 5}, // same key twice = any of
		{"filter=spec.definition", 3},                                    // key alone = exists
		{"filter=metadata.tags=java", 2},                                 // arrays by element
		{"filter=metadata.tags.go", 3},                                   // path.<item> form
		{"filter=metadata.tags.go=true", 3},                              // path.<item>=true
		{"filter=relations.ownedBy=group:default/team-payments", 6},      // relations
		{"filter=kind=user,relations.memberof=group:default/team-checkout", 2},
		{"filter=metadata.annotations.backstage.io/orphan=true", 0},
		{"filter=kind=nothing", 0},
	}
	for _, c := range cases {
		r := do(t, srv.URL, "GET", "/entities?"+c.query, "")
		if r.status != 200 {
			t.Fatalf("%s: status %d %s", c.query, r.status, r.body)
		}
		items := decode[[]map[string]any](t, r)
		if len(items) != c.want {
			t.Errorf("%s: %d items %v, want %d", c.query, len(items), names(t, items), c.want)
		}
	}
}

func TestEntitiesFieldsOrderAndPaging(t *testing.T) {
	_, srv := exampleServer(t)
	r := do(t, srv.URL, "GET", "/entities?filter=kind=component&fields=metadata.name,kind&order=desc:metadata.name", "")
	items := decode[[]map[string]any](t, r)
	got := names(t, items)
	if strings.Join(got, ",") != "storefront-web,payments-service,ledger-worker,greenroom-portal,checkout-service" {
		t.Fatalf("order: %v", got)
	}
	if len(items[0]) != 2 || items[0]["kind"] != "Component" || len(items[0]["metadata"].(map[string]any)) != 1 {
		t.Fatalf("fields: %v", items[0])
	}
	// limit + link header
	r = do(t, srv.URL, "GET", "/entities?filter=kind=component&order=asc:metadata.name&limit=2", "")
	page := names(t, decode[[]map[string]any](t, r))
	link := r.header.Get("Link")
	if len(page) != 2 || page[0] != "checkout-service" || !strings.Contains(link, `rel="next"`) {
		t.Fatalf("page %v link %q", page, link)
	}
	next := strings.TrimSuffix(strings.TrimPrefix(strings.Split(link, ";")[0], "<"), ">")
	if !strings.HasPrefix(next, "/api/catalog/entities?") {
		t.Fatalf("link %q", link)
	}
	r = do(t, srv.URL, "GET", strings.TrimPrefix(next, "/api/catalog"), "")
	page2 := names(t, decode[[]map[string]any](t, r))
	if strings.Join(page2, ",") != "ledger-worker,payments-service" {
		t.Fatalf("page2 %v (link %s)", page2, next)
	}
}

func TestQueryEntities(t *testing.T) {
	_, srv := exampleServer(t)
	type page struct {
		Items      []map[string]any `json:"items"`
		TotalItems int              `json:"totalItems"`
		PageInfo   struct {
			NextCursor string `json:"nextCursor"`
			PrevCursor string `json:"prevCursor"`
		} `json:"pageInfo"`
	}
	r := do(t, srv.URL, "GET", "/entities/by-query?filter=kind=user&limit=2&orderField=metadata.name,asc&fields=metadata.name", "")
	p := decode[page](t, r)
	if p.TotalItems != 5 || len(p.Items) != 2 || p.PageInfo.NextCursor == "" || p.PageInfo.PrevCursor != "" {
		t.Fatalf("first page: %s", r.body)
	}
	seen := names(t, p.Items)
	for p.PageInfo.NextCursor != "" {
		r = do(t, srv.URL, "GET", "/entities/by-query?limit=2&fields=metadata.name&cursor="+url.QueryEscape(p.PageInfo.NextCursor), "")
		p = decode[page](t, r)
		if p.PageInfo.PrevCursor == "" {
			t.Fatalf("no prevCursor: %s", r.body)
		}
		seen = append(seen, names(t, p.Items)...)
	}
	if strings.Join(seen, ",") != "ada,barbara,grace,linus,margaret" {
		t.Fatalf("paged: %v", seen)
	}
	r = do(t, srv.URL, "GET", "/entities/by-query?fullTextFilterTerm=PAY&fullTextFilterFields=metadata.name&limit=50", "")
	p = decode[page](t, r)
	if p.TotalItems != 5 { // payments-service, payments-api, payments-db, the payments system, team-payments
		t.Fatalf("full text: %v", names(t, p.Items))
	}
	r = do(t, srv.URL, "GET", "/entities/by-query", "")
	p = decode[page](t, r)
	if p.TotalItems != 31 || len(p.Items) != 20 {
		t.Fatalf("default limit: total %d items %d", p.TotalItems, len(p.Items))
	}
}

func TestEntityRoutes(t *testing.T) {
	_, srv := exampleServer(t)
	r := do(t, srv.URL, "GET", "/entities/by-name/component/default/checkout-service", "")
	e := decode[map[string]any](t, r)
	md := e["metadata"].(map[string]any)
	uid := md["uid"].(string)
	if r.status != 200 || uid == "" || len(md["etag"].(string)) != 40 {
		t.Fatalf("by-name: %s", r.body)
	}
	ann := md["annotations"].(map[string]any)
	if !strings.HasPrefix(ann["backstage.io/managed-by-location"].(string), "file:/") || !strings.HasSuffix(ann["backstage.io/managed-by-location"].(string), "components.yaml") ||
		!strings.HasSuffix(ann["backstage.io/managed-by-origin-location"].(string), "all.yaml") {
		t.Fatalf("annotations: %v", ann)
	}
	if r := do(t, srv.URL, "GET", "/entities/by-name/Component/DEFAULT/Checkout-Service", ""); r.status != 200 {
		t.Fatalf("case-insensitive by-name: %d", r.status)
	}
	if r := do(t, srv.URL, "GET", "/entities/by-uid/"+uid, ""); r.status != 200 {
		t.Fatalf("by-uid: %d", r.status)
	}
	r = do(t, srv.URL, "GET", "/entities/by-name/component/default/checkout-service/ancestry", "")
	anc := decode[map[string]any](t, r)
	items := anc["items"].([]any)
	if anc["rootEntityRef"] != "component:default/checkout-service" || len(items) != 3 {
		t.Fatalf("ancestry: %s", r.body)
	}
	r = do(t, srv.URL, "POST", "/entities/by-refs", `{"entityRefs":["component:default/checkout-service","component:default/nope","api:payments-api"],"fields":["kind","metadata.name"]}`)
	refs := decode[map[string][]any](t, r)["items"]
	if len(refs) != 3 || refs[1] != nil || refs[2].(map[string]any)["kind"] != "API" {
		t.Fatalf("by-refs: %s", r.body)
	}
	r = do(t, srv.URL, "GET", "/entity-facets?facet=spec.type&facet=kind&filter=kind=component", "")
	f := decode[map[string]map[string][]map[string]any](t, r)["facets"]
	if len(f["spec.type"]) != 2 || f["spec.type"][0]["value"] != "service" || f["spec.type"][0]["count"] != float64(3) || f["kind"][0]["count"] != float64(5) {
		t.Fatalf("facets: %s", r.body)
	}
	if r := do(t, srv.URL, "DELETE", "/entities/by-uid/"+uid, ""); r.status != 204 {
		t.Fatalf("delete: %d", r.status)
	}
	if r := do(t, srv.URL, "DELETE", "/entities/by-uid/no-such-uid", ""); r.status != 204 {
		t.Fatalf("delete missing: %d", r.status)
	}
	if r := do(t, srv.URL, "GET", "/entities/by-uid/"+uid, ""); r.status != 404 {
		t.Fatalf("after delete: %d", r.status)
	}
	// the location still emits it: a refresh of a sibling brings it back
	if r := do(t, srv.URL, "POST", "/refresh", `{"entityRef":"component:default/payments-service"}`); r.status != 200 {
		t.Fatalf("refresh: %d %s", r.status, r.body)
	}
	if r := do(t, srv.URL, "GET", "/entities/by-name/component/default/checkout-service", ""); r.status != 200 {
		t.Fatalf("not back after refresh: %d", r.status)
	}
}

func TestErrorBodies(t *testing.T) {
	_, srv := exampleServer(t)
	cases := []struct {
		method, path, body string
		status             int
		name, message      string
	}{
		{"GET", "/entities?filter==x", "", 400, "InputError", "Invalid filter, '=x' is not a valid statement (expected a string on the form a=b or a= or a)"},
		{"GET", "/entities?limit=0", "", 400, "InputError", "Invalid limit, must be greater than zero"},
		{"GET", "/entities?limit=abc", "", 400, "InputError", "Invalid limit, not an integer"},
		{"GET", "/entities?offset=-1", "", 400, "InputError", "Invalid offset, must be zero or greater"},
		{"GET", "/entities?after=", "", 400, "InputError", "Invalid after, must not be empty"},
		{"GET", "/entities?order=sideways:metadata.name", "", 400, "InputError", `Invalid order parameter "sideways:metadata.name"`},
		{"GET", "/entities/by-query?orderField=metadata.name,up", "", 400, "InputError", "Invalid order field order, must be asc or desc"},
		{"GET", "/entities/by-query?cursor=%21%21notbase64", "", 400, "InputError", "Invalid cursor, Malformed cursor"},
		{"GET", "/entities/by-query?limit=-3", "", 400, "InputError", "Invalid limit"},
		{"GET", "/entity-facets", "", 400, "InputError", "Missing facet parameter"},
		{"GET", "/entity-facets?facet=", "", 400, "InputError", "Invalid facet"},
		{"GET", "/entities/by-uid/nope", "", 404, "NotFoundError", "No entity with uid nope"},
		{"GET", "/entities/by-name/component/default/nope", "", 404, "NotFoundError", "No entity named 'nope' found, with kind 'component' in namespace 'default'"},
		{"GET", "/locations/nope", "", 404, "NotFoundError", "Found no location with ID nope"},
		// A path no route has is not found, whatever the method; a route with the wrong
		// method is not allowed.
		{"GET", "/entities/by-name/component/default/", "", 404, "NotFoundError",
			"No route for GET /entities/by-name/component/default/; the routes here are GET /entities/by-name/:kind/:namespace/:name, GET /entities/by-name/:kind/:namespace/:name/ancestry"},
		{"GET", "/entities/by-name/component/default", "", 404, "NotFoundError", "No route for GET /entities/by-name/component/default;"},
		{"GET", "/entities/by-name/component//", "", 404, "NotFoundError", "No route for GET /entities/by-name/component//;"},
		// An empty segment matches no :param, as in Express: the path has no route.
		{"GET", "/entities/by-name/component//payments-service", "", 404, "NotFoundError",
			"No route for GET /entities/by-name/component//payments-service; the routes here are GET /entities/by-name/:kind/:namespace/:name, GET /entities/by-name/:kind/:namespace/:name/ancestry"},
		{"DELETE", "/entities/by-name/component/default/x", "", 403, "NotAllowedError", "Method DELETE is not allowed on /entities/by-name/component/default/x"},
		// Segments match percent-decoded.
		{"GET", "/entit%69es/by-name/component/default/nope", "", 404, "NotFoundError", "No entity named 'nope' found"},
		{"GET", "/entities/by-name/component/default/a%2Fb", "", 404, "NotFoundError", "No entity named 'a/b' found"},
		{"GET", "/entities/by-uid/", "", 404, "NotFoundError", "No route for GET /entities/by-uid/; the routes here are GET /entities/by-uid/:uid, DELETE /entities/by-uid/:uid"},
		{"DELETE", "/entities/by-name/component/default/", "", 404, "NotFoundError", "No route for DELETE /entities/by-name/component/default/"},
		{"GET", "/nothing-here", "", 404, "NotFoundError", "No route for GET /nothing-here"},
		{"DELETE", "/entities", "", 403, "NotAllowedError", "Method DELETE is not allowed on /entities"},
		{"PUT", "/entities/by-name/component/default/x", "", 403, "NotAllowedError", "Method PUT is not allowed"},
		{"POST", "/entities/by-refs", `{"entityRefs":["nokind"]}`, 400, "InputError", `had missing or empty kind`},
		{"POST", "/entities/by-refs", `{}`, 400, "InputError", "entityRefs is required"},
		{"POST", "/refresh", `{"entityRef":"component:default/nope"}`, 404, "NotFoundError", "No entity named 'nope'"},
		{"POST", "/validate-entity", `{"entity":{},"location":"file:/x"}`, 400, "InputError", "Invalid location ref"},
		{"POST", "/analyze-location", `{"location":{"type":"url","target":"not a url"}}`, 400, "InputError", "The given location.target is not a URL"},
		{"POST", "/locations", `{"type":"url"}`, 400, "InputError", "type and target are required"},
		{"POST", "/locations", `{"type":"file","target":"/etc/passwd"}`, 400, "InputError", "only url locations can be registered through the API"},
	}
	for _, c := range cases {
		r := do(t, srv.URL, c.method, c.path, c.body)
		if r.status != c.status {
			t.Errorf("%s %s: status %d, want %d: %s", c.method, c.path, r.status, c.status, r.body)
			continue
		}
		var body struct {
			Error    struct{ Name, Message string }
			Request  struct{ Method, URL string }
			Response struct{ StatusCode int }
		}
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatalf("%s: %v", r.body, err)
		}
		if body.Error.Name != c.name || !strings.Contains(body.Error.Message, c.message) || body.Request.Method != c.method ||
			!strings.HasPrefix(body.Request.URL, "/api/catalog"+strings.Split(c.path, "?")[0]) || body.Response.StatusCode != c.status {
			t.Errorf("%s %s: body %s", c.method, c.path, r.body)
		}
	}
	// content-type checks on bodies
	req, _ := http.NewRequest("POST", srv.URL+"/api/catalog/refresh", strings.NewReader(`{"entityRef":"x"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), "Content-Type missing") {
		t.Fatalf("missing content type: %d %s", resp.StatusCode, b)
	}
}

func TestValidateEntityRoute(t *testing.T) {
	_, srv := exampleServer(t)
	ok := `{"location":"url:https://example.com/catalog-info.yaml","entity":{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"x"},"spec":{"type":"service","lifecycle":"production","owner":"me"}}}`
	if r := do(t, srv.URL, "POST", "/validate-entity", ok); r.status != 200 || len(r.body) != 0 {
		t.Fatalf("valid: %d %s", r.status, r.body)
	}
	bad := `{"location":"url:https://example.com/catalog-info.yaml","entity":{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"bad name!"},"spec":{"type":"service"}}}`
	r := do(t, srv.URL, "POST", "/validate-entity", bad)
	var body struct {
		Errors []struct{ Name, Message string }
	}
	_ = json.Unmarshal(r.body, &body)
	if r.status != 400 || len(body.Errors) == 0 || !strings.Contains(body.Errors[0].Message, `"metadata.name" is not valid`) {
		t.Fatalf("invalid: %d %s", r.status, r.body)
	}
}

// TestLocationsListsRegisteredOnly: GET /locations lists the locations registered
// through POST /locations, in Backstage's {data: {id, type, target}} shape; those from
// catalog.locations are Location entities, not in the list.
func TestLocationsListsRegisteredOnly(t *testing.T) {
	c, srv := exampleServer(t)
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: remote-service\nspec:\n  type: service\n  lifecycle: production\n  owner: team-platform\n")
	}))
	defer remote.Close()
	if r := do(t, srv.URL, "GET", "/locations", ""); r.status != 200 || string(r.body) != "[]" {
		t.Fatalf("with only catalog.locations: %d %s, want 200 []", r.status, r.body)
	}
	if c.ByRef("location:default/acme-catalog") == nil {
		t.Fatal("the Location entity of catalog.locations is missing")
	}
	target := remote.URL + "/catalog-info.yaml"
	r := do(t, srv.URL, "POST", "/locations", `{"type":"url","target":"`+target+`"}`)
	if r.status != 201 {
		t.Fatalf("register: %d %s", r.status, r.body)
	}
	id := decode[struct{ Location struct{ ID string } }](t, r).Location.ID
	r = do(t, srv.URL, "GET", "/locations", "")
	if want := `[{"data":{"id":"` + id + `","type":"url","target":"` + target + `"}}]`; r.status != 200 || string(r.body) != want {
		t.Fatalf("after registering: %d %s, want %s", r.status, r.body, want)
	}
	if r := do(t, srv.URL, "DELETE", "/locations/"+id, ""); r.status != 204 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if r := do(t, srv.URL, "GET", "/locations", ""); string(r.body) != "[]" {
		t.Fatalf("after deleting: %s", r.body)
	}
}

// A path segment that does not percent-decode is a bad request, whatever route the path
// would have (an HTTP client does not send one, so this goes to Serve directly).
func TestBadPathEscape(t *testing.T) {
	a := api.New(exampleCatalog(t))
	for _, path := range []string{"/nothing/%zz", "/entities/by-name/component/default/%", "/entities/%zz"} {
		r := a.Serve(context.Background(), &api.Request{Method: "GET", Path: path})
		msg, _ := json.Marshal(fmt.Sprintf("Invalid path segment %q: invalid URL escape %q", path[strings.LastIndexByte(path, '/')+1:], path[strings.IndexByte(path, '%'):]))
		want := fmt.Sprintf(`{"error":{"message":%s,"name":"InputError"},"request":{"method":"GET","url":%q},"response":{"statusCode":400}}`, msg, path)
		if r.Status != 400 || string(r.Body) != want {
			t.Errorf("%s: %d %s\nwant %s", path, r.Status, r.Body, want)
		}
	}
}
