// Package runtime runs Greenroom plugins: WebAssembly modules that speak the Extism guest
// ABI (extism:host/env, implemented natively in Go here) plus Greenroom's own host
// functions (greenroom:host/v1), see abi/SPEC.md.
//
// An Engine owns the on-disk compilation cache. Engine.Load compiles a module once, in a
// wazero runtime of its own, and returns a Plugin: a pool of instances that serve one call
// at a time each, under a per-call deadline and a per-instance memory limit. A trap, a
// timeout or running out of memory fails only the call that hit it; the instance is
// discarded and a fresh one is started on demand.
//
// Deadlines cost no clock read and no allocation per call: the engine's watchdog ticks
// every WatchdogPeriod on a coarse monotonic clock and interrupts calls past their
// deadline; the module was rewritten (instrument.go) to poll an interrupt flag with a
// few native instructions at loop tops and function entries. A caller ctx that can be
// cancelled costs one context.AfterFunc registration per call.
//
// Extism semantics follow the kernel (extism/extism kernel/src/lib.rs) and go-sdk's
// host.go: handles are offsets into a per-instance arena reset before every call,
// alloc(0) is 0, length of anything but an active block start is 0, freed blocks are
// reused (split when 128 bytes or more are left), var_get/var_set/log_* free the
// handles they are given, var_set(k, 0) deletes, vars live as long as the instance.
// Differences, all stricter: alloc over the memory limit, load/store outside the arena
// and output_set/error_set outside it trap instead of returning 0 or being ignored.
//
// No wazero type appears in this package's API.
package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
)

// EngineConfig configures an Engine.
type EngineConfig struct {
	// CacheDir holds compiled machine code between runs (wazero writes it under a
	// versioned sub-directory). Empty means an in-memory cache only.
	//
	// SECURITY: anyone who can write this directory gets native code execution in the
	// host process, because cached machine code is loaded and run without any
	// authenticity check (wazero only checksums it). It is created with mode 0700;
	// keep it owned by the host's user and out of reach of plugin authors and tenants.
	CacheDir string
	// Logger receives engine and plugin logs. Nil means slog.Default().
	Logger *slog.Logger
}

// Engine compiles and runs plugins. It is safe for concurrent use.
type Engine struct {
	cache  wazero.CompilationCache
	logger *slog.Logger
	instr  *instrCache
	// compiling serialises the compiles of each module (see compileGate).
	compiling *compileGate

	mu      sync.Mutex
	plugins map[*Plugin]struct{}
	closed  bool

	// clock is a coarse monotonic clock (monoNow at the last watchdog tick): calls
	// compute their deadline from it without reading the system clock.
	clock   atomic.Int64
	stopDog chan struct{}
	dogDone chan struct{}
}

// WatchdogPeriod is how often the engine checks call deadlines: a call is stopped at
// most this long (plus the guest's next check, see instrument.go) after its deadline.
const WatchdogPeriod = 5 * time.Millisecond

func (e *Engine) watchdog() {
	defer close(e.dogDone)
	t := time.NewTicker(WatchdogPeriod)
	defer t.Stop()
	var ps []*Plugin
	for {
		select {
		case <-e.stopDog:
			return
		case <-t.C:
		}
		now := monoNow()
		e.clock.Store(now)
		e.mu.Lock()
		ps = ps[:0]
		for p := range e.plugins {
			ps = append(ps, p)
		}
		e.mu.Unlock()
		for _, p := range ps {
			p.checkDeadlines(now)
		}
	}
}

// NewEngine creates an engine and its compilation cache.
func NewEngine(ctx context.Context, cfg EngineConfig) (*Engine, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	var cache wazero.CompilationCache
	if cfg.CacheDir != "" {
		if err := os.MkdirAll(cfg.CacheDir, 0o700); err != nil {
			return nil, fmt.Errorf("runtime: create compilation cache directory %s: %w", cfg.CacheDir, err)
		}
		if err := os.Chmod(cfg.CacheDir, 0o700); err != nil {
			return nil, fmt.Errorf("runtime: restrict compilation cache directory %s to its owner: %w", cfg.CacheDir, err)
		}
		c, err := wazero.NewCompilationCacheWithDir(cfg.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("runtime: open compilation cache %s: %w", cfg.CacheDir, err)
		}
		cache = c
	} else {
		cache = wazero.NewCompilationCache()
	}
	e := &Engine{cache: cache, logger: logger, instr: newInstrCache(cfg.CacheDir), compiling: newCompileGate(), plugins: map[*Plugin]struct{}{},
		stopDog: make(chan struct{}), dogDone: make(chan struct{})}
	e.clock.Store(monoNow())
	go e.watchdog()
	return e, nil
}

// Close closes every plugin still loaded (waiting for their in-flight calls, up to ctx)
// and then the compilation cache.
func (e *Engine) Close(ctx context.Context) error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	ps := make([]*Plugin, 0, len(e.plugins))
	for p := range e.plugins {
		ps = append(ps, p)
	}
	e.mu.Unlock()
	var errs []error
	for _, p := range ps {
		if err := p.Close(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	close(e.stopDog)
	<-e.dogDone
	if err := e.cache.Close(ctx); err != nil {
		errs = append(errs, fmt.Errorf("runtime: close compilation cache: %w", err))
	}
	return errors.Join(errs...)
}

func (e *Engine) register(p *Plugin) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return errors.New("engine is closed")
	}
	e.plugins[p] = struct{}{}
	return nil
}

func (e *Engine) unregister(p *Plugin) {
	e.mu.Lock()
	delete(e.plugins, p)
	e.mu.Unlock()
}

// compileGate serialises compiles of each distinct module, so that identical modules
// loaded at once compile once and the others hit the compilation cache.
//
// It must hold for every compile of a module, including the ones that hit the cache:
// wazero (v1.12) publishes a module it reads back from the file cache to other runtimes
// sharing that cache before it has built the module's entry preambles, so a second load
// of the same module running alongside can instantiate it half-built and panic
// (TestConcurrentLoadsFromWarmCache). The price is that copies of one module validate
// one after another at start-up; distinct modules still load in parallel.
type compileGate struct {
	mu    sync.Mutex
	locks map[[32]byte]*sync.Mutex
}

func newCompileGate() *compileGate {
	return &compileGate{locks: map[[32]byte]*sync.Mutex{}}
}

// enter waits for its turn to compile the module with this key; call leave after.
func (g *compileGate) enter(key [32]byte) (leave func()) {
	g.mu.Lock()
	l, ok := g.locks[key]
	if !ok {
		l = &sync.Mutex{}
		g.locks[key] = l
	}
	g.mu.Unlock()
	l.Lock()
	return l.Unlock
}
