package config

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/audit"
	"greenroom.dev/greenroom/host/internal/auth"
	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/lifecycle"
	"greenroom.dev/greenroom/host/internal/metrics"
	"greenroom.dev/greenroom/host/internal/permission"
	"greenroom.dev/greenroom/host/internal/proxy"
	"greenroom.dev/greenroom/host/internal/scaffolder"
	"greenroom.dev/greenroom/host/internal/scorecard"
	"greenroom.dev/greenroom/host/internal/search"
	"greenroom.dev/greenroom/host/internal/signing"
	"greenroom.dev/greenroom/host/internal/units"
	"greenroom.dev/greenroom/host/internal/urlreader"
	"greenroom.dev/greenroom/host/internal/urlreader/integrations"
)

// Config is the whole typed configuration of a Greenroom host.
type Config struct {
	// App configures the web app that developers use.
	App App `yaml:"app"`
	// Backend configures the HTTP server and the backend's shared services.
	Backend Backend `yaml:"backend"`
	// Integrations configures source-control hosts (integrations.github, .gitlab).
	Integrations integrations.Config `yaml:"integrations"`
	// Catalog configures the software catalog (locations, rules, refresh).
	Catalog catalog.Config `yaml:"catalog"`
	// Proxy configures proxy.endpoints, served under /api/proxy/<prefix>.
	Proxy proxy.Config `yaml:"proxy"`
	// Runtime configures the WebAssembly runtime shared by all plugins.
	Runtime Runtime `yaml:"runtime"`
	// Plugins lists the plugins to load. Each is a .wasm file with its manifest inside.
	// An overlay's entries merge by id: one with an earlier entry's id changes that
	// entry key by key, one with a new id is appended.
	Plugins []Plugin `yaml:"plugins"`
	// Security sets the plugin signature policy and the trusted signing keys.
	Security signing.Config `yaml:"security"`
	// Audit configures the audit log of capability calls and denials.
	Audit audit.Config `yaml:"audit"`
	// Permission turns on the permission policy (permission.enabled) and names its RBAC
	// files (permission.rbac), with Backstage's and Red Hat Developer Hub's keys.
	Permission permission.Config `yaml:"permission"`
	// Auth configures sign-in: the environment, the session secret, the token lifetime,
	// the providers (guest, oidc, github) and anonymous access.
	Auth auth.Config `yaml:"auth"`
	// Metrics serves Prometheus metrics at /metrics (on backend.listen, or on a listener
	// of its own).
	Metrics metrics.Config `yaml:"metrics"`
	// Scaffolder configures software templates (Backstage's scaffolder keys:
	// concurrentTasksLimit, taskTimeout, defaultAuthor, defaultCommitMessage) and the
	// limits on what a task fetches.
	Scaffolder scaffolder.Config `yaml:"scaffolder"`
	// Search configures the search index and GET /api/search/query, with Backstage's
	// search.maxTermLength and search.maxPageLimit.
	Search search.Config `yaml:"search"`
	// Scorecards rate catalog entities by rules over levels (Bronze, Silver, Gold),
	// served at /api/scorecards and on the scorecards page.
	Scorecards scorecard.Config `yaml:"scorecards"`

	// Files are the config files this was loaded from, in order.
	Files  []string `yaml:"-"`
	origin map[*yaml.Node]string
	root   *yaml.Node
}

// App configures the web app.
type App struct {
	// Title is shown in the page header and the browser tab. Default "Greenroom".
	Title string `yaml:"title"`
	// BaseURL is the URL developers open in the browser, e.g. http://localhost:7007.
	BaseURL string `yaml:"baseUrl"`
	// Extensions enables, disables, moves and configures frontend extensions, with
	// Backstage's app.extensions syntax.
	Extensions ext.Extensions `yaml:"extensions"`
}

// Backend configures the HTTP server.
type Backend struct {
	// BaseURL is the URL at which the backend is reached, e.g. http://localhost:7007.
	// Default http://localhost:<listen.port>. Its port (80 or 443 when it has none)
	// should be backend.listen.port, unless a proxy forwards one to the other; the host
	// warns at start when they differ.
	BaseURL string `yaml:"baseUrl"`
	// Listen sets the address the server binds. Default 0.0.0.0:7007.
	Listen Listen `yaml:"listen"`
	// Database selects the embedded store.
	Database Database `yaml:"database"`
	// Reading sets which hosts the URL readers may fetch from (backend.reading.allow).
	Reading urlreader.ReadingConfig `yaml:"reading"`
	// ShutdownTimeout bounds how long in-flight requests may take to finish on SIGTERM;
	// a second after it the process ends whatever it still waits for. Default 30s.
	ShutdownTimeout units.Duration `yaml:"shutdownTimeout"`
	// WatchConfig reloads the config when one of its files, or the .wasm file of an
	// enabled plugin, changes (checked every second). Default true. SIGHUP and
	// POST /api/admin/reload reload it too.
	WatchConfig *bool `yaml:"watchConfig"`
	// Auth configures service access (backend.auth.externalAccess: static tokens and
	// JWKS-verified tokens for scripts and CI).
	Auth auth.BackendConfig `yaml:"auth"`
	// AccessLog writes one JSON line per HTTP request to standard output: time, request
	// ID (X-Request-Id), method, path, route template, status, duration, response bytes,
	// caller and remote address. Default false.
	AccessLog bool `yaml:"accessLog"`
}

// Listen is backend.listen.
type Listen struct {
	// Host is the interface to bind; empty means all.
	Host string `yaml:"host"`
	// Port is the TCP port. Default 7007; 0 picks a free port (tests).
	Port *int `yaml:"port"`
}

// Database is backend.database.
type Database struct {
	// Client is the store implementation: "bbolt" (embedded, the default) or "pg"
	// (PostgreSQL, for several replicas on one database).
	Client string `yaml:"client"`
	// Connection is, for bbolt, the file path, relative to the directory of the config
	// file that sets it (default data/greenroom.db, next to the first config file); for
	// pg, a postgres:// URL or a mapping of host, port, user, password, database and ssl.
	Connection DatabaseConnection `yaml:"connection"`
}

// Runtime configures the WebAssembly runtime.
type Runtime struct {
	// CompilationCache is the directory where compiled plugin code is kept between runs,
	// relative to the directory of the config file that sets it. Default data/wasm-cache,
	// next to the first config file. It is
	// created with mode 0700: anyone who can write to it can run native code in the host.
	CompilationCache string `yaml:"compilationCache"`
}

// Plugin is one entry of the plugins list.
type Plugin struct {
	// ID names the plugin; its routes are served under /api/<id>/. Lower-case letters,
	// digits and dashes.
	ID string `yaml:"id"`
	// Source is the plugin's .wasm file: a path relative to the directory of the config
	// file that sets it, or an http(s) URL (which must be pinned).
	Source string `yaml:"source"`
	// SHA256 pins the exact file (hex). Required for non-local sources. When set, a file
	// whose hash differs is refused.
	SHA256 string `yaml:"sha256"`
	// Enabled turns the plugin on or off without removing its entry. Default true.
	Enabled *bool `yaml:"enabled"`
	// Config is the plugin's own configuration, checked against the JSON Schema in its
	// manifest, with the schema's defaults filled in. `greenroom config schema --config
	// app-config.yaml` prints the config's schema with each plugin's schema in place.
	Config yaml.Node `yaml:"config"`
	// Grants are the capabilities the operator gives the plugin. Anything not granted is
	// denied.
	Grants Grants `yaml:"grants"`
	// Limits bound the plugin's resources.
	Limits Limits `yaml:"limits"`
	// AllowAnonymous lets callers who have not signed in reach every route of the
	// plugin. By default a route needs a signed-in user or a service token, unless the
	// manifest marks it allow: unauthenticated.
	AllowAnonymous bool `yaml:"allowAnonymous"`

	// File and Line locate the entry (where it was first given), for messages; Index
	// is its position in the merged plugins list.
	File  string `yaml:"-"`
	Line  int    `yaml:"-"`
	Index int    `yaml:"-"`

	node   *yaml.Node
	origin map[*yaml.Node]string
}

// Locate finds the file and line that set a key below the entry (e.g. "source",
// "limits.memory"), which an overlay may have set; it falls back to the entry's own place.
func (p *Plugin) Locate(sub string) (file string, line int) {
	if p.node != nil && sub != "" {
		if ns := lookup(p.node, strings.Split(sub, ".")); len(ns) == 1 {
			if f, ok := p.origin[ns[0]]; ok {
				return f, ns[0].Line
			}
		}
	}
	return p.File, p.Line
}

// IsEnabled reports whether the plugin is enabled (the default).
func (p *Plugin) IsEnabled() bool { return p.Enabled == nil || *p.Enabled }

// Path is the YAML path of the entry, e.g. plugins[2].
func (p *Plugin) Path() string { return fmt.Sprintf("plugins[%d]", p.Index) }

// Grants are a plugin's capabilities. A grant that is present (even as {}) is given;
// its fields narrow it.
type Grants struct {
	// KV gives a private key-value store.
	KV *KVGrant `yaml:"kv"`
	// CatalogRead allows reading the catalog.
	CatalogRead *CatalogReadGrant `yaml:"catalog.read"`
	// CatalogWrite allows adding and removing entities as an entity provider.
	CatalogWrite *CatalogWriteGrant `yaml:"catalog.write"`
	// URLRead allows reading URLs through the host's URL readers.
	URLRead *URLReadGrant `yaml:"url.read"`
	// Proxy allows calling configured proxy endpoints.
	Proxy *ProxyGrant `yaml:"proxy"`
	// Tasks allows the manifest's scheduled tasks to run.
	Tasks *TasksGrant `yaml:"tasks"`
	// Permission lets the plugin ask the permission policy for decisions for its
	// caller (permission_authorize): whether the signed-in user may do what the
	// plugin's own permissions name.
	Permission *PermissionGrant `yaml:"permission"`
	// Files gives the plugin its own files (files_*), which no other plugin can reach,
	// kept in the host's store under a quota.
	Files *FilesGrant `yaml:"files"`
	// Workspace lets the plugin's scaffolder actions read, write and list the files of
	// the task they run in (workspace_read, workspace_write, workspace_list), and no
	// other files.
	Workspace *WorkspaceGrant `yaml:"workspace"`
	// SearchWrite lets the plugin contribute documents to the search index
	// (search_replace), of the types it names.
	SearchWrite *SearchWriteGrant `yaml:"search.write"`
	// FactsWrite lets the plugin publish facts about catalog entities
	// (facts_publish), which scorecards' rules read; only about entities its caller
	// may read, of the kinds it names, within scorecards.facts' limits.
	FactsWrite *FactsWriteGrant `yaml:"facts.write"`
}

// FactsWriteGrant is grants["facts.write"].
type FactsWriteGrant struct {
	// Kinds are the entity kinds the plugin may publish facts about (e.g.
	// [Component]). Empty means any kind.
	Kinds []string `yaml:"kinds"`
}

// SearchWriteGrant is grants["search.write"].
type SearchWriteGrant struct {
	// Types are the document types the plugin may write (e.g. [techdocs] for a docs
	// plugin). Empty means one type, named after the plugin's id.
	Types []string `yaml:"types"`
}

// WorkspaceGrant is grants.workspace.
type WorkspaceGrant struct{}

// Has reports whether the capability is granted.
func (g *Grants) Has(capability string) bool {
	switch capability {
	case abi.CapKV:
		return g.KV != nil
	case abi.CapCatalogRead:
		return g.CatalogRead != nil
	case abi.CapCatalogWrite:
		return g.CatalogWrite != nil
	case abi.CapURLRead:
		return g.URLRead != nil
	case abi.CapProxy:
		return g.Proxy != nil
	case abi.CapTasks:
		return g.Tasks != nil
	case abi.CapPermission:
		return g.Permission != nil
	case abi.CapFiles:
		return g.Files != nil
	case abi.CapWorkspace:
		return g.Workspace != nil
	case abi.CapSearchWrite:
		return g.SearchWrite != nil
	case abi.CapFactsWrite:
		return g.FactsWrite != nil
	}
	return false
}

// Names lists the granted capabilities.
func (g *Grants) Names() []string {
	var out []string
	for _, c := range abi.Capabilities {
		if g.Has(c) {
			out = append(out, c)
		}
	}
	return out
}

// KVGrant is grants.kv.
type KVGrant struct {
	// Quota bounds the total size of keys and values. Default 10MiB.
	Quota units.ByteSize `yaml:"quota"`
}

// CatalogReadGrant is grants["catalog.read"].
type CatalogReadGrant struct{}

// CatalogWriteGrant is grants["catalog.write"].
type CatalogWriteGrant struct {
	// Kinds the plugin may write (e.g. [Component, API]). Empty means any kind.
	Kinds []string `yaml:"kinds"`
	// Namespaces the plugin may write. Empty means any namespace.
	Namespaces []string `yaml:"namespaces"`
}

// URLReadGrant is grants["url.read"].
type URLReadGrant struct {
	// Hosts are host globs (e.g. github.com, *.example.com). Empty means any host that
	// the URL readers allow.
	Hosts []string `yaml:"hosts"`
	// Paths are URL path globs (e.g. /acme/**). Empty means any path.
	Paths []string `yaml:"paths"`
}

// ProxyGrant is grants.proxy.
type ProxyGrant struct {
	// Endpoints are the proxy.endpoints prefixes the plugin may call (e.g. /github).
	// Empty means none.
	Endpoints []string `yaml:"endpoints"`
}

// TasksGrant is grants.tasks.
type TasksGrant struct{}

// PermissionGrant is grants.permission.
type PermissionGrant struct{}

// FilesGrant is grants.files.
type FilesGrant struct {
	// Quota bounds the total size of the plugin's file paths and contents. Default
	// 256MiB.
	Quota units.ByteSize `yaml:"quota"`
	// MaxFileSize bounds one file. Default 32MiB.
	MaxFileSize units.ByteSize `yaml:"maxFileSize"`
}

// Limits bound a plugin's resources.
type Limits struct {
	// Memory caps each instance's memory: its linear memory, its host arena, and its
	// tables, globals and function references in the Wasm engine, together (abi/SPEC.md
	// section 1.1). Default 64MiB.
	Memory units.ByteSize `yaml:"memory"`
	// Timeout is the time allowed per call, and for each instance's start-up (the
	// module's start function, then _initialize). Default 5s.
	Timeout units.Duration `yaml:"timeout"`
	// Instances is the most instances (concurrent calls) the plugin gets. Default 4.
	Instances int `yaml:"instances"`
	// QueueTimeout is how long a request waits for a free instance before it gets 503.
	// Default 1s.
	QueueTimeout units.Duration `yaml:"queueTimeout"`
	// MaxBodySize caps request bodies; larger ones get 413. Default 10MiB.
	MaxBodySize units.ByteSize `yaml:"maxBodySize"`
}

// Defaults.
const (
	DefaultPort        = 7007
	DefaultMemory      = 64 << 20
	DefaultTimeout     = 5e9
	DefaultInstances   = 4
	DefaultQueue       = 1e9
	DefaultMaxBody     = 10 << 20
	DefaultKVQuota     = 10 << 20
	DefaultFilesQuota  = 256 << 20
	DefaultMaxFileSize = 32 << 20
	DefaultShutdown    = 30e9
	DefaultDatabase    = "data/greenroom.db"
	DefaultWasmCache   = "data/wasm-cache"
	DefaultTitle       = "Greenroom"
	maxPluginInstances = 256
)

func (c *Config) applyDefaults() {
	if c.App.Title == "" {
		c.App.Title = DefaultTitle
	}
	if c.Backend.Listen.Port == nil {
		p := DefaultPort
		c.Backend.Listen.Port = &p
	}
	if c.Backend.Database.Client == "" {
		c.Backend.Database.Client = "bbolt"
	}
	if c.Backend.Database.Client == "bbolt" && c.Backend.Database.Connection.Value == "" && !c.Backend.Database.Connection.IsMapping() {
		c.Backend.Database.Connection.Value = DefaultDatabase
	}
	if c.Backend.ShutdownTimeout == 0 {
		c.Backend.ShutdownTimeout = DefaultShutdown
	}
	c.Audit.ApplyDefaults()
	c.Auth.ApplyDefaults()
	c.Scaffolder.ApplyDefaults()
	c.Search.ApplyDefaults()
	c.Scorecards.ApplyDefaults()
	if c.Runtime.CompilationCache == "" {
		c.Runtime.CompilationCache = DefaultWasmCache
	}
	if c.Backend.BaseURL == "" {
		c.Backend.BaseURL = fmt.Sprintf("http://localhost:%d", *c.Backend.Listen.Port)
	}
	if c.App.BaseURL == "" {
		c.App.BaseURL = c.Backend.BaseURL
	}
	plugins := c.pluginNodes()
	for i := range c.Plugins {
		p := &c.Plugins[i]
		p.Index = i
		if i < len(plugins) {
			p.node, p.origin = plugins[i], c.origin
			p.Line = plugins[i].Line
			p.File = c.origin[plugins[i]]
		}
		l := &p.Limits
		if l.Memory == 0 {
			l.Memory = DefaultMemory
		}
		if l.Timeout == 0 {
			l.Timeout = DefaultTimeout
		}
		if l.Instances == 0 {
			l.Instances = DefaultInstances
		}
		if l.QueueTimeout == 0 {
			l.QueueTimeout = DefaultQueue
		}
		if l.MaxBodySize == 0 {
			l.MaxBodySize = DefaultMaxBody
		}
		if p.Grants.KV != nil && p.Grants.KV.Quota == 0 {
			p.Grants.KV.Quota = DefaultKVQuota
		}
		if f := p.Grants.Files; f != nil {
			if f.Quota == 0 {
				f.Quota = DefaultFilesQuota
			}
			if f.MaxFileSize == 0 {
				f.MaxFileSize = DefaultMaxFileSize
			}
		}
	}
}

func (c *Config) pluginNodes() []*yaml.Node {
	if c.root == nil {
		return nil
	}
	for i := 0; i+1 < len(c.root.Content); i += 2 {
		if c.root.Content[i].Value == "plugins" && c.root.Content[i+1].Kind == yaml.SequenceNode {
			return c.root.Content[i+1].Content
		}
	}
	return nil
}

// PluginError builds an error located at a plugin entry (sub is a path below it), naming
// the file and line that set sub when there is one.
func (c *Config) PluginError(p *Plugin, sub, msg string) *Error {
	path := p.Path()
	if sub != "" {
		path += "." + sub
	}
	file, line := p.Locate(sub)
	return &Error{File: file, Line: line, Path: path, Msg: msg}
}

func (c *Config) validate() Errors {
	var errs Errors
	// section adds a section's problems, located: a *lifecycle.FieldError's path is
	// under the section's key; a part's own error names its whole path.
	section := func(key []string, problems ...error) {
		for _, p := range problems {
			var fe *lifecycle.FieldError
			if !errors.As(p, &fe) {
				if whole, ok := lifecycle.AsFieldError(p); ok {
					errs = append(errs, c.located(whole))
					continue
				}
			}
			errs = append(errs, c.located(lifecycle.Under(key, p)))
		}
	}
	if port := *c.Backend.Listen.Port; port < 0 || port > 65535 {
		section([]string{"backend", "listen", "port"}, fmt.Errorf("port %d is outside 0-65535", port))
	}
	section([]string{"audit"}, c.Audit.Validate()...)
	section([]string{"auth"}, c.Auth.Validate()...)
	section([]string{"backend", "auth"}, c.Backend.Auth.Validate()...)
	if _, err := c.Security.Keys(c.Dir()); err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			section([]string{"security"}, errors.New(line))
		}
	}
	section([]string{"catalog"}, c.Catalog.Validate()...)
	section([]string{"permission"}, c.Permission.Validate(c.Dir())...)
	section([]string{"proxy"}, c.Proxy.Validate()...)
	section([]string{"metrics"}, c.Metrics.Validate()...)
	section([]string{"scaffolder"}, c.Scaffolder.Validate()...)
	section([]string{"search"}, c.Search.Validate()...)
	section([]string{"scorecards"}, c.Scorecards.Validate()...)
	section([]string{"backend", "reading"}, integrations.Validate(c.Backend.Reading, c.Integrations)...)
	if p, err := c.Backend.Database.validate(); err != nil {
		section(append([]string{"backend", "database"}, p...), err)
	}
	for _, u := range []struct {
		path []string
		v    string
	}{{[]string{"app", "baseUrl"}, c.App.BaseURL}, {[]string{"backend", "baseUrl"}, c.Backend.BaseURL}} {
		if pu, err := url.Parse(u.v); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			section(u.path, fmt.Errorf("%q is not an http(s) URL like http://localhost:7007", u.v))
		}
	}
	seen := map[string]*Plugin{}
	for i := range c.Plugins {
		p := &c.Plugins[i]
		switch {
		case p.ID == "":
			errs = append(errs, c.PluginError(p, "id", "missing; every plugin needs an id"))
		case !abi.ValidID(p.ID):
			errs = append(errs, c.PluginError(p, "id", fmt.Sprintf("%q must be lower-case letters, digits and dashes, starting and ending with a letter or digit", p.ID)))
		case reservedIDs[p.ID]:
			errs = append(errs, c.PluginError(p, "id", fmt.Sprintf("%q is reserved for the host's own /api/%s routes; choose another id", p.ID, p.ID)))
		case seen[p.ID] != nil:
			first := seen[p.ID]
			errs = append(errs, c.PluginError(p, "id", fmt.Sprintf("duplicate plugin id %q, first used at %s (%s:%d); give each entry its own id", p.ID, first.Path(), first.File, first.Line)))
		default:
			seen[p.ID] = p
		}
		if p.Source == "" {
			errs = append(errs, c.PluginError(p, "source", "missing; give the path of the plugin's .wasm file"))
		}
		if p.SHA256 != "" && !isHex64(p.SHA256) {
			errs = append(errs, c.PluginError(p, "sha256", fmt.Sprintf("%q is not 64 hex digits; use the output of `sha256sum FILE`", p.SHA256)))
		}
		if IsRemote(p.Source) && p.SHA256 == "" {
			errs = append(errs, c.PluginError(p, "sha256", "required for a non-local source; add sha256: <hex digest of the file>"))
		}
		l := p.Limits
		if l.Memory < 1<<20 || l.Memory > 4<<30 {
			errs = append(errs, c.PluginError(p, "limits.memory", fmt.Sprintf("%s is outside 1MiB-4GiB", l.Memory)))
		}
		if l.Timeout < 0 || l.QueueTimeout < 0 {
			errs = append(errs, c.PluginError(p, "limits", "timeouts must be positive"))
		}
		if l.Instances < 1 || l.Instances > maxPluginInstances {
			errs = append(errs, c.PluginError(p, "limits.instances", fmt.Sprintf("%d is outside 1-%d", l.Instances, maxPluginInstances)))
		}
		if l.MaxBodySize < 0 {
			errs = append(errs, c.PluginError(p, "limits.maxBodySize", "must be positive"))
		}
		if g := p.Grants.URLRead; g != nil {
			if _, err := urlreader.Grant(g.Hosts, g.Paths); err != nil {
				errs = append(errs, c.PluginError(p, "grants.url.read", err.Error()))
			}
		}
		if g := p.Grants.Proxy; g != nil {
			for _, name := range g.Endpoints {
				if !c.Proxy.Has(name) {
					errs = append(errs, c.PluginError(p, "grants.proxy.endpoints", fmt.Sprintf(
						"%q is not an endpoint of proxy.endpoints; add it there, or remove it from the grant", name)))
				}
			}
		}
	}
	return errs
}

// Warnings lists what in the config is allowed but probably a mistake, located where
// it was set. The host logs them at start.
func (c *Config) Warnings() []*Error {
	var out []*Error
	listen := *c.Backend.Listen.Port
	if u, err := url.Parse(c.Backend.BaseURL); err == nil && listen != 0 {
		port, of := u.Port(), "port %s of %s"
		if port == "" {
			port, of = map[string]string{"http": "80", "https": "443"}[u.Scheme], "port %s (%s has none, so its scheme's default)"
		}
		if port != "" && port != strconv.Itoa(listen) {
			file, line := c.locate("backend", "baseUrl")
			out = append(out, &Error{File: file, Line: line, Path: "backend.baseUrl", Msg: fmt.Sprintf(
				"%s differs from backend.listen.port %d: the portal is not reachable at baseUrl unless a proxy forwards port %s to %d; if none does, set backend.listen.port to %s or baseUrl's port to %d",
				fmt.Sprintf(of, port, c.Backend.BaseURL), listen, port, listen, port, listen)})
		}
	}
	return out
}

// locate finds the file and line that set a key of the merged config.
// located adds the file and line where the config sets fe's path (or the nearest key
// above it that it sets).
func (c *Config) located(fe *lifecycle.FieldError) *Error {
	e := &Error{Path: lifecycle.PathString(fe.Path), Msg: fe.Msg}
	if c.root == nil {
		return e
	}
	n := c.root
	for _, key := range fe.Path {
		var next *yaml.Node
		switch {
		case strings.HasPrefix(key, "[") && n.Kind == yaml.SequenceNode:
			if i, err := strconv.Atoi(key[1 : len(key)-1]); err == nil && i < len(n.Content) {
				next = n.Content[i]
			}
		case n.Kind == yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == key {
					next = n.Content[i+1]
				}
			}
		}
		if next == nil {
			break
		}
		n = next
	}
	if n != c.root {
		e.File, e.Line = c.origin[n], n.Line
	}
	return e
}

func (c *Config) locate(path ...string) (string, int) {
	if c.root == nil {
		return "", 0
	}
	if ns := lookup(c.root, path); len(ns) == 1 {
		return c.origin[ns[0]], ns[0].Line
	}
	return "", 0
}

// reservedIDs are /api/<id> prefixes the host serves itself.
var reservedIDs = map[string]bool{"catalog": true, "proxy": true, "admin": true, "audit": true, "auth": true, "app": true, "permission": true, "search": true, "scorecards": true}

// IsRemote reports whether a plugin source is a URL rather than a local path.
func IsRemote(src string) bool {
	return strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://")
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
