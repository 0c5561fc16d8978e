package catalog

import (
	"context"
	"encoding/json"
	"errors"
)

// HostCall serves the catalog host functions of abi/SPEC.md section 3.3 on raw JSON:
// name is catalog_get, catalog_query, catalog_facets or catalog_apply; request is the
// guest's JSON request; the result is the value to put under "result". plugin names the
// calling plugin (the entity provider name for catalog_apply); kinds, when non-empty,
// narrows what it may read (a narrowed catalog.read grant). The capability check itself
// belongs to the caller. Errors are *Error; ABICode maps them to ABI error codes.
func (c *Catalog) HostCall(ctx context.Context, name string, request []byte, plugin string, kinds []string) (json.RawMessage, error) {
	switch name {
	case "catalog_get":
		var req struct {
			Ref string `json:"ref"`
		}
		if err := strictJSON(request, &req); err != nil {
			return nil, err
		}
		e, err := c.GetEntity(req.Ref, kinds)
		if err != nil {
			return nil, err
		}
		if e == nil {
			return json.RawMessage("null"), nil
		}
		return e, nil
	case "catalog_query":
		var req PluginQuery
		if err := strictJSON(request, &req); err != nil {
			return nil, err
		}
		res, err := c.QueryEntities(req, kinds)
		if err != nil {
			return nil, err
		}
		return json.Marshal(res)
	case "catalog_facets":
		var req struct {
			Facets []string `json:"facets"`
			Filter []string `json:"filter"`
		}
		if err := strictJSON(request, &req); err != nil {
			return nil, err
		}
		f, err := c.QueryFacets(req.Facets, req.Filter, kinds)
		if err != nil {
			return nil, err
		}
		return json.Marshal(map[string]any{"facets": f})
	case "catalog_apply":
		var req struct {
			Upsert []json.RawMessage `json:"upsert"`
			Delete []string          `json:"delete"`
		}
		if err := strictJSON(request, &req); err != nil {
			return nil, err
		}
		if err := c.ApplyProvider(ctx, plugin, req.Upsert, req.Delete); err != nil {
			return nil, err
		}
		return json.RawMessage("{}"), nil
	}
	return nil, inputErr("unknown catalog host function %q", name)
}

func strictJSON(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return inputErr("malformed request: %v", err)
	}
	return nil
}

// ABICode maps an error to an ABI error code (abi/SPEC.md section 8).
func ABICode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		switch e.Name {
		case "InputError":
			return "invalid_argument"
		case "NotFoundError":
			return "not_found"
		case "ConflictError":
			return "conflict"
		case "NotAllowedError":
			return "capability_denied"
		}
	}
	return "internal"
}
