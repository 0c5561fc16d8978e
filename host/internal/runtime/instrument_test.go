package runtime

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
)

func exampleWasm(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "examples", name, name+".wasm"))
	if err != nil {
		tb.Skipf("example %s not built: %v", name, err)
	}
	return b
}

// TestInstrumentKeepsModulesValid rewrites every module the tests know and checks that
// wazero accepts the result and that it carries the interrupt global.
func TestInstrumentKeepsModulesValid(t *testing.T) {
	ctx := context.Background()
	mods := map[string][]byte{
		"guest":                wat(t, "guest"),
		"hostcall":             wat(t, "hostcall"),
		"init (no memory)":     wat(t, "init"),
		"tables":               wat(t, "tables"),
		"reffunc":              wat(t, "reffunc"),
		"start_ok":             wat(t, "start_ok"),
		"gopdk":                goPDK(t),
		"hello-go":             exampleWasm(t, "hello-go"),
		"hello-c":              exampleWasm(t, "hello-c"),
		"hello-assemblyscript": exampleWasm(t, "hello-assemblyscript"),
	}
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	for name, wasm := range mods {
		out, err := instrument(wasm)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		cm, err := rt.CompileModule(ctx, out)
		if err != nil {
			t.Errorf("%s: instrumented module does not compile: %v", name, err)
			continue
		}
		if len(cm.ExportedFunctions()) == 0 {
			t.Errorf("%s: exports lost", name)
		}
		cm.Close(ctx)
	}
}

func TestInstrumentFallbacks(t *testing.T) {
	cases := map[string]string{
		"exports_interrupt": "already exports",
	}
	for name, want := range cases {
		_, err := instrument(wat(t, name))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: instrument error %v, want %q", name, err, want)
		}
	}
	// Such modules still run and still stop at their deadline.
	e := newTestEngine(t)
	p := load(t, e, wat(t, "exports_interrupt"), Options{Timeout: 50 * time.Millisecond})
	if p.instrumented {
		t.Fatal("module exporting the interrupt name was instrumented")
	}
	_, err := p.Call(context.Background(), "spin", nil)
	callErr(t, err, KindTimeout)
	for _, junk := range [][]byte{nil, []byte("\x00asm"), []byte("\x00asm\x02\x00\x00\x00"), []byte("\x00asm\x01\x00\x00\x00\x0a\xff")} {
		if _, err := instrument(junk); err == nil {
			t.Errorf("instrument(%q) accepted junk", junk)
		}
	}
}

// FuzzInstrument feeds mutated modules to the rewriter: it must never panic, on its
// input or on its own output; nor must the readers of footprint.go. That valid modules stay valid is
// TestInstrumentKeepsModulesValid's job (wazero's compiler can take very long on some
// mutated inputs, so it is not called here); invalid input may give invalid output,
// which wazero then refuses at compile time.
func FuzzInstrument(f *testing.F) {
	f.Add(wat(f, "guest"))
	f.Add(wat(f, "hostcall"))
	f.Add(wat(f, "init"))
	f.Add(wat(f, "tables"))
	f.Add(wat(f, "reffunc"))
	f.Fuzz(func(t *testing.T, wasm []byte) {
		_, _ = readFootprint(wasm)
		_, _ = capTables(wasm)
		_, _ = usesRefFunc(wasm)
		_, _ = moveStartOf(wasm)
		out, err := instrument(wasm)
		if err != nil {
			return
		}
		_, _ = instrument(out)
	})
}
