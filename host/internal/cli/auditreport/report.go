// Package auditreport builds what `greenroom audit` prints: for every configured plugin (or
// one .wasm file), its source, sha256 and pin, its signature, the capabilities its
// manifest declares, its imports use and the operator grants, what is over-granted or
// missing, its limits, routes, extensions and tasks, and whether anything is a mismatch.
// It reads the files only; nothing runs. The JSON shape is host/internal/cli/auditreport/report.schema.json.
package auditreport

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/capability"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/plugin"
	"greenroom.dev/greenroom/host/internal/signing"
	"greenroom.dev/greenroom/host/internal/wasmfile"
)

// Pin statuses.
const (
	PinnedOK       = "pinned-ok"
	PinnedMismatch = "pinned-mismatch"
	Unpinned       = "unpinned"
)

// Report modes.
const (
	ModeConfig = "config"
	ModeFile   = "file"
)

// Report is the output of `greenroom audit`.
type Report struct {
	// Mode is "config" (every plugins: entry of the config files) or "file" (one .wasm
	// file, with no config: nothing is granted or pinned).
	Mode string `json:"mode"`
	// Config lists the config files read (config mode).
	Config []string `json:"config,omitempty"`
	// Signatures is the signature policy the report was checked against.
	Signatures Policy `json:"signatures"`
	// Plugins are the plugins in config order.
	Plugins []Plugin `json:"plugins"`
	// Mismatch is true when any plugin has a mismatch; `greenroom audit` then exits 1.
	Mismatch bool `json:"mismatch"`
}

// Policy is the signature policy: security.requireSignedPlugins and the ids of
// security.trustedKeys.
type Policy struct {
	Required    bool     `json:"required"`
	TrustedKeys []string `json:"trustedKeys"`
}

// Plugin is one plugin's entry.
type Plugin struct {
	// ID is the config id (file mode: the manifest id).
	ID      string `json:"id"`
	Enabled bool   `json:"enabled"`
	// Location is where the entry is in config, e.g. app-config.yaml:31 plugins[2].
	Location string `json:"location,omitempty"`
	// Source is the source as configured; File the path it resolves to.
	Source string `json:"source"`
	File   string `json:"file,omitempty"`
	// SHA256 is the file's digest ("" when unreadable).
	SHA256 string `json:"sha256,omitempty"`
	Pin    Pin    `json:"pin"`
	// Signature is the file's signature status (absent when the file is unreadable).
	Signature *Signature `json:"signature,omitempty"`
	// Manifest is the manifest's identity (absent when unreadable).
	Manifest     *Manifest    `json:"manifest,omitempty"`
	Capabilities Capabilities `json:"capabilities"`
	// Imports are the module's greenroom:host/v1 functions and their capabilities.
	Imports []Import `json:"imports"`
	// Grants are the operator's grants with their narrowing (config mode).
	Grants []Grant `json:"grants"`
	// Limits are the effective limits, defaults filled in (config mode).
	Limits *Limits `json:"limits,omitempty"`
	// Routes are the HTTP routes as served, under /api/<id>.
	Routes []Route `json:"routes"`
	// Tasks are the scheduled tasks.
	Tasks []abi.Task `json:"tasks"`
	// Permissions are the plugin's own permissions, which the operator's policy grants.
	Permissions []abi.Permission `json:"permissions,omitempty"`
	// Extensions are the manifest's frontend extensions, as it gives them.
	Extensions json.RawMessage `json:"extensions,omitempty"`
	// Actions are the scaffolder actions the plugin runs (export gr_action).
	Actions []abi.Action `json:"actions,omitempty"`
	// Problems are the reasons for Mismatch, one sentence each, with the fix.
	Problems []string `json:"problems"`
	// Warnings are worth a reviewer's look but are not mismatches.
	Warnings []string `json:"warnings"`
	// Mismatch is true on a pin mismatch, a missing grant, an over-grant, an invalid
	// signature, an unsigned or untrusted module while signatures are required, an
	// import the host refuses, or an unreadable file.
	Mismatch bool `json:"mismatch"`
}

// Pin is the integrity pin status.
type Pin struct {
	// Status is pinned-ok, pinned-mismatch or unpinned.
	Status string `json:"status"`
	// Expected is the configured sha256 (pinned only).
	Expected string `json:"expected,omitempty"`
}

// Signature is the signature status.
type Signature struct {
	// Status is unsigned, signed-trusted, signed-untrusted or invalid.
	Status signing.Status `json:"status"`
	KeyID  string         `json:"keyId,omitempty"`
	Error  string         `json:"error,omitempty"`
}

// Manifest is a manifest's identity.
type Manifest struct {
	ID          string `json:"id"`
	Version     string `json:"version"`
	ABI         string `json:"abi"`
	Description string `json:"description,omitempty"`
}

// Capabilities compares what is declared, used and granted. All lists are sorted in
// abi.Capabilities order.
type Capabilities struct {
	// Declared are the manifest's requests.
	Declared []abi.Capability `json:"declared"`
	// Imported are the capabilities the module's imports need, plus tasks when the
	// manifest has tasks.
	Imported []string `json:"imported"`
	// Granted are the operator's grants (config mode; null in file mode).
	Granted []string `json:"granted"`
	// OverGranted are granted but neither imported nor needed for tasks.
	OverGranted []string `json:"overGranted"`
	// Missing are imported (or tasks) but neither granted nor optional: the plugin would be
	// refused at load. In file mode, the capabilities an operator must grant.
	Missing []string `json:"missing"`
	// Stubbed are imported and optional but not granted: their functions are linked to
	// stubs that return capability_denied.
	Stubbed []string `json:"stubbed"`
	// Undeclared are imported (or tasks) but not declared in the manifest.
	Undeclared []string `json:"undeclared"`
}

// Import is one greenroom:host/v1 import.
type Import struct {
	Function string `json:"function"`
	// Capability is "" for the functions that need none (mem_read, mem_write, input_read)
	// and for names the host does not have.
	Capability string `json:"capability"`
}

// Grant is one granted capability with its narrowing.
type Grant struct {
	Capability string   `json:"capability"`
	Quota      string   `json:"quota,omitempty"`
	Hosts      []string `json:"hosts,omitempty"`
	Paths      []string `json:"paths,omitempty"`
	Endpoints  []string `json:"endpoints,omitempty"`
	Kinds      []string `json:"kinds,omitempty"`
	Namespaces []string `json:"namespaces,omitempty"`
}

// Limits are a plugin's effective limits.
type Limits struct {
	Memory       string `json:"memory"`
	Timeout      string `json:"timeout"`
	Instances    int    `json:"instances"`
	QueueTimeout string `json:"queueTimeout"`
	MaxBodySize  string `json:"maxBodySize"`
}

// Route is a route as served.
type Route struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	// Anonymous is true when callers who have not signed in may reach the route (the
	// manifest's allow: unauthenticated, or the entry's allowAnonymous).
	Anonymous bool `json:"anonymous,omitempty"`
}

// Options are the signature policy to check against: the resolved security.trustedKeys
// and security.requireSignedPlugins.
type Options struct {
	Trusted       []signing.PublicKey
	RequireSigned bool
}

func (o Options) policy() Policy {
	p := Policy{Required: o.RequireSigned, TrustedKeys: []string{}}
	for _, k := range o.Trusted {
		p.TrustedKeys = append(p.TrustedKeys, k.ID)
	}
	return p
}

// ExitCode is the exit code of `greenroom audit`: 1 on any mismatch, else 0.
func (r *Report) ExitCode() int {
	if r.Mismatch {
		return 1
	}
	return 0
}

// Build reports on every plugins: entry of cfg, enabled or not (a disabled entry is one
// line away from running, so its mismatches count too).
func Build(cfg *config.Config, opts Options) (*Report, error) {
	if cfg == nil {
		return nil, errors.New("audit: no config")
	}
	r := &Report{Mode: ModeConfig, Config: cfg.Files, Signatures: opts.policy(), Plugins: []Plugin{}}
	for i := range cfg.Plugins {
		p := buildEntry(cfg, &cfg.Plugins[i], opts)
		r.Mismatch = r.Mismatch || p.Mismatch
		r.Plugins = append(r.Plugins, p)
	}
	return r, nil
}

// BuildFile reports on one .wasm file with no config: nothing is pinned or granted, so
// Missing lists what an operator would have to grant, and only the file itself (its
// imports, its signature, its manifest) can be a mismatch. A file that cannot be read,
// or is not a WebAssembly module, is an error.
func BuildFile(path string, opts Options) (*Report, error) {
	wasm, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if len(wasm) > plugin.MaxModuleSize {
		return nil, fmt.Errorf("audit: %s is over the %d byte limit", path, plugin.MaxModuleSize)
	}
	mod, err := wasmfile.Parse(wasm)
	if err != nil {
		return nil, fmt.Errorf("audit: %s: %w", path, err)
	}
	sum := sha256.Sum256(wasm)
	p := Plugin{ID: strings.TrimSuffix(filepath.Base(path), ".wasm"), Enabled: true, Source: path, SHA256: hex.EncodeToString(sum[:]), Pin: Pin{Status: Unpinned}}
	if man, err := mod.Manifest(); err != nil {
		p.problem("%v", err)
		p.Imports, p.Routes, p.Tasks = imports(mod), []Route{}, []abi.Task{}
	} else {
		p.ID = man.ID
		describe(&p, mod, man, nil)
	}
	checkSignature(&p, wasm, opts)
	p.finish()
	return &Report{Mode: ModeFile, Signatures: opts.policy(), Plugins: []Plugin{p}, Mismatch: p.Mismatch}, nil
}

func buildEntry(cfg *config.Config, entry *config.Plugin, opts Options) Plugin {
	p := Plugin{
		ID:       entry.ID,
		Enabled:  entry.IsEnabled(),
		Location: fmt.Sprintf("%s:%d %s", entry.File, entry.Line, entry.Path()),
		Source:   entry.Source,
		Pin:      Pin{Status: Unpinned},
		Limits: &Limits{
			Memory:       entry.Limits.Memory.String(),
			Timeout:      entry.Limits.Timeout.String(),
			Instances:    entry.Limits.Instances,
			QueueTimeout: entry.Limits.QueueTimeout.String(),
			MaxBodySize:  entry.Limits.MaxBodySize.String(),
		},
		Grants: grants(&entry.Grants),
	}
	if entry.SHA256 != "" {
		p.Pin = Pin{Status: PinnedOK, Expected: strings.ToLower(entry.SHA256)}
	}
	// Read without the pin, so that a mismatch still shows the file's digest.
	unpinned := *entry
	unpinned.SHA256 = ""
	path, wasm, sum, mod, man, err := plugin.Read(cfg.Dir(), &unpinned)
	p.File = path
	if path == "" && !config.IsRemote(entry.Source) {
		p.File = entry.Source
		if !filepath.IsAbs(p.File) {
			p.File = filepath.Join(cfg.Dir(), p.File)
		}
	}
	if err != nil {
		p.problem("unreadable: %v", err)
		p.Imports, p.Routes, p.Tasks = []Import{}, []Route{}, []abi.Task{}
		p.Capabilities.Granted = entry.Grants.Names()
		p.finish()
		return p
	}
	p.SHA256 = sum
	if p.Pin.Status == PinnedOK && p.Pin.Expected != sum {
		p.Pin.Status = PinnedMismatch
		p.problem("sha256 mismatch: %s pins %s but the file hashes to %s; if the new file is trusted, set %s.sha256 to %s", entry.Path(), p.Pin.Expected, sum, entry.Path(), sum)
	}
	describe(&p, mod, man, entry)
	checkSignature(&p, wasm, opts)
	p.finish()
	return p
}

// describe fills in the manifest's and the imports' parts, and compares them with the
// grants (entry nil: file mode).
func describe(p *Plugin, mod *wasmfile.Module, man *abi.Manifest, entry *config.Plugin) {
	p.Manifest = &Manifest{ID: man.ID, Version: man.Version, ABI: man.ABI, Description: man.Description}
	p.Extensions = man.Extensions
	p.Tasks = append([]abi.Task{}, man.Tasks...)
	p.Routes = []Route{}
	for _, rt := range man.Routes {
		anon := rt.Allow == abi.AllowUnauthenticated || entry != nil && entry.AllowAnonymous
		p.Routes = append(p.Routes, Route{Method: rt.Method, Path: "/api/" + p.ID + rt.Path, Anonymous: anon})
	}
	p.Permissions = man.Permissions
	p.Actions = man.Actions
	p.Imports = imports(mod)

	c := &p.Capabilities
	c.Declared = append([]abi.Capability{}, man.Capabilities...)
	declared, optional := map[string]bool{}, map[string]bool{}
	for _, d := range man.Capabilities {
		declared[d.Name], optional[d.Name] = true, d.Optional
	}
	imported := map[string]bool{}
	for _, im := range p.Imports {
		if im.Capability != "" {
			imported[im.Capability] = true
		}
	}
	if len(man.Tasks) > 0 {
		imported[abi.CapTasks] = true
	}
	granted := func(string) bool { return false }
	if entry != nil {
		granted = entry.Grants.Has
		c.Granted = entry.Grants.Names()
	}
	for _, name := range abi.Capabilities {
		switch {
		case imported[name] && !granted(name) && optional[name] && name != abi.CapTasks:
			c.Stubbed = append(c.Stubbed, name)
		case imported[name] && !granted(name):
			c.Missing = append(c.Missing, name)
		case !imported[name] && granted(name):
			c.OverGranted = append(c.OverGranted, name)
		}
		if imported[name] {
			c.Imported = append(c.Imported, name)
			if !declared[name] {
				c.Undeclared = append(c.Undeclared, name)
			}
		}
	}

	// What the loader refuses besides grants: reuse its import check with everything
	// granted, so that only the imports no grant can cover remain.
	where := "the plugin's entry"
	probe := &config.Plugin{ID: p.ID, Grants: allGrants}
	if entry != nil {
		where = entry.Path()
		probe.Index = entry.Index
	}
	if _, err := plugin.CheckImports(capability.Functions, mod, man, probe); err != nil {
		p.problem("refused at load: %v", err)
	}
	if len(man.Routes) > 0 && !mod.HasExport(abi.ExportHTTP) {
		p.problem("refused at load: the manifest declares routes but the module does not export %s", abi.ExportHTTP)
	}
	if len(man.Tasks) > 0 && !mod.HasExport(abi.ExportTask) {
		p.problem("refused at load: the manifest declares tasks but the module does not export %s", abi.ExportTask)
	}
	if len(man.Actions) > 0 && !mod.HasExport(abi.ExportAction) {
		p.problem("refused at load: the manifest declares scaffolder actions but the module does not export %s", abi.ExportAction)
	}
	if entry == nil {
		if len(c.Missing) > 0 {
			p.warn("needs grants for %s before it can load", strings.Join(c.Missing, ", "))
		}
	} else {
		for _, name := range c.Missing {
			p.problem("missing grant: %s needs capability %s and would be refused at load; grant it under %s.grants%s", usedBy(p.Imports, name), name, where, optionalHint(name))
		}
		for _, name := range c.OverGranted {
			p.problem("over-granted: capability %s is granted but the module never uses it; remove it from %s.grants", name, where)
		}
	}
	if len(c.Undeclared) > 0 {
		p.warn("the module uses %s without declaring %s in its manifest", strings.Join(c.Undeclared, ", "), plural(len(c.Undeclared), "it", "them"))
	}
	if entry != nil {
		narrowingWarnings(p, &entry.Grants, imported, where)
	}
	for _, name := range c.Stubbed {
		p.warn("optional capability %s is not granted: %s %s linked to a stub that returns capability_denied", name, usedBy(p.Imports, name), plural(len(funcsOf(p.Imports, name)), "is", "are"))
	}
}

// narrowingWarnings points at grants that are used but not narrowed (or narrowed to
// nothing), so that a reviewer can tighten them.
func narrowingWarnings(p *Plugin, g *config.Grants, used map[string]bool, where string) {
	if g.URLRead != nil && used[abi.CapURLRead] && len(g.URLRead.Hosts) == 0 {
		p.warn("url.read is not narrowed to hosts: the plugin may read from any host the URL readers allow; narrow it with hosts: [...] (and paths: [...]) under %s.grants[\"url.read\"]", where)
	}
	if g.CatalogWrite != nil && used[abi.CapCatalogWrite] && len(g.CatalogWrite.Kinds) == 0 && len(g.CatalogWrite.Namespaces) == 0 {
		p.warn("catalog.write is not narrowed: the plugin may write entities of any kind in any namespace; narrow it with kinds: [...] or namespaces: [...] under %s.grants[\"catalog.write\"]", where)
	}
	if g.Proxy != nil && used[abi.CapProxy] && len(g.Proxy.Endpoints) == 0 {
		p.warn("proxy is granted with no endpoints, so every proxy_fetch call is denied; list the proxy.endpoints it may call under %s.grants.proxy.endpoints", where)
	}
}

func usedBy(ims []Import, capName string) string {
	if capName == abi.CapTasks {
		return "the manifest's tasks"
	}
	return strings.Join(funcsOf(ims, capName), ", ")
}

func funcsOf(ims []Import, capName string) []string {
	var fs []string
	for _, im := range ims {
		if im.Capability == capName {
			fs = append(fs, im.Function)
		}
	}
	if capName == abi.CapTasks {
		return []string{"tasks"}
	}
	return fs
}

func optionalHint(capName string) string {
	if capName == abi.CapTasks {
		return ""
	}
	return ", or mark it optional in the manifest"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

var allGrants = config.Grants{
	KV:           &config.KVGrant{},
	CatalogRead:  &config.CatalogReadGrant{},
	CatalogWrite: &config.CatalogWriteGrant{},
	URLRead:      &config.URLReadGrant{},
	Proxy:        &config.ProxyGrant{},
	Tasks:        &config.TasksGrant{},
	Permission:   &config.PermissionGrant{},
	Files:        &config.FilesGrant{},
	Workspace:    &config.WorkspaceGrant{},
	SearchWrite:  &config.SearchWriteGrant{},
	FactsWrite:   &config.FactsWriteGrant{},
}

func imports(mod *wasmfile.Module) []Import {
	out := []Import{}
	for _, im := range mod.DistinctImports() {
		if im.Module == abi.Namespace && im.Kind == wasmfile.KindFunc {
			capName, _ := capability.Of(im.Name)
			out = append(out, Import{Function: im.Name, Capability: capName})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Function < out[j].Function })
	return out
}

func grants(g *config.Grants) []Grant {
	out := []Grant{}
	for _, name := range g.Names() {
		gr := Grant{Capability: name}
		switch name {
		case abi.CapKV:
			gr.Quota = g.KV.Quota.String()
		case abi.CapFiles:
			gr.Quota = g.Files.Quota.String()
		case abi.CapCatalogWrite:
			gr.Kinds, gr.Namespaces = g.CatalogWrite.Kinds, g.CatalogWrite.Namespaces
		case abi.CapURLRead:
			gr.Hosts, gr.Paths = g.URLRead.Hosts, g.URLRead.Paths
		case abi.CapProxy:
			gr.Endpoints = g.Proxy.Endpoints
		case abi.CapFactsWrite:
			gr.Kinds = g.FactsWrite.Kinds
		}
		out = append(out, gr)
	}
	return out
}

func checkSignature(p *Plugin, wasm []byte, opts Options) {
	res, err := signing.Verify(wasm, opts.Trusted)
	p.Signature = &Signature{Status: res.Status, KeyID: res.KeyID}
	if err != nil {
		p.Signature.Error = err.Error()
	}
	switch {
	case res.Status == signing.Invalid || res.Status == "":
		p.Signature.Status = signing.Invalid
		p.problem("invalid signature: %v; the module is refused at load", err)
	case res.Status == signing.Unsigned && opts.RequireSigned:
		p.problem("unsigned while security.requireSignedPlugins is true; sign it with `greenroom plugin sign --key KEY %s -o %s` and update its sha256 pin", p.Source, p.Source)
	case res.Status == signing.SignedUntrusted && opts.RequireSigned:
		p.problem("%v, and security.requireSignedPlugins is true", err)
	case res.Status == signing.SignedUntrusted:
		p.warn("%v", err)
	}
}

func (p *Plugin) problem(format string, args ...any) {
	p.Problems = append(p.Problems, fmt.Sprintf(format, args...))
}

func (p *Plugin) warn(format string, args ...any) {
	p.Warnings = append(p.Warnings, fmt.Sprintf(format, args...))
}

// finish turns nil lists into empty ones (the schema has arrays, not nulls, except
// capabilities.granted in file mode) and sets Mismatch.
func (p *Plugin) finish() {
	for _, l := range []*[]string{&p.Problems, &p.Warnings, &p.Capabilities.Imported, &p.Capabilities.OverGranted, &p.Capabilities.Missing, &p.Capabilities.Stubbed, &p.Capabilities.Undeclared} {
		if *l == nil {
			*l = []string{}
		}
	}
	if p.Capabilities.Declared == nil {
		p.Capabilities.Declared = []abi.Capability{}
	}
	if p.Limits != nil && p.Capabilities.Granted == nil {
		p.Capabilities.Granted = []string{}
	}
	if p.Grants == nil && p.Limits != nil {
		p.Grants = []Grant{}
	}
	p.Mismatch = len(p.Problems) > 0
}
