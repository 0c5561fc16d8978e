package greenroom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// ABIVersion is the ABI version this SDK implements; a manifest's "abi" field names it.
const ABIVersion = "v1"

// Capability names a plugin can request in its manifest.
const (
	CapKV           = "kv"
	CapCatalogRead  = "catalog.read"
	CapCatalogWrite = "catalog.write"
	CapURLRead      = "url.read"
	CapProxy        = "proxy"
	CapTasks        = "tasks"
	CapPermission   = "permission"
	CapFiles        = "files"
	CapWorkspace    = "workspace"
	CapSearchWrite  = "search.write"
	CapFactsWrite   = "facts.write"
)

var capabilities = []string{CapKV, CapCatalogRead, CapCatalogWrite, CapURLRead, CapProxy, CapTasks, CapPermission, CapFiles, CapWorkspace, CapSearchWrite, CapFactsWrite}

// Manifest is a plugin's self-description. "greenroom plugin pack" writes it, as JSON,
// into the module's greenroom.manifest custom section (SPEC.md section 5).
type Manifest struct {
	ABI          string       `json:"abi"`
	ID           string       `json:"id"`
	Version      string       `json:"version"`
	Description  string       `json:"description,omitempty"`
	Routes       []Route      `json:"routes,omitempty"`
	Tasks        []Task       `json:"tasks,omitempty"`
	Capabilities []Capability `json:"capabilities,omitempty"`
	// Permissions are the plugin's own permissions; Authorize asks for a decision.
	Permissions  []Permission    `json:"permissions,omitempty"`
	ConfigSchema json.RawMessage `json:"configSchema,omitempty"`
	Extensions   json.RawMessage `json:"extensions,omitempty"`
	// OpenAPI is an OpenAPI 3 document of the plugin's routes; the host serves it at
	// /api/<plugin-id>/openapi.json.
	OpenAPI json.RawMessage `json:"openapi,omitempty"`
}

// Route is an HTTP route, served by the host under /api/<plugin-id>.
type Route struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	// Allow "unauthenticated" lets callers who have not signed in reach the route; by
	// default the host lets only signed-in users and services through.
	Allow string `json:"allow,omitempty"`
}

// Task is a scheduled task: the host calls gr_task with its name every Every.
type Task struct {
	Name    string `json:"name"`
	Every   string `json:"every"`
	Timeout string `json:"timeout,omitempty"`
}

// Capability is a capability the plugin requests.
type Capability struct {
	Name     string `json:"name"`
	Optional bool   `json:"optional,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// permissionName is a Backstage permission name: dot-separated lower-case words.
var permissionName = regexp.MustCompile(`^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$`)

var httpMethods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true, "*": true}

// ValidID reports whether id is a valid plugin id: 1-64 lower-case letters, digits and
// dashes, not starting or ending with a dash (^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$).
func ValidID(id string) bool {
	if len(id) == 0 || len(id) > 64 || id[0] == '-' || id[len(id)-1] == '-' {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validParam reports whether s is a ":name" route segment (^:[A-Za-z_][A-Za-z0-9_]*$).
func validParam(s string) bool {
	if len(s) < 2 || s[0] != ':' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
		if !letter && (i == 1 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// ParseManifest decodes manifest JSON strictly (unknown fields are errors) and validates it.
func ParseManifest(b []byte) (*Manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("manifest: trailing data after the JSON object")
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate checks the manifest against the rules of SPEC.md section 5, as the host does at
// load time.
func (m *Manifest) Validate() error {
	if m.ABI != ABIVersion {
		return fmt.Errorf("manifest: abi %q is not supported; this SDK implements %s", m.ABI, ABIVersion)
	}
	if !ValidID(m.ID) {
		return fmt.Errorf("manifest: id %q must be lower-case letters, digits and dashes (1-64 characters, not starting or ending with a dash)", m.ID)
	}
	if m.Version == "" {
		return fmt.Errorf("manifest: version is required")
	}
	seen := map[string]bool{}
	for i, r := range m.Routes {
		if !httpMethods[r.Method] {
			return fmt.Errorf("manifest: routes[%d].method %q is not an HTTP method (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS or *)", i, r.Method)
		}
		if err := validRoutePath(r.Path); err != nil {
			return fmt.Errorf("manifest: routes[%d].path: %w", i, err)
		}
		if r.Allow != "" && r.Allow != "unauthenticated" {
			return fmt.Errorf("manifest: routes[%d].allow %q: the only value is \"unauthenticated\"", i, r.Allow)
		}
		k := r.Method + " " + r.Path
		if seen[k] {
			return fmt.Errorf("manifest: routes[%d]: duplicate route %s", i, k)
		}
		seen[k] = true
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
	tasks := map[string]bool{}
	for i, t := range m.Tasks {
		if t.Name == "" || tasks[t.Name] {
			return fmt.Errorf("manifest: tasks[%d].name %q must be non-empty and unique", i, t.Name)
		}
		tasks[t.Name] = true
		if d, err := time.ParseDuration(t.Every); err != nil || d < time.Second {
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
		known := false
		for _, k := range capabilities {
			known = known || k == c.Name
		}
		if !known {
			return fmt.Errorf("manifest: capabilities[%d].name %q is not a capability; known: %s", i, c.Name, strings.Join(capabilities, ", "))
		}
		if caps[c.Name] {
			return fmt.Errorf("manifest: capabilities[%d]: %q listed twice", i, c.Name)
		}
		caps[c.Name] = true
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

// validRoutePath checks a route pattern: "/" then segments that are literal, ":name", or a
// final "*".
func validRoutePath(p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("%q must start with /", p)
	}
	if p == "/" {
		return nil
	}
	segs := strings.Split(p[1:], "/")
	for i, s := range segs {
		switch {
		case s == "*":
			if i != len(segs)-1 {
				return fmt.Errorf("%q: * must be the last segment", p)
			}
		case strings.HasPrefix(s, ":"):
			if !validParam(s) {
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
