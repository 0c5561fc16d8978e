// Package wasmtest runs the Go SDK and the example plugins inside WebAssembly, on a
// minimal host written here over wazero: the Extism guest ABI with a Go-side arena, the
// greenroom:host/v1 bulk copy functions and an in-memory kv_*. It tests the plugins' side
// of ABI v1; the Greenroom host has its own tests.
package wasmtest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// compilationCache is shared by every runtime of the test binary, so that each module
// compiles once.
var compilationCache = wazero.NewCompilationCache()

// host is one instance of a plugin module on a minimal ABI v1 host.
type host struct {
	t      testing.TB
	mod    api.Module
	config map[string]string
	kv     map[string][]byte
	denyKV bool

	mu      sync.Mutex
	arena   []byte         // handle h is arena[h:h+blocks[h]]
	blocks  map[uint64]int // block start -> length
	inputH  uint64
	output  []byte
	errMsg  []byte
	logs    []string
	level   int32
	calls   []string // greenroom:host/v1 capability calls, by name
	reqs    []string // the same calls, as "name request-JSON"
	imports []string // module.name of every import of the module
	exports map[string]api.Function
}

// newHost compiles and instantiates wasm on a fresh runtime with the given config.
func newHost(t testing.TB, wasm []byte, config map[string]string) *host {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(compilationCache))
	t.Cleanup(func() { rt.Close(ctx) })
	h := &host{t: t, config: config, kv: map[string][]byte{}, exports: map[string]api.Function{}}
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)

	env := rt.NewHostModuleBuilder("extism:host/env")
	i64, i32 := api.ValueTypeI64, api.ValueTypeI32
	fn := func(b wazero.HostModuleBuilder, name string, params, results []api.ValueType, f func(m api.Module, s []uint64)) {
		b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(_ context.Context, m api.Module, s []uint64) {
			h.mu.Lock()
			defer h.mu.Unlock()
			f(m, s)
		}), params, results).Export(name)
	}
	fn(env, "alloc", []api.ValueType{i64}, []api.ValueType{i64}, func(_ api.Module, s []uint64) { s[0] = h.alloc(int(s[0])) })
	fn(env, "free", []api.ValueType{i64}, nil, func(api.Module, []uint64) {})
	length := func(_ api.Module, s []uint64) { s[0] = uint64(h.blocks[s[0]]) }
	fn(env, "length", []api.ValueType{i64}, []api.ValueType{i64}, length)
	fn(env, "length_unsafe", []api.ValueType{i64}, []api.ValueType{i64}, length)
	fn(env, "load_u8", []api.ValueType{i64}, []api.ValueType{i32}, func(_ api.Module, s []uint64) { s[0] = uint64(h.at(s[0], 1)[0]) })
	fn(env, "load_u64", []api.ValueType{i64}, []api.ValueType{i64}, func(_ api.Module, s []uint64) { s[0] = le64(h.at(s[0], 8)) })
	fn(env, "store_u8", []api.ValueType{i64, i32}, nil, func(_ api.Module, s []uint64) { h.at(s[0], 1)[0] = byte(s[1]) })
	fn(env, "store_u64", []api.ValueType{i64, i64}, nil, func(_ api.Module, s []uint64) { put64(h.at(s[0], 8), s[1]) })
	fn(env, "input_length", nil, []api.ValueType{i64}, func(_ api.Module, s []uint64) { s[0] = uint64(h.blocks[h.inputH]) })
	fn(env, "input_offset", nil, []api.ValueType{i64}, func(_ api.Module, s []uint64) { s[0] = h.inputH })
	fn(env, "input_load_u8", []api.ValueType{i64}, []api.ValueType{i32}, func(_ api.Module, s []uint64) { s[0] = uint64(h.inputAt(s[0], 1)[0]) })
	fn(env, "input_load_u64", []api.ValueType{i64}, []api.ValueType{i64}, func(_ api.Module, s []uint64) { s[0] = le64(h.inputAt(s[0], 8)) })
	fn(env, "output_set", []api.ValueType{i64, i64}, nil, func(_ api.Module, s []uint64) { h.output = append([]byte(nil), h.at(s[0], int(s[1]))...) })
	fn(env, "error_set", []api.ValueType{i64}, nil, func(_ api.Module, s []uint64) { h.errMsg = append([]byte(nil), h.block(s[0])...) })
	fn(env, "config_get", []api.ValueType{i64}, []api.ValueType{i64}, func(_ api.Module, s []uint64) {
		v, ok := h.config[string(h.block(s[0]))]
		s[0] = 0
		if ok {
			s[0] = h.store([]byte(v))
		}
	})
	fn(env, "var_get", []api.ValueType{i64}, []api.ValueType{i64}, func(_ api.Module, s []uint64) { s[0] = 0 })
	fn(env, "var_set", []api.ValueType{i64, i64}, nil, func(api.Module, []uint64) {})
	for i, name := range []string{"log_trace", "log_debug", "log_info", "log_warn", "log_error"} {
		level := []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR"}[i]
		fn(env, name, []api.ValueType{i64}, nil, func(_ api.Module, s []uint64) {
			h.logs = append(h.logs, level+" "+string(h.block(s[0])))
		})
	}
	fn(env, "get_log_level", nil, []api.ValueType{i32}, func(_ api.Module, s []uint64) { s[0] = uint64(h.level) })
	if _, err := env.Instantiate(ctx); err != nil {
		t.Fatal(err)
	}

	gr := rt.NewHostModuleBuilder("greenroom:host/v1")
	fn(gr, "mem_read", []api.ValueType{i64, i32, i32}, nil, func(m api.Module, s []uint64) {
		if !m.Memory().Write(uint32(s[1]), h.at(s[0], int(uint32(s[2])))) {
			panic("mem_read: destination out of bounds")
		}
	})
	fn(gr, "mem_write", []api.ValueType{i32, i32}, []api.ValueType{i64}, func(m api.Module, s []uint64) {
		b, ok := m.Memory().Read(uint32(s[0]), uint32(s[1]))
		if !ok {
			panic("mem_write: source out of bounds")
		}
		s[0] = h.store(b)
	})
	fn(gr, "input_read", []api.ValueType{i32, i32}, nil, func(m api.Module, s []uint64) {
		if !m.Memory().Write(uint32(s[0]), h.inputAt(0, int(uint32(s[1])))) {
			panic("input_read: destination out of bounds")
		}
	})
	for _, name := range []string{"kv_get", "kv_put", "kv_delete", "kv_list", "catalog_get", "catalog_query",
		"catalog_facets", "catalog_apply", "url_read", "url_read_tree", "url_search", "proxy_fetch", "permission_authorize",
		"files_read", "files_write", "files_list", "files_delete", "workspace_read", "workspace_write", "workspace_list", "search_replace"} {
		fn(gr, name, []api.ValueType{i64}, []api.ValueType{i64}, func(_ api.Module, s []uint64) {
			h.calls = append(h.calls, name)
			h.reqs = append(h.reqs, name+" "+string(h.block(s[0])))
			s[0] = h.store(h.capabilityCall(name, h.block(s[0])))
		})
	}
	if _, err := gr.Instantiate(ctx); err != nil {
		t.Fatal(err)
	}

	compiled, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	for _, f := range compiled.ImportedFunctions() {
		mod, name, _ := f.Import()
		h.imports = append(h.imports, mod+"."+name)
	}
	h.reset(nil)
	h.mod, err = rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithStartFunctions("_initialize"))
	if err != nil {
		t.Fatalf("instantiate: %v", err)
	}
	return h
}

func le64(b []byte) uint64 {
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

func put64(b []byte, v uint64) {
	for i := 0; i < 8; i++ {
		b[i] = byte(v >> (8 * i))
	}
}

// reset empties the arena and stores the call's input, as the host does before a call.
func (h *host) reset(input []byte) {
	h.arena = make([]byte, 8, 8+len(input)+1024) // handle 0 is never a block
	h.blocks = map[uint64]int{}
	h.output, h.errMsg = nil, nil
	h.inputH = h.store(input)
}

func (h *host) alloc(n int) uint64 {
	off := uint64(len(h.arena))
	h.arena = append(h.arena, make([]byte, n)...)
	h.blocks[off] = n
	return off
}

func (h *host) store(b []byte) uint64 {
	off := h.alloc(len(b))
	copy(h.arena[off:], b)
	return off
}

// at returns n arena bytes at off; out of bounds traps the guest.
func (h *host) at(off uint64, n int) []byte {
	if off < 8 || off+uint64(n) > uint64(len(h.arena)) {
		panic(fmt.Sprintf("arena access %d+%d out of bounds", off, n))
	}
	return h.arena[off : off+uint64(n)]
}

func (h *host) block(off uint64) []byte {
	n, ok := h.blocks[off]
	if !ok {
		panic(fmt.Sprintf("%d is not a block", off))
	}
	return h.at(off, n)
}

func (h *host) inputAt(off uint64, n int) []byte {
	if off+uint64(n) > uint64(h.blocks[h.inputH]) {
		panic(fmt.Sprintf("input access %d+%d out of bounds", off, n))
	}
	return h.at(h.inputH+off, n)
}

type hostError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func envelope(result any, code, msg string) []byte {
	var b []byte
	if code != "" {
		b, _ = json.Marshal(map[string]any{"error": hostError{code, msg}})
	} else {
		b, _ = json.Marshal(map[string]any{"result": result})
	}
	return b
}

// capabilityCall answers kv_* from an in-memory map and denies everything else.
func (h *host) capabilityCall(name string, req []byte) []byte {
	if !strings.HasPrefix(name, "kv_") || h.denyKV {
		return envelope(nil, "capability_denied", name+" is not granted")
	}
	var r struct {
		Key    string  `json:"key"`
		Value  *[]byte `json:"value"`
		Prefix string  `json:"prefix"`
	}
	if err := json.Unmarshal(req, &r); err != nil {
		return envelope(nil, "invalid_argument", err.Error())
	}
	if name != "kv_list" && (len(r.Key) == 0 || len(r.Key) > 512) {
		return envelope(nil, "invalid_argument", name+": key must be 1-512 bytes")
	}
	switch name {
	case "kv_get":
		v, ok := h.kv[r.Key]
		if !ok {
			return envelope(map[string]any{"value": nil}, "", "")
		}
		return envelope(map[string]any{"value": v}, "", "")
	case "kv_put":
		if r.Value == nil {
			return envelope(nil, "invalid_argument", "kv_put: value is required")
		}
		h.kv[r.Key] = *r.Value
	case "kv_delete":
		delete(h.kv, r.Key)
	case "kv_list":
		keys := []string{}
		for k := range h.kv {
			if strings.HasPrefix(k, r.Prefix) {
				keys = append(keys, k)
			}
		}
		sortStrings(keys)
		return envelope(map[string]any{"keys": keys}, "", "")
	}
	return envelope(map[string]any{}, "", "")
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// call runs export with input and returns its result code and output (or error message).
func (h *host) call(export string, input []byte) (uint32, []byte) {
	h.t.Helper()
	h.mu.Lock()
	h.reset(input)
	h.mu.Unlock()
	f := h.exports[export] // reused, as a host does: a fresh api.Function starts with a small stack
	if f == nil {
		if f = h.mod.ExportedFunction(export); f == nil {
			h.t.Fatalf("module has no export %s", export)
		}
		h.exports[export] = f
	}
	res, err := f.Call(context.Background())
	if err != nil {
		h.t.Fatalf("%s trapped: %v", export, err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if res[0] != 0 {
		return uint32(res[0]), h.errMsg
	}
	return 0, h.output
}

// response is a decoded gr_http output.
type response struct {
	Status  int                        `json:"status"`
	Headers map[string]json.RawMessage `json:"headers"`
	Body    []byte                     `json:"body"`
	Text    *string                    `json:"text"`
	JSON    json.RawMessage            `json:"json"`
}

// http calls gr_http with a request message and decodes the response message.
func (h *host) http(method, path, route string, query map[string][]string, body []byte) response {
	h.t.Helper()
	in, _ := json.Marshal(map[string]any{"method": method, "path": path, "route": route, "query": query, "body": body})
	rc, out := h.call("gr_http", in)
	if rc != 0 {
		h.t.Fatalf("gr_http %s %s returned %d: %s", method, path, rc, out)
	}
	var r response
	if err := json.Unmarshal(out, &r); err != nil {
		h.t.Fatalf("gr_http %s %s: output %q is not a response message: %v", method, path, out, err)
	}
	if r.Status == 0 {
		r.Status = 200
	}
	return r
}
