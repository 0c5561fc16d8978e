package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"greenroom.dev/greenroom/host/internal/catalog/api"
	"greenroom.dev/greenroom/host/internal/frontend"
	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/permission"
)

// registrar previews a location for the catalog-import page through the catalog API's
// dry run (POST /locations?dryRun=true), with the page caller's permissions.
type registrar struct {
	api   *api.API
	perms decider
}

func (r registrar) Preview(ctx context.Context, target string) (frontend.RegisterPreview, error) {
	body, _ := json.Marshal(map[string]string{"type": "url", "target": target})
	req := &api.Request{Method: http.MethodPost, Path: "/locations", RawQuery: "dryRun=true",
		Header: http.Header{"Content-Type": {"application/json"}}, Body: body}
	if r.perms != nil {
		req.Authorize = func(ctx context.Context, p permission.Permission) (permission.Decision, error) {
			return r.perms.Decide(identity.From(ctx), p), nil
		}
	}
	resp := r.api.Serve(ctx, req)
	if resp.Status != http.StatusCreated {
		var e struct {
			Error struct{ Message string } `json:"error"`
		}
		_ = json.Unmarshal(resp.Body, &e)
		if resp.Status < 500 {
			return frontend.RegisterPreview{}, &frontend.RegisterInputError{Msg: e.Error.Message}
		}
		return frontend.RegisterPreview{}, fmt.Errorf("%d: %s", resp.Status, e.Error.Message)
	}
	var out struct {
		Entities []ext.Entity `json:"entities"`
		Exists   bool         `json:"exists"`
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		return frontend.RegisterPreview{}, fmt.Errorf("read the dry run: %w", err)
	}
	return frontend.RegisterPreview{Entities: out.Entities, Exists: out.Exists}, nil
}
