package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"greenroom.dev/greenroom/host/internal/audit"
	"greenroom.dev/greenroom/host/internal/auth"
	"greenroom.dev/greenroom/host/internal/capability"
	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/catalog/api"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/frontend"
	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/frontend/wasmext"
	"greenroom.dev/greenroom/host/internal/lifecycle"
	"greenroom.dev/greenroom/host/internal/metrics"
	"greenroom.dev/greenroom/host/internal/permission"
	"greenroom.dev/greenroom/host/internal/plugin"
	"greenroom.dev/greenroom/host/internal/proxy"
	"greenroom.dev/greenroom/host/internal/runtime"
	"greenroom.dev/greenroom/host/internal/scaffolder"
	"greenroom.dev/greenroom/host/internal/scorecard"
	"greenroom.dev/greenroom/host/internal/search"
	"greenroom.dev/greenroom/host/internal/server"
	"greenroom.dev/greenroom/host/internal/store"
	"greenroom.dev/greenroom/host/internal/store/pgstore"
	"greenroom.dev/greenroom/host/internal/urlreader"
)

const configUsage = `config ` + "`FILE`" + ` (default app-config.yaml); repeat to overlay:
later files win key by key; lists are replaced whole, except plugins:,
whose entries merge by id (an entry with an earlier id changes only the
keys it sets, a new id is appended, enabled: false switches one off);
a relative path is relative to the file that sets it`

func configFlag(fs interface {
	StringArrayP(string, string, []string, string) *[]string
}) *[]string {
	return fs.StringArrayP("config", "c", nil, configUsage)
}

func newLogger(env *Env, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("--log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(env.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(env.Stderr, opts)), nil
	}
	return nil, usagef("--log-format %q: use text or json", format)
}

func resolve(cfg *config.Config, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(cfg.Dir(), p)
}

func runServe(env *Env, args []string) error {
	fs := newFlags(env, "serve", "--config app-config.yaml [--config overlay.yaml ...]")
	files := configFlag(fs)
	level := fs.String("log-level", "info", "`LEVEL`: debug, info, warn or error")
	format := fs.String("log-format", "text", "`FORMAT`: text or json")
	if err := parse(fs, args); err != nil {
		return err
	}
	if len(*files) == 0 {
		*files = []string{"app-config.yaml"}
	}
	log, err := newLogger(env, *level, *format)
	if err != nil {
		return err
	}
	cfg, err := config.Load(*files, env.Getenv)
	if err != nil {
		return asUsage(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	defer exitAfterShutdownTimeout(ctx, log, cfg.Backend.ShutdownTimeout.D())()
	h, err := start(ctx, log, cfg)
	if err != nil {
		if ctx.Err() != nil {
			// SIGTERM while starting: what was starting was interrupted and undone.
			log.Info("stopped while starting", "err", err)
			return nil
		}
		return err
	}
	h.env = env.Getenv
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	var changed <-chan string
	if w := cfg.Backend.WatchConfig; w == nil || *w {
		changed = watchFiles(ctx, h.watch.Load, time.Second)
	}
	for {
		select {
		case <-hup:
			h.reload(ctx, *files, env.Getenv)
		case f := <-changed:
			log.Info("file changed", "file", f)
			h.reload(ctx, *files, env.Getenv)
		case err := <-h.served:
			if serr := h.stop(context.Background()); serr != nil {
				log.Warn("stopping", "err", serr)
			}
			if err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			return nil
		case <-ctx.Done():
			log.Info("shutting down; waiting for in-flight requests", "timeout", cfg.Backend.ShutdownTimeout.D())
			sctx, cancel := context.WithTimeout(context.Background(), cfg.Backend.ShutdownTimeout.D())
			err := h.stop(sctx)
			cancel()
			if err != nil {
				return fmt.Errorf("shutdown: %w", err)
			}
			log.Info("stopped")
			return nil
		}
	}
}

// forceExitGrace is how long after backend.shutdownTimeout a process that has not
// stopped since SIGTERM is ended anyway.
const forceExitGrace = time.Second

// exitAfterShutdownTimeout ends the process if it is still running shutdownTimeout (plus
// forceExitGrace) after ctx ends (SIGTERM), whatever it is waiting for: the parts honour
// their ctx, and this is the guarantee if one does not. Call the returned func when
// serve returns.
func exitAfterShutdownTimeout(ctx context.Context, log *slog.Logger, shutdownTimeout time.Duration) (cancel func()) {
	var mu sync.Mutex
	var timer *time.Timer
	stopWatch := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		timer = time.AfterFunc(shutdownTimeout+forceExitGrace, func() {
			log.Error("still running after backend.shutdownTimeout since SIGTERM; exiting", "shutdownTimeout", shutdownTimeout)
			os.Exit(1)
		})
	})
	return func() {
		stopWatch()
		mu.Lock()
		defer mu.Unlock()
		if timer != nil {
			timer.Stop()
		}
	}
}

// stamp is what the config watch compares: a file's size and modification time, and
// whether it exists.
type stamp struct {
	size int64
	mod  time.Time
	ok   bool
}

func stampOf(f string) stamp {
	if st, err := os.Stat(f); err == nil {
		return stamp{st.Size(), st.ModTime(), true}
	}
	return stamp{}
}

// watchList is what the config watch polls: the config files and the local plugin
// files of the newest config that loaded, each with its stamp from just before it was
// read.
type watchList struct {
	files  []string
	stamps map[string]stamp
}

// add appends files to the list, stamped now.
func (w *watchList) add(files ...string) {
	for _, f := range files {
		if _, dup := w.stamps[f]; !dup {
			w.files = append(w.files, f)
			w.stamps[f] = stampOf(f)
		}
	}
}

func newWatchList(files ...string) *watchList {
	w := &watchList{stamps: map[string]stamp{}}
	w.add(files...)
	return w
}

// pluginFiles lists the local files of cfg's enabled plugins.
func pluginFiles(cfg *config.Config) []string {
	var out []string
	// The permission policy's files, when permission.rbac.policyFileReload asks for it:
	// an edit reloads like a config change, and a bad file leaves the old policy.
	if r := cfg.Permission.RBAC; r.PolicyFileReload {
		for _, f := range []string{r.PoliciesCSVFile, r.ConditionalPoliciesFile} {
			if f != "" {
				out = append(out, resolve(cfg, f))
			}
		}
	}
	for i := range cfg.Plugins {
		if p := &cfg.Plugins[i]; p.IsEnabled() {
			if f := plugin.LocalPath(cfg.Dir(), p); f != "" {
				out = append(out, f)
			}
		}
	}
	return out
}

// watchFiles reports on the returned channel the path of a file of the current watch
// list that changed (size, mtime, or appearing/disappearing), polling every interval;
// polling sees editors that replace a file as well as those that rewrite it. A file new
// to the list is compared with its stamp from when its config was read, so a change
// while that config loaded is not missed.
func watchFiles(ctx context.Context, current func() *watchList, interval time.Duration) <-chan string {
	ch := make(chan string, 1)
	go func() {
		last := map[string]stamp{}
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				wl := current()
				now := make(map[string]stamp, len(wl.files))
				changed := ""
				for _, f := range wl.files {
					s := stampOf(f)
					prev, seen := last[f]
					if !seen {
						prev = wl.stamps[f]
					}
					if s != prev && changed == "" {
						changed = f
					}
					now[f] = s
				}
				last = now
				if changed != "" {
					select {
					case ch <- changed:
					default: // a reload is pending already
					}
				}
			}
		}
	}()
	return ch
}

// host is a running portal.
type host struct {
	log     *slog.Logger
	cfg     *config.Config
	file    store.Backend
	leading atomic.Bool // with PostgreSQL: this replica holds the processing lease
	engine  *runtime.Engine
	plugins *plugin.Manager
	srv     *server.Server
	served  chan error
	addr    string // the address actually bound
	catalog *catalog.Catalog
	search  *search.Engine
	audit   *audit.Log
	app     atomic.Pointer[frontend.App]
	watch   atomic.Pointer[watchList]
	files   []string
	env     config.Lookup

	// scorecards rates the catalog's entities (scorecards:).
	scorecards *scorecard.Engine

	proxy   *proxy.Proxy
	readers urlreader.Reader
	auth    *auth.Service
	// permissions is the permission policy; services the capability host the plugins
	// are linked to.
	permissions *permission.Engine
	services    *capability.Host
	scaffolder  *scaffolder.Scaffolder
	group       lifecycle.Group // the parts, started in order by start and stopped by stop

	mu        sync.Mutex // serialises reloads
	reloadMu  sync.Mutex // guards reloadErr and reloadAt
	reloadErr error
	reloadAt  time.Time

	// metrics are the host's Prometheus metrics (nil when metrics.enabled is false),
	// obs the same as each part's observer; metricsSrv serves them on metrics.listen.
	metrics     *metrics.Metrics
	obs         observers
	metricsSrv  *http.Server
	metricsAddr string
	// accessLog gets a line per request (backend.accessLog); nil for none.
	accessLog *slog.Logger
	// favourites are the users' starred and recent entities (home page).
	favourites *favourites
	// catalogWatch, with PostgreSQL, signals other replicas' catalog writes.
	catalogWatch *pgstore.CatalogWatch
}

// start brings every part up in order (parts.go), undoing what it did if a later part
// fails.
func start(ctx context.Context, log *slog.Logger, cfg *config.Config) (*host, error) {
	began := time.Now()
	h := &host{log: log, cfg: cfg, served: make(chan error, 1), files: cfg.Files}
	for _, w := range cfg.Warnings() {
		log.Warn("config warning", "warning", w.Error())
	}
	for _, p := range h.parts() {
		h.group.Add(p.name, p.part)
	}
	if err := h.group.Start(ctx); err != nil {
		return nil, err
	}
	log.Info("greenroom ready", "addr", h.addr, "baseUrl", cfg.Backend.BaseURL, "plugins", len(h.plugins.Plugins()), "store", storeName(cfg), "startup", time.Since(began).Round(time.Millisecond))
	return h, nil
}

// buildApp resolves the frontend's extension tree for cfg and the given plugins.
func (h *host) buildApp(ctx context.Context, cfg *config.Config, plugins []*plugin.Plugin) (*frontend.App, error) {
	// app.title names the layout unless app.extensions configures app/layout itself
	// (later entries win).
	exts := append(ext.Extensions{{ID: "app/layout", Config: map[string]any{"title": cfg.App.Title}, Path: "app.title"}}, cfg.App.Extensions...)
	var pluginExts []ext.Extension
	for _, p := range plugins {
		es, err := pluginExtensions(p)
		if err != nil {
			return nil, err
		}
		pluginExts = append(pluginExts, es...)
	}
	var create frontend.Scaffolder
	if h.scaffolder != nil {
		create = createPages{h.scaffolder}
	}
	app, err := frontend.New(ctx, frontend.Options{
		Catalog:    catalogSource{h.catalog, h.permissions},
		SignIn:     h.signIn(cfg),
		Authorizer: h,
		Config:     exts,
		Extensions: pluginExts,
		Scaffolder: create,
		Search:     searchSource{h.search, h.catalog, h.permissions},
		Favourites: h.favourites,
		Registrar:  registrar{api.New(h.catalog), h.permissions},
		Kinds:      customKinds(cfg.Catalog.Kinds),
		Scorecards: h.scorecardPages(cfg),
	})
	if err != nil {
		return nil, fmt.Errorf("app.extensions: %w", err)
	}
	for _, p := range app.Problems() {
		h.log.Warn("frontend extension problem", "err", p)
	}
	return app, nil
}

// pluginExtensions reads the extensions that a plugin's manifest declares (calling
// nothing: their factories run when the app is built).
func pluginExtensions(p *plugin.Plugin) ([]ext.Extension, error) {
	if len(p.Manifest.Extensions) == 0 {
		return nil, nil
	}
	es, err := wasmext.Extensions(p.ID, p.Manifest.ID, p.Manifest.Extensions, p)
	if err != nil {
		return nil, fmt.Errorf("plugin %s (%s): extensions: %w", p.ID, p.Entry.Path(), err)
	}
	return es, nil
}

func (h *host) ready() error {
	if !h.catalog.Ready() {
		return errors.New("the catalog's first processing pass is still running")
	}
	return nil
}

func (h *host) reload(ctx context.Context, files []string, env config.Lookup) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log.Info("reloading config", "files", files)
	// Nothing changes until every part of the new config has loaded: the new plugins
	// are prepared, the app is built on them, the audit log reopened; only then are they
	// committed. On any failure the prepared plugins are discarded.
	watch := newWatchList(files...)
	cfg, err := config.Load(files, env)
	var next *plugin.Next
	if err == nil {
		// Watch the plugin files of this config even if they fail to load, so that
		// fixing one reloads.
		watch.add(pluginFiles(cfg)...)
		h.watch.Store(watch)
		next, err = h.plugins.Prepare(ctx, cfg)
	}
	var app *frontend.App
	if err == nil {
		app, err = h.buildApp(ctx, cfg, next.Plugins())
	}
	if err == nil {
		err = h.audit.Reopen(cfg.Audit.Log, cfg.Dir())
	}
	if err == nil {
		// The new policy is swapped in only if it loads; the old one keeps deciding
		// otherwise.
		err = h.permissions.Configure(cfg.Permission, cfg.Dir(), pluginPermissions(next.Plugins())...)
	}
	if err == nil {
		err = h.syncActions(next.Plugins())
	}
	if next != nil {
		if err != nil {
			next.Discard()
		} else {
			next.Commit()
			h.app.Store(app)
			h.search.SetConfig(cfg.Search)
			// catalog.kinds: entities are checked against the new schemas in a pass
			// that starts now; the rest of catalog takes a restart.
			if kerr := h.catalog.SetKinds(ctx, cfg.Catalog.Kinds); kerr != nil {
				h.log.Error("reload: catalog.kinds", "err", kerr)
			}
			if serr := h.scorecards.SetConfig(cfg.Scorecards); serr != nil {
				h.log.Error("scorecards: reload", "err", serr)
			}
		}
	}
	h.reloadMu.Lock()
	h.reloadErr, h.reloadAt = err, time.Now()
	h.reloadMu.Unlock()
	h.observeReload(err)
	if err != nil {
		h.log.Error("reload failed; the previous config keeps serving", "err", err)
		return err
	}
	if stale := restartOnly(h.cfg, cfg); len(stale) > 0 {
		h.log.Warn("reloaded plugins, security, permission, app.extensions, audit and search; these sections changed too and take effect on restart", "sections", stale)
	}
	h.cfg = cfg
	h.log.Info("reloaded", "plugins", len(h.plugins.Plugins()))
	return nil
}

// restartOnly lists the config sections that differ between a and b and that a reload
// does not apply.
func restartOnly(a, b *config.Config) []string {
	var out []string
	for _, c := range []struct {
		name string
		x, y any
	}{
		{"backend", a.Backend, b.Backend},
		{"catalog", withoutKinds(a.Catalog), withoutKinds(b.Catalog)},
		{"proxy", a.Proxy, b.Proxy},
		{"integrations", a.Integrations, b.Integrations},
		{"runtime", a.Runtime, b.Runtime},
		{"auth", a.Auth, b.Auth},
		{"metrics", a.Metrics, b.Metrics},
	} {
		if !reflect.DeepEqual(c.x, c.y) {
			out = append(out, c.name)
		}
	}
	return out
}

// withoutKinds is a catalog section without catalog.kinds, which a reload applies.
func withoutKinds(c catalog.Config) catalog.Config {
	c.Kinds = nil
	return c
}

func (h *host) readyDetail() map[string]any {
	h.reloadMu.Lock()
	defer h.reloadMu.Unlock()
	d := map[string]any{}
	if ps := h.plugins.Plugins(); ps != nil {
		ids := make([]string, len(ps))
		for i, p := range ps {
			ids[i] = p.ID
		}
		d["plugins"] = ids
	}
	// Errors in the catalog's files are not unreadiness: they are counted here (and
	// shown on the entity pages) while /readyz stays 200.
	withErrors, badLocations := h.catalog.ProcessingErrors()
	d["catalog"] = map[string]any{"entities": h.catalog.Count(), "entitiesWithErrors": withErrors, "locationsWithErrors": badLocations}
	if dropped, err := h.audit.Err(); err != nil || dropped > 0 {
		a := map[string]any{"dropped": dropped}
		if err != nil {
			a["error"] = err.Error()
		}
		d["auditLog"] = a
	}
	if !h.reloadAt.IsZero() {
		r := map[string]any{"at": h.reloadAt.UTC().Format(time.RFC3339), "ok": h.reloadErr == nil}
		if h.reloadErr != nil {
			r["error"] = h.reloadErr.Error()
		}
		d["lastReload"] = r
	}
	if db := h.databaseDetail(); db != nil {
		d["database"] = db
	}
	return d
}

// stop stops every part in reverse order: the server first, letting in-flight requests
// finish until ctx ends, then the catalog's processing, the plugins, the audit log, the
// runtime and the store. It is safe after a partial start and when called twice.
func (h *host) stop(ctx context.Context) error {
	return h.group.Stop(ctx)
}

// endpoints adapts the plugin manager to the server.
type endpoints struct{ m *plugin.Manager }

func (e endpoints) Lookup(id string) (server.Endpoint, bool) {
	ep, ok := e.m.Endpoint(id)
	if !ok || len(ep.Plugin().Manifest.Routes) == 0 {
		return nil, false
	}
	return ep, true
}
