package permission

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"greenroom.dev/greenroom/host/internal/identity"
)

// Request is one HTTP request to the permission API (mounted at /api/permission).
type Request struct {
	Method string
	// Path is the path below the mount point, starting with "/" ("/authorize").
	Path string
	Body []byte
	// URL is the request URL as error bodies show it (request.url); defaults to Path.
	URL string
}

// Response is the answer to a Request.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// ResourceResolver settles a CONDITIONAL decision for one resource: it reports whether
// the resource ref (an entity ref for catalog-entity) of resourceType matches the
// criteria (Backstage's apply-conditions). A resource that does not exist does not
// match (false, nil); an error is for a resource type it does not know or a failure.
type ResourceResolver func(resourceType, ref string, c Criteria) (bool, error)

// API serves Backstage's permission routes and RHDH's read-only RBAC views:
//
//	GET  /health                            {"status":"ok"}
//	POST /authorize                         {items:[{id, permission, resourceRef?}]} -> {items:[{id, result, ...}]}
//	GET  /roles, /roles/:kind/:ns/:name     [{memberReferences, name, metadata:{source}}]
//	GET  /policies, /policies/:kind/:ns/:name [{entityReference, permission, policy, effect, metadata:{source}}]
//
// The views need policy.entity.read (admins have it). The server decides who the caller
// is; /health needs no credentials.
type API struct {
	engine  *Engine
	resolve ResourceResolver
}

// NewAPI serves the engine's policy; resolve settles conditional decisions for items
// with a resourceRef (nil: such items are an error).
func NewAPI(e *Engine, resolve ResourceResolver) *API { return &API{engine: e, resolve: resolve} }

// apiError is an error with Backstage's error name.
type apiError struct{ name, msg string }

func (e *apiError) Error() string { return e.msg }

func inputError(format string, a ...any) error {
	return &apiError{"InputError", fmt.Sprintf(format, a...)}
}

var statusByName = map[string]int{
	"InputError": 400, "AuthenticationError": 401, "NotAllowedError": 403, "NotFoundError": 404,
	"NotImplementedError": 501,
}

// Serve handles one request from caller.
func (a *API) Serve(caller identity.Principal, r *Request) *Response {
	resp, err := a.route(caller, r)
	if err != nil {
		return errorResponse(r, err)
	}
	return resp
}

func (a *API) route(caller identity.Principal, r *Request) (*Response, error) {
	segs := strings.Split(strings.Trim(r.Path, "/"), "/")
	for i, s := range segs {
		d, err := url.PathUnescape(s)
		if err != nil {
			return nil, inputError("Invalid path segment %q: %v", s, err)
		}
		segs[i] = d
	}
	get := r.Method == http.MethodGet
	switch {
	case len(segs) == 1 && segs[0] == "health" && get:
		return jsonValue(http.StatusOK, map[string]string{"status": "ok"}), nil
	case len(segs) == 1 && segs[0] == "authorize" && r.Method == http.MethodPost:
		return a.authorize(caller, r)
	case (segs[0] == "roles" || segs[0] == "policies") && (len(segs) == 1 || len(segs) == 4):
		if !get {
			return nil, &apiError{"NotImplementedError", fmt.Sprintf("Greenroom's RBAC policy is edited in its files (permission.rbac.policies-csv-file and conditionalPoliciesFile), not through the REST API; %s %s is not supported", r.Method, r.Path)}
		}
		return a.view(caller, segs)
	}
	return nil, &apiError{"NotFoundError", fmt.Sprintf("No route for %s %s", r.Method, r.Path)}
}

// authorizeItem is one item of an authorize request, with pointers to tell a missing
// field from an empty one.
type authorizeItem struct {
	ID          *string `json:"id"`
	ResourceRef *string `json:"resourceRef"`
	Permission  *struct {
		Type         *string `json:"type"`
		Name         *string `json:"name"`
		ResourceType *string `json:"resourceType"`
		Attributes   *struct {
			Action *string `json:"action"`
		} `json:"attributes"`
	} `json:"permission"`
}

type authorizeResult struct {
	ID string `json:"id"`
	Decision
}

func (a *API) authorize(caller identity.Principal, r *Request) (*Response, error) {
	if caller.Type == identity.Service {
		return nil, &apiError{"NotAllowedError", "This endpoint does not allow 'service' credentials"}
	}
	var body struct {
		Items *[]json.RawMessage `json:"items"`
	}
	if err := decodeJSON(r.Body, &body, ""); err != nil {
		return nil, err
	}
	if body.Items == nil {
		return nil, inputError("Invalid request body: items: required, a list of {id, permission, resourceRef?}")
	}
	perms := make([]Permission, len(*body.Items))
	ids := make([]string, len(perms))
	refs := make([]*string, len(perms))
	for i, raw := range *body.Items {
		at := fmt.Sprintf("items[%d]", i)
		var it authorizeItem
		if err := decodeJSON(raw, &it, at+"."); err != nil {
			return nil, err
		}
		switch {
		case it.ID == nil:
			return nil, inputError("Invalid request body: %s.id: required", at)
		case it.Permission == nil:
			return nil, inputError("Invalid request body: %s.permission: required", at)
		case it.Permission.Type == nil || (*it.Permission.Type != string(Basic) && *it.Permission.Type != string(Resource)):
			return nil, inputError("Invalid request body: %s.permission.type: must be basic or resource", at)
		case it.Permission.Name == nil:
			return nil, inputError("Invalid request body: %s.permission.name: required", at)
		case it.Permission.Attributes == nil:
			return nil, inputError("Invalid request body: %s.permission.attributes: required (an object, {} when the permission has no action)", at)
		case *it.Permission.Type == string(Resource) && it.Permission.ResourceType == nil:
			return nil, inputError("Invalid request body: %s.permission.resourceType: required for a resource permission", at)
		}
		perm := Permission{Type: Type(*it.Permission.Type), Name: *it.Permission.Name}
		if act := it.Permission.Attributes.Action; act != nil {
			switch *act {
			case Create, Read, Update, Delete:
				perm.Attributes.Action = *act
			default:
				return nil, inputError("Invalid request body: %s.permission.attributes.action: %q is not create, read, update or delete", at, *act)
			}
		}
		if perm.Type == Resource {
			perm.ResourceType = *it.Permission.ResourceType
		}
		perms[i], ids[i], refs[i] = perm, *it.ID, it.ResourceRef
	}
	decisions := a.engine.DecideBatch(caller, perms)
	out := make([]authorizeResult, len(decisions))
	for i, d := range decisions {
		if d.Result == Conditional && refs[i] != nil {
			if a.resolve == nil {
				return nil, fmt.Errorf("cannot apply the conditions of %s to %s: nothing resolves resources of type %s", perms[i].Name, *refs[i], d.ResourceType)
			}
			ok, err := a.resolve(d.ResourceType, *refs[i], *d.Conditions)
			if err != nil {
				return nil, fmt.Errorf("apply the conditions of %s to %s: %w", perms[i].Name, *refs[i], err)
			}
			d = deny
			if ok {
				d = allow
			}
		}
		out[i] = authorizeResult{ID: ids[i], Decision: d}
	}
	return jsonValue(http.StatusOK, map[string]any{"items": out}), nil
}

// decodeJSON decodes a JSON object, naming the field of a type error (prefix places it).
func decodeJSON(b []byte, v any, prefix string) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return inputError("Invalid request body: expected a JSON object")
	}
	if err := json.Unmarshal(b, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			where := prefix + te.Field
			if where == "" {
				return inputError("Invalid request body: expected a JSON object, got %s", te.Value)
			}
			return inputError("Invalid request body: %s: expected %s, got %s", strings.TrimSuffix(where, "."), jsonKind(te.Type.String()), te.Value)
		}
		return inputError("Invalid request body: %v", err)
	}
	return nil
}

func jsonKind(goType string) string {
	switch {
	case strings.HasSuffix(goType, "string"):
		return "a string"
	case strings.Contains(goType, "[]"):
		return "a list"
	}
	return "an object"
}

// The views' shapes (RHDH's REST API).
type roleJSON struct {
	MemberReferences []string     `json:"memberReferences"`
	Name             string       `json:"name"`
	Metadata         metadataJSON `json:"metadata"`
}

type metadataJSON struct {
	Source string `json:"source"`
}

type policyJSON struct {
	EntityReference string       `json:"entityReference"`
	Permission      string       `json:"permission"`
	Policy          string       `json:"policy"`
	Effect          string       `json:"effect"`
	Metadata        metadataJSON `json:"metadata"`
}

func (a *API) view(caller identity.Principal, segs []string) (*Response, error) {
	p := a.engine.Policy()
	if d := p.Decide(caller, PolicyEntityRead); d.Result != Allow {
		if !caller.Authenticated() {
			return nil, &apiError{"AuthenticationError", "Missing credentials"}
		}
		return nil, &apiError{"NotAllowedError", fmt.Sprintf("%s may not read the RBAC policy (%s)", caller.Name(), PolicyEntityRead.Name)}
	}
	ref := ""
	if len(segs) == 4 {
		ref = strings.ToLower(segs[1] + ":" + segs[2] + "/" + segs[3])
	}
	if segs[0] == "roles" {
		out := []roleJSON{}
		for _, r := range p.roles {
			if ref == "" || r.Name == ref {
				out = append(out, roleJSON{MemberReferences: r.Members, Name: r.Name, Metadata: metadataJSON{r.Source}})
			}
		}
		if ref != "" && len(out) == 0 {
			return nil, &apiError{"NotFoundError", fmt.Sprintf("role %s not found", ref)}
		}
		return jsonValue(http.StatusOK, out), nil
	}
	out := []policyJSON{}
	for _, l := range p.policies {
		if ref == "" || l.Subject == ref {
			out = append(out, policyJSON{EntityReference: l.Subject, Permission: l.Object, Policy: l.Action, Effect: l.Effect, Metadata: metadataJSON{l.Source}})
		}
	}
	if ref != "" && len(out) == 0 {
		return nil, &apiError{"NotFoundError", fmt.Sprintf("no policies for %s", ref)}
	}
	return jsonValue(http.StatusOK, out), nil
}

// errorResponse builds Backstage's error body.
func errorResponse(r *Request, err error) *Response {
	name, msg := "Error", err.Error()
	var ae *apiError
	if errors.As(err, &ae) {
		name, msg = ae.name, ae.msg
	}
	status, ok := statusByName[name]
	if !ok {
		status = http.StatusInternalServerError
	}
	u := r.URL
	if u == "" {
		u = r.Path
	}
	return jsonValue(status, map[string]any{
		"error":    map[string]string{"name": name, "message": msg},
		"request":  map[string]string{"method": r.Method, "url": u},
		"response": map[string]int{"statusCode": status},
	})
}

func jsonValue(status int, v any) *Response {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	if err := enc.Encode(v); err != nil {
		return &Response{Status: http.StatusInternalServerError, Header: h, Body: []byte(`{"error":{"name":"Error","message":"encoding failed"},"response":{"statusCode":500}}`)}
	}
	return &Response{Status: status, Header: h, Body: bytes.TrimRight(buf.Bytes(), "\n")}
}
