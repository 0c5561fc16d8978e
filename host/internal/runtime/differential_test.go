package runtime

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	extism "github.com/extism/go-sdk"
)

// TestDifferentialAgainstGoSDK runs the same modules and inputs through extism go-sdk
// (the reference implementation, kernel and all) and through this runtime, and
// compares outputs and error messages.
func TestDifferentialAgainstGoSDK(t *testing.T) {
	ctx := context.Background()
	config := map[string]string{"greeting": "good day"}
	type call struct{ export, in string }
	big := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 300)
	modules := []struct {
		name  string
		wasm  []byte
		calls []call
	}{
		{"guest.wat", wat(t, "guest"), []call{
			{"noop", ""}, {"echo", ""}, {"echo", "x"}, {"echo", "12345678"}, {"echo", big},
			{"echo_handle", big}, {"greet", ""}, {"count", ""}, {"count", ""}, {"forget", ""},
			{"count", ""}, {"fail_text", ""}, {"fail_json", ""},
			// "reuse" is left out: where a reused block lands is allocator layout, not ABI.
		}},
		{"gopdk", goPDK(t), []call{
			{"echo", ""}, {"echo", big}, {"greet", "Grace"}, {"count", ""}, {"count", ""},
			{"vowels", big}, {"fail", "gadget"}, {"count", ""},
		}},
	}
	// The AssemblyScript example, built from examples/hello-assemblyscript with the
	// official @extism/as-pdk 1.0.0 (its build.sh), runs unchanged too.
	if as, err := os.ReadFile(filepath.Join("..", "..", "..", "examples", "hello-assemblyscript", "hello-assemblyscript.wasm")); err == nil {
		req := func(q string) string {
			return `{"method":"GET","path":"/hello","route":"/hello","params":{},"query":` + q + `,"headers":{},"body":""}`
		}
		modules = append(modules, struct {
			name  string
			wasm  []byte
			calls []call
		}{"as-pdk", as, []call{
			{"gr_http", req(`{"name":["Ada"]}`)},
			{"gr_http", req(`{"name":["Zoë \"Z\""]}`)},
			{"gr_http", req(`{}`)},
		}})
	} else {
		t.Logf("AssemblyScript example not built (%v); run examples/hello-assemblyscript/build.sh", err)
	}
	for _, m := range modules {
		t.Run(m.name, func(t *testing.T) {
			// guest.wat imports greenroom:host/v1 for its *_bulk exports; go-sdk links
			// host functions by namespace, so give it the same three as stubs that are
			// never called by the exports compared here.
			ref, err := extism.NewPlugin(ctx, extism.Manifest{
				Wasm:   []extism.Wasm{extism.WasmData{Data: m.wasm, Name: "main"}},
				Config: config,
			}, extism.PluginConfig{EnableWasi: true}, stubHostFuncs())
			if err != nil {
				t.Fatalf("go-sdk: %v", err)
			}
			defer ref.Close(ctx)
			e := newTestEngine(t)
			p := load(t, e, m.wasm, Options{Instances: 1, Config: config})
			for _, c := range m.calls {
				_, want, wantErr := ref.Call(c.export, []byte(c.in))
				got, gotErr := p.Call(ctx, c.export, []byte(c.in))
				if (wantErr == nil) != (gotErr == nil) {
					t.Fatalf("%s: go-sdk error %v, ours %v", c.export, wantErr, gotErr)
				}
				if wantErr != nil {
					ce := callErr(t, gotErr, KindGuest)
					msg := ce.Guest.Message
					if strings.HasPrefix(wantErr.Error(), "{") {
						msg = `{"code":"` + string(ce.Guest.Code) + `","message":"` + msg + `"}`
					}
					if msg != wantErr.Error() {
						t.Fatalf("%s: go-sdk error %q, ours %q", c.export, wantErr, msg)
					}
					continue
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("%s(%.20q): go-sdk %.60q, ours %.60q", c.export, c.in, want, got)
				}
			}
		})
	}
}

func stubHostFuncs() []extism.HostFunction {
	mk := func(name string, params, results []extism.ValueType) extism.HostFunction {
		f := extism.NewHostFunctionWithStack(name, func(context.Context, *extism.CurrentPlugin, []uint64) {
			panic("not used in the differential test")
		}, params, results)
		f.SetNamespace("greenroom:host/v1")
		return f
	}
	return []extism.HostFunction{
		mk("mem_read", []extism.ValueType{extism.ValueTypeI64, extism.ValueTypeI32, extism.ValueTypeI32}, nil),
		mk("mem_write", []extism.ValueType{extism.ValueTypeI32, extism.ValueTypeI32}, []extism.ValueType{extism.ValueTypeI64}),
		mk("input_read", []extism.ValueType{extism.ValueTypeI32, extism.ValueTypeI32}, nil),
	}
}
