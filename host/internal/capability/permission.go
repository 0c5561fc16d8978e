package capability

import (
	"context"
	"encoding/json"
	"strings"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/permission"
)

// The permission capability: the plugin asks the host's policy for a decision for the
// caller of the request it serves, typically about one of its own permissions (its
// manifest's permissions), before it offers or does something.

func permissionAuthorize(s *Services, p *config.Plugin) Call[abi.PermissionAuthorizeRequest, abi.PermissionAuthorizeResult] {
	return func(ctx context.Context, r *abi.PermissionAuthorizeRequest) (abi.PermissionAuthorizeResult, error) {
		perm, err := asPermission(r.Permission)
		if err != nil {
			return abi.PermissionAuthorizeResult{}, err
		}
		d := s.decide(ctx, perm)
		out := abi.PermissionAuthorizeResult{Result: string(d.Result), PluginID: d.PluginID, ResourceType: d.ResourceType}
		if d.Conditions != nil {
			if out.Conditions, err = json.Marshal(d.Conditions); err != nil {
				return abi.PermissionAuthorizeResult{}, abi.Errorf(abi.CodeInternal, "permission_authorize: %v", err)
			}
		}
		return out, nil
	}
}

// asPermission reads the requested permission. A permission the host defines keeps its
// own definition whatever the request says of its type or action, so that a plugin
// cannot ask for a weaker variant of catalog.entity.read.
func asPermission(r abi.Permission) (permission.Permission, error) {
	if r.Name == "" {
		return permission.Permission{}, abi.Errorf(abi.CodeInvalidArgument, "permission_authorize: permission.name is missing")
	}
	for _, k := range permission.Known {
		if k.Name == r.Name {
			return k.Permission, nil
		}
	}
	for _, reserved := range []string{"catalog.", "greenroom.", "policy."} {
		if strings.HasPrefix(r.Name, reserved) {
			return permission.Permission{}, abi.Errorf(abi.CodeInvalidArgument, "permission_authorize: %q is not a permission of this host", r.Name)
		}
	}
	perm := permission.Permission{Type: permission.Basic, Name: r.Name, Attributes: permission.Attributes{Action: r.Attributes.Action}}
	if r.ResourceType != "" {
		perm.Type, perm.ResourceType = permission.Resource, r.ResourceType
	}
	return perm, nil
}
