package runtime

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/sys"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/excerpt"
)

// interruptGlobal is the export name of the global that instrumented modules poll.
const interruptGlobal = "greenroom.interrupt"

type interruptReason int32

const (
	interruptNone interruptReason = iota
	interruptDeadline
	interruptCancel
	interruptClose
)

// callCtx is the context every guest call runs under: the caller's ctx plus the
// instance, so that host functions find their instance with one type assertion.
type callCtx struct {
	context.Context
	inst *instance
}

// instance is one module instance with its Extism state. It serves one call at a time.
type instance struct {
	p     *Plugin
	mod   api.Module
	funcs []api.Function // by exportInfo.index, each looked up on its first call
	stack []uint64
	flag  api.MutableGlobal // instrumented modules: set to 1 to interrupt

	arena    *arena
	budget   budget // what is left of the memory limit (budget.go)
	input    uint64
	inputLen uint64
	output   uint64
	outLen   uint64
	errH     uint64
	vars     map[string][]byte
	varBytes int

	// What the current call logged (logs.go).
	logLines, logBytes, logDropped int

	cc      callCtx
	parent  context.Context // the caller's ctx during a call
	hostCtx *hostCtx        // made on the first host function call of a call
	done    chan struct{}   // closed when a call on this instance is interrupted

	// state is 0 when idle, seq<<1 while a call runs, seq<<1|1 once it was interrupted.
	state   atomic.Uint64
	seq     uint64
	deadlNS atomic.Int64
	reason  atomic.Int32
	ctxStop func() bool
	// used is what the instance held of its budget after its last call (Stats).
	used atomic.Uint64
}

func (p *Plugin) newInstance(ctx context.Context) (*instance, error) {
	inst := &instance{
		p:     p,
		stack: make([]uint64, 1),
		vars:  map[string][]byte{},
		done:  make(chan struct{}),
	}
	inst.budget.free = p.memBytes - p.engineBytes
	inst.arena = newArena(p.memBytes, &inst.budget)
	inst.cc.inst = inst
	stdout := &logWriter{inst: inst, stream: "stdout"}
	stderr := &logWriter{inst: inst, stream: "stderr"}
	mc := wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions().
		WithStdout(stdout).
		WithStderr(stderr).
		WithSysWalltime().
		WithSysNanotime().
		WithNanosleep(inst.sleep).
		WithRandSource(rand.Reader)
	// Linear memory takes from the instance's budget, as the arena does.
	inst.cc.Context = experimental.WithMemoryAllocator(ctx, inst.budget.allocator(p.instrumented))
	mod, err := p.rt.InstantiateModule(&inst.cc, p.code, mc)
	inst.cc.Context = nil
	if err != nil {
		if strings.Contains(err.Error(), "over limit of") {
			return nil, &CallError{Kind: KindOutOfMemory, Plugin: p.name, Err: fmt.Errorf("start instance: %w", err)}
		}
		return nil, fmt.Errorf("start instance: %w", err)
	}
	inst.mod = mod
	// wazero gives each function it prepares for calling a stack of its own (10 KiB):
	// exports are prepared on their first call, not all of them for every instance.
	inst.funcs = make([]api.Function, len(p.exports))
	if p.instrumented {
		g, ok := mod.ExportedGlobal(interruptGlobal).(api.MutableGlobal)
		free, ok2 := mod.ExportedGlobal(freeGlobal).(api.MutableGlobal)
		if !ok || !ok2 {
			_ = mod.Close(context.Background())
			return nil, errors.New("start instance: instrumented module lacks its interrupt or budget global")
		}
		inst.flag = g
		inst.budget.bind(free)
	}
	inst.noteUsed()
	p.mu.Lock()
	p.all[inst] = struct{}{}
	p.mu.Unlock()
	// What the module runs before its first call runs as a call does: under the plugin's
	// timeout and the caller's cancellation.
	for _, step := range []struct{ export, what string }{
		{startExport, "start function"},
		{abi.ExportInit, abi.ExportInit},
	} {
		f := mod.ExportedFunction(step.export)
		if f == nil {
			continue
		}
		if err := inst.runInit(ctx, f, step.what); err != nil {
			inst.close()
			p.mu.Lock()
			delete(p.all, inst)
			p.mu.Unlock()
			return nil, fmt.Errorf("start instance: %w", err)
		}
	}
	return inst, nil
}

// runInit runs the start function or _initialize (what) of a new instance.
func (inst *instance) runInit(ctx context.Context, f api.Function, what string) error {
	p := inst.p
	_, cerr, healthy := inst.run(ctx, f, false, what, nil, nil)
	switch {
	case cerr == nil && healthy:
		return nil
	case cerr == nil:
		return fmt.Errorf("the module's %s left the instance unusable", what)
	case cerr.Kind == KindTimeout && interruptReason(inst.reason.Load()) == interruptDeadline:
		return fmt.Errorf("the module's %s did not return within the plugin's timeout of %v: an instance must be ready before its first call; make the %s do less, or raise limits.timeout: %w",
			what, p.timeout, what, cerr)
	case cerr.Kind == KindTimeout:
		return fmt.Errorf("the module's %s was interrupted: %w", what, cerr)
	}
	return fmt.Errorf("the module's %s failed: %w", what, cerr)
}

func (inst *instance) close() {
	if inst.mod != nil {
		_ = inst.mod.Close(context.Background())
	}
	// Calls have returned (discard and Close drain them first), so no host function
	// holds the arena's bytes.
	inst.arena.unmap()
}

func (inst *instance) call(ctx context.Context, ex exportInfo, export string, input, dst []byte) ([]byte, *CallError, bool) {
	f := inst.funcs[ex.index]
	if f == nil {
		f = inst.mod.ExportedFunction(export)
		inst.funcs[ex.index] = f
	}
	return inst.run(ctx, f, ex.hasResult, export, input, dst)
}

// run makes one export call. healthy reports whether the instance may serve again.
func (inst *instance) run(ctx context.Context, f api.Function, hasResult bool, export string, input, dst []byte) (out []byte, cerr *CallError, healthy bool) {
	p := inst.p
	if err := ctx.Err(); err != nil {
		return dst, &CallError{Kind: KindTimeout, Plugin: p.name, Export: export, Err: err}, true
	}
	a := inst.arena
	a.reset()
	inst.budget.refused = false
	inst.logLines, inst.logBytes, inst.logDropped = 0, 0, 0
	inst.input, inst.inputLen, inst.output, inst.outLen, inst.errH = 0, 0, 0, 0, 0
	if len(input) > 0 {
		h, ok := a.write(input)
		if !ok {
			return dst, &CallError{Kind: KindOutOfMemory, Plugin: p.name, Export: export,
				Err: fmt.Errorf("input of %d bytes does not fit the arena: %d bytes of the memory limit of %d bytes are left besides linear memory (raise the plugin's memory limit)", len(input), inst.budget.left(), a.limit)}, true
		}
		inst.input, inst.inputLen = h, uint64(len(input))
	}

	// The engine's watchdog compares deadlines with its coarse clock; a ctx deadline
	// or cancellation arrives through ctx.Done.
	inst.seq++
	running := inst.seq << 1
	inst.reason.Store(int32(interruptNone))
	inst.deadlNS.Store(p.engine.clock.Load() + int64(p.timeout))
	inst.state.Store(running)
	if ctx.Done() != nil {
		seq := running
		inst.ctxStop = context.AfterFunc(ctx, func() { inst.interruptCall(seq, interruptCancel) })
	}
	inst.parent = ctx
	cc := &inst.cc
	if p.instrumented {
		cc.Context = ctx
	} else {
		// wazero's watcher goroutine may read the ctx after the call returns.
		cc = &callCtx{Context: ctx, inst: inst}
	}
	inst.stack[0] = 0

	err := f.CallWithStack(cc, inst.stack)

	if inst.ctxStop != nil {
		inst.ctxStop()
		inst.ctxStop = nil
	}
	interrupted := !inst.state.CompareAndSwap(running, 0)
	if interrupted {
		inst.state.Store(0)
	}
	inst.hostCtx = nil
	inst.cc.Context = nil
	inst.parent = nil
	if inst.logDropped > 0 {
		p.logs.dropped(inst.logDropped)
	}

	if err != nil || interrupted {
		// An interrupted call fails even if the guest finished before it noticed: the
		// deadline passed, or the caller gave up, and host functions saw that.
		return dst, inst.classify(ctx, err, interrupted, export), false
	}
	healthy = !inst.mod.IsClosed()
	var rc uint32
	if hasResult {
		rc = api.DecodeU32(inst.stack[0])
	}
	if rc != 0 || inst.errH != 0 {
		return dst, &CallError{Kind: KindGuest, Plugin: p.name, Export: export, Guest: guestError(a.bytes(inst.errH), rc)}, healthy
	}
	if inst.outLen > 0 {
		dst = append(dst, a.mem[inst.output:inst.output+inst.outLen]...)
	}
	return dst, nil, healthy
}

func (inst *instance) classify(ctx context.Context, err error, interrupted bool, export string) *CallError {
	p := inst.p
	ce := &CallError{Plugin: p.name, Export: export, Err: err}
	var te *trapError
	var ee *sys.ExitError
	switch {
	case interrupted:
		ce.Kind = KindTimeout
		switch interruptReason(inst.reason.Load()) {
		case interruptCancel:
			if cerr := ctx.Err(); errors.Is(cerr, context.DeadlineExceeded) {
				ce.Err = fmt.Errorf("the caller's deadline passed: %w", cerr)
			} else {
				ce.Err = fmt.Errorf("call cancelled: %w", context.Canceled)
			}
		case interruptClose:
			ce.Err = errors.New("plugin closed while the call ran")
		default:
			ce.Err = fmt.Errorf("call exceeded its deadline (%v): %w", p.timeout, context.DeadlineExceeded)
		}
	case errors.As(err, &te):
		ce.Kind = te.kind
		ce.Err = te
	case errors.As(err, &ee):
		switch ee.ExitCode() {
		case sys.ExitCodeDeadlineExceeded, sys.ExitCodeContextCanceled:
			ce.Kind = KindTimeout
		case 0:
			// proc_exit(0) closes the module; treat as a crash of that instance.
			ce.Kind = KindTrap
			ce.Err = errors.New("the guest called proc_exit(0), which ends its instance")
		default:
			ce.Kind = KindTrap
			ce.Err = fmt.Errorf("the guest exited with code %d", ee.ExitCode())
		}
	default:
		ce.Kind = KindTrap
		if inst.budget.refused || inst.budget.left() < refFuncCost {
			ce.Kind = KindOutOfMemory
			ce.Err = fmt.Errorf("%s: %w", inst.spent(), err)
		} else if m := inst.mod.Memory(); m != nil && uint64(m.Size()) >= uint64(p.memLimit)*65536 {
			ce.Kind = KindOutOfMemory
			ce.Err = fmt.Errorf("linear memory is at its limit of %d pages: %w", p.memLimit, err)
		}
	}
	return ce
}

// spent describes an instance whose memory limit is spent, by what holds it.
func (inst *instance) spent() string {
	p := inst.p
	var mem uint64
	if m := inst.mod.Memory(); m != nil {
		mem = uint64(m.Size())
	}
	arena := uint64(len(inst.arena.mem))
	engine := p.memBytes - min(p.memBytes, inst.budget.left()+mem+arena)
	return fmt.Sprintf("the instance's memory limit of %d pages is spent: linear memory %d pages, arena %d bytes, tables, globals and function references %d bytes",
		p.memLimit, mem/65536, arena, engine)
}

// guestError turns an error_set message into an *abi.Error. The plugin's words reach
// clients and the log: they are kept as a short escaped excerpt (SPEC.md section 8).
func guestError(msg []byte, rc uint32) *abi.Error {
	if len(msg) > 0 && msg[0] == '{' {
		var e abi.Error
		if json.Unmarshal(msg, &e) == nil && e.Code != "" {
			e.Code = abi.Code(excerpt.Text(string(e.Code)))
			e.Message = excerpt.Text(e.Message)
			return &e
		}
	}
	if len(msg) == 0 {
		return &abi.Error{Code: abi.CodeInternal, Message: fmt.Sprintf("plugin returned %d without an error message", rc)}
	}
	if len(msg) > 2*excerpt.Max {
		msg = msg[:2*excerpt.Max] // convert only what can be kept
	}
	return &abi.Error{Code: abi.CodeInternal, Message: excerpt.Text(string(msg))}
}

// sleep is the instance's WASI sleep (poll_oneoff with a clock, Go's time.Sleep): it
// sleeps in slices and returns early once the call is interrupted, so a sleeping guest
// reaches its next interrupt check instead of holding the instance to the end.
func (inst *instance) sleep(ns int64) {
	end := monoNow() + ns
	for inst.state.Load()&1 == 0 {
		left := end - monoNow()
		if left <= 0 {
			return
		}
		time.Sleep(min(time.Duration(left), WatchdogPeriod))
	}
}

// processStart anchors monoNow on the monotonic clock (the wall clock may jump).
var processStart = time.Now()

func monoNow() int64 { return int64(time.Since(processStart)) }

// interruptCall stops the call identified by running (seq<<1) if it still runs.
func (inst *instance) interruptCall(running uint64, why interruptReason) bool {
	if !inst.state.CompareAndSwap(running, running|1) {
		return false
	}
	inst.reason.Store(int32(why))
	close(inst.done)
	inst.stop()
	return true
}

// checkDeadline interrupts the running call if its deadline is before now.
func (inst *instance) checkDeadline(now int64) {
	s := inst.state.Load()
	if s == 0 || s&1 != 0 || now < inst.deadlNS.Load() {
		return
	}
	inst.interruptCall(s, interruptDeadline)
}

// interrupt stops whatever call runs now (used by Close).
func (inst *instance) interrupt(why interruptReason) {
	s := inst.state.Load()
	if s == 0 || s&1 != 0 {
		return
	}
	inst.interruptCall(s, why)
}

func (inst *instance) stop() {
	if inst.flag != nil {
		inst.flag.Set(1)
		return
	}
	_ = inst.mod.CloseWithExitCode(context.Background(), sys.ExitCodeDeadlineExceeded)
}

// hostContext is the ctx host functions get: the caller's values, and a Done channel
// that closes when the call is interrupted (its deadline passed or the caller's ctx
// ended). It is made once per call, on the first host function call.
func (inst *instance) hostContext() context.Context {
	if inst.hostCtx == nil {
		inst.hostCtx = &hostCtx{Context: inst.parent, inst: inst, deadlNS: inst.deadlNS.Load()}
	}
	return inst.hostCtx
}

// hostCtx costs one small allocation per call instead of context.WithDeadline's timer.
// Its Done channel belongs to the instance and is closed by the one interrupt an
// instance can have (an interrupted instance is discarded).
type hostCtx struct {
	context.Context
	inst    *instance
	deadlNS int64 // on the monoNow clock
}

func (c *hostCtx) Deadline() (time.Time, bool) {
	own := time.Now().Add(time.Duration(c.deadlNS - monoNow()))
	if d, ok := c.Context.Deadline(); ok && d.Before(own) {
		return d, true
	}
	return own, true
}

func (c *hostCtx) Done() <-chan struct{} { return c.inst.done }

func (c *hostCtx) Err() error {
	select {
	case <-c.inst.done:
	default:
		return nil
	}
	if interruptReason(c.inst.reason.Load()) == interruptCancel {
		if err := c.Context.Err(); err != nil {
			return err
		}
		return context.Canceled
	}
	return context.DeadlineExceeded
}

// hostCtxKey finds a host call's hostCtx under contexts that wrap it.
type hostCtxKey struct{}

func (c *hostCtx) Value(key any) any {
	if key == (hostCtxKey{}) {
		return c
	}
	return c.Context.Value(key)
}

// ArenaBlock returns the bytes of the active block at handle h of the arena of the
// instance whose host call ctx belongs to (abi/SPEC.md 3.3: files_write's block), or
// false when h is not one, or ctx is not a host call's. The bytes are the arena's: good
// until the host function returns, and not to be changed.
func ArenaBlock(ctx context.Context, h int64) ([]byte, bool) {
	c, ok := ctx.Value(hostCtxKey{}).(*hostCtx)
	if !ok || h <= 0 {
		return nil, false
	}
	a := c.inst.arena
	i := a.find(uint64(h))
	if i < 0 {
		return nil, false
	}
	b := a.blocks[i]
	return a.mem[b.off : b.off+b.used : b.off+b.used], true
}

// logWriter sends WASI stdout/stderr to the log at debug level, one record per write,
// within the logging limits (logs.go).
type logWriter struct {
	inst   *instance
	stream string
}

func (w *logWriter) Write(b []byte) (int, error) {
	w.inst.guestLog(context.Background(), slog.LevelDebug, trimNewline(b), "stream", w.stream)
	return len(b), nil
}

func trimNewline(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
