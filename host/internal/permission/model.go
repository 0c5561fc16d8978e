// Package permission is Backstage's permission framework in Greenroom: named
// permissions with attributes and resource types, decisions (ALLOW, DENY, CONDITIONAL
// with criteria over a resource's rules), and the policy that makes them.
package permission

import "encoding/json"

// Type is a permission's type: basic, or resource (it concerns one resource, such as a
// catalog entity, and may be decided CONDITIONAL).
type Type string

// Permission types.
const (
	Basic    Type = "basic"
	Resource Type = "resource"
)

// Actions, a permission's attributes.action.
const (
	Create = "create"
	Read   = "read"
	Update = "update"
	Delete = "delete"
)

// Permission is a named permission, as Backstage's permission-common defines it.
type Permission struct {
	Type       Type       `json:"type"`
	Name       string     `json:"name"`
	Attributes Attributes `json:"attributes"`
	// ResourceType is the kind of resource a resource permission concerns
	// ("catalog-entity").
	ResourceType string `json:"resourceType,omitempty"`
}

// Attributes are a permission's attributes.
type Attributes struct {
	// Action is create, read, update or delete; empty for permissions with no action
	// (RBAC policies grant those with action "use").
	Action string `json:"action,omitempty"`
}

// Result is a decision's result.
type Result string

// Results.
const (
	Allow       Result = "ALLOW"
	Deny        Result = "DENY"
	Conditional Result = "CONDITIONAL"
)

// Decision is a policy's answer for one permission and one caller. A CONDITIONAL
// decision allows the resources that match Conditions, evaluated by the plugin that owns
// the resource type (PluginID).
type Decision struct {
	Result       Result    `json:"result"`
	PluginID     string    `json:"pluginId,omitempty"`
	ResourceType string    `json:"resourceType,omitempty"`
	Conditions   *Criteria `json:"conditions,omitempty"`
}

// Criteria is a tree of conditions: exactly one of AllOf, AnyOf, Not, or a leaf Rule
// with its Params (Backstage's PermissionCriteria<PermissionCondition>).
type Criteria struct {
	AllOf []Criteria `json:"allOf,omitempty"`
	AnyOf []Criteria `json:"anyOf,omitempty"`
	Not   *Criteria  `json:"not,omitempty"`
	// Rule names a rule of ResourceType (IS_ENTITY_OWNER, HAS_LABEL, ...).
	Rule         string          `json:"rule,omitempty"`
	ResourceType string          `json:"resourceType,omitempty"`
	Params       json.RawMessage `json:"params,omitempty"`
}

// The catalog's resource type and permissions (Backstage's catalog-common).
const CatalogEntityResource = "catalog-entity"

var (
	CatalogEntityRead     = Permission{Type: Resource, Name: "catalog.entity.read", Attributes: Attributes{Action: Read}, ResourceType: CatalogEntityResource}
	CatalogEntityCreate   = Permission{Type: Basic, Name: "catalog.entity.create", Attributes: Attributes{Action: Create}}
	CatalogEntityDelete   = Permission{Type: Resource, Name: "catalog.entity.delete", Attributes: Attributes{Action: Delete}, ResourceType: CatalogEntityResource}
	CatalogEntityRefresh  = Permission{Type: Resource, Name: "catalog.entity.refresh", Attributes: Attributes{Action: Update}, ResourceType: CatalogEntityResource}
	CatalogLocationRead   = Permission{Type: Basic, Name: "catalog.location.read", Attributes: Attributes{Action: Read}}
	CatalogLocationCreate = Permission{Type: Basic, Name: "catalog.location.create", Attributes: Attributes{Action: Create}}
	CatalogLocationDelete = Permission{Type: Basic, Name: "catalog.location.delete", Attributes: Attributes{Action: Delete}}
)

// The catalog's conditional rules (Backstage's catalog-backend permission rules), for
// criteria of resource type catalog-entity. Their params:
//
//	IS_ENTITY_OWNER {claims: [entity refs]}     relations.ownedBy is one of the claims
//	IS_ENTITY_KIND  {kinds: [kinds]}            kind is one of the kinds (any case)
//	HAS_ANNOTATION  {annotation, value?}        metadata.annotations.<annotation> exists (or equals value)
//	HAS_LABEL       {label}                     metadata.labels.<label> exists
//	HAS_METADATA    {key, value?}               metadata.<key> exists (or equals, or contains, value)
//	HAS_SPEC        {key, value?}               spec.<key> exists (or equals, or contains, value)
const (
	RuleIsEntityOwner = "IS_ENTITY_OWNER"
	RuleIsEntityKind  = "IS_ENTITY_KIND"
	RuleHasAnnotation = "HAS_ANNOTATION"
	RuleHasLabel      = "HAS_LABEL"
	RuleHasMetadata   = "HAS_METADATA"
	RuleHasSpec       = "HAS_SPEC"
)

// Host permissions: what only operators may do.
var (
	// AdminReload is POST /api/admin/reload.
	AdminReload = Permission{Type: Basic, Name: "greenroom.admin.reload", Attributes: Attributes{Action: Update}}
	// AuditRead is GET /api/audit.
	AuditRead = Permission{Type: Basic, Name: "greenroom.audit.read", Attributes: Attributes{Action: Read}}
)
