package greenroom

import "encoding/json"

// Permission is a permission in Backstage's shape: a plugin's own (declared in its
// manifest's permissions) or one the host defines, such as catalog.entity.read.
type Permission struct {
	// Name is dot-separated: my-plugin.item.delete.
	Name string `json:"name"`
	// Attributes.Action is create, read, update or delete, or empty.
	Attributes PermissionAttributes `json:"attributes"`
	// ResourceType makes it a resource permission, whose decision may be CONDITIONAL.
	ResourceType string `json:"resourceType,omitempty"`
}

// PermissionAttributes are a permission's attributes.
type PermissionAttributes struct {
	Action string `json:"action,omitempty"`
}

// Decision results.
const (
	Allow       = "ALLOW"
	Deny        = "DENY"
	Conditional = "CONDITIONAL"
)

// Decision is the policy's answer for the caller.
type Decision struct {
	Result       string `json:"result"`
	PluginID     string `json:"pluginId,omitempty"`
	ResourceType string `json:"resourceType,omitempty"`
	// Conditions are Backstage's criteria (allOf, anyOf, not, or a rule with params)
	// that a resource must match, for a CONDITIONAL decision.
	Conditions json.RawMessage `json:"conditions,omitempty"`
}

// Allowed reports whether the decision is an unconditional ALLOW.
func (d *Decision) Allowed() bool { return d != nil && d.Result == Allow }

type authorizeRequest struct {
	Permission Permission `json:"permission"`
}

// Authorize asks the host's permission policy whether the caller of the request being
// served (Request.Caller; the plugin itself in a scheduled task) may do what p names.
// Needs capability permission.
func Authorize(p Permission) (*Decision, error) {
	var d Decision
	if err := call(fnAuthorize, authorizeRequest{p}, &d); err != nil {
		return nil, err
	}
	return &d, nil
}
