package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/runtime"
)

// Manager owns the set of running plugins. The set is replaced whole (a generation), so
// a request that looked a plugin up keeps using it even while a new set starts.
type Manager struct {
	deps Deps
	log  *slog.Logger
	gen  atomic.Pointer[generation]
	mu   sync.Mutex // serialises Apply and Close
}

type generation struct {
	plugins map[string]*Plugin
	// endpoints are made once per generation: request routing looks one up per request.
	endpoints map[string]*Endpoint
	order     []*Plugin
	stop      context.CancelFunc
	tasks     sync.WaitGroup
}

// NewManager builds an empty Manager.
func NewManager(deps Deps) *Manager {
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	m := &Manager{deps: deps, log: deps.Logger}
	m.gen.Store(&generation{plugins: map[string]*Plugin{}})
	return m
}

// Apply loads every enabled plugin of cfg and makes them the current set (Prepare, then
// Commit).
func (m *Manager) Apply(ctx context.Context, cfg *config.Config) error {
	next, err := m.Prepare(ctx, cfg)
	if err != nil {
		return err
	}
	next.Commit()
	return nil
}

// Next is a loaded set of plugins that is not serving yet: Commit makes it current,
// Discard closes it. Exactly one of them must be called.
type Next struct {
	m   *Manager
	gen *generation
}

// Plugins lists the set's plugins in config order.
func (n *Next) Plugins() []*Plugin { return n.gen.order }

// Prepare loads every enabled plugin of cfg, in parallel. If any fails, nothing is kept
// and the errors are returned together. Until the returned set is committed or
// discarded, other Prepare and Apply calls wait.
func (m *Manager) Prepare(ctx context.Context, cfg *config.Config) (*Next, error) {
	deps, err := withPolicy(m.deps, cfg)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	next := &generation{plugins: map[string]*Plugin{}, endpoints: map[string]*Endpoint{}}
	var (
		wg   sync.WaitGroup
		errs = make([]error, len(cfg.Plugins))
		out  = make([]*Plugin, len(cfg.Plugins))
	)
	for i := range cfg.Plugins {
		entry := &cfg.Plugins[i]
		if !entry.IsEnabled() {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = Load(ctx, deps, cfg, entry)
		}()
	}
	wg.Wait()
	for _, p := range out {
		if p != nil {
			next.plugins[p.ID] = p
			next.endpoints[p.ID] = &Endpoint{m: m, p: p}
			next.order = append(next.order, p)
		}
	}
	n := &Next{m: m, gen: next}
	if err := errors.Join(errs...); err != nil {
		n.Discard()
		return nil, err
	}
	return n, nil
}

// withPolicy is deps with the signature policy of cfg's security section: it is the
// config's own, so a reload applies it.
func withPolicy(deps Deps, cfg *config.Config) (Deps, error) {
	trusted, err := cfg.Security.Keys(cfg.Dir())
	if err != nil {
		return deps, err
	}
	deps.Trusted, deps.RequireSigned = trusted, cfg.Security.RequireSignedPlugins
	return deps, nil
}

// CheckAll checks every enabled plugin of cfg as Prepare loads them (Check, under the
// signature policy of cfg's security section), and starts none: what
// `greenroom config validate` reports. It returns the plugins that pass and the error
// of each that does not, in config order, each as Prepare reports it.
func CheckAll(ctx context.Context, deps Deps, cfg *config.Config) ([]*Plugin, []error) {
	deps, err := withPolicy(deps, cfg)
	if err != nil {
		return nil, []error{err}
	}
	var ok []*Plugin
	var errs []error
	for i := range cfg.Plugins {
		entry := &cfg.Plugins[i]
		if !entry.IsEnabled() {
			continue
		}
		p, err := Check(ctx, deps, cfg, entry)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.checked = nil // never started: let the module's bytes go
		ok = append(ok, p)
	}
	return ok, errs
}

// Commit makes the set current and retires the previous one once its in-flight calls
// finish.
func (n *Next) Commit() {
	m := n.m
	defer m.mu.Unlock()
	m.startTasks(n.gen)
	m.retire(m.gen.Swap(n.gen))
	for _, p := range n.gen.order {
		m.log.Info("plugin started", "plugin", p.ID, "version", p.Manifest.Version, "sha256", p.SHA256, "routes", len(p.Manifest.Routes), "tasks", len(p.Manifest.Tasks), "stubbed", p.Stubbed)
	}
}

// Discard closes the set's plugins; the current set keeps serving.
func (n *Next) Discard() {
	defer n.m.mu.Unlock()
	for _, p := range n.gen.order {
		_ = p.Close(context.Background())
	}
}

func (m *Manager) retire(g *generation) {
	if g == nil {
		return
	}
	if g.stop != nil {
		g.stop()
	}
	g.tasks.Wait()
	var wg sync.WaitGroup
	for _, p := range g.order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Close waits for in-flight calls on the old instances.
			if err := p.Close(context.Background()); err != nil {
				m.log.Warn("closing plugin", "plugin", p.ID, "err", err)
			}
		}()
	}
	wg.Wait()
}

// Lookup finds a running plugin.
func (m *Manager) Lookup(id string) (*Plugin, bool) {
	p, ok := m.gen.Load().plugins[id]
	return p, ok
}

// Endpoint returns a stable handle on plugin id that always serves with the current
// generation: a request that raced a reload and reached a retired plugin is served again
// by its successor instead of failing.
func (m *Manager) Endpoint(id string) (*Endpoint, bool) {
	ep, ok := m.gen.Load().endpoints[id]
	return ep, ok
}

// Endpoint serves HTTP for one plugin id across reloads.
type Endpoint struct {
	m *Manager
	p *Plugin
}

// Plugin is the plugin the endpoint was looked up with.
func (e *Endpoint) Plugin() *Plugin { return e.p }

// MaxBody is the request body cap.
func (e *Endpoint) MaxBody() int64 { return e.p.MaxBody() }

// OpenAPI is the OpenAPI document the plugin's manifest ships, nil without one.
func (e *Endpoint) OpenAPI() []byte { return e.p.Manifest.OpenAPI }

// AllowsAnonymous is Plugin.AllowsAnonymous.
func (e *Endpoint) AllowsAnonymous(method, path string) bool {
	return e.p.AllowsAnonymous(method, path)
}

// ServeHTTPView is Plugin.ServeHTTPView, retried once on the current plugin (routed
// again, with enc called again) if a reload closed the one looked up.
func (e *Endpoint) ServeHTTPView(ctx context.Context, method, path string, enc RequestEncoder, out []byte, resp *abi.HTTPResponseView) ([]byte, error) {
	out, err := e.p.ServeHTTPView(ctx, method, path, enc, out, resp)
	if err != nil && errors.Is(err, runtime.ErrClosed) {
		if next, ok := e.m.Lookup(e.p.ID); ok && next != e.p {
			return next.ServeHTTPView(ctx, method, path, enc, out, resp)
		}
	}
	return out, err
}

// Plugins lists the running plugins in config order.
func (m *Manager) Plugins() []*Plugin { return m.gen.Load().order }

// Close stops tasks and plugins, waiting for in-flight calls.
func (m *Manager) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.retire(m.gen.Swap(&generation{plugins: map[string]*Plugin{}}))
}

func (m *Manager) startTasks(g *generation) {
	ctx, cancel := context.WithCancel(context.Background())
	g.stop = cancel
	for _, p := range g.order {
		if !p.Entry.Grants.Has(abi.CapTasks) {
			continue // tasks the manifest marks optional, not granted
		}
		for _, t := range p.Manifest.Tasks {
			every, _ := time.ParseDuration(t.Every)
			timeout := p.Entry.Limits.Timeout.D()
			if t.Timeout != "" {
				timeout, _ = time.ParseDuration(t.Timeout)
			}
			g.tasks.Add(1)
			go func() {
				defer g.tasks.Done()
				if m.deps.Leases == nil {
					runTask(ctx, p, t.Name, every, timeout)
					return
				}
				// One replica runs the task; another takes it over within an interval
				// of that one's end.
				_ = m.deps.Leases.Lead(ctx, TaskLease(p.ID, t.Name), TaskPoll(every), p.log, func(lctx context.Context) {
					runTask(lctx, p, t.Name, every, timeout)
				})
			}()
		}
	}
}

// runTask runs a task every interval until ctx ends. Runs never overlap: a run that
// overruns delays the next. A task acts as the plugin's own service identity,
// plugin:<id>, for the host calls it makes.
func runTask(ctx context.Context, p *Plugin, name string, every, timeout time.Duration) {
	ctx = identity.With(ctx, TaskIdentity(p.ID))
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			in, _ := json.Marshal(abi.TaskRequest{Name: name, ScheduledAt: now.UTC().Format(time.RFC3339)})
			cctx, cancel := context.WithTimeout(ctx, timeout)
			start := time.Now()
			_, err := p.Call(cctx, abi.ExportTask, in)
			cancel()
			p.audit.RecordTask(p.ID, name, start, err) // caller plugin:<id>
			if err != nil {
				p.log.Warn("task failed", "task", name, "err", err, "duration", time.Since(start))
			} else {
				p.log.Debug("task ran", "task", name, "duration", time.Since(start))
			}
		}
	}
}

// TaskLease is the name of the lease that lets one replica run the plugin's task.
func TaskLease(pluginID, task string) string { return "plugin-task " + pluginID + "/" + task }

// TaskPoll is how often a replica tries to take the lease of a task that runs every
// interval: a quarter of it, between 100ms and 1s, so that another replica takes the
// task over within one interval of its holder's end.
func TaskPoll(every time.Duration) time.Duration {
	return min(max(every/4, 100*time.Millisecond), time.Second)
}

// TaskIdentity is the principal a plugin's scheduled tasks act as: the service
// plugin:<id>.
func TaskIdentity(pluginID string) identity.Principal {
	return identity.NewService("plugin:" + pluginID)
}
