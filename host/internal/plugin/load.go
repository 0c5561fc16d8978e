// Package plugin turns a plugins: entry of the config into a running plugin: it reads the
// module (a file, or a pinned URL through the URL readers), checks its sha256 pin, its
// signature against security.trustedKeys, its manifest, and every import against the
// operator's grants, validates the plugin's config against the manifest's schema, and
// starts it on the runtime. An import whose capability is not granted refuses the plugin
// at load, naming the config line to add, unless the manifest marks the capability
// optional: then it is linked to a stub that answers capability_denied. Every host
// function is wrapped for the audit log. Check (CheckAll for every plugin of a config)
// makes every check that does not run the module, which `greenroom config validate`
// reports; Load is Check, then the start.
//
// A Manager owns the running set of plugins, a generation that a reload replaces whole
// (Prepare, then Commit or Discard), so that in-flight requests finish on the instances
// they started on. It routes HTTP requests to a plugin's gr_http export (ServeHTTPView,
// where the caller encodes the request and reads the response in place) and runs the
// manifest's scheduled tasks.
package plugin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/audit"
	"greenroom.dev/greenroom/host/internal/capability"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/openapi"
	"greenroom.dev/greenroom/host/internal/runtime"
	"greenroom.dev/greenroom/host/internal/signing"
	"greenroom.dev/greenroom/host/internal/urlreader"
	"greenroom.dev/greenroom/host/internal/wasmfile"
)

// MaxModuleSize bounds a plugin file.
const MaxModuleSize = 256 << 20

// Deps are the host parts a plugin can use.
type Deps struct {
	Engine *runtime.Engine
	Logger *slog.Logger
	// Host links the greenroom:host/v1 capability functions (package capability's
	// table, bound to the host's services). Nil links none: a plugin that imports one
	// is refused.
	Host *capability.Host
	// URLs reads plugin sources given as http(s) URLs; nil refuses them.
	URLs urlreader.Reader
	// Audit records every capability call and denial; nil records nothing.
	Audit *audit.Log
	// Trusted are the keys whose plugin signatures are trusted; RequireSigned refuses
	// plugins that no trusted key signed. The Manager sets both from the config's
	// security section.
	Trusted       []signing.PublicKey
	RequireSigned bool
	// Observer is told of every call of every plugin (the host's metrics); nil observes
	// nothing.
	Observer runtime.Observer
	// Leases, when several replicas share one database, lets one replica at a time run
	// each scheduled task; nil runs every task here.
	Leases Leases
}

// Leases hands out named leases among the replicas on one database
// (store/pgstore.DB.Lead): Lead runs lead while this replica holds the lease name,
// which one replica holds at a time, trying to take it every poll; lead's context
// ends when the lease is lost. Lead returns when ctx is done.
type Leases interface {
	Lead(ctx context.Context, name string, poll time.Duration, log *slog.Logger, lead func(context.Context)) error
}

// Plugin is a loaded, running plugin.
type Plugin struct {
	ID       string
	Entry    *config.Plugin
	Manifest *abi.Manifest
	Module   *wasmfile.Module
	SHA256   string
	Path     string
	// Config is the plugin's config after schema defaults, as JSON.
	Config json.RawMessage
	// Stubbed lists imports linked to capability_denied stubs (optional capabilities
	// that were not granted).
	Stubbed []string
	// Signature is the module's signature status.
	Signature signing.Result

	rt      *runtime.Plugin
	checked *checked // until the start
	// readFile serves the plugin's file responses; nil unless it imports files_read
	// with the files capability granted.
	readFile capability.ReadFile
	routes   routes
	log      *slog.Logger
	audit    *audit.Log
}

// Read reads a local plugin file and checks its pin and shape, without starting it. It is
// what inspect and audit use.
func Read(cfgDir string, entry *config.Plugin) (path string, wasm []byte, sum string, mod *wasmfile.Module, man *abi.Manifest, err error) {
	return ReadSource(context.Background(), nil, cfgDir, entry)
}

// LocalPath is the file that a plugin entry's source names (relative to cfgDir, the
// config's Dir), or "" for an http(s) source.
func LocalPath(cfgDir string, entry *config.Plugin) string {
	if config.IsRemote(entry.Source) {
		return ""
	}
	if filepath.IsAbs(entry.Source) {
		return entry.Source
	}
	return filepath.Join(cfgDir, entry.Source)
}

// ReadSource is Read for local paths and, through urls, for http(s) sources (which the
// config requires to be pinned). urls may be nil when the host reads no URLs.
func ReadSource(ctx context.Context, urls urlreader.Reader, cfgDir string, entry *config.Plugin) (path string, wasm []byte, sum string, mod *wasmfile.Module, man *abi.Manifest, err error) {
	if config.IsRemote(entry.Source) {
		if urls == nil {
			return "", nil, "", nil, nil, fmt.Errorf("source %q: URL sources are read through the URL readers, which are not available here", entry.Source)
		}
		if entry.SHA256 == "" {
			return "", nil, "", nil, nil, fmt.Errorf("source %q: a URL source must be pinned; add %s.sha256", entry.Source, entry.Path())
		}
		path = entry.Source
		res, rerr := urls.ReadURL(ctx, entry.Source, urlreader.ReadURLOptions{MaxBytes: MaxModuleSize})
		if rerr != nil {
			return "", nil, "", nil, nil, fmt.Errorf("source %s: %w; the URL must be allowed by backend.reading.allow or an integration", entry.Source, rerr)
		}
		wasm = res.Content
	} else {
		path = LocalPath(cfgDir, entry)
		wasm, err = readFile(path)
		if err != nil {
			return "", nil, "", nil, nil, fmt.Errorf("source: %w; check %s.source%s", err, entry.Path(), at(entry, "source"))
		}
	}
	h := sha256.Sum256(wasm)
	sum = hex.EncodeToString(h[:])
	if entry.SHA256 != "" && !strings.EqualFold(entry.SHA256, sum) {
		return "", nil, "", nil, nil, fmt.Errorf("sha256 mismatch for %s: config pins %s but the file hashes to %s; if the new file is trusted, set %s.sha256%s to %s",
			path, strings.ToLower(entry.SHA256), sum, entry.Path(), at(entry, "sha256"), sum)
	}
	mod, err = wasmfile.Parse(wasm)
	if err != nil {
		return "", nil, "", nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	man, err = mod.Manifest()
	if err != nil {
		return "", nil, "", nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return path, wasm, sum, mod, man, nil
}

// at names the file and line that set a key of the entry, as " (file:line)", when an
// overlay set it (errors name the entry's own place already).
func at(entry *config.Plugin, sub string) string {
	if f, line := entry.Locate(sub); f != "" && f != entry.File {
		return fmt.Sprintf(" (%s:%d)", f, line)
	}
	return ""
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("file %s does not exist", path)
		}
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxModuleSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxModuleSize {
		return nil, fmt.Errorf("file %s is over the %d byte limit", path, MaxModuleSize)
	}
	return b, nil
}

// Load reads, checks and starts one plugin: Check, then the start.
func Load(ctx context.Context, deps Deps, cfg *config.Config, entry *config.Plugin) (*Plugin, error) {
	p, err := Check(ctx, deps, cfg, entry)
	if err != nil {
		return nil, err
	}
	if err := p.start(ctx, deps); err != nil {
		return nil, loadError(entry, err)
	}
	return p, nil
}

// loadError names the plugin, the step and the config entry.
func loadError(entry *config.Plugin, err error) error {
	return fmt.Errorf("plugin %s: load: %w (%s at %s:%d)", entry.ID, err, entry.Path(), entry.File, entry.Line)
}

// Check reads one plugin and checks everything the loader checks before it starts the
// module, without running any of it: the source (read through deps.URLs for an http(s)
// source), its sha256 pin, the signature against deps.Trusted and deps.RequireSigned,
// the manifest, every import against the entry's grants (and the host functions of
// deps.Host's table, or capability.Functions without one), the exports the manifest
// needs, the routes, and the entry's config against the manifest's schema. The plugin
// it returns is not started; Load starts it. Errors are Load's.
func Check(ctx context.Context, deps Deps, cfg *config.Config, entry *config.Plugin) (p *Plugin, err error) {
	defer func() {
		if err != nil {
			err = loadError(entry, err)
		}
	}()
	path, wasm, sum, mod, man, err := ReadSource(ctx, deps.URLs, cfg.Dir(), entry)
	if err != nil {
		return nil, err
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.Default()
	}
	p = &Plugin{ID: entry.ID, Entry: entry, Manifest: man, Module: mod, SHA256: sum, Path: path, log: logger.With("plugin", entry.ID), audit: deps.Audit}
	if p.Signature, err = signing.Check(wasm, deps.Trusted, deps.RequireSigned); err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}

	table := capability.Functions
	if deps.Host != nil {
		table = deps.Host.Table
	}
	links, err := CheckImports(table, mod, man, entry)
	if err != nil {
		return nil, err
	}
	if len(man.Tasks) > 0 && !entry.Grants.Has(abi.CapTasks) && !optionalCap(man, abi.CapTasks) {
		return nil, fmt.Errorf("the manifest declares %d scheduled task(s) but capability tasks is not granted; add `tasks: {}` under %s.grants", len(man.Tasks), entry.Path())
	}
	if len(man.Routes) > 0 && !mod.HasExport(abi.ExportHTTP) {
		return nil, fmt.Errorf("the manifest declares routes but the module does not export %s", abi.ExportHTTP)
	}
	if len(man.Extensions) > 0 && !mod.HasExport(abi.ExportExtension) {
		return nil, fmt.Errorf("the manifest declares extensions but the module does not export %s; build it with an SDK that supports frontend plugins", abi.ExportExtension)
	}
	if len(man.Tasks) > 0 && !mod.HasExport(abi.ExportTask) {
		return nil, fmt.Errorf("the manifest declares tasks but the module does not export %s", abi.ExportTask)
	}
	if len(man.OpenAPI) > 0 {
		if err := openapi.Check(man.OpenAPI); err != nil {
			return nil, fmt.Errorf("manifest: openapi: %w; fix the plugin's plugin.yaml and pack it again", err)
		}
	}
	if len(man.Actions) > 0 && !mod.HasExport(abi.ExportAction) {
		return nil, fmt.Errorf("the manifest declares scaffolder actions but the module does not export %s", abi.ExportAction)
	}
	cfgJSON, cfgMap, err := pluginConfig(man, entry)
	if err != nil {
		return nil, err
	}
	p.Config = cfgJSON
	if p.routes, err = compileRoutes(man.Routes); err != nil {
		return nil, err
	}
	p.checked = &checked{wasm: wasm, links: links, config: cfgMap, log: logger}
	return p, nil
}

// checked is what Check keeps for the start: the module's bytes, how each
// greenroom:host/v1 import is linked, and the config_get map.
type checked struct {
	wasm   []byte
	links  map[string]link
	config map[string]string
	log    *slog.Logger
}

// start links the host functions and starts the checked module on the runtime.
func (p *Plugin) start(ctx context.Context, deps Deps) (err error) {
	c, entry := p.checked, p.Entry
	if c == nil {
		return errors.New("not checked")
	}
	p.checked = nil
	funcs := map[string]runtime.HostFunc{}
	for name, l := range c.links {
		if l == linkNone {
			continue
		}
		if deps.Host == nil {
			return fmt.Errorf("imports %s.%s, but this host links no capability functions", abi.Namespace, name)
		}
		if funcs[name], err = deps.Host.Link(entry, name, l == linkReal); err != nil {
			return err
		}
		if l == linkStub {
			p.Stubbed = append(p.Stubbed, name)
		}
	}
	sort.Strings(p.Stubbed)
	if c.links["files_read"] == linkReal {
		p.readFile = deps.Host.FileReader(entry)
	}
	pages := uint32((int64(entry.Limits.Memory) + 65535) / 65536)
	p.rt, err = deps.Engine.Load(ctx, c.wasm, runtime.Options{
		Name:             entry.ID,
		MemoryLimitPages: pages,
		Instances:        entry.Limits.Instances,
		Timeout:          entry.Limits.Timeout.D(),
		QueueTimeout:     entry.Limits.QueueTimeout.D(),
		Config:           c.config,
		HostFuncs:        funcs,
		Logger:           c.log,
		Observer:         deps.Observer,
	})
	return err
}

// Close drains in-flight calls and frees the plugin.
func (p *Plugin) Close(ctx context.Context) error {
	if p.rt == nil {
		return nil
	}
	return p.rt.Close(ctx)
}

// Call calls an export.
func (p *Plugin) Call(ctx context.Context, export string, input []byte) ([]byte, error) {
	return p.rt.Call(ctx, export, input)
}

type link int

const (
	linkNone link = iota // provided by the runtime (Extism env, WASI, bulk copy)
	linkReal
	linkStub
)

// CheckImports checks every import of the module against what the host provides (the
// greenroom:host/v1 functions of table) and what the operator granted. It returns how
// each greenroom:host/v1 function is linked.
func CheckImports(table []capability.Func, mod *wasmfile.Module, man *abi.Manifest, entry *config.Plugin) (map[string]link, error) {
	optional := map[string]bool{}
	for _, c := range man.Capabilities {
		optional[c.Name] = c.Optional
	}
	extism := map[string]bool{}
	for _, f := range abi.ExtismFunctions {
		extism[f] = true
	}
	links := map[string]link{}
	var errs []string
	for _, im := range mod.DistinctImports() {
		qual := im.Module + "." + im.Name
		if im.Kind != wasmfile.KindFunc {
			errs = append(errs, fmt.Sprintf("imports %s %s; the host provides functions only (the module must define and export its own memory)", im.Kind, qual))
			continue
		}
		switch {
		case im.Module == abi.WASINamespace:
		case im.Module == abi.ExtismNamespace:
			if why, denied := abi.DeniedExtismFunctions[im.Name]; denied {
				errs = append(errs, fmt.Sprintf("imports %s: Extism's HTTP egress is not available in Greenroom; %s", qual, why))
			} else if !extism[im.Name] {
				errs = append(errs, fmt.Sprintf("imports %s, which this host does not have", qual))
			}
		case im.Module == abi.Namespace:
			f, ok := capability.Lookup(table, im.Name)
			var capName string
			if ok {
				capName = f.Capability
			}
			switch {
			case !ok:
				errs = append(errs, fmt.Sprintf("imports %s, which this host does not have (see abi/SPEC.md section 3.3 for the functions of %s)", qual, abi.Namespace))
			case f.Builtin():
			case entry.Grants.Has(capName):
				links[im.Name] = linkReal
			case optional[capName]:
				links[im.Name] = linkStub
			default:
				errs = append(errs, fmt.Sprintf("imports %s, which needs capability %s; grant it with `%s` under %s.grants, or mark it optional in the manifest",
					qual, capName, grantLine(capName), entry.Path()))
			}
		case strings.HasPrefix(im.Module, abi.NamespacePrefix):
			errs = append(errs, fmt.Sprintf("imports %s, but this host serves ABI namespace %s only; rebuild the plugin against ABI %s", qual, abi.Namespace, abi.Version))
		case im.Module == "env" && im.Name == "abort":
			errs = append(errs, fmt.Sprintf("imports %s, which no host provides; build AssemblyScript plugins with --use abort=<module>/<function>", qual))
		default:
			errs = append(errs, fmt.Sprintf("imports %s, which this host does not have", qual))
		}
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "; "))
	}
	return links, nil
}

func grantLine(capName string) string {
	switch capName {
	case abi.CapProxy:
		return "proxy: {endpoints: [/name]}"
	case abi.CapCatalogRead, abi.CapCatalogWrite, abi.CapURLRead, abi.CapSearchWrite:
		return fmt.Sprintf("%q: {}", capName)
	}
	return capName + ": {}"
}

// Stats is a snapshot of the plugin's pool of instances (runtime.Plugin.Stats); the
// zero Stats before the plugin started.
func (p *Plugin) Stats() runtime.Stats {
	if p.rt == nil {
		return runtime.Stats{}
	}
	return p.rt.Stats()
}

// optionalCap reports whether the manifest marks capability c optional: a plugin whose
// tasks are optional loads without the tasks grant, and its tasks do not run.
func optionalCap(man *abi.Manifest, c string) bool {
	for _, x := range man.Capabilities {
		if x.Name == c {
			return x.Optional
		}
	}
	return false
}
