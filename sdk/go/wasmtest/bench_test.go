package wasmtest

import (
	"path/filepath"
	"testing"
)

// helloRequest is the request message the host sends for GET /hello?name=X.
var helloRequest = []byte(`{"method":"GET","path":"/hello","route":"/hello","params":{},"query":{"name":["X"]},"headers":{"accept":["*/*"],"user-agent":["wrk"]}}`)

func benchHello(b *testing.B, wasm []byte) {
	h := newHost(b, wasm, helloConfig("hello"))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if rc, _ := h.call("gr_http", helloRequest); rc != 0 {
			b.Fatal("call failed")
		}
	}
}

// The per-call cost of each hello guest on the minimal host (arena and host functions in
// Go, no pooling), to compare the languages' guest-side overhead.
func BenchmarkHelloGo(b *testing.B) {
	benchHello(b, buildGo(b, filepath.Join(examplesDir, "hello-go")))
}

func BenchmarkHelloC(b *testing.B) {
	benchHello(b, mustRead(b, filepath.Join(examplesDir, "hello-c", "hello-c.wasm")))
}

func BenchmarkHelloAssemblyScript(b *testing.B) {
	benchHello(b, mustRead(b, filepath.Join(examplesDir, "hello-assemblyscript", "hello-assemblyscript.wasm")))
}

func BenchmarkHelloRust(b *testing.B) {
	benchHello(b, buildRust(b, filepath.Join(examplesDir, "hello-rust", "src", "lib.rs")))
}
