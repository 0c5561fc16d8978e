package scorecard

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/permission"
)

// Authorizer decides catalog.entity.read for the caller of one request (the server
// makes one per request from the caller and the permission policy). nil allows all.
type Authorizer func(ctx context.Context, p permission.Permission) (permission.Decision, error)

// Request is one GET below /api/scorecards.
type Request struct {
	// Path is the path below /api/scorecards, starting with "/", still escaped.
	Path     string
	RawQuery string
	// URL is the request URL as error bodies show it.
	URL       string
	Authorize Authorizer
}

// Response is the answer: a status and a JSON body.
type Response struct {
	Status int
	Body   []byte
	// Route is the template of the route that served the request, for metrics.
	Route string
}

// API serves /api/scorecards (docs in host/internal/openapi/docs/scorecards.yaml):
//
//	GET /definitions                         every scorecard, with counts by level
//	GET /definitions/:id                     one scorecard
//	GET /definitions/:id/results             its entities' results (level, owner, system, rule, failing, limit, offset)
//	GET /definitions/:id/trend               its trend: counts by level over time
//	GET /entities/:kind/:namespace/:name     one entity's results on every scorecard, and its facts
//
// The caller sees only the entities its catalog.entity.read decision lets it read.
type API struct {
	Engine  *Engine
	Catalog *catalog.Catalog
}

// Page limits of GET .../results.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// Serve answers one request.
func (a *API) Serve(ctx context.Context, r *Request) *Response {
	q, err := url.ParseQuery(r.RawQuery)
	if err != nil {
		return errorResponse(r, 400, "InputError", "Invalid query string: "+err.Error())
	}
	segs := strings.Split(strings.Trim(r.Path, "/"), "/")
	for i, s := range segs {
		if segs[i], err = url.PathUnescape(s); err != nil {
			return errorResponse(r, 400, "InputError", fmt.Sprintf("Invalid path segment %q", s))
		}
	}
	switch {
	case len(segs) == 1 && segs[0] == "definitions":
		return jsonResponse("/definitions", map[string]any{"items": a.Engine.Scorecards()})
	case len(segs) == 2 && segs[0] == "definitions":
		s, ok := a.Engine.Scorecard(segs[1])
		if !ok {
			return notFound(r, segs[1])
		}
		return jsonResponse("/definitions/:id", s)
	case len(segs) == 3 && segs[0] == "definitions" && segs[2] == "results":
		return a.results(ctx, r, segs[1], q)
	case len(segs) == 3 && segs[0] == "definitions" && segs[2] == "trend":
		if _, ok := a.Engine.Scorecard(segs[1]); !ok {
			return notFound(r, segs[1])
		}
		tr, err := a.Engine.Trend(segs[1])
		if err != nil {
			return errorResponse(r, 500, "Error", err.Error())
		}
		return jsonResponse("/definitions/:id/trend", map[string]any{"items": tr})
	case len(segs) == 4 && segs[0] == "entities":
		key := strings.ToLower(segs[1] + ":" + segs[2] + "/" + segs[3])
		visible, err := a.visible(ctx, r)
		if err != nil {
			return errorResponse(r, 500, "Error", err.Error())
		}
		if visible != nil && !visible([]string{key})[0] {
			return errorResponse(r, 404, "NotFoundError", fmt.Sprintf("No entity named %s:%s/%s found", segs[1], segs[2], segs[3]))
		}
		items := a.Engine.Entity(key)
		if items == nil {
			items = []EntityResult{}
		}
		facts := a.Engine.Facts(key)
		if facts == nil {
			facts = []Published{}
		}
		return jsonResponse("/entities/:kind/:namespace/:name", map[string]any{"items": items, "facts": facts})
	}
	return errorResponse(r, 404, "NotFoundError", "No route for "+r.Path+"; see /api/scorecards/openapi.json")
}

func (a *API) results(ctx context.Context, r *Request, id string, q url.Values) *Response {
	var sel Query
	if q.Has("level") {
		l := q.Get("level")
		sel.Level = &l
	}
	sel.Owner, sel.System, sel.Rule = q.Get("owner"), q.Get("system"), q.Get("rule")
	if f := q.Get("failing"); f != "" {
		b, err := strconv.ParseBool(f)
		if err != nil {
			return errorResponse(r, 400, "InputError", fmt.Sprintf("Invalid failing %q, must be true or false", f))
		}
		if sel.Rule == "" {
			return errorResponse(r, 400, "InputError", "failing needs a rule: ?rule=<rule id>&failing=true")
		}
		sel.Failing = b
	}
	limit, offset := defaultLimit, 0
	for _, p := range []struct {
		name string
		to   *int
		max  int
	}{{"limit", &limit, maxLimit}, {"offset", &offset, 1 << 30}} {
		if s := q.Get(p.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n > p.max {
				return errorResponse(r, 400, "InputError", fmt.Sprintf("Invalid %s %q, must be a whole number from 0 to %d", p.name, s, p.max))
			}
			*p.to = n
		}
	}
	visible, err := a.visible(ctx, r)
	if err != nil {
		return errorResponse(r, 500, "Error", err.Error())
	}
	sel.Visible = visible
	res, ok := a.Engine.Results(id, sel)
	if !ok {
		return notFound(r, id)
	}
	total := len(res)
	res = res[min(offset, total):min(offset+limit, total)]
	if res == nil {
		res = []*Result{}
	}
	return jsonResponse("/definitions/:id/results", map[string]any{"items": res, "totalItems": total})
}

// visible is the caller's catalog.entity.read decision over entity keys; nil when it
// may read every entity.
func (a *API) visible(ctx context.Context, r *Request) (func([]string) []bool, error) {
	if r.Authorize == nil || a.Catalog == nil {
		return nil, nil
	}
	d, err := r.Authorize(ctx, permission.CatalogEntityRead)
	if err != nil {
		return nil, fmt.Errorf("scorecards: decide %s: %w", permission.CatalogEntityRead.Name, err)
	}
	x, err := catalog.DecisionExpr(d)
	if err != nil {
		return nil, fmt.Errorf("scorecards: apply the %s decision: %w", permission.CatalogEntityRead.Name, err)
	}
	if x.All() {
		return nil, nil
	}
	return a.Catalog.Within(x).Has, nil
}

func notFound(r *Request, id string) *Response {
	return errorResponse(r, 404, "NotFoundError", fmt.Sprintf("No scorecard %q; GET /api/scorecards/definitions lists them", id))
}

func jsonResponse(route string, v any) *Response {
	b, err := json.Marshal(v)
	if err != nil {
		return &Response{Status: 500, Body: []byte(`{"error":{"name":"Error","message":"encode"}}`), Route: route}
	}
	return &Response{Status: 200, Body: b, Route: route}
}

// errorResponse is Backstage's error body.
func errorResponse(r *Request, status int, name, msg string) *Response {
	u := r.URL
	if u == "" {
		u = "/api/scorecards" + r.Path
	}
	b, _ := json.Marshal(map[string]any{
		"error":    map[string]string{"name": name, "message": msg},
		"request":  map[string]string{"method": http.MethodGet, "url": u},
		"response": map[string]int{"statusCode": status},
	})
	return &Response{Status: status, Body: b}
}
