package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"greenroom.dev/greenroom/host/internal/audit"
	"greenroom.dev/greenroom/host/internal/auth"
	"greenroom.dev/greenroom/host/internal/capability"
	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/frontend/ui"
	"greenroom.dev/greenroom/host/internal/lifecycle"
	"greenroom.dev/greenroom/host/internal/permission"
	"greenroom.dev/greenroom/host/internal/plugin"
	"greenroom.dev/greenroom/host/internal/proxy"
	"greenroom.dev/greenroom/host/internal/runtime"
	"greenroom.dev/greenroom/host/internal/scorecard"
	"greenroom.dev/greenroom/host/internal/server"
	"greenroom.dev/greenroom/host/internal/store/pgstore"
	"greenroom.dev/greenroom/host/internal/urlreader"
	"greenroom.dev/greenroom/host/internal/urlreader/catalogreader"
	"greenroom.dev/greenroom/host/internal/urlreader/integrations"
)

type part struct {
	name string
	part lifecycle.Part
}

// parts lists the host's parts in the order they start; they stop in reverse. Each
// starts from the validated config and what the parts before it set on h. A new host
// part is one line here and its start and stop.
func (h *host) parts() []part {
	return []part{
		{"metrics", lifecycle.Funcs{StartFunc: h.startMetrics}},
		{"store", lifecycle.Funcs{StartFunc: h.startStore, StopFunc: h.stopStore}},
		{"runtime", lifecycle.Funcs{StartFunc: h.startRuntime, StopFunc: h.stopRuntime}},
		{"url readers", lifecycle.Funcs{StartFunc: h.startReaders}},
		{"proxy", lifecycle.Funcs{StartFunc: h.startProxy}},
		{"catalog", lifecycle.Funcs{StartFunc: h.startCatalog}},
		{"search", lifecycle.Funcs{StartFunc: h.startSearch}},
		{"scorecards", lifecycle.Funcs{StartFunc: h.startScorecards}},
		{"audit log", lifecycle.Funcs{StartFunc: h.startAudit, StopFunc: h.stopAudit}},
		{"auth", lifecycle.Funcs{StartFunc: h.startAuth}},
		{"permissions", lifecycle.Funcs{StartFunc: h.startPermissions}},
		{"scaffolder", lifecycle.Funcs{StartFunc: h.startScaffolder}},
		{"plugins", lifecycle.Funcs{StartFunc: h.startPlugins, StopFunc: h.stopPlugins}},
		{"scaffolder workers", lifecycle.Funcs{StartFunc: h.startScaffolderWorkers, StopFunc: h.stopScaffolder}},
		{"app", lifecycle.Funcs{StartFunc: h.startApp}},
		{"catalog processing", lifecycle.Runner(h.runCatalog, h.catalogStopped)},
		{"search collators", lifecycle.Runner(h.runSearch, h.searchStopped)},
		{"scorecards evaluation", lifecycle.Runner(h.runScorecards, h.scorecardsStopped)},
		{"server", lifecycle.Funcs{StartFunc: h.startServer, StopFunc: h.stopServer}},
		{"metrics listener", lifecycle.Funcs{StartFunc: h.startMetricsListener, StopFunc: h.stopMetricsListener}},
	}
}

func (h *host) startStore(ctx context.Context) (err error) {
	h.file, err = openStore(ctx, h.cfg)
	if db, ok := h.file.(*pgstore.DB); ok {
		db.SetLogger(h.log)
	}
	return err
}

func (h *host) stopStore(context.Context) error {
	if h.catalogWatch != nil {
		h.catalogWatch.Stop()
	}
	return h.file.Close()
}

func (h *host) startRuntime(ctx context.Context) (err error) {
	h.engine, err = runtime.NewEngine(ctx, runtime.EngineConfig{CacheDir: resolve(h.cfg, h.cfg.Runtime.CompilationCache), Logger: h.log})
	return err
}

func (h *host) stopRuntime(ctx context.Context) error { return h.engine.Close(ctx) }

func (h *host) startReaders(context.Context) error {
	readers, err := integrations.NewReaders(h.cfg.Backend.Reading, h.cfg.Integrations, urlreader.Options{Logger: h.log, Observer: h.obs.urls})
	if err != nil {
		return asUsage(err)
	}
	h.readers = readers
	return nil
}

func (h *host) startProxy(context.Context) (err error) {
	if h.proxy, err = proxy.New(h.cfg.Proxy, proxy.Options{Logger: h.log, Observer: h.obs.proxy}); err != nil {
		return asUsage(err)
	}
	return nil
}

// startCatalog loads the catalog from the store; its processing starts later, as the
// "catalog processing" part.
func (h *host) startCatalog(ctx context.Context) (err error) {
	db, shared := h.file.(*pgstore.DB)
	if shared {
		// Listen before loading, so that a write committed during the load is
		// reloaded afterwards and nothing needs reloading at once (storepart.go).
		if h.catalogWatch, err = db.WatchCatalog(ctx, replicaPoll(h.cfg.Catalog.Interval()), h.log); err != nil {
			return err
		}
	}
	h.catalog, err = catalog.New(ctx, catalog.Options{
		Config:  h.cfg.Catalog,
		BaseDir: h.cfg.Dir(),
		Store:   h.file.CatalogStore(),
		Reader:  &catalogreader.Reader{URLs: h.readers, Files: &catalog.BasicReader{}},
		Logger:  h.log, Observer: h.obs.catalog,
		Shared: shared,
	})
	return err
}

// runCatalog is the catalog's processing loop: its first pass (which /readyz waits
// for), then a refresh every catalog.processingInterval, until the host stops.
func (h *host) runCatalog(ctx context.Context) error {
	if db, ok := h.file.(*pgstore.DB); ok {
		return h.runCatalogReplica(ctx, db) // one of several replicas (storepart.go)
	}
	return h.catalog.Run(ctx)
}

func (h *host) catalogStopped(err error) {
	h.log.Error("catalog processing stopped", "err", err)
}

func (h *host) startAudit(context.Context) (err error) {
	if h.audit, err = audit.Open(h.cfg.Audit.Log, h.cfg.Dir(), h.cfg.Audit.API.Recent); err != nil {
		return asUsage(fmt.Errorf("audit.log: %w", err))
	}
	return nil
}

func (h *host) stopAudit(context.Context) error { return h.audit.Close() }

// startAuth builds sign-in and the credentials' verification: user tokens, sessions
// and external access tokens, kept in the store's auth bucket.
func (h *host) startAuth(context.Context) (err error) {
	h.auth, err = auth.New(auth.Options{
		Config: h.cfg.Auth, Backend: h.cfg.Backend.Auth,
		BaseURL: h.cfg.Backend.BaseURL, AppBaseURL: h.cfg.App.BaseURL,
		Store: h.file.StateBucket("auth"), Users: catalogUsers{h.catalog},
		Logger: h.log,
	})
	return err
}

// startPermissions loads the permission policy (permission.rbac's files). The plugins,
// which start next, act on their callers' behalf under it.
func (h *host) startPermissions(context.Context) (err error) {
	if h.permissions, err = permission.NewEngine(h.cfg.Permission, h.cfg.Dir()); err != nil {
		return asUsage(err)
	}
	return nil
}

// resolveResource settles a conditional decision for one resource (POST
// /api/permission/authorize with a resourceRef): whether the catalog entity matches the
// conditions. A missing entity is a DENY.
func (h *host) resolveResource(resourceType, ref string, c permission.Criteria) (bool, error) {
	if resourceType != permission.CatalogEntityResource {
		return false, fmt.Errorf("no plugin of this host owns resource type %q", resourceType)
	}
	x, err := catalog.CriteriaExpr(c)
	if err != nil {
		return false, err
	}
	return h.catalog.Within(x).ByRef(ref) != nil, nil
}

func (h *host) startPlugins(ctx context.Context) error {
	h.watch.Store(newWatchList(append(append([]string{}, h.cfg.Files...), pluginFiles(h.cfg)...)...))
	h.services = &capability.Host{Table: capability.Functions, Audit: h.audit, Observer: h.obs.hosts,
		Services: capability.Services{KV: h.file.KVStore(), Files: h.file.FileStore(), Catalog: h.catalog, URLs: h.readers, Proxy: h.proxy, Permissions: h.permissions, Search: h.search, Facts: h.scorecards}}
	deps := plugin.Deps{
		Engine: h.engine, Logger: h.log, URLs: h.readers, Observer: h.obs.runtime,
		Host:  h.services,
		Audit: h.audit,
	}
	if db, ok := h.file.(*pgstore.DB); ok {
		deps.Leases = db // one replica at a time runs each scheduled task
	}
	h.plugins = plugin.NewManager(deps)
	if err := h.plugins.Apply(ctx, h.cfg); err != nil {
		return asUsage(err)
	}
	if err := h.syncActions(h.plugins.Plugins()); err != nil {
		return asUsage(err)
	}
	// The policy may name the permissions the plugins declare.
	if err := h.permissions.Configure(h.cfg.Permission, h.cfg.Dir(), pluginPermissions(h.plugins.Plugins())...); err != nil {
		return asUsage(err)
	}
	return nil
}

// pluginPermissions are the permissions the plugins declare in their manifests.
func pluginPermissions(plugins []*plugin.Plugin) []permission.Permission {
	var out []permission.Permission
	for _, p := range plugins {
		for _, d := range p.Manifest.Permissions {
			perm := permission.Permission{Type: permission.Basic, Name: d.Name, Attributes: permission.Attributes{Action: d.Attributes.Action}}
			if d.ResourceType != "" {
				perm.Type, perm.ResourceType = permission.Resource, d.ResourceType
			}
			out = append(out, perm)
		}
	}
	return out
}

func (h *host) stopPlugins(context.Context) error {
	h.plugins.Close()
	return nil
}

// startApp resolves the web app's extension tree over the plugins.
func (h *host) startApp(ctx context.Context) error {
	app, err := h.buildApp(ctx, h.cfg, h.plugins.Plugins())
	if err != nil {
		return asUsage(err)
	}
	h.app.Store(app)
	return nil
}

// startServer listens on backend.listen and serves in the background; the server's end
// (an error, or nil after Shutdown) arrives on h.served.
func (h *host) startServer(context.Context) error {
	var auditAPI *audit.Log
	if h.cfg.Audit.API.Enabled {
		auditAPI = h.audit
	}
	h.srv = server.New(server.Options{
		Logger:                h.log,
		Plugins:               endpoints{h.plugins},
		Detail:                h.readyDetail,
		Ready:                 h.ready,
		Catalog:               h.catalogAPI(),
		Proxy:                 h.proxy,
		Pages:                 h,
		ContentSecurityPolicy: ui.ContentSecurityPolicy,
		Reload: func(ctx context.Context) error {
			return h.reload(ctx, h.files, h.env)
		},
		Audit:      auditAPI,
		Scaffolder: h.scaffolder.Handler(),
		Access: server.Access{
			Authenticator:  h.auth,
			SessionCookie:  auth.SessionCookie,
			AuthHandler:    h.auth.Handler(),
			Permissions:    h.permissions,
			PermissionAPI:  permission.NewAPI(h.permissions, h.resolveResource),
			AllowAnonymous: func() bool { return h.auth.AllowAnonymous() },
			Log:            h.audit,
			Origins:        origins(h.cfg),
		},
		Metrics:        h.obs.http,
		MetricsHandler: h.obs.handler,
		AccessLog:      h.accessLog,
		Search:         h.searchAPI(),
		Scorecards:     &scorecard.API{Engine: h.scorecards, Catalog: h.catalog},
		Star:           h.favourites.Star,
	})
	addr := net.JoinHostPort(h.cfg.Backend.Listen.Host, strconv.Itoa(*h.cfg.Backend.Listen.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w; change backend.listen.port or stop what uses it", addr, err)
	}
	h.addr = ln.Addr().String()
	go func() { h.served <- h.srv.Serve(ln) }()
	return nil
}

// stopServer stops accepting connections and waits for in-flight requests until ctx
// ends (backend.shutdownTimeout on SIGTERM).
func (h *host) stopServer(ctx context.Context) error {
	err := h.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("in-flight requests still running after backend.shutdownTimeout: %w", err)
	}
	return err
}
