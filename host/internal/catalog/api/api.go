// Package api serves Backstage's catalog REST API (mounted at /api/catalog) over the
// catalog, without an HTTP framework: the server turns each request into a Request and
// writes the Response back. Routes, parameters, response shapes, status codes and error
// bodies follow @backstage/plugin-catalog-backend, so @backstage/catalog-client works.
//
// # Permissions
//
// A Request carries the caller's Authorizer, which the server builds from the request's
// principal and the permission policy; the API asks it for the catalog's permissions a
// route needs, and applies the decisions as Backstage's catalog does:
//
//   - catalog.entity.read, on every route that reads entities: the read goes through
//     the caller's catalog.View, so an entity outside the decision is absent from lists
//     (and their totals), facets, by-refs (null), by-name and by-uid (404), and
//     locations/by-entity (404); ancestry answers 403 for such an entity and leaves out
//     ancestors outside it. A CONDITIONAL decision is evaluated inside the index with
//     the request's filter, on every page of a cursor.
//   - catalog.entity.delete (DELETE /entities/by-uid/:uid) and catalog.entity.refresh
//     (POST /refresh): DENY, or a CONDITIONAL decision that does not match the entity,
//     is 403 NotAllowedError. The entity must also be readable.
//   - catalog.location.read (GET /locations, /locations/:id, /locations/by-entity/...),
//     catalog.location.create (POST /locations) and catalog.location.delete (DELETE
//     /locations/:id) are basic permissions: anything but ALLOW is 403.
//
// Without an Authorizer every permission is allowed, and the API serves what it served
// before permissions existed, byte for byte.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/catalog/model"
	"greenroom.dev/greenroom/host/internal/permission"
	"greenroom.dev/greenroom/host/internal/route"
)

// Authorizer decides one of the catalog's permissions (permission.CatalogEntityRead,
// ...Delete, ...Refresh, CatalogLocationRead, ...Create, ...Delete) for the caller of
// one request. The server makes one per request from the caller's principal and the
// permission policy. An error fails the request (500) rather than allowing it.
type Authorizer func(ctx context.Context, p permission.Permission) (permission.Decision, error)

// Request is one HTTP request to the catalog API.
type Request struct {
	Method string
	// Path is the path below the mount point, starting with "/" (for example
	// "/entities/by-name/component/default/web"), still percent-encoded.
	Path string
	// Query holds the decoded query parameters.
	Query url.Values
	// RawQuery is the query string, used to build link headers when Query is nil.
	RawQuery string
	Header   http.Header
	Body     []byte
	// URL is the request URL as shown in error bodies (request.url); defaults to
	// Path?RawQuery.
	URL string
	// Authorize decides the caller's catalog permissions (see the package doc); nil
	// allows everything.
	Authorize Authorizer
	// Route is set by Serve to the template of the route that served the request
	// (/entities/by-name/:kind/:namespace/:name), "" when none did: a bounded label for
	// the host's metrics.
	Route string
}

// Response is the answer to a Request.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// API serves the routes.
type API struct {
	cat *catalog.Catalog
	// computed answers filter keys other parts compute (SetComputedFilter).
	computed map[string]ComputedFilter
}

// New returns the API over a catalog.
func New(c *catalog.Catalog) *API { return &API{cat: c} }

// Serve handles one request.
func (a *API) Serve(ctx context.Context, r *Request) *Response {
	if r.Query == nil {
		q, err := url.ParseQuery(r.RawQuery)
		if err != nil {
			return errorResponse(r, &catalog.Error{Name: "InputError", Message: "Invalid query string: " + err.Error()})
		}
		r.Query = q
	}
	if r.Header == nil {
		r.Header = http.Header{}
	}
	if err := checkPath(r.Path); err != nil {
		return errorResponse(r, &catalog.Error{Name: "InputError", Message: err.Error()})
	}
	if fs, ok := r.Query["filter"]; ok && len(a.computed) > 0 {
		rewritten, err := a.rewriteFilters(fs)
		if err != nil {
			return errorResponse(r, err)
		}
		r.Query["filter"] = rewritten
	}
	resp, err := a.route(ctx, r)
	if err != nil {
		return errorResponse(r, err)
	}
	return resp
}

// checkPath checks that every segment of a path percent-decodes.
func checkPath(p string) error {
	if strings.IndexByte(p, '%') < 0 {
		return nil
	}
	for _, s := range strings.Split(strings.Trim(p, "/"), "/") {
		if _, err := url.PathUnescape(s); err != nil {
			return fmt.Errorf("Invalid path segment %q: %v", s, err)
		}
	}
	return nil
}

// handler serves one route; params are the route's :params, percent-decoded.
type handler func(a *API, ctx context.Context, r *Request, params route.Params) (*Response, error)

// routes is the API: Backstage's catalog routes, in the order that a not-found error
// lists them. Path segments match percent-decoded; a :param matches one non-empty
// segment, so a path with a missing or empty segment is not found, as in Express.
var routes = func() *route.Table[handler] {
	t := &route.Table[handler]{Decode: true}
	t.MustAdd("GET", "/entities", (*API).getEntities)
	t.MustAdd("GET", "/entities/by-query", (*API).queryEntities)
	t.MustAdd("GET", "/entities/by-uid/:uid", (*API).byUID)
	t.MustAdd("DELETE", "/entities/by-uid/:uid", (*API).deleteByUID)
	t.MustAdd("GET", "/entities/by-name/:kind/:namespace/:name", (*API).byName)
	t.MustAdd("GET", "/entities/by-name/:kind/:namespace/:name/ancestry", (*API).ancestry)
	t.MustAdd("POST", "/entities/by-refs", (*API).byRefs)
	t.MustAdd("GET", "/entity-facets", (*API).facets)
	t.MustAdd("GET", "/locations", (*API).locations)
	t.MustAdd("POST", "/locations", (*API).addLocation)
	t.MustAdd("GET", "/locations/:id", (*API).locationByID)
	t.MustAdd("DELETE", "/locations/:id", (*API).deleteLocation)
	t.MustAdd("GET", "/locations/by-entity/:kind/:namespace/:name", (*API).locationByEntity)
	t.MustAdd("POST", "/refresh", (*API).refresh)
	t.MustAdd("POST", "/validate-entity", (*API).validateEntity)
	t.MustAdd("POST", "/analyze-location", (*API).analyzeLocation)
	return t
}()

// route serves r through the route table. A path that no route has is not found,
// whatever the method (404, naming the routes of the family the client meant); a
// route with another method is not allowed (403, as Backstage's catalog answers).
func (a *API) route(ctx context.Context, r *Request) (*Response, error) {
	// No buffer: the handler call takes the params to the heap anyway, and a route
	// without params then allocates nothing.
	rt, params, out := routes.Lookup(r.Method, strings.Trim(r.Path, "/"), nil)
	switch out {
	case route.Found:
		r.Route = rt.Pattern.String()
		return rt.Handler(a, ctx, r, params)
	case route.WrongMethod:
		return nil, &catalog.Error{Name: "NotAllowedError", Message: fmt.Sprintf("Method %s is not allowed on %s", r.Method, r.Path)}
	}
	var like []string
	s := decodedSegments(r.Path)
	for _, rt := range routes.Routes() {
		if near(rt.Pattern.Segments(), s) {
			like = append(like, rt.Method+" "+rt.Pattern.String())
		}
	}
	msg := fmt.Sprintf("No route for %s %s", r.Method, r.Path)
	if len(like) > 0 {
		msg += "; the routes here are " + strings.Join(like, ", ")
	}
	return nil, notFound("%s", msg)
}

// decide returns the set of entities the caller's decision for a catalog-entity
// permission covers (every entity without an Authorizer).
func (a *API) decide(ctx context.Context, r *Request, p permission.Permission) (catalog.Expr, error) {
	if r.Authorize == nil {
		return catalog.Expr{}, nil
	}
	d, err := r.Authorize(ctx, p)
	if err != nil {
		return catalog.Expr{}, fmt.Errorf("catalog: decide %s: %w", p.Name, err)
	}
	x, err := catalog.DecisionExpr(d)
	if err != nil {
		return catalog.Expr{}, fmt.Errorf("catalog: apply the %s decision: %w", p.Name, err)
	}
	return x, nil
}

// view is the catalog as the caller may read it (catalog.entity.read).
func (a *API) view(ctx context.Context, r *Request) (catalog.View, error) {
	x, err := a.decide(ctx, r, permission.CatalogEntityRead)
	return a.cat.Within(x), err
}

// allow checks a basic permission: DENY is a NotAllowedError, and a CONDITIONAL
// decision (which a basic permission cannot have) fails the request.
func (a *API) allow(ctx context.Context, r *Request, p permission.Permission) error {
	if r.Authorize == nil {
		return nil
	}
	d, err := r.Authorize(ctx, p)
	if err != nil {
		return fmt.Errorf("catalog: decide %s: %w", p.Name, err)
	}
	switch d.Result {
	case permission.Allow:
		return nil
	case permission.Deny:
		return &catalog.Error{Name: "NotAllowedError", Message: fmt.Sprintf("You may not %s locations (%s)", p.Attributes.Action, p.Name)}
	}
	return fmt.Errorf("catalog: the decision for %s is %q; a basic permission is ALLOW or DENY", p.Name, d.Result)
}

// decodedSegments splits a path that checkPath accepted into percent-decoded segments.
func decodedSegments(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if d, err := url.PathUnescape(s); err == nil {
			segs[i] = d
		}
	}
	return segs
}

// near reports whether a route's segments share the first two segments of s (the
// route family a client meant, for the hint of a not-found error).
func near(parts, s []string) bool {
	if len(s) < 2 || len(parts) < 2 || parts[0] != s[0] {
		return false
	}
	return parts[1] == s[1] || strings.HasPrefix(parts[1], ":")
}

// --- GET /entities/by-uid/:uid, DELETE /entities/by-uid/:uid

func (a *API) byUID(ctx context.Context, r *Request, p route.Params) (*Response, error) {
	v, err := a.view(ctx, r)
	if err != nil {
		return nil, err
	}
	b := v.ByUID(p.Get("uid"))
	if b == nil {
		return nil, notFound("No entity with uid %s", p.Get("uid"))
	}
	return jsonBytes(http.StatusOK, b), nil
}

func (a *API) deleteByUID(ctx context.Context, r *Request, p route.Params) (*Response, error) {
	v, err := a.view(ctx, r)
	if err != nil {
		return nil, err
	}
	may, err := a.decide(ctx, r, permission.CatalogEntityDelete)
	if err != nil {
		return nil, err
	}
	if err := v.DeleteByUID(ctx, p.Get("uid"), may); err != nil {
		return nil, err
	}
	return &Response{Status: http.StatusNoContent, Header: http.Header{}}, nil
}

// --- GET /entities/by-name/:kind/:namespace/:name[/ancestry]

func (a *API) byName(ctx context.Context, r *Request, p route.Params) (*Response, error) {
	v, err := a.view(ctx, r)
	if err != nil {
		return nil, err
	}
	b := v.ByName(p.Get("kind"), p.Get("namespace"), p.Get("name"))
	if b == nil {
		return nil, noEntity(p)
	}
	return jsonBytes(http.StatusOK, b), nil
}

func (a *API) ancestry(ctx context.Context, r *Request, p route.Params) (*Response, error) {
	v, err := a.view(ctx, r)
	if err != nil {
		return nil, err
	}
	root, items, err := v.Ancestry(p.Get("kind"), p.Get("namespace"), p.Get("name"))
	if err != nil {
		return nil, err
	}
	return jsonValue(http.StatusOK, map[string]any{"rootEntityRef": root, "items": items}), nil
}

func noEntity(p route.Params) error {
	return notFound("No entity named '%s' found, with kind '%s' in namespace '%s'", p.Get("name"), p.Get("kind"), p.Get("namespace"))
}

// --- GET /locations, GET /locations/:id, DELETE /locations/:id,
// GET /locations/by-entity/:kind/:namespace/:name

func (a *API) locations(ctx context.Context, r *Request, _ route.Params) (*Response, error) {
	if err := a.allow(ctx, r, permission.CatalogLocationRead); err != nil {
		return nil, err
	}
	locs := a.cat.Locations()
	out := make([]map[string]any, len(locs))
	for i, l := range locs {
		out[i] = map[string]any{"data": l}
	}
	return jsonValue(http.StatusOK, out), nil
}

func (a *API) locationByID(ctx context.Context, r *Request, p route.Params) (*Response, error) {
	if err := a.allow(ctx, r, permission.CatalogLocationRead); err != nil {
		return nil, err
	}
	l, err := a.cat.LocationByID(p.Get("id"))
	if err != nil {
		return nil, err
	}
	return jsonValue(http.StatusOK, l), nil
}

func (a *API) deleteLocation(ctx context.Context, r *Request, p route.Params) (*Response, error) {
	if err := a.allow(ctx, r, permission.CatalogLocationDelete); err != nil {
		return nil, err
	}
	if err := a.cat.DeleteLocation(ctx, p.Get("id")); err != nil {
		return nil, err
	}
	return &Response{Status: http.StatusNoContent, Header: http.Header{}}, nil
}

func (a *API) locationByEntity(ctx context.Context, r *Request, p route.Params) (*Response, error) {
	if err := a.allow(ctx, r, permission.CatalogLocationRead); err != nil {
		return nil, err
	}
	v, err := a.view(ctx, r)
	if err != nil {
		return nil, err
	}
	l, err := v.LocationByEntity(p.Get("kind"), p.Get("namespace"), p.Get("name"))
	if err != nil {
		return nil, err
	}
	return jsonValue(http.StatusOK, l), nil
}

// --- POST /refresh

func (a *API) refresh(ctx context.Context, r *Request, _ route.Params) (*Response, error) {
	var body struct {
		EntityRef          *string `json:"entityRef"`
		AuthorizationToken string  `json:"authorizationToken"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if body.EntityRef == nil || *body.EntityRef == "" {
		return nil, inputError("Invalid request body: entityRef is required (a string such as \"component:default/my-service\")")
	}
	v, err := a.view(ctx, r)
	if err != nil {
		return nil, err
	}
	may, err := a.decide(ctx, r, permission.CatalogEntityRefresh)
	if err != nil {
		return nil, err
	}
	if err := v.RefreshEntity(ctx, *body.EntityRef, may); err != nil {
		return nil, err
	}
	return &Response{Status: http.StatusOK, Header: http.Header{}}, nil
}

// --- POST /analyze-location

func (a *API) analyzeLocation(ctx context.Context, r *Request, _ route.Params) (*Response, error) {
	var body struct {
		Location *struct {
			Type   string `json:"type"`
			Target string `json:"target"`
		} `json:"location"`
		CatalogFilename string `json:"catalogFilename"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if body.Location == nil {
		return nil, inputError("Invalid request body: location is required ({type, target})")
	}
	res, err := a.cat.AnalyzeLocation(ctx, body.Location.Target, body.CatalogFilename)
	if err != nil {
		return nil, err
	}
	return jsonValue(http.StatusOK, res), nil
}

// --- GET /entities

func (a *API) getEntities(ctx context.Context, r *Request, _ route.Params) (*Response, error) {
	filter, err := catalog.ParseFilter(r.Query["filter"])
	if err != nil {
		return nil, inputError("%s", err.Error())
	}
	order, err := parseOrder(r.Query["order"])
	if err != nil {
		return nil, err
	}
	offset, limit, err := paginationParams(r.Query)
	if err != nil {
		return nil, err
	}
	if after, ok := r.Query["after"]; ok {
		if len(after) != 1 || after[0] == "" {
			return nil, inputError("Invalid after, must not be empty")
		}
		c, err := catalog.DecodeCursor(after[0])
		if err != nil {
			return nil, inputError("Invalid after, %s", err.Error())
		}
		offset = c.Offset
	}
	fields := catalog.ParseFields(r.Query["fields"])
	lim := -1
	if limit != nil {
		lim = *limit
	}
	v, err := a.view(ctx, r)
	if err != nil {
		return nil, err
	}
	body, n, total := v.SelectJSON(nil, catalog.Selection{Filter: filter, Order: order, Offset: offset, Limit: lim}, fields)
	resp := jsonBytes(http.StatusOK, body)
	if limit != nil && offset+n < total {
		q := url.Values{}
		for k, v := range r.Query {
			if k != "after" && k != "offset" {
				q[k] = v
			}
		}
		q.Set("after", catalog.EncodeCursor(catalog.Cursor{Offset: offset + n}))
		resp.Header.Set("Link", fmt.Sprintf(`<%s/entities?%s>; rel="next"`, mountPrefix(r), q.Encode()))
	}
	return resp, nil
}

// mountPrefix is the part of the request URL before Path (for example "/api/catalog").
func mountPrefix(r *Request) string {
	u := r.URL
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u = u[:i]
	}
	if strings.HasSuffix(u, r.Path) {
		return strings.TrimSuffix(u, r.Path)
	}
	return ""
}

func parseOrder(params []string) ([]catalog.OrderField, error) {
	var out []catalog.OrderField
	for _, p := range params {
		for _, item := range strings.Split(p, ",") {
			dir, field, ok := strings.Cut(item, ":")
			if !ok || field == "" || (dir != "asc" && dir != "desc") {
				return nil, inputError("Invalid order parameter \"%s\", expected \"<asc or desc>:<field name>\"", item)
			}
			out = append(out, catalog.OrderField{Field: field, Desc: dir == "desc"})
		}
	}
	return out, nil
}

func intParam(q url.Values, name string) (*int, error) {
	vals, ok := q[name]
	if !ok {
		return nil, nil
	}
	if len(vals) != 1 {
		return nil, inputError("Invalid %s, only one value is allowed", name)
	}
	n, err := strconv.Atoi(vals[0])
	if err != nil {
		return nil, inputError("Invalid %s, not an integer on the form [0-9]+ (got \"%s\")", name, vals[0])
	}
	return &n, nil
}

func paginationParams(q url.Values) (int, *int, error) {
	offset, err := intParam(q, "offset")
	if err != nil {
		return 0, nil, err
	}
	limit, err := intParam(q, "limit")
	if err != nil {
		return 0, nil, err
	}
	if offset != nil && *offset < 0 {
		return 0, nil, inputError("Invalid offset, must be zero or greater")
	}
	if limit != nil && *limit <= 0 {
		return 0, nil, inputError("Invalid limit, must be greater than zero")
	}
	o := 0
	if offset != nil {
		o = *offset
	}
	return o, limit, nil
}

// --- GET /entities/by-query

func (a *API) queryEntities(ctx context.Context, r *Request, _ route.Params) (*Response, error) {
	fields := catalog.ParseFields(r.Query["fields"])
	limitP, err := intParam(r.Query, "limit")
	if err != nil {
		return nil, err
	}
	limit := 20
	if limitP != nil {
		if *limitP < 0 {
			return nil, inputError("Invalid limit, must be zero or greater")
		}
		limit = *limitP
	}
	var sel catalog.Selection
	var cur catalog.Cursor
	if cs, ok := r.Query["cursor"]; ok {
		if len(cs) != 1 || cs[0] == "" {
			return nil, inputError("Invalid cursor, must not be empty")
		}
		cur, err = catalog.DecodeCursor(cs[0])
		if err != nil {
			return nil, inputError("Invalid cursor, %s", err.Error())
		}
		f, err := catalog.ParseFilter(cur.Filter)
		if err != nil {
			return nil, inputError("Invalid cursor, %s", err.Error())
		}
		sel = catalog.Selection{Filter: f, Order: cur.Order, FullText: cur.FullText, Offset: cur.Offset}
	} else {
		f, err := catalog.ParseFilter(r.Query["filter"])
		if err != nil {
			return nil, inputError("%s", err.Error())
		}
		for _, of := range r.Query["orderField"] {
			field, dir, _ := strings.Cut(of, ",")
			if field == "" {
				return nil, inputError("Invalid order field, expected \"<field>,<asc or desc>\" but got \"%s\"", of)
			}
			if dir == "" {
				dir = "asc"
			}
			if dir != "asc" && dir != "desc" {
				return nil, inputError("Invalid order field order, must be asc or desc")
			}
			sel.Order = append(sel.Order, catalog.OrderField{Field: field, Desc: dir == "desc"})
		}
		offset, err := intParam(r.Query, "offset")
		if err != nil {
			return nil, err
		}
		if offset != nil {
			if *offset < 0 {
				return nil, inputError("Invalid offset, must be zero or greater")
			}
			sel.Offset = *offset
		}
		sel.Filter = f
		sel.FullText.Term = strings.TrimSpace(r.Query.Get("fullTextFilterTerm"))
		for _, ff := range r.Query["fullTextFilterFields"] {
			for _, x := range strings.Split(ff, ",") {
				if x = strings.TrimSpace(x); x != "" {
					sel.FullText.Fields = append(sel.FullText.Fields, x)
				}
			}
		}
		cur = catalog.Cursor{Filter: r.Query["filter"], Order: sel.Order, FullText: sel.FullText}
	}
	sel.Limit = limit
	v, err := a.view(ctx, r)
	if err != nil {
		return nil, err
	}
	out, n, total := v.SelectJSON([]byte(`{"items":`), sel, fields)
	b := bytes.NewBuffer(out)
	b.Grow(256)
	pageInfo := map[string]string{}
	if sel.Offset+n < total && limit > 0 {
		next := cur
		next.Offset, next.TotalItems = sel.Offset+n, total
		pageInfo["nextCursor"] = catalog.EncodeCursor(next)
	}
	if sel.Offset > 0 {
		prev := cur
		prev.Offset, prev.TotalItems = max(sel.Offset-limit, 0), total
		pageInfo["prevCursor"] = catalog.EncodeCursor(prev)
	}
	fmt.Fprintf(b, `,"totalItems":%d,"pageInfo":`, total)
	pi, _ := json.Marshal(pageInfo)
	b.Write(pi)
	b.WriteByte('}')
	return jsonBytes(http.StatusOK, b.Bytes()), nil
}

// --- POST /entities/by-refs

func (a *API) byRefs(ctx context.Context, r *Request, _ route.Params) (*Response, error) {
	var body struct {
		EntityRefs *[]string `json:"entityRefs"`
		Fields     []string  `json:"fields"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if body.EntityRefs == nil {
		return nil, inputError("Invalid request body: entityRefs is required (an array of entity refs)")
	}
	filter, err := catalog.ParseFilter(r.Query["filter"])
	if err != nil {
		return nil, inputError("%s", err.Error())
	}
	keys := make([]string, len(*body.EntityRefs))
	for i, ref := range *body.EntityRefs {
		parsed, err := model.ParseRef(ref, model.RefContext{})
		if err != nil {
			return nil, inputError("%s", err.Error())
		}
		keys[i] = parsed.Key()
	}
	v, err := a.view(ctx, r)
	if err != nil {
		return nil, err
	}
	fields := catalog.ParseFields(body.Fields)
	var b bytes.Buffer
	b.WriteString(`{"items":[`)
	for i, e := range v.ByRefs(keys, filter) {
		if i > 0 {
			b.WriteByte(',')
		}
		if e == nil {
			b.WriteString("null")
			continue
		}
		b.Write(catalog.Project(e, fields))
	}
	b.WriteString("]}")
	return jsonBytes(http.StatusOK, b.Bytes()), nil
}

// --- GET /entity-facets

func (a *API) facets(ctx context.Context, r *Request, _ route.Params) (*Response, error) {
	facets := r.Query["facet"]
	if len(facets) == 0 {
		return nil, inputError("Missing facet parameter; give at least one, for example ?facet=kind")
	}
	for _, f := range facets {
		if strings.TrimSpace(f) == "" {
			return nil, inputError("Invalid facet, must not be empty")
		}
	}
	filter, err := catalog.ParseFilter(r.Query["filter"])
	if err != nil {
		return nil, inputError("%s", err.Error())
	}
	v, err := a.view(ctx, r)
	if err != nil {
		return nil, err
	}
	return jsonValue(http.StatusOK, map[string]any{"facets": v.Facets(facets, filter)}), nil
}

// --- POST /locations

func (a *API) addLocation(ctx context.Context, r *Request, _ route.Params) (*Response, error) {
	var body struct {
		Type   string `json:"type"`
		Target string `json:"target"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if body.Type == "" || body.Target == "" {
		return nil, inputError("Invalid request body: type and target are required, for example {\"type\":\"url\",\"target\":\"https://host/catalog-info.yaml\"}")
	}
	if body.Type != "url" {
		return nil, inputError("Invalid location type %q: only url locations can be registered through the API; put file locations in catalog.locations in the app config", body.Type)
	}
	if err := a.allow(ctx, r, permission.CatalogLocationCreate); err != nil {
		return nil, err
	}
	dry := false
	if v := r.Query.Get("dryRun"); v != "" {
		if v != "true" && v != "false" {
			return nil, inputError("Invalid dryRun, must be true or false")
		}
		dry = v == "true"
	}
	loc, ents, exists, err := a.cat.AddLocation(ctx, body.Type, body.Target, dry)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(`{"location":`)
	lj, _ := json.Marshal(loc)
	b.Write(lj)
	b.WriteString(`,"entities":`)
	writeItems(&b, ents, nil)
	if dry {
		fmt.Fprintf(&b, `,"exists":%t`, exists)
	}
	b.WriteByte('}')
	return jsonBytes(http.StatusCreated, b.Bytes()), nil
}

// --- POST /validate-entity

func (a *API) validateEntity(_ context.Context, r *Request, _ route.Params) (*Response, error) {
	var body struct {
		Entity   json.RawMessage `json:"entity"`
		Location *string         `json:"location"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if body.Location == nil || !strings.HasPrefix(*body.Location, "url:") {
		loc := ""
		if body.Location != nil {
			loc = *body.Location
		}
		return nil, inputError("Invalid location ref %q, only 'url:<target>' is supported, e.g. url:https://host/path", loc)
	}
	var entity map[string]any
	if len(body.Entity) == 0 || json.Unmarshal(body.Entity, &entity) != nil || entity == nil {
		return validationErrors([]error{errors.New("<root> must be object - type: object")}), nil
	}
	errs := a.cat.ValidateEntity(entity)
	if len(errs) > 0 {
		return validationErrors(errs), nil
	}
	return &Response{Status: http.StatusOK, Header: http.Header{}}, nil
}

func validationErrors(errs []error) *Response {
	out := make([]map[string]string, len(errs))
	for i, e := range errs {
		out[i] = map[string]string{"name": "InputError", "message": e.Error()}
	}
	return jsonValue(http.StatusBadRequest, map[string]any{"errors": out})
}

// --- helpers

func decodeBody(r *Request, v any) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return inputError("Content-Type missing")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return inputError("Illegal Content-Type")
	}
	if len(bytes.TrimSpace(r.Body)) == 0 {
		return inputError("Empty request body")
	}
	var probe any
	if err := json.Unmarshal(r.Body, &probe); err != nil {
		return inputError("Malformed request body (invalid JSON): %v", err)
	}
	if _, ok := probe.(map[string]any); !ok {
		return inputError("Expected a JSON object as the request body")
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		return inputError("Invalid request body: %v", err)
	}
	return nil
}

func inputError(format string, a ...any) error {
	return &catalog.Error{Name: "InputError", Message: fmt.Sprintf(format, a...)}
}

func notFound(format string, a ...any) error {
	return &catalog.Error{Name: "NotFoundError", Message: fmt.Sprintf(format, a...)}
}

var statusByName = map[string]int{
	"NotModifiedError": 304, "InputError": 400, "AuthenticationError": 401, "NotAllowedError": 403,
	"NotFoundError": 404, "ConflictError": 409, "UnsupportedMediaTypeError": 415,
	"NotImplementedError": 501, "ServiceUnavailableError": 503,
}

// errorResponse builds Backstage's error body.
func errorResponse(r *Request, err error) *Response {
	name, msg := "Error", err.Error()
	var ce *catalog.Error
	if errors.As(err, &ce) {
		name, msg = ce.Name, ce.Message
	}
	status, ok := statusByName[name]
	if !ok {
		status = http.StatusInternalServerError
	}
	u := r.URL
	if u == "" {
		u = r.Path
		if r.RawQuery != "" {
			u += "?" + r.RawQuery
		}
	}
	return jsonValue(status, map[string]any{
		"error":    map[string]string{"name": name, "message": msg},
		"request":  map[string]string{"method": r.Method, "url": u},
		"response": map[string]int{"statusCode": status},
	})
}

func jsonBytes(status int, b []byte) *Response {
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	return &Response{Status: status, Header: h, Body: b}
}

func jsonValue(status int, v any) *Response {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return jsonBytes(http.StatusInternalServerError, []byte(`{"error":{"name":"Error","message":"encoding failed"},"response":{"statusCode":500}}`))
	}
	return jsonBytes(status, bytes.TrimRight(buf.Bytes(), "\n"))
}

func writeItems(b *bytes.Buffer, items [][]byte, fields [][]string) {
	b.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(catalog.Project(it, fields))
	}
	b.WriteByte(']')
}
