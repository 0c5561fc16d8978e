// Package permission is Backstage's permission framework in Greenroom: named
// permissions with attributes and resource types, decisions (ALLOW, DENY, CONDITIONAL
// with criteria over a resource's rules), and the policy that makes them.
package permission

import (
	"encoding/json"
	"strings"
)

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
	// MetricsRead is GET /metrics on backend.listen (Prometheus's scrape).
	MetricsRead = Permission{Type: Basic, Name: "greenroom.metrics.read", Attributes: Attributes{Action: Read}}
	// URLRead is a plugin's url_read, url_read_tree and url_search on the caller's
	// behalf: reading files of the organisation's repositories and sites (TechDocs
	// sources, for example) for whoever asked. It is decided besides the plugin's
	// url.read grant.
	URLRead = Permission{Type: Basic, Name: "greenroom.url.read", Attributes: Attributes{Action: Read}}
)

// RBAC's own resource type and permissions (RHDH's rbac-common): reading and editing the
// policy. Admins (permission.rbac.admin.users) hold them through role:default/rbac_admin.
const PolicyEntityResource = "policy-entity"

var (
	PolicyEntityRead   = Permission{Type: Resource, Name: "policy.entity.read", Attributes: Attributes{Action: Read}, ResourceType: PolicyEntityResource}
	PolicyEntityCreate = Permission{Type: Basic, Name: "policy.entity.create", Attributes: Attributes{Action: Create}}
	PolicyEntityUpdate = Permission{Type: Resource, Name: "policy.entity.update", Attributes: Attributes{Action: Update}, ResourceType: PolicyEntityResource}
	PolicyEntityDelete = Permission{Type: Resource, Name: "policy.entity.delete", Attributes: Attributes{Action: Delete}, ResourceType: PolicyEntityResource}
)

// Use is the RBAC policy action for a permission with no action (RHDH's toPermissionAction).
const Use = "use"

// PolicyAction is the action an RBAC policy line must name to grant perm: its
// attributes.action, or "use" when it has none.
func PolicyAction(perm Permission) string {
	if perm.Attributes.Action == "" {
		return Use
	}
	return perm.Attributes.Action
}

// Known are the permissions the host itself defines, with the plugin that owns each (the
// plugin id of the routes it guards). A policy that names a permission under one of
// their prefixes (catalog., greenroom., policy.) must name one of these.
var Known = []KnownPermission{
	{CatalogEntityRead, "catalog"}, {CatalogEntityCreate, "catalog"}, {CatalogEntityDelete, "catalog"},
	{CatalogEntityRefresh, "catalog"}, {CatalogLocationRead, "catalog"}, {CatalogLocationCreate, "catalog"},
	{CatalogLocationDelete, "catalog"},
	{AdminReload, "admin"}, {AuditRead, "audit"}, {URLRead, "urlreader"},
	{MetricsRead, "metrics"},
	{PolicyEntityRead, "permission"}, {PolicyEntityCreate, "permission"}, {PolicyEntityUpdate, "permission"},
	{PolicyEntityDelete, "permission"},
}

// KnownPermission is a permission with the id of the plugin that owns it.
type KnownPermission struct {
	Permission
	PluginID string
}

// knownPrefixes are the name prefixes reserved for Known permissions.
var knownPrefixes = []string{"catalog.", "greenroom.", "policy."}

var knownByName = func() map[string]KnownPermission {
	m := make(map[string]KnownPermission, len(Known))
	for _, k := range Known {
		m[k.Name] = k
	}
	return m
}()

// PluginOf names the plugin that owns a permission: the one Known gives, else the part
// of the name before its first dot (Backstage names permissions <plugin>.<...>:
// scaffolder.task.read). A service token's accessRestrictions are matched against it.
func PluginOf(name string) string {
	if k, ok := knownByName[name]; ok {
		return k.PluginID
	}
	if i := strings.IndexByte(name, '.'); i > 0 {
		return name[:i]
	}
	return name
}
