package runtime

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/tetratelabs/wazero/api"

	"greenroom.dev/greenroom/abi"
)

const (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

// LevelTrace is the slog level of the guest's log_trace (slog has no trace level).
const LevelTrace = slog.LevelDebug - 4

// bulkFuncs are the greenroom:host/v1 functions that need no capability.
var bulkFuncs = map[string]struct{}{"mem_read": {}, "mem_write": {}, "input_read": {}}

// instOf finds the calling instance. Every guest call runs under a *callCtx.
func instOf(ctx context.Context) *instance {
	cc, ok := ctx.(*callCtx)
	if !ok {
		trap("host function called outside a Greenroom call")
	}
	return cc.inst
}

func (p *Plugin) linkHostModules(ctx context.Context) error {
	env := p.rt.NewHostModuleBuilder(abi.ExtismNamespace)
	def := func(name string, params, results []api.ValueType, f func(ctx context.Context, m api.Module, stack []uint64)) {
		env.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(f), params, results).Export(name)
	}
	def("alloc", []api.ValueType{i64}, []api.ValueType{i64}, hostAlloc)
	def("free", []api.ValueType{i64}, nil, hostFree)
	def("length", []api.ValueType{i64}, []api.ValueType{i64}, hostLength)
	def("length_unsafe", []api.ValueType{i64}, []api.ValueType{i64}, hostLength)
	def("load_u8", []api.ValueType{i64}, []api.ValueType{i32}, hostLoadU8)
	def("load_u64", []api.ValueType{i64}, []api.ValueType{i64}, hostLoadU64)
	def("store_u8", []api.ValueType{i64, i32}, nil, hostStoreU8)
	def("store_u64", []api.ValueType{i64, i64}, nil, hostStoreU64)
	def("input_length", nil, []api.ValueType{i64}, hostInputLength)
	def("input_offset", nil, []api.ValueType{i64}, hostInputOffset)
	def("input_load_u8", []api.ValueType{i64}, []api.ValueType{i32}, hostInputLoadU8)
	def("input_load_u64", []api.ValueType{i64}, []api.ValueType{i64}, hostInputLoadU64)
	def("output_set", []api.ValueType{i64, i64}, nil, hostOutputSet)
	def("error_set", []api.ValueType{i64}, nil, hostErrorSet)
	def("config_get", []api.ValueType{i64}, []api.ValueType{i64}, hostConfigGet)
	def("var_get", []api.ValueType{i64}, []api.ValueType{i64}, hostVarGet)
	def("var_set", []api.ValueType{i64, i64}, nil, hostVarSet)
	def("log_trace", []api.ValueType{i64}, nil, logAt(LevelTrace))
	def("log_debug", []api.ValueType{i64}, nil, logAt(slog.LevelDebug))
	def("log_info", []api.ValueType{i64}, nil, logAt(slog.LevelInfo))
	def("log_warn", []api.ValueType{i64}, nil, logAt(slog.LevelWarn))
	def("log_error", []api.ValueType{i64}, nil, logAt(slog.LevelError))
	def("get_log_level", nil, []api.ValueType{i32}, hostGetLogLevel)
	if _, err := env.Instantiate(ctx); err != nil {
		return fmt.Errorf("link %s: %w", abi.ExtismNamespace, err)
	}

	gr := p.rt.NewHostModuleBuilder(abi.Namespace)
	gr.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(hostMemRead), []api.ValueType{i64, i32, i32}, nil).Export("mem_read")
	gr.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(hostMemWrite), []api.ValueType{i32, i32}, []api.ValueType{i64}).Export("mem_write")
	gr.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(hostInputRead), []api.ValueType{i32, i32}, nil).Export("input_read")
	for name, fn := range p.hostFuncs {
		gr.NewFunctionBuilder().WithGoModuleFunction(capabilityFunc(name, fn), []api.ValueType{i64}, []api.ValueType{i64}).Export(name)
	}
	if _, err := gr.Instantiate(ctx); err != nil {
		return fmt.Errorf("link %s: %w", abi.Namespace, err)
	}
	return nil
}

// --- extism:host/env ---

func hostAlloc(ctx context.Context, _ api.Module, s []uint64) {
	inst := instOf(ctx)
	h, ok := inst.arena.alloc(s[0])
	if !ok {
		oom("alloc(%d): the arena and linear memory together would exceed the instance's memory limit of %d bytes", s[0], inst.arena.limit)
	}
	s[0] = h
}

func hostFree(ctx context.Context, _ api.Module, s []uint64) {
	inst := instOf(ctx)
	if s[0] == inst.input {
		// The kernel zeroes the input length when the input block is freed.
		inst.inputLen = 0
	}
	inst.arena.free(s[0])
}

func hostLength(ctx context.Context, _ api.Module, s []uint64) {
	s[0] = instOf(ctx).arena.length(s[0])
}

func hostLoadU8(ctx context.Context, _ api.Module, s []uint64) {
	a := instOf(ctx).arena
	if !a.inBounds(s[0], 1) {
		trap("load_u8(%d): outside the arena", s[0])
	}
	s[0] = uint64(a.mem[s[0]])
}

func hostLoadU64(ctx context.Context, _ api.Module, s []uint64) {
	a := instOf(ctx).arena
	if !a.inBounds(s[0], 8) {
		trap("load_u64(%d): outside the arena", s[0])
	}
	s[0] = binary.LittleEndian.Uint64(a.mem[s[0]:])
}

func hostStoreU8(ctx context.Context, _ api.Module, s []uint64) {
	a := instOf(ctx).arena
	if !a.inBounds(s[0], 1) {
		trap("store_u8(%d): outside the arena", s[0])
	}
	a.mem[s[0]] = byte(s[1])
}

func hostStoreU64(ctx context.Context, _ api.Module, s []uint64) {
	a := instOf(ctx).arena
	if !a.inBounds(s[0], 8) {
		trap("store_u64(%d): outside the arena", s[0])
	}
	binary.LittleEndian.PutUint64(a.mem[s[0]:], s[1])
}

func hostInputLength(ctx context.Context, _ api.Module, s []uint64) {
	s[0] = instOf(ctx).inputLen
}

func hostInputOffset(ctx context.Context, _ api.Module, s []uint64) {
	s[0] = instOf(ctx).input
}

func hostInputLoadU8(ctx context.Context, _ api.Module, s []uint64) {
	inst := instOf(ctx)
	if s[0] >= inst.inputLen {
		trap("input_load_u8(%d): the input is %d bytes", s[0], inst.inputLen)
	}
	s[0] = uint64(inst.arena.mem[inst.input+s[0]])
}

func hostInputLoadU64(ctx context.Context, _ api.Module, s []uint64) {
	inst := instOf(ctx)
	if s[0] > inst.inputLen || inst.inputLen-s[0] < 8 {
		trap("input_load_u64(%d): the input is %d bytes", s[0], inst.inputLen)
	}
	s[0] = binary.LittleEndian.Uint64(inst.arena.mem[inst.input+s[0]:])
}

func hostOutputSet(ctx context.Context, _ api.Module, s []uint64) {
	inst := instOf(ctx)
	if s[1] != 0 && !inst.arena.inBounds(s[0], s[1]) {
		trap("output_set(%d, %d): outside the arena", s[0], s[1])
	}
	inst.output, inst.outLen = s[0], s[1]
}

func hostErrorSet(ctx context.Context, _ api.Module, s []uint64) {
	inst := instOf(ctx)
	if s[0] != 0 && !inst.arena.inBounds(s[0], 1) {
		trap("error_set(%d): outside the arena", s[0])
	}
	inst.errH = s[0]
}

func hostConfigGet(ctx context.Context, _ api.Module, s []uint64) {
	inst := instOf(ctx)
	key := inst.arena.bytes(s[0])
	v, ok := inst.p.config[string(key)]
	if !ok {
		s[0] = 0
		return
	}
	h, ok := inst.arena.alloc(uint64(len(v)))
	if !ok {
		oom("config_get: the value of %q does not fit the arena", key)
	}
	copy(inst.arena.mem[h:], v)
	s[0] = h
}

func hostVarGet(ctx context.Context, _ api.Module, s []uint64) {
	inst := instOf(ctx)
	a := inst.arena
	key := a.bytes(s[0])
	v, ok := inst.vars[string(key)]
	a.free(s[0])
	if !ok {
		s[0] = 0
		return
	}
	h, ok := a.write(v)
	if !ok {
		oom("var_get: the value of %q does not fit the arena", key)
	}
	s[0] = h
}

func hostVarSet(ctx context.Context, _ api.Module, s []uint64) {
	inst := instOf(ctx)
	if inst.p.maxVarBytes < 0 {
		trap("var_set: vars are disabled for this plugin")
	}
	a := inst.arena
	key := string(a.bytes(s[0]))
	a.free(s[0])
	old, had := inst.vars[key]
	if s[1] == 0 {
		if had {
			inst.varBytes -= len(key) + len(old)
			delete(inst.vars, key)
		}
		return
	}
	val := a.bytes(s[1])
	size := inst.varBytes + len(key) + len(val)
	if had {
		size -= len(key) + len(old)
	}
	if size > inst.p.maxVarBytes {
		trap("var_set(%q): the variable store is full (%d of %d bytes)", key, size, inst.p.maxVarBytes)
	}
	inst.vars[key] = append([]byte(nil), val...)
	a.free(s[1])
	inst.varBytes = size
}

func logAt(level slog.Level) func(ctx context.Context, m api.Module, s []uint64) {
	return func(ctx context.Context, _ api.Module, s []uint64) {
		inst := instOf(ctx)
		inst.guestLog(ctx, level, inst.arena.bytes(s[0]))
		inst.arena.free(s[0])
	}
}

func hostGetLogLevel(ctx context.Context, _ api.Module, s []uint64) {
	l := instOf(ctx).p.logger
	levels := [...]slog.Level{LevelTrace, slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError}
	for i, lv := range levels {
		if l.Enabled(ctx, lv) {
			s[0] = uint64(i)
			return
		}
	}
	s[0] = uint64(len(levels)) // off: above error
}

// --- greenroom:host/v1 ---

func guestMemory(m api.Module, fn string) api.Memory {
	mem := m.Memory()
	if mem == nil {
		trap("%s: the module has no memory", fn)
	}
	return mem
}

func hostMemRead(ctx context.Context, m api.Module, s []uint64) {
	a := instOf(ctx).arena
	h, dst, n := s[0], api.DecodeU32(s[1]), api.DecodeU32(s[2])
	if !a.inBounds(h, uint64(n)) && n != 0 {
		trap("mem_read(%d, %d, %d): source outside the arena", h, dst, n)
	}
	if !guestMemory(m, "mem_read").Write(dst, a.mem[h:h+uint64(n)]) {
		trap("mem_read(%d, %d, %d): destination outside guest memory", h, dst, n)
	}
}

func hostMemWrite(ctx context.Context, m api.Module, s []uint64) {
	inst := instOf(ctx)
	src, n := api.DecodeU32(s[0]), api.DecodeU32(s[1])
	b, ok := guestMemory(m, "mem_write").Read(src, n)
	if !ok {
		trap("mem_write(%d, %d): source outside guest memory", src, n)
	}
	h, ok := inst.arena.write(b)
	if !ok {
		oom("mem_write(%d, %d): the arena and linear memory together would exceed the instance's memory limit of %d bytes", src, n, inst.arena.limit)
	}
	s[0] = h
}

func hostInputRead(ctx context.Context, m api.Module, s []uint64) {
	inst := instOf(ctx)
	dst, n := api.DecodeU32(s[0]), api.DecodeU32(s[1])
	if uint64(n) > inst.inputLen {
		trap("input_read(%d, %d): the input is %d bytes", dst, n, inst.inputLen)
	}
	if !guestMemory(m, "input_read").Write(dst, inst.arena.mem[inst.input:inst.input+uint64(n)]) {
		trap("input_read(%d, %d): destination outside guest memory", dst, n)
	}
}

var (
	resultPrefix = []byte(`{"result":`)
	resultNull   = []byte(`{"result":null}`)
)

// capabilityFunc adapts a HostFunc to the (i64 req) -> i64 resp convention.
func capabilityFunc(name string, fn HostFunc) api.GoModuleFunc {
	return func(ctx context.Context, _ api.Module, s []uint64) {
		inst := instOf(ctx)
		a := inst.arena
		req := a.bytes(s[0])
		res, err := callHostFunc(inst, name, fn, req)
		var h uint64
		var ok bool
		switch {
		case err != nil:
			h, ok = a.write(errorEnvelope(err))
		case len(res) == 0:
			h, ok = a.write(resultNull)
		default:
			n := uint64(len(resultPrefix) + len(res) + 1)
			h, ok = a.alloc(n)
			if ok {
				copy(a.mem[h:], resultPrefix)
				copy(a.mem[h+uint64(len(resultPrefix)):], res)
				a.mem[h+n-1] = '}'
			}
		}
		if !ok {
			// The result does not fit: say so instead of trapping.
			h, ok = a.write(errorEnvelope(abi.Errorf(abi.CodeTooLarge, "%s: the result of %d bytes does not fit the plugin's memory limit", name, len(res))))
			if !ok {
				oom("%s: not even an error envelope fits the arena", name)
			}
		}
		s[0] = h
	}
}

func callHostFunc(inst *instance, name string, fn HostFunc, req []byte) (res []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			inst.p.logger.Error("host function panicked", "function", name, "panic", r)
			res, err = nil, abi.Errorf(abi.CodeInternal, "host function %s failed", name)
		}
	}()
	return fn(inst.hostContext(), req)
}

func errorEnvelope(err error) []byte {
	var ae *abi.Error
	if !errors.As(err, &ae) {
		code := abi.CodeInternal
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			code = abi.CodeTimeout
		case errors.Is(err, context.Canceled):
			code = abi.CodeUnavailable
		}
		ae = &abi.Error{Code: code, Message: err.Error()}
	}
	b, _ := json.Marshal(struct {
		Error *abi.Error `json:"error"`
	}{ae})
	return b
}
