package runtime

import (
	"bytes"
	"context"
	"testing"

	extism "github.com/extism/go-sdk"
)

// BenchmarkCall is a round trip through Plugin.Call (input in, output out) side by side
// with extism go-sdk's Plugin.Call on the same module and input, the baseline.
//
//	echo_bulk: WAT guest copying with greenroom:host/v1 input_read + mem_write
//	echo:      WAT guest copying 8 bytes per host call, as Extism PDKs do
//	gopdk:     the Go go-pdk guest's echo (pdk.Input / pdk.Output)
//
// Targets: 64 B ≤ 1 µs, 4 KiB ≤ 5 µs (greenroom rows).
func BenchmarkCall(b *testing.B) {
	ctx := context.Background()
	guests := []struct {
		name, export string
		wasm         func(testing.TB) []byte
		stubs        bool
	}{
		{"echo_bulk", "echo_bulk", func(tb testing.TB) []byte { return wat(tb, "guest") }, true},
		{"echo", "echo", func(tb testing.TB) []byte { return wat(tb, "guest") }, true},
		{"gopdk", "echo", goPDK, false},
	}
	for _, g := range guests {
		wasm := g.wasm(b)
		for _, size := range []int{64, 4096} {
			in := bytes.Repeat([]byte{'a'}, size)
			b.Run(g.name+"/"+sizeName(size)+"/greenroom", func(b *testing.B) {
				e := newTestEngine(b)
				p := load(b, e, wasm, Options{Instances: 1})
				out := make([]byte, 0, size)
				b.ReportAllocs()
				b.SetBytes(int64(size))
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					var err error
					out, err = p.CallAppend(ctx, g.export, in, out[:0])
					if err != nil || len(out) != size {
						b.Fatal(err, len(out))
					}
				}
			})
			b.Run(g.name+"/"+sizeName(size)+"/greenroom-Call", func(b *testing.B) {
				e := newTestEngine(b)
				p := load(b, e, wasm, Options{Instances: 1})
				b.ReportAllocs()
				b.SetBytes(int64(size))
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					out, err := p.Call(ctx, g.export, in)
					if err != nil || len(out) != size {
						b.Fatal(err, len(out))
					}
				}
			})
			b.Run(g.name+"/"+sizeName(size)+"/go-sdk", func(b *testing.B) {
				var funcs []extism.HostFunction
				if g.stubs {
					funcs = stubHostFuncs()
				}
				if g.export == "echo_bulk" {
					b.Skip("go-sdk cannot serve greenroom:host/v1 bulk copies; compare with the echo rows")
				}
				ref, err := extism.NewPlugin(ctx, extism.Manifest{Wasm: []extism.Wasm{extism.WasmData{Data: wasm}}},
					extism.PluginConfig{EnableWasi: true}, funcs)
				if err != nil {
					b.Fatal(err)
				}
				defer ref.Close(ctx)
				b.ReportAllocs()
				b.SetBytes(int64(size))
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					_, out, err := ref.Call(g.export, in)
					if err != nil || len(out) != size {
						b.Fatal(err, len(out))
					}
				}
			})
		}
	}
}

// BenchmarkNoop is the fixed cost of one call: acquire an instance, reset the arena,
// arm the deadline, call, release.
func BenchmarkNoop(b *testing.B) {
	e := newTestEngine(b)
	p := load(b, e, wat(b, "guest"), Options{Instances: 1})
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := p.CallAppend(ctx, "noop", nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNoopParallel is BenchmarkNoop from GOMAXPROCS goroutines on one pool.
func BenchmarkNoopParallel(b *testing.B) {
	e := newTestEngine(b)
	p := load(b, e, wat(b, "guest"), Options{})
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := p.CallAppend(ctx, "noop", nil, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkLoop runs 4M iterations of a tight loop under both interruption schemes:
// instrumented (the fuel counter this package inserts) and wazero's
// WithCloseOnContextDone, which leaves native code at every loop iteration.
func BenchmarkLoop(b *testing.B) {
	for _, mode := range []struct {
		name string
		on   bool
	}{{"instrumented", true}, {"closeOnContextDone", false}} {
		b.Run(mode.name, func(b *testing.B) {
			defer setInstrument(mode.on)()
			e := newTestEngine(b)
			p := load(b, e, wat(b, "guest"), Options{Instances: 1})
			ctx := context.Background()
			in := []byte{4, 20}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := p.CallAppend(ctx, "busy", in, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNoopCloseOnContextDone is BenchmarkNoop with wazero's own interruption, for
// comparison.
func BenchmarkNoopCloseOnContextDone(b *testing.B) {
	defer setInstrument(false)()
	e := newTestEngine(b)
	p := load(b, e, wat(b, "guest"), Options{Instances: 1})
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := p.CallAppend(ctx, "noop", nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func sizeName(n int) string {
	if n >= 1024 {
		return itoa(n/1024) + "KiB"
	}
	return itoa(n) + "B"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// BenchmarkHostCall is a call whose guest makes one greenroom:host/v1 capability call
// (request handle in, JSON result envelope out) to a trivial HostFunc.
func BenchmarkHostCall(b *testing.B) {
	e := newTestEngine(b)
	res := []byte(`{"value":"QQ=="}`)
	p := load(b, e, wat(b, "hostcall"), Options{Instances: 1, HostFuncs: map[string]HostFunc{
		"kv_get": func(context.Context, []byte) ([]byte, error) { return res, nil },
	}})
	ctx := context.Background()
	in := []byte(`{"key":"a"}`)
	out := make([]byte, 0, 64)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var err error
		if out, err = p.CallAppend(ctx, "call", in, out[:0]); err != nil {
			b.Fatal(err)
		}
	}
}
