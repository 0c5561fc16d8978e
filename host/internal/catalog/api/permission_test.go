package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/catalog/api"
	"greenroom.dev/greenroom/host/internal/permission"
)

// policy answers the catalog's permissions by name; a permission it does not name is
// allowed.
type policy map[string]permission.Decision

func (p policy) authorize(_ context.Context, perm permission.Permission) (permission.Decision, error) {
	if d, ok := p[perm.Name]; ok {
		return d, nil
	}
	return permission.Decision{Result: permission.Allow}, nil
}

var (
	allow = permission.Decision{Result: permission.Allow}
	deny  = permission.Decision{Result: permission.Deny}
)

func conditional(t testing.TB, criteria string) permission.Decision {
	t.Helper()
	var c permission.Criteria
	if err := json.Unmarshal([]byte(criteria), &c); err != nil {
		t.Fatal(err)
	}
	return permission.Decision{Result: permission.Conditional, PluginID: "catalog", ResourceType: permission.CatalogEntityResource, Conditions: &c}
}

// ownedByPayments is what Grace, of team-payments and engineering, owns in the example
// catalog.
const ownedByPayments = `{"rule":"IS_ENTITY_OWNER","resourceType":"catalog-entity","params":{"claims":["user:default/grace","group:default/team-payments","group:default/engineering"]}}`

var paymentsOwns = []string{"commerce", "ledger-events", "ledger-worker", "payments", "payments-api", "payments-db", "payments-service"}

// caller serves requests to the API with one Authorizer (nil: none).
type caller struct {
	t    *testing.T
	a    *api.API
	auth api.Authorizer
}

func (c caller) do(method, path, rawQuery, body string) *api.Response {
	h := http.Header{}
	if body != "" {
		h.Set("Content-Type", "application/json")
	}
	u := "/api/catalog" + path
	if rawQuery != "" {
		u += "?" + rawQuery
	}
	r := c.a.Serve(context.Background(), &api.Request{Method: method, Path: path, RawQuery: rawQuery, Header: h, Body: []byte(body), URL: u, Authorize: c.auth})
	checkOpenAPI(c.t, method, "http://localhost"+u, []byte(body), r.Status, r.Header, r.Body)
	return r
}

func (c caller) get(path, rawQuery string) *api.Response { return c.do("GET", path, rawQuery, "") }

// ok checks a 200 and decodes its body.
func ok[T any](t *testing.T, r *api.Response) T {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var v T
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("%v: %s", err, r.Body)
	}
	return v
}

type entityJSON struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name string `json:"name"`
		UID  string `json:"uid"`
	} `json:"metadata"`
}

func sortedNames(items []*entityJSON) []string {
	out := []string{}
	for _, e := range items {
		if e != nil {
			out = append(out, e.Metadata.Name)
		}
	}
	slices.Sort(out)
	return out
}

func errorName(t *testing.T, r *api.Response) string {
	t.Helper()
	var body struct {
		Error struct{ Name, Message string }
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("%v: %s", err, r.Body)
	}
	return body.Error.Name
}

// pagesByQuery follows by-query's nextCursor from a first request, checking totalItems
// on every page, and returns the names it saw.
func pagesByQuery(t *testing.T, c caller, first string, total int) []string {
	t.Helper()
	var all []*entityJSON
	q := first
	for range 20 {
		page := ok[struct {
			Items      []*entityJSON     `json:"items"`
			TotalItems int               `json:"totalItems"`
			PageInfo   map[string]string `json:"pageInfo"`
		}](t, c.get("/entities/by-query", q))
		if page.TotalItems != total {
			t.Errorf("%s: totalItems %d, want %d", q, page.TotalItems, total)
		}
		all = append(all, page.Items...)
		next := page.PageInfo["nextCursor"]
		if next == "" {
			return sortedNames(all)
		}
		q = "limit=2&cursor=" + url.QueryEscape(next)
	}
	t.Fatal("too many pages")
	return nil
}

// TestReadDecisionOnEveryRoute applies a DENY and a CONDITIONAL catalog.entity.read
// decision to every route that reads entities.
func TestReadDecisionOnEveryRoute(t *testing.T) {
	cat := exampleCatalog(t)
	a := api.New(cat)
	everyone := caller{t, a, nil}
	uidOf := func(kind, name string) string {
		return ok[entityJSON](t, everyone.get("/entities/by-name/"+kind+"/default/"+name, "")).Metadata.UID
	}
	payUID, checkoutUID := uidOf("component", "payments-service"), uidOf("component", "checkout-service")

	for _, tt := range []struct {
		name string
		read permission.Decision
		sees []string // of all entities
	}{
		{"deny", deny, []string{}},
		{"conditional", conditional(t, ownedByPayments), paymentsOwns},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := caller{t, a, policy{"catalog.entity.read": tt.read}.authorize}
			sees := func(names ...string) []string {
				var out []string
				for _, n := range names {
					if slices.Contains(tt.sees, n) {
						out = append(out, n)
					}
				}
				return append([]string{}, out...)
			}
			// GET /entities, with a filter, and paged by its Link header.
			if got := sortedNames(ok[[]*entityJSON](t, c.get("/entities", ""))); !slices.Equal(got, tt.sees) {
				t.Errorf("/entities: %v, want %v", got, tt.sees)
			}
			if got := sortedNames(ok[[]*entityJSON](t, c.get("/entities", "filter=kind=component"))); !slices.Equal(got, sees("ledger-worker", "payments-service")) {
				t.Errorf("/entities?filter: %v", got)
			}
			var linked []*entityJSON
			q := "limit=2&order=asc:metadata.name"
			for range 20 {
				r := c.get("/entities", q)
				linked = append(linked, ok[[]*entityJSON](t, r)...)
				link := r.Header.Get("Link")
				if link == "" {
					break
				}
				_, q, _ = strings.Cut(strings.TrimSuffix(strings.Split(link, ";")[0], ">"), "?")
			}
			if got := sortedNames(linked); !slices.Equal(got, tt.sees) {
				t.Errorf("/entities pages: %v, want %v", got, tt.sees)
			}
			// by-query: every cursor page within the decision, totalItems counting it.
			if got := pagesByQuery(t, c, "limit=2", len(tt.sees)); !slices.Equal(got, tt.sees) {
				t.Errorf("by-query pages: %v, want %v", got, tt.sees)
			}
			if got := pagesByQuery(t, c, "limit=1&filter=kind=component&filter=kind=api", len(sees("ledger-worker", "payments-service", "payments-api", "ledger-events"))); !slices.Equal(got, sees("ledger-events", "ledger-worker", "payments-api", "payments-service")) {
				t.Errorf("by-query with filters: %v", got)
			}
			if got := pagesByQuery(t, c, "fullTextFilterTerm=service&limit=1", len(sees("ledger-worker", "payments-service"))); !slices.Equal(got, sees("ledger-worker", "payments-service")) {
				t.Errorf("by-query full text: %v", got)
			}
			// A cursor made for someone who sees everything is re-applied within the decision.
			first := ok[struct{ PageInfo map[string]string }](t, everyone.get("/entities/by-query", "limit=1&filter=kind=component"))
			for _, n := range pagesByQuery(t, c, "limit=2&cursor="+url.QueryEscape(first.PageInfo["nextCursor"]), len(sees("ledger-worker", "payments-service"))) {
				if !slices.Contains(tt.sees, n) {
					t.Errorf("by-query with a foreign cursor: %s", n)
				}
			}
			if tt.read.Result == permission.Deny {
				if r := c.get("/entities/by-query", ""); string(r.Body) != `{"items":[],"totalItems":0,"pageInfo":{}}` {
					t.Errorf("by-query under DENY: %s", r.Body)
				}
			}
			// by-refs: entities outside the decision are null.
			refs := `{"entityRefs":["component:payments-service","component:default/checkout-service","api:payments-api","group:team-payments"]}`
			got := ok[struct{ Items []*entityJSON }](t, c.do("POST", "/entities/by-refs", "", refs)).Items
			want := []bool{slices.Contains(tt.sees, "payments-service"), false, slices.Contains(tt.sees, "payments-api"), false}
			for i := range want {
				if (got[i] != nil) != want[i] {
					t.Errorf("by-refs item %d: %v, want present=%v", i, got[i], want[i])
				}
			}
			got = ok[struct{ Items []*entityJSON }](t, c.do("POST", "/entities/by-refs", "filter=kind=api", refs)).Items
			if got[0] != nil || got[1] != nil || (got[2] != nil) != want[2] || got[3] != nil {
				t.Errorf("by-refs with a filter: %v", got)
			}
			// by-name, by-uid: 404 as if absent.
			for _, tc := range []struct {
				path    string
				visible bool
			}{
				{"/entities/by-name/component/default/payments-service", want[0]},
				{"/entities/by-name/component/default/checkout-service", false},
				{"/entities/by-uid/" + payUID, want[0]},
				{"/entities/by-uid/" + checkoutUID, false},
				{"/locations/by-entity/component/default/payments-service", want[0]},
				{"/locations/by-entity/component/default/checkout-service", false},
			} {
				r := c.get(tc.path, "")
				if tc.visible && r.Status != 200 || !tc.visible && (r.Status != 404 || errorName(t, r) != "NotFoundError") {
					t.Errorf("%s: %d %s, want visible=%v", tc.path, r.Status, r.Body, tc.visible)
				}
			}
			// The answer for an entity outside the decision is the answer for a missing one.
			hidden := c.get("/entities/by-name/component/default/checkout-service", "")
			absent := everyone.get("/entities/by-name/component/default/checkout-service", "")
			if !bytes.Equal(hidden.Body, bytes.ReplaceAll(everyone.get("/entities/by-name/component/default/nope", "").Body, []byte("nope"), []byte("checkout-service"))) || absent.Status != 200 {
				t.Errorf("hidden entity: %s", hidden.Body)
			}
			// Facets count only what the decision allows; DENY gives each facet [].
			facets := ok[struct {
				Facets map[string][]struct{ Value string }
			}](t, c.get("/entity-facets", "facet=metadata.name&facet=kind")).Facets
			var names []string
			for _, f := range facets["metadata.name"] {
				names = append(names, f.Value)
			}
			slices.Sort(names)
			if names == nil {
				names = []string{}
			}
			if !slices.Equal(names, tt.sees) || facets["kind"] == nil {
				t.Errorf("facets: %v", facets)
			}
			if tt.read.Result == permission.Deny {
				if r := c.get("/entity-facets", "facet=kind&facet=spec.type"); string(r.Body) != `{"facets":{"kind":[],"spec.type":[]}}` {
					t.Errorf("facets under DENY: %s", r.Body)
				}
			}
			// Ancestry: a root outside the decision is 403; ancestors outside it are left out.
			if r := c.get("/entities/by-name/component/default/checkout-service/ancestry", ""); r.Status != 403 || errorName(t, r) != "NotAllowedError" {
				t.Errorf("ancestry of a hidden entity: %d %s", r.Status, r.Body)
			}
			r := c.get("/entities/by-name/component/default/payments-service/ancestry", "")
			if !want[0] {
				if r.Status != 403 {
					t.Errorf("ancestry under DENY: %d %s", r.Status, r.Body)
				}
			} else {
				anc := ok[struct {
					Items []struct {
						Entity           entityJSON
						ParentEntityRefs []string
					}
				}](t, r)
				if len(anc.Items) != 1 || anc.Items[0].Entity.Metadata.Name != "payments-service" || len(anc.Items[0].ParentEntityRefs) != 0 {
					t.Errorf("ancestry with its Location ancestors outside the decision: %+v", anc)
				}
			}
			// Refresh and delete act on an entity outside the decision as on a missing one.
			if r := c.do("POST", "/refresh", "", `{"entityRef":"component:default/checkout-service"}`); r.Status != 404 {
				t.Errorf("refresh of a hidden entity: %d %s", r.Status, r.Body)
			}
			if r := c.do("DELETE", "/entities/by-uid/"+checkoutUID, "", ""); r.Status != 204 || everyone.get("/entities/by-uid/"+checkoutUID, "").Status != 200 {
				t.Errorf("delete of a hidden entity: %d %s, or it is gone", r.Status, r.Body)
			}
		})
	}
}

// TestAncestryKeepsAncestorsInTheDecision checks that only the ancestors from the first
// one outside the decision on are left out.
func TestAncestryKeepsAncestorsInTheDecision(t *testing.T) {
	a := api.New(exampleCatalog(t))
	read := conditional(t, `{"anyOf":[`+ownedByPayments+`,{"rule":"HAS_METADATA","params":{"key":"name","value":"acme-catalog"}}]}`)
	c := caller{t, a, policy{"catalog.entity.read": read}.authorize}
	anc := ok[struct {
		RootEntityRef string
		Items         []struct {
			Entity           entityJSON
			ParentEntityRefs []string
		}
	}](t, c.get("/entities/by-name/component/default/payments-service/ancestry", ""))
	if anc.RootEntityRef != "component:default/payments-service" || len(anc.Items) != 2 ||
		anc.Items[1].Entity.Metadata.Name != "acme-catalog" || !slices.Equal(anc.Items[0].ParentEntityRefs, []string{"location:default/acme-catalog"}) ||
		len(anc.Items[1].ParentEntityRefs) != 0 {
		t.Errorf("ancestry: %+v", anc)
	}
	everyone := ok[struct{ Items []any }](t, caller{t, a, nil}.get("/entities/by-name/component/default/payments-service/ancestry", ""))
	if len(everyone.Items) != 3 {
		t.Fatalf("without a decision the chain has %d items, want 3", len(everyone.Items))
	}
}

// TestDeleteAndRefreshDecisions applies catalog.entity.delete and catalog.entity.refresh.
func TestDeleteAndRefreshDecisions(t *testing.T) {
	cat := exampleCatalog(t)
	a := api.New(cat)
	everyone := caller{t, a, nil}
	uidOf := func(name string) string {
		return ok[entityJSON](t, everyone.get("/entities/by-name/component/default/"+name, "")).Metadata.UID
	}
	owner := conditional(t, ownedByPayments)
	tests := []struct {
		name     string
		decision permission.Decision
		entity   string
		status   int
	}{
		{"deny", deny, "ledger-worker", 403},
		{"deny, missing entity", deny, "", 403},
		{"conditional, not matching", owner, "checkout-service", 403},
		{"conditional, missing entity", owner, "", 403},
		{"conditional, matching", owner, "ledger-worker", 204},
		{"allow, missing entity", allow, "", 204},
		{"allow", allow, "storefront-web", 204},
	}
	for _, tt := range tests {
		uid, ref := "00000000-0000-4000-8000-000000000000", "component:default/nope"
		if tt.entity != "" {
			uid, ref = uidOf(tt.entity), "component:default/"+tt.entity
		}
		// Refresh first (the entity is still there), then delete.
		c := caller{t, a, policy{"catalog.entity.refresh": tt.decision, "catalog.entity.delete": tt.decision}.authorize}
		refreshStatus := map[int]int{403: 403, 204: 200}[tt.status]
		if tt.entity == "" && tt.status == 204 {
			refreshStatus = 404
		}
		r := c.do("POST", "/refresh", "", `{"entityRef":"`+ref+`"}`)
		if r.Status != refreshStatus || r.Status == 403 && errorName(t, r) != "NotAllowedError" {
			t.Errorf("%s: refresh: %d %s, want %d", tt.name, r.Status, r.Body, refreshStatus)
		}
		r = c.do("DELETE", "/entities/by-uid/"+uid, "", "")
		if r.Status != tt.status || r.Status == 403 && errorName(t, r) != "NotAllowedError" {
			t.Errorf("%s: delete: %d %s, want %d", tt.name, r.Status, r.Body, tt.status)
		}
		if tt.entity != "" {
			gone := everyone.get("/entities/by-uid/"+uid, "").Status == 404
			if gone != (tt.status == 204) {
				t.Errorf("%s: deleted=%v after %d", tt.name, gone, r.Status)
			}
		}
	}
}

// TestLocationDecisions applies the basic location permissions.
func TestLocationDecisions(t *testing.T) {
	a := api.New(exampleCatalog(t))
	everyone := caller{t, a, nil}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: remote%s\nspec:\n  type: service\n  lifecycle: production\n  owner: team-platform\n", strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/"), ".yaml"))
	}))
	defer srv.Close()
	if r := everyone.do("POST", "/locations", "", `{"type":"url","target":"`+srv.URL+`/one.yaml"}`); r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	var id string
	for _, l := range ok[[]struct{ Data struct{ ID string } }](t, everyone.get("/locations", "")) {
		id = l.Data.ID
	}
	if id == "" {
		t.Fatal("no location registered")
	}
	routes := []struct {
		perm                  string
		method, path, q, body string
	}{
		{"catalog.location.read", "GET", "/locations", "", ""},
		{"catalog.location.read", "GET", "/locations/" + id, "", ""},
		{"catalog.location.read", "GET", "/locations/by-entity/component/default/checkout-service", "", ""},
		{"catalog.location.create", "POST", "/locations", "dryRun=true", `{"type":"url","target":"` + srv.URL + `/two.yaml"}`},
		{"catalog.location.create", "POST", "/locations", "", `{"type":"url","target":"` + srv.URL + `/three.yaml"}`},
		{"catalog.location.delete", "DELETE", "/locations/" + id, "", ""},
	}
	for _, rt := range routes {
		for _, d := range []struct {
			name   string
			d      permission.Decision
			status int
		}{
			{"deny", deny, 403},
			{"conditional", conditional(t, ownedByPayments), 500},
		} {
			c := caller{t, a, policy{rt.perm: d.d}.authorize}
			r := c.do(rt.method, rt.path, rt.q, rt.body)
			if r.Status != d.status {
				t.Errorf("%s %s under %s %s: %d %s", rt.method, rt.path, d.name, rt.perm, r.Status, r.Body)
			}
			if d.status == 403 && (errorName(t, r) != "NotAllowedError" || !strings.Contains(string(r.Body), rt.perm)) {
				t.Errorf("%s %s: %s", rt.method, rt.path, r.Body)
			}
		}
		// The other location permissions do not matter to this route.
		others := policy{}
		for _, p := range []string{"catalog.location.read", "catalog.location.create", "catalog.location.delete"} {
			if p != rt.perm {
				others[p] = deny
			}
		}
		if r := (caller{t, a, others.authorize}).do(rt.method, rt.path, rt.q, rt.body); r.Status == 403 {
			t.Errorf("%s %s is refused by another permission: %s", rt.method, rt.path, r.Body)
		}
	}
}

// TestAuthorizerFailures: a failing Authorizer or a decision the catalog cannot apply
// fails the request (500) with a message that names the problem; nothing is served.
func TestAuthorizerFailures(t *testing.T) {
	a := api.New(exampleCatalog(t))
	failing := func(context.Context, permission.Permission) (permission.Decision, error) {
		return permission.Decision{}, errors.New("policy not loaded")
	}
	tests := []struct {
		name string
		auth api.Authorizer
		want string
	}{
		{"authorizer error", failing, "catalog: decide catalog.entity.read: policy not loaded"},
		{"bad rule", policy{"catalog.entity.read": conditional(t, `{"rule":"IS_OWNER","params":{}}`)}.authorize, `catalog: apply the catalog.entity.read decision: conditions: unknown rule "IS_OWNER"`},
		{"bad params", policy{"catalog.entity.read": conditional(t, `{"not":{"rule":"HAS_LABEL","params":{"lable":"x"}}}`)}.authorize, `conditions.not: rule HAS_LABEL: params: unknown param "lable"`},
	}
	for _, tt := range tests {
		r := caller{t, a, tt.auth}.get("/entities", "")
		var body struct {
			Error struct{ Name, Message string }
		}
		_ = json.Unmarshal(r.Body, &body)
		if r.Status != 500 || !strings.Contains(body.Error.Message, tt.want) {
			t.Errorf("%s: %d %s, want 500 with %q", tt.name, r.Status, r.Body, tt.want)
		}
	}
}

// TestAllowEverythingServesTheSameBytes: an Authorizer that allows everything serves
// exactly what no Authorizer serves.
func TestAllowEverythingServesTheSameBytes(t *testing.T) {
	cat := exampleCatalog(t)
	a := api.New(cat)
	none, all := caller{t, a, nil}, caller{t, a, policy{}.authorize}
	uid := ok[entityJSON](t, none.get("/entities/by-name/component/default/ledger-worker", "")).Metadata.UID
	reqs := [][4]string{
		{"GET", "/entities", "", ""},
		{"GET", "/entities", "filter=kind=component&fields=metadata.name&limit=2", ""},
		{"GET", "/entities/by-query", "filter=kind=api&limit=2&orderField=metadata.name,desc", ""},
		{"GET", "/entities/by-query", "fullTextFilterTerm=pay", ""},
		{"GET", "/entities/by-name/component/default/ledger-worker", "", ""},
		{"GET", "/entities/by-name/component/default/ledger-worker/ancestry", "", ""},
		{"GET", "/entities/by-name/component/default/nope", "", ""},
		{"GET", "/entities/by-uid/" + uid, "", ""},
		{"POST", "/entities/by-refs", "filter=kind=component", `{"entityRefs":["component:ledger-worker","api:payments-api","x:y"]}`},
		{"GET", "/entity-facets", "facet=kind&facet=spec.lifecycle&filter=kind=component", ""},
		{"GET", "/locations", "", ""},
		{"GET", "/locations/by-entity/component/default/ledger-worker", "", ""},
		{"POST", "/refresh", "", `{"entityRef":"component:default/ledger-worker"}`},
	}
	for _, q := range reqs {
		x, y := none.do(q[0], q[1], q[2], q[3]), all.do(q[0], q[1], q[2], q[3])
		if x.Status != y.Status || !bytes.Equal(x.Body, y.Body) || x.Header.Get("Link") != y.Header.Get("Link") {
			t.Errorf("%s %s?%s: without an Authorizer %d %s, with one that allows everything %d %s", q[0], q[1], q[2], x.Status, x.Body, y.Status, y.Body)
		}
	}
}
