package abi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Manifest is a plugin's self-description, stored in the greenroom.manifest section.
type Manifest struct {
	ABI          string       `json:"abi"`
	ID           string       `json:"id"`
	Version      string       `json:"version"`
	Description  string       `json:"description,omitempty"`
	Routes       []Route      `json:"routes,omitempty"`
	Tasks        []Task       `json:"tasks,omitempty"`
	Capabilities []Capability `json:"capabilities,omitempty"`
	// Permissions are the plugin's own permissions, in Backstage's shape: an operator's
	// policy may grant them, and the plugin asks for a decision with
	// permission_authorize.
	Permissions  []Permission    `json:"permissions,omitempty"`
	ConfigSchema json.RawMessage `json:"configSchema,omitempty"`
	Extensions   json.RawMessage `json:"extensions,omitempty"`
	// OpenAPI is an OpenAPI 3 document of the plugin's routes, which the host serves at
	// /api/<id>/openapi.json (SPEC.md section 5).
	OpenAPI json.RawMessage `json:"openapi,omitempty"`
	// Actions are scaffolder actions the plugin runs (export gr_action), listed with
	// the built-ins by GET /api/scaffolder/v2/actions.
	Actions []Action `json:"actions,omitempty"`
}

// Action is a scaffolder action a plugin declares: its id (Backstage's
// <namespace>:<name>, such as acme:hello), what it does, and the JSON Schemas of its
// input and output.
type Action struct {
	ID          string       `json:"id"`
	Description string       `json:"description,omitempty"`
	Schema      ActionSchema `json:"schema,omitempty"`
}

// ActionSchema holds an action's input and output JSON Schemas.
type ActionSchema struct {
	Input  json.RawMessage `json:"input,omitempty"`
	Output json.RawMessage `json:"output,omitempty"`
}

// Route is an HTTP route served under /api/<id>.
type Route struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	// Allow "unauthenticated" lets callers who have not signed in reach the route
	// (Backstage's auth policy); by default a route needs a signed-in user or a service.
	Allow string `json:"allow,omitempty"`
}

// AllowUnauthenticated is the Route.Allow value that opens a route to anonymous callers.
const AllowUnauthenticated = "unauthenticated"

// Permission is a permission a plugin defines (Backstage's permission shape).
type Permission struct {
	// Name is <plugin>.<resource>.<action>, such as github-actions.workflow.rerun.
	Name string `json:"name"`
	// Attributes.Action is create, read, update or delete; empty for a permission with
	// no action.
	Attributes PermissionAttributes `json:"attributes"`
	// ResourceType makes it a resource permission (decisions may be CONDITIONAL).
	ResourceType string `json:"resourceType,omitempty"`
}

// PermissionAttributes are a permission's attributes.
type PermissionAttributes struct {
	Action string `json:"action,omitempty"`
}

// Task is a scheduled task.
type Task struct {
	Name    string `json:"name"`
	Every   string `json:"every"`
	Timeout string `json:"timeout,omitempty"`
}

// Capability is a requested capability.
type Capability struct {
	Name     string `json:"name"`
	Optional bool   `json:"optional,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

var (
	idPattern    = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$`)
	methods      = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true, "*": true}
	segmentParam = regexp.MustCompile(`^:[A-Za-z_][A-Za-z0-9_]*$`)
	// permissionName is a Backstage permission name: dot-separated words.
	permissionName = regexp.MustCompile(`^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$`)
	// actionID is a scaffolder action id: words joined by colons.
	actionID = regexp.MustCompile(`^[a-z][a-z0-9-]*(:[a-z0-9][a-z0-9-]*)+$`)
)

// ValidID reports whether id is a valid plugin id.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// DecodeManifest decodes manifest JSON strictly (unknown fields are errors) and validates it.
func DecodeManifest(b []byte) (*Manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate checks the manifest against SPEC.md section 5.
func (m *Manifest) Validate() error {
	supported := false
	for _, v := range SupportedVersions {
		if m.ABI == v {
			supported = true
		}
	}
	if !supported {
		return fmt.Errorf("manifest: abi %q is not supported; this host serves %s", m.ABI, strings.Join(SupportedVersions, ", "))
	}
	if !ValidID(m.ID) {
		return fmt.Errorf("manifest: id %q must be lower-case letters, digits and dashes (1-64, matching %s)", m.ID, idPattern)
	}
	if m.Version == "" {
		return fmt.Errorf("manifest: version is required")
	}
	seen := map[string]bool{}
	for i, r := range m.Routes {
		if !methods[r.Method] {
			return fmt.Errorf("manifest: routes[%d].method %q is not an HTTP method", i, r.Method)
		}
		if err := ValidRoutePath(r.Path); err != nil {
			return fmt.Errorf("manifest: routes[%d].path: %w", i, err)
		}
		if r.Allow != "" && r.Allow != AllowUnauthenticated {
			return fmt.Errorf("manifest: routes[%d].allow %q: the only value is %q", i, r.Allow, AllowUnauthenticated)
		}
		k := r.Method + " " + r.Path
		if seen[k] {
			return fmt.Errorf("manifest: routes[%d]: duplicate route %s", i, k)
		}
		seen[k] = true
	}
	tasks := map[string]bool{}
	for i, t := range m.Tasks {
		if t.Name == "" || tasks[t.Name] {
			return fmt.Errorf("manifest: tasks[%d].name %q must be non-empty and unique", i, t.Name)
		}
		tasks[t.Name] = true
		d, err := time.ParseDuration(t.Every)
		if err != nil || d < time.Second {
			return fmt.Errorf("manifest: tasks[%d].every %q must be a duration of at least 1s, like 10m", i, t.Every)
		}
		if t.Timeout != "" {
			if d, err := time.ParseDuration(t.Timeout); err != nil || d <= 0 {
				return fmt.Errorf("manifest: tasks[%d].timeout %q must be a positive duration", i, t.Timeout)
			}
		}
	}
	caps := map[string]bool{}
	for i, c := range m.Capabilities {
		if !knownCapability(c.Name) {
			return fmt.Errorf("manifest: capabilities[%d].name %q is not a capability; known: %s", i, c.Name, strings.Join(Capabilities, ", "))
		}
		if caps[c.Name] {
			return fmt.Errorf("manifest: capabilities[%d]: %q listed twice", i, c.Name)
		}
		caps[c.Name] = true
	}
	perms := map[string]bool{}
	for i, p := range m.Permissions {
		if !permissionName.MatchString(p.Name) {
			return fmt.Errorf("manifest: permissions[%d].name %q must be dot-separated lower-case words, such as %s.item.read", i, p.Name, m.ID)
		}
		for _, reserved := range []string{"catalog.", "greenroom.", "policy.", "scaffolder."} {
			if strings.HasPrefix(p.Name, reserved) {
				return fmt.Errorf("manifest: permissions[%d].name %q: the %s permissions are the host's; name the plugin's own under its id, such as %s.item.read", i, p.Name, strings.TrimSuffix(reserved, "."), m.ID)
			}
		}
		switch p.Attributes.Action {
		case "", "create", "read", "update", "delete":
		default:
			return fmt.Errorf("manifest: permissions[%d].attributes.action %q is not create, read, update or delete", i, p.Attributes.Action)
		}
		if perms[p.Name] {
			return fmt.Errorf("manifest: permissions[%d]: %q declared twice", i, p.Name)
		}
		perms[p.Name] = true
	}
	acts := map[string]bool{}
	for i, a := range m.Actions {
		if !actionID.MatchString(a.ID) {
			return fmt.Errorf("manifest: actions[%d].id %q must be lower-case words joined by colons, such as %s:create", i, a.ID, m.ID)
		}
		if acts[a.ID] {
			return fmt.Errorf("manifest: actions[%d]: %q declared twice", i, a.ID)
		}
		acts[a.ID] = true
		for _, sch := range []struct {
			name string
			raw  json.RawMessage
		}{{"input", a.Schema.Input}, {"output", a.Schema.Output}} {
			if len(sch.raw) == 0 {
				continue
			}
			var v any
			if err := json.Unmarshal(sch.raw, &v); err != nil {
				return fmt.Errorf("manifest: actions[%d].schema.%s: %w", i, sch.name, err)
			}
			if _, ok := v.(map[string]any); !ok {
				return fmt.Errorf("manifest: actions[%d].schema.%s must be a JSON Schema object", i, sch.name)
			}
		}
	}
	if len(m.ConfigSchema) > 0 {
		var v any
		if err := json.Unmarshal(m.ConfigSchema, &v); err != nil {
			return fmt.Errorf("manifest: configSchema: %w", err)
		}
		if _, ok := v.(map[string]any); !ok {
			if b, ok := v.(bool); !ok || !b {
				return fmt.Errorf("manifest: configSchema must be a JSON Schema object")
			}
		}
	}
	return nil
}

func knownCapability(name string) bool {
	for _, c := range Capabilities {
		if c == name {
			return true
		}
	}
	return false
}

// ValidRoutePath checks a route pattern: "/" then segments that are literal, ":name",
// or a final "*".
func ValidRoutePath(p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("%q must start with /", p)
	}
	if p == "/" {
		return nil
	}
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, s := range segs {
		switch {
		case s == "*":
			if i != len(segs)-1 {
				return fmt.Errorf("%q: * must be the last segment", p)
			}
		case strings.HasPrefix(s, ":"):
			if !segmentParam.MatchString(s) {
				return fmt.Errorf("%q: bad parameter segment %q", p, s)
			}
		case s == "" && i == len(segs)-1:
			// trailing slash
		case s == "" || s == "." || s == ".." || strings.ContainsAny(s, "?#*:"):
			return fmt.Errorf("%q: bad segment %q", p, s)
		}
	}
	return nil
}
