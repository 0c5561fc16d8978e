package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	goruntime "runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"greenroom.dev/greenroom/abi"
)

// HostFunc implements one greenroom:host/v1 capability function. req is the JSON request
// message the guest passed; it is only valid until HostFunc returns. The result must be
// one JSON value (nil means null); it is wrapped as {"result": ...}. An error becomes
// {"error": {"code", "message"}}: an *abi.Error keeps its code, a context deadline
// becomes "timeout", anything else "internal". Returning an error never traps the guest.
//
// ctx carries the values of the ctx given to Plugin.Call and the call's deadline; it is
// done when the call is interrupted (deadline passed, caller's ctx ended, plugin closed
// under a deadline). It is only good until HostFunc returns: work that outlives the
// call needs a ctx of its own.
type HostFunc func(ctx context.Context, req []byte) (result []byte, err error)

// Defaults for Options fields left zero.
const (
	DefaultMemoryLimitPages = 1024 // 64 MiB
	DefaultTimeout          = 10 * time.Second
	DefaultQueueTimeout     = time.Second
	DefaultMaxVarBytes      = 1 << 20 // as Extism's max_var_bytes
)

// Options configures one loaded plugin.
type Options struct {
	// Name identifies the plugin in errors and logs (the config id).
	Name string
	// MemoryLimitPages caps each instance's memory, in 64 KiB pages: its linear memory
	// and its arena (the Extism memory that holds input, output and every handle)
	// together. Zero means DefaultMemoryLimitPages.
	MemoryLimitPages uint32
	// Instances is the pool size: at most this many calls run at once. Zero means
	// GOMAXPROCS.
	Instances int
	// Timeout is the deadline of one call, and of each thing an instance runs before its
	// first call (the module's start function, _initialize). Zero means DefaultTimeout.
	Timeout time.Duration
	// QueueTimeout is how long a call waits for a free instance before failing with
	// KindExhausted. Zero means DefaultQueueTimeout; negative means do not wait.
	QueueTimeout time.Duration
	// MaxVarBytes caps the Extism vars of one instance (keys plus values). Zero means
	// DefaultMaxVarBytes; negative disables vars (var_set traps).
	MaxVarBytes int
	// Config holds the values config_get returns, by key. The caller builds it as SPEC.md
	// section 6 says (the whole object under "greenroom.config", top-level keys as raw
	// strings or JSON).
	Config map[string]string
	// HostFuncs are the greenroom:host/v1 capability functions to link, by import name.
	// mem_read, mem_write and input_read are always linked and may not appear here.
	HostFuncs map[string]HostFunc
	// Logger receives the plugin's logs (log_*, WASI stdout/stderr at debug). Nil means
	// the engine's logger. A "plugin" attribute with Name is added.
	Logger *slog.Logger
	// Observer is told of every call (the host's metrics); nil observes nothing.
	Observer Observer
}

// Plugin is a loaded module with its pool of instances. It is safe for concurrent use.
type Plugin struct {
	name    string
	engine  *Engine
	rt      wazero.Runtime
	code    wazero.CompiledModule
	logger  *slog.Logger
	exports map[string]exportInfo
	// instrumented: the module was rewritten to poll an interrupt global (cheap
	// deadlines); otherwise it runs with wazero's close-on-context-done checks.
	instrumented bool

	timeout      time.Duration
	queueTimeout time.Duration
	maxVarBytes  int
	memBytes     uint64 // the memory limit of one instance, in bytes
	engineBytes  uint64 // what the module's declarations cost each instance (footprint.go)
	memLimit     uint32
	config       map[string]string
	hostFuncs    map[string]HostFunc
	logs         *logLimiter
	observer     Observer

	idle chan *instance
	live atomic.Int32 // instances alive (idle or busy)
	size int32

	// inflight counts calls between admission and return; closedBit marks Close.
	inflight  atomic.Int64
	closing   chan struct{}
	drained   chan struct{}
	drainOnce sync.Once
	closeOnce sync.Once
	closeErr  error

	mu  sync.Mutex
	all map[*instance]struct{}
}

// instrumentModules switches the interrupt rewrite (tests turn it off to exercise the
// fallback).
var instrumentModules = true

const closedBit = int64(1) << 40

type exportInfo struct {
	index     int
	hasResult bool
}

// Load compiles wasm, links the host modules and starts one instance so that a module
// that cannot run fails here rather than on its first call. An import the host does not
// provide is an error naming the module and function.
func (e *Engine) Load(ctx context.Context, wasm []byte, opts Options) (p *Plugin, err error) {
	name := opts.Name
	if name == "" {
		name = "unnamed"
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("plugin %s: load: %w", name, err)
		}
	}()
	if err := validateHostFuncNames(opts.HostFuncs); err != nil {
		return nil, err
	}
	pages := opts.MemoryLimitPages
	if pages == 0 {
		pages = DefaultMemoryLimitPages
	}
	if pages > 65536 {
		return nil, fmt.Errorf("memory limit of %d pages is over the 65536 pages (4 GiB) a 32-bit memory can have", pages)
	}
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("timeout %v is negative; give a positive duration, or 0 for the default %v", opts.Timeout, DefaultTimeout)
	}
	size := opts.Instances
	if size <= 0 {
		size = goruntime.GOMAXPROCS(0)
	}
	logger := opts.Logger
	if logger == nil {
		logger = e.logger
	}
	logger = logger.With("plugin", name)

	p = &Plugin{
		name:         name,
		engine:       e,
		logger:       logger,
		timeout:      orDefault(opts.Timeout, DefaultTimeout),
		queueTimeout: orDefault(opts.QueueTimeout, DefaultQueueTimeout),
		maxVarBytes:  opts.MaxVarBytes,
		memBytes:     uint64(pages) * 65536,
		memLimit:     pages,
		config:       opts.Config,
		hostFuncs:    opts.HostFuncs,
		logs:         newLogLimiter(logger),
		observer:     opts.Observer,
		idle:         make(chan *instance, size),
		size:         int32(size),
		closing:      make(chan struct{}),
		drained:      make(chan struct{}),
		all:          map[*instance]struct{}{},
	}
	if p.maxVarBytes == 0 {
		p.maxVarBytes = DefaultMaxVarBytes
	}

	// What the module makes the engine allocate for each instance counts against the
	// memory limit; refuse it before compiling if it cannot fit.
	fp, ferr := readFootprint(wasm)
	if ferr == nil {
		if err := fp.check(p.memBytes); err != nil {
			return nil, err
		}
		p.engineBytes = fp.engineBytes()
	}

	body := wasm
	instrumented, moduleKey, ierr := e.instr.get(wasm)
	if !instrumentModules {
		ierr = errors.New("instrumentation switched off")
	}
	if ierr == nil {
		body = instrumented
		p.instrumented = true
	} else if ferr == nil {
		logger.Debug("module runs with wazero's slower interruption checks", "reason", ierr.Error())
		// Nothing in the guest counts table growth or ref.func: tables stay at their
		// minimum size, and a module that uses ref.func is refused.
		if refs, err := usesRefFunc(wasm); err != nil || refs {
			if err == nil {
				err = errors.New("its code uses ref.func")
			}
			return nil, fmt.Errorf("the module cannot be instrumented (%v), and the host can bound its memory only if its code does not use ref.func: %v", ierr, err)
		}
		if body, err = capTables(wasm); err != nil {
			return nil, err
		}
		if body, err = moveStartOf(body); err != nil {
			return nil, err
		}
	}

	rc := wazero.NewRuntimeConfig().
		WithCompilationCache(e.cache).
		WithMemoryLimitPages(pages).
		WithCloseOnContextDone(!p.instrumented)
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	p.rt = rt
	defer func() {
		if err != nil {
			_ = rt.Close(context.Background())
		}
	}()

	// Identical modules loaded at once compile one at a time: the first fills the
	// compilation cache and the others hit it (see compileGate). The key is the original
	// module's hash: its instrumentation is deterministic. Instantiation stays parallel.
	leave := e.compiling.enter(moduleKey)
	code, err := p.rt.CompileModule(ctx, body)
	leave()
	if err != nil {
		return nil, fmt.Errorf("compile: %w", err)
	}
	if ferr != nil {
		// wazero compiled what footprint could not read: do not run what cannot be
		// bounded.
		return nil, fmt.Errorf("the host cannot bound what the module allocates: %w", ferr)
	}
	p.code = code
	if err := p.checkImports(); err != nil {
		return nil, err
	}
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, p.rt); err != nil {
		return nil, fmt.Errorf("link %s: %w", abi.WASINamespace, err)
	}
	if err := p.linkHostModules(ctx); err != nil {
		return nil, err
	}
	p.exports = map[string]exportInfo{}
	defs := code.ExportedFunctions()
	names := make([]string, 0, len(defs))
	for n := range defs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		d := defs[n]
		if len(d.ParamTypes()) != 0 || n == startExport {
			continue
		}
		switch rt := d.ResultTypes(); {
		case len(rt) == 0:
			p.exports[n] = exportInfo{index: len(p.exports)}
		case len(rt) == 1 && rt[0] == api.ValueTypeI32:
			p.exports[n] = exportInfo{index: len(p.exports), hasResult: true}
		}
	}
	if err := e.register(p); err != nil {
		return nil, err
	}
	inst, err := p.newInstance(ctx)
	if err != nil {
		e.unregister(p)
		return nil, err
	}
	p.live.Add(1)
	p.idle <- inst
	return p, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

func validateHostFuncNames(fns map[string]HostFunc) error {
	for n, f := range fns {
		if _, ok := bulkFuncs[n]; ok {
			return fmt.Errorf("host function %s.%s is built in; remove it from Options.HostFuncs", abi.Namespace, n)
		}
		if n == "" || f == nil {
			return fmt.Errorf("host function %q of %s has an empty name or a nil func", n, abi.Namespace)
		}
	}
	return nil
}

// checkImports refuses imports the host does not serve, naming them.
func (p *Plugin) checkImports() error {
	var problems []string
	env := map[string]bool{}
	for _, n := range abi.ExtismFunctions {
		env[n] = true
	}
	for _, d := range p.code.ImportedFunctions() {
		mod, fn, _ := d.Import()
		switch {
		case mod == abi.ExtismNamespace:
			if hint, denied := abi.DeniedExtismFunctions[fn]; denied {
				problems = append(problems, fmt.Sprintf("import %s.%s is not provided by Greenroom: all egress goes through the host; %s", mod, fn, hint))
			} else if !env[fn] {
				problems = append(problems, fmt.Sprintf("import %s.%s: the host has no such Extism function", mod, fn))
			}
		case mod == abi.Namespace:
			_, bulk := bulkFuncs[fn]
			_, linked := p.hostFuncs[fn]
			if !bulk && !linked {
				if _, known := abi.HostFunctions[fn]; known {
					problems = append(problems, fmt.Sprintf("import %s.%s: capability %q is not granted to this plugin", mod, fn, abi.HostFunctions[fn]))
				} else {
					problems = append(problems, fmt.Sprintf("import %s.%s: the host has no such function", mod, fn))
				}
				continue
			}
			if !bulk && !isReqResp(d) {
				problems = append(problems, fmt.Sprintf("import %s.%s has signature %s; capability functions are (i64) -> i64", mod, fn, sig(d)))
			}
		case strings.HasPrefix(mod, abi.NamespacePrefix):
			problems = append(problems, fmt.Sprintf("import %s.%s: the host serves %s only", mod, fn, abi.Namespace))
		case mod == abi.WASINamespace:
			// wazero's implementation reports unknown names itself.
		default:
			problems = append(problems, fmt.Sprintf("import %s.%s: unknown import module (the host provides %s, %s and %s)", mod, fn, abi.ExtismNamespace, abi.Namespace, abi.WASINamespace))
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func isReqResp(d api.FunctionDefinition) bool {
	pt, rt := d.ParamTypes(), d.ResultTypes()
	return len(pt) == 1 && pt[0] == api.ValueTypeI64 && len(rt) == 1 && rt[0] == api.ValueTypeI64
}

func sig(d api.FunctionDefinition) string {
	names := func(ts []api.ValueType) string {
		s := make([]string, len(ts))
		for i, t := range ts {
			s[i] = api.ValueTypeName(t)
		}
		return strings.Join(s, ", ")
	}
	return fmt.Sprintf("(%s) -> (%s)", names(d.ParamTypes()), names(d.ResultTypes()))
}

// Name is the plugin's name (Options.Name).
func (p *Plugin) Name() string { return p.name }

// Exports lists the exports that Call accepts (shape () -> i32 or () -> ()), sorted.
func (p *Plugin) Exports() []string {
	out := make([]string, 0, len(p.exports))
	for n := range p.exports {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Call runs export with input on a free instance and returns a copy of its output.
func (p *Plugin) Call(ctx context.Context, export string, input []byte) ([]byte, error) {
	return p.CallAppend(ctx, export, input, nil)
}

// CallAppend is Call that appends the output to dst (which may be nil) and returns the
// extended slice; with a dst of enough capacity the call does not allocate.
func (p *Plugin) CallAppend(ctx context.Context, export string, input, dst []byte) ([]byte, error) {
	ex, ok := p.exports[export]
	if !ok {
		return dst, &CallError{Kind: KindNoExport, Plugin: p.name, Export: export,
			Err: fmt.Errorf("exports with shape () -> i32 are: %s", strings.Join(p.Exports(), ", "))}
	}
	if p.inflight.Add(1)&closedBit != 0 {
		p.callDone()
		return dst, &CallError{Kind: KindClosed, Plugin: p.name, Export: export}
	}
	defer p.callDone()
	// With an observer, the clock is read when an instance is in hand and when the call
	// ends, and once more before waiting, only when no instance is idle.
	var inst *instance
	var cerr *CallError
	var began, acquired time.Time
	select {
	case inst = <-p.idle:
		if p.observer != nil {
			acquired = time.Now()
			began = acquired
		}
	default:
		if p.observer != nil {
			began = time.Now()
		}
		if inst, cerr = p.acquire(ctx, export); cerr != nil {
			if p.observer != nil {
				p.observer.ObserveCall(p.name, export, cerr.Kind.Outcome(), 0, time.Since(began))
			}
			return dst, cerr
		}
		if p.observer != nil {
			acquired = time.Now()
		}
	}
	out, cerr, healthy := inst.call(ctx, ex, export, input, dst)
	if p.observer != nil {
		outcome := OutcomeOK
		if cerr != nil {
			outcome = cerr.Kind.Outcome()
		}
		p.observer.ObserveCall(p.name, export, outcome, time.Since(acquired), acquired.Sub(began))
	}
	if healthy {
		inst.noteUsed()
		p.idle <- inst
	} else {
		p.discard(inst)
	}
	if cerr != nil {
		return out, cerr
	}
	return out, nil
}

func (p *Plugin) callDone() {
	if p.inflight.Add(-1) == closedBit {
		p.drainOnce.Do(func() { close(p.drained) })
	}
}

// acquire takes an idle instance, starts a new one while the pool is below its size, or
// waits up to the queue timeout.
func (p *Plugin) acquire(ctx context.Context, export string) (*instance, *CallError) {
	select {
	case inst := <-p.idle:
		return inst, nil
	default:
	}
	for {
		n := p.live.Load()
		if n >= p.size {
			break
		}
		if p.live.CompareAndSwap(n, n+1) {
			inst, err := p.newInstance(ctx)
			if err != nil {
				p.live.Add(-1)
				return nil, p.startError(export, err)
			}
			return inst, nil
		}
	}
	if p.queueTimeout < 0 {
		return nil, &CallError{Kind: KindExhausted, Plugin: p.name, Export: export,
			Err: fmt.Errorf("all %d instances are busy", p.size)}
	}
	t := time.NewTimer(p.queueTimeout)
	defer t.Stop()
	select {
	case inst := <-p.idle:
		return inst, nil
	case <-t.C:
		return nil, &CallError{Kind: KindExhausted, Plugin: p.name, Export: export,
			Err: fmt.Errorf("all %d instances stayed busy for %v (raise the plugin's instances or lower its load)", p.size, p.queueTimeout)}
	case <-ctx.Done():
		return nil, &CallError{Kind: KindTimeout, Plugin: p.name, Export: export, Err: fmt.Errorf("waiting for a free instance: %w", ctx.Err())}
	case <-p.closing:
		return nil, &CallError{Kind: KindClosed, Plugin: p.name, Export: export}
	}
}

func (p *Plugin) startError(export string, err error) *CallError {
	var ce *CallError
	if errors.As(err, &ce) {
		ce.Export = export
		return ce
	}
	return &CallError{Kind: KindTrap, Plugin: p.name, Export: export, Err: fmt.Errorf("start instance: %w", err)}
}

// discard closes a broken instance; a new one starts on demand.
func (p *Plugin) discard(inst *instance) {
	inst.close()
	p.mu.Lock()
	delete(p.all, inst)
	p.mu.Unlock()
	p.live.Add(-1)
	// A caller may be waiting for an idle instance while the pool is at its size; let
	// it start a fresh one instead of timing out.
	select {
	case <-p.closing:
	default:
		go p.refill()
	}
}

func (p *Plugin) refill() {
	for {
		n := p.live.Load()
		if n >= p.size {
			return
		}
		if p.live.CompareAndSwap(n, n+1) {
			break
		}
	}
	inst, err := p.newInstance(context.Background())
	if err != nil {
		p.live.Add(-1)
		p.logger.Error("cannot start a replacement instance", "err", err)
		return
	}
	select {
	case <-p.closing:
		p.discardQuiet(inst)
	default:
		p.idle <- inst
	}
}

func (p *Plugin) discardQuiet(inst *instance) {
	inst.close()
	p.mu.Lock()
	delete(p.all, inst)
	p.mu.Unlock()
	p.live.Add(-1)
}

func (p *Plugin) checkDeadlines(now int64) {
	p.mu.Lock()
	for inst := range p.all {
		inst.checkDeadline(now)
	}
	p.mu.Unlock()
}

// Close stops admitting calls, waits for in-flight calls to finish on their instances
// (hot reload relies on this), then frees every instance and the compiled module. If ctx
// ends first, running calls are interrupted (they fail with KindTimeout) and Close
// returns ctx's error after freeing everything. Close is idempotent.
func (p *Plugin) Close(ctx context.Context) error {
	p.closeOnce.Do(func() {
		close(p.closing)
		if p.inflight.Add(closedBit) == closedBit {
			p.drainOnce.Do(func() { close(p.drained) })
		}
		select {
		case <-p.drained:
		case <-ctx.Done():
			p.mu.Lock()
			for inst := range p.all {
				inst.interrupt(interruptClose)
			}
			p.mu.Unlock()
			<-p.drained
			p.closeErr = fmt.Errorf("plugin %s: close: in-flight calls interrupted: %w", p.name, ctx.Err())
		}
		p.mu.Lock()
		for inst := range p.all {
			inst.close()
		}
		clear(p.all)
		p.mu.Unlock()
		if err := p.rt.Close(context.Background()); err != nil && p.closeErr == nil {
			p.closeErr = fmt.Errorf("plugin %s: close: %w", p.name, err)
		}
		p.engine.unregister(p)
		p.logs.flush()
	})
	return p.closeErr
}
