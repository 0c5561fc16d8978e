package scorecard

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sort"
	"sync"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog"
)

// Source is the catalog as scorecards read it (*catalog.Catalog): every entity's key,
// the entities each version changed, and entities with their relations.
type Source interface {
	Documents(keys []string) ([]catalog.EntityDoc, uint64)
	Changed(since uint64) (keys []string, now uint64, ok bool)
	Within(scope catalog.Expr) catalog.View
}

// StateBucket is where results, trends and facts are kept (store.StateBucket: the
// bbolt file or PostgreSQL).
type StateBucket interface {
	Get(key string) (value []byte, ok bool, err error)
	Put(key string, value []byte) error
	Delete(key string) error
	List(prefix string) (map[string][]byte, error)
}

// Options configure an Engine.
type Options struct {
	Config  Config
	Catalog Source
	// Store keeps results, trends and facts; nil keeps them in memory only.
	Store  StateBucket
	Logger *slog.Logger
	// Interval is how often the catalog's changes are read; default 20ms.
	Interval time.Duration
	// SaveEvery is how often changed results and facts are saved; default 5s.
	SaveEvery time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Engine evaluates the scorecards: over every entity at start and on the schedule, and
// again for the entities that change and those whose facts change.
type Engine struct {
	opts  Options
	log   *slog.Logger
	facts *facts

	mu      sync.RWMutex
	cfg     Config
	cards   []*compiled
	results map[string]map[string]*Result // scorecard id -> entity key -> result
	version uint64                        // the catalog version the results are of
	dirty   bool                          // results changed since saved
	// kept are the levels and histories the store kept, until the first Full.
	kept map[string]map[string]*Result
	// memTrend is the trend when there is no store.
	memTrend map[string][]TrendPoint

	wake    chan struct{}
	pmu     sync.Mutex
	pending map[string]bool // entity keys whose facts changed
}

// New compiles the scorecards of a validated config and loads what the store kept.
func New(opts Options) (*Engine, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Interval <= 0 {
		opts.Interval = 20 * time.Millisecond
	}
	if opts.SaveEvery <= 0 {
		opts.SaveEvery = 5 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.Config.ApplyDefaults()
	cards, err := compileAll(opts.Config)
	if err != nil {
		return nil, fmt.Errorf("scorecards: %w", err)
	}
	e := &Engine{opts: opts, log: opts.Logger, cfg: opts.Config, cards: cards,
		results: map[string]map[string]*Result{}, kept: map[string]map[string]*Result{}, wake: make(chan struct{}, 1), pending: map[string]bool{}}
	e.facts = newFacts(opts.Config.Facts, opts.Store, opts.Now)
	if err := e.facts.load(); err != nil {
		return nil, fmt.Errorf("scorecards: load facts: %w", err)
	}
	if err := e.loadResults(); err != nil {
		return nil, fmt.Errorf("scorecards: load results: %w", err)
	}
	return e, nil
}

// SetConfig replaces the scorecards (a reload) and evaluates every entity again.
func (e *Engine) SetConfig(c Config) error {
	c.ApplyDefaults()
	cards, err := compileAll(c)
	if err != nil {
		return fmt.Errorf("scorecards: %w", err)
	}
	e.mu.Lock()
	e.cfg, e.cards = c, cards
	e.mu.Unlock()
	e.facts.setLimits(c.Facts)
	e.Full()
	return nil
}

// Run evaluates every entity, then follows the catalog's changes and the facts
// plugins publish, evaluates everything again on the schedule, and saves what changed,
// until ctx is done.
func (e *Engine) Run(ctx context.Context) error {
	e.Full()
	e.snapshot()
	changes := time.NewTicker(e.opts.Interval)
	defer changes.Stop()
	e.mu.RLock()
	schedule := time.NewTicker(e.cfg.Schedule.D())
	e.mu.RUnlock()
	defer schedule.Stop()
	save := time.NewTicker(e.opts.SaveEvery)
	defer save.Stop()
	for {
		select {
		case <-ctx.Done():
			e.save()
			return ctx.Err()
		case <-changes.C:
			e.followCatalog()
		case <-e.wake:
			e.followFacts()
		case <-schedule.C:
			e.Full()
			e.snapshot()
			// A reload's new schedule takes effect from this tick on.
			e.mu.RLock()
			schedule.Reset(e.cfg.Schedule.D())
			e.mu.RUnlock()
		case <-save.C:
			e.save()
		}
	}
}

// followCatalog evaluates the entities the catalog changed since the results' version.
func (e *Engine) followCatalog() {
	e.mu.RLock()
	since := e.version
	e.mu.RUnlock()
	keys, now, ok := e.opts.Catalog.Changed(since)
	switch {
	case !ok:
		e.Full()
	case len(keys) > 0:
		e.Update(keys)
		e.mu.Lock()
		e.version = max(e.version, now)
		e.mu.Unlock()
	default:
		e.mu.Lock()
		e.version = max(e.version, now)
		e.mu.Unlock()
	}
}

func (e *Engine) followFacts() {
	e.pmu.Lock()
	keys := make([]string, 0, len(e.pending))
	for k := range e.pending {
		keys = append(keys, k)
	}
	e.pending = map[string]bool{}
	e.pmu.Unlock()
	if len(keys) > 0 {
		sort.Strings(keys)
		e.Update(keys)
	}
}

// Full evaluates every scorecard over every entity it applies to.
func (e *Engine) Full() {
	docs, version := e.opts.Catalog.Documents(nil)
	keys := make([]string, len(docs))
	for i, d := range docs {
		keys[i] = d.Key
	}
	e.mu.RLock()
	cards := e.cards
	e.mu.RUnlock()
	now := e.opts.Now()
	view := e.opts.Catalog.Within(catalog.Expr{})
	fresh := map[string]map[string]*Result{}
	for _, cd := range cards {
		bodies := view.ByRefs(keys, cd.filter)
		out := make([]*Result, len(keys))
		e.evaluateAll(cd, keys, bodies, out, now)
		m := make(map[string]*Result, len(keys))
		for i, r := range out {
			if r != nil {
				m[keys[i]] = r
			}
		}
		fresh[cd.def.ID] = m
	}
	e.mu.Lock()
	for id, m := range fresh {
		old := e.results[id]
		if old == nil {
			old = e.kept[id]
		}
		for k, r := range m {
			r.History = nextHistory(old[k], r)
		}
	}
	e.results, e.kept = fresh, nil
	e.version = max(e.version, version)
	e.dirty = true
	e.mu.Unlock()
}

// Update evaluates the entities with the given lower-cased refs again, removing the
// results of those that are gone or no longer match a scorecard's filter.
func (e *Engine) Update(keys []string) {
	e.mu.RLock()
	cards := e.cards
	e.mu.RUnlock()
	now := e.opts.Now()
	view := e.opts.Catalog.Within(catalog.Expr{})
	type upd struct {
		id  string
		out []*Result
	}
	var ups []upd
	for _, cd := range cards {
		bodies := view.ByRefs(keys, cd.filter)
		out := make([]*Result, len(keys))
		e.evaluateAll(cd, keys, bodies, out, now)
		ups = append(ups, upd{cd.def.ID, out})
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, u := range ups {
		m := e.results[u.id]
		if m == nil {
			m = map[string]*Result{}
			e.results[u.id] = m
		}
		for i, r := range u.out {
			if r == nil {
				delete(m, keys[i])
				continue
			}
			r.History = nextHistory(m[keys[i]], r)
			m[keys[i]] = r
		}
	}
	e.dirty = true
}

// evaluateAll rates the entities of bodies (nil: none) into out, in parallel.
func (e *Engine) evaluateAll(cd *compiled, keys []string, bodies [][]byte, out []*Result, now time.Time) {
	workers := min(runtime.GOMAXPROCS(0), len(keys)/64+1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(keys); i += workers {
				if bodies[i] == nil {
					continue
				}
				in, err := decodeEntity(keys[i], bodies[i])
				if err != nil {
					e.log.Warn("scorecards: an entity does not decode", "entity", keys[i], "err", err)
					continue
				}
				out[i] = cd.evaluate(in, e.facts.of(keys[i]), now)
			}
		}()
	}
	wg.Wait()
}

// nextHistory is r's history: old's, with r's level added when it changed.
func nextHistory(old, r *Result) []LevelChange {
	if old == nil {
		return []LevelChange{{At: r.EvaluatedAt, Level: r.Level}}
	}
	h := old.History
	if len(h) > 0 && h[len(h)-1].Level == r.Level {
		return h
	}
	h = append(append([]LevelChange{}, h...), LevelChange{At: r.EvaluatedAt, Level: r.Level})
	if len(h) > maxHistory {
		h = h[len(h)-maxHistory:]
	}
	return h
}

// factsChanged queues the entities whose facts changed for evaluation.
func (e *Engine) factsChanged(keys []string) {
	e.pmu.Lock()
	for _, k := range keys {
		e.pending[k] = true
	}
	e.pmu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}
