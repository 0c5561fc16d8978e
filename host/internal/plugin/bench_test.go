package plugin

import (
	"context"
	"syscall"
	"testing"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/plugintest"
)

// BenchmarkServeHTTP measures the host side of a plugin request through the value API
// (encode an abi.HTTPRequest, call gr_http, decode, copy the answer into an
// abi.HTTPResponse) for the C hello plugin; the server takes BenchmarkServeHTTPView's path.
func BenchmarkServeHTTP(b *testing.B) {
	e := newEnvB(b)
	plugintest.Copy(b, plugintest.Packed(b, "examples/hello-c/hello-c.wasm"), e.dir+"/hello-c.wasm")
	c := e.configB(b, "plugins: [{id: hello-c, source: hello-c.wasm}]")
	p, err := Load(context.Background(), Deps{Engine: e.engine}, c, &c.Plugins[0])
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close(context.Background())
	req := &abi.HTTPRequest{Method: "GET", Path: "/hello", Query: map[string][]string{"name": {"X"}},
		Headers: map[string][]string{"host": {"localhost:7007"}, "user-agent": {"wrk"}}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := p.ServeHTTP(context.Background(), req)
		if err != nil || resp.Status != 200 {
			b.Fatal(err)
		}
	}
}

// BenchmarkServeHTTPView is BenchmarkServeHTTP on the server's path: a pre-encoded
// request message and the response decoded in place, with reused buffers.
func BenchmarkServeHTTPView(b *testing.B) {
	e := newEnvB(b)
	plugintest.Copy(b, plugintest.Packed(b, "examples/hello-c/hello-c.wasm"), e.dir+"/hello-c.wasm")
	c := e.configB(b, "plugins: [{id: hello-c, source: hello-c.wasm}]")
	p, err := Load(context.Background(), Deps{Engine: e.engine}, c, &c.Plugins[0])
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close(context.Background())
	msg := abi.AppendHTTPRequest(nil, &abi.HTTPRequest{Method: "GET", Path: "/hello", Route: "/hello",
		Query:   map[string][]string{"name": {"X"}},
		Headers: map[string][]string{"host": {"localhost:7007"}, "user-agent": {"wrk"}}})
	enc := func(string, map[string]string) []byte { return msg }
	var out []byte
	var resp abi.HTTPResponseView
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err = p.ServeHTTPView(context.Background(), "GET", "/hello", enc, out, &resp)
		if err != nil || resp.Status != 200 {
			b.Fatal(err)
		}
	}
}

// BenchmarkRoute measures routing alone (method and path to a route and its params) over
// a manifest's worth of routes: a static path, a path with two params, a wildcard, a
// wrong method (405) and a path no route has (404).
func BenchmarkRoute(b *testing.B) {
	rs, err := compileRoutes([]abi.Route{
		{Method: "GET", Path: "/hello"}, {Method: "GET", Path: "/items"}, {Method: "POST", Path: "/items"},
		{Method: "GET", Path: "/items/:id"}, {Method: "GET", Path: "/items/:id/builds/:build"},
		{Method: "*", Path: "/files/*"},
	})
	if err != nil {
		b.Fatal(err)
	}
	p := &Plugin{ID: "bench", routes: rs}
	for _, c := range []struct{ name, method, path string }{
		{"static", "GET", "/hello"}, {"params", "GET", "/items/42/builds/7"}, {"wildcard", "PUT", "/files/a/b/c"},
		{"405", "DELETE", "/items/42"}, {"404", "GET", "/nothing/here"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				p.route(c.method, c.path)
			}
		})
	}
}

// BenchmarkHelloPerCall is BenchmarkServeHTTPView for each language's hello plugin: the
// per-call cost of a guest's request path (read the request message, route, answer
// JSON) through the host runtime, side by side in one run, since the machine's load
// moves absolute figures more than the differences between guests.
func BenchmarkHelloPerCall(b *testing.B) {
	for _, g := range []struct {
		id    string
		wasm  func(testing.TB) string
		grant string
	}{
		{"hello-c", func(t testing.TB) string { return plugintest.Packed(t, "examples/hello-c/hello-c.wasm") }, ""},
		{"hello-rust", func(t testing.TB) string { return plugintest.Rust(t, "examples/hello-rust") }, ""},
		{"hello-go", func(t testing.TB) string { return plugintest.Go(t, "examples/hello-go") }, ", grants: {kv: {}, tasks: {}}"},
	} {
		b.Run(g.id, func(b *testing.B) {
			e := newEnvB(b)
			plugintest.Copy(b, g.wasm(b), e.dir+"/"+g.id+".wasm")
			c := e.configB(b, "plugins: [{id: "+g.id+", source: "+g.id+".wasm"+g.grant+"}]")
			p, err := Load(context.Background(), Deps{Engine: e.engine, Host: e.kvHost()}, c, &c.Plugins[0])
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close(context.Background())
			msg := abi.AppendHTTPRequest(nil, &abi.HTTPRequest{Method: "GET", Path: "/hello", Route: "/hello",
				Query:   map[string][]string{"name": {"X"}},
				Headers: map[string][]string{"host": {"localhost:7007"}, "user-agent": {"wrk"}, "accept": {"*/*"}}})
			enc := func(string, map[string]string) []byte { return msg }
			var out []byte
			var resp abi.HTTPResponseView
			b.ReportAllocs()
			b.ResetTimer()
			cpu := processCPU()
			for i := 0; i < b.N; i++ {
				out, err = p.ServeHTTPView(context.Background(), "GET", "/hello", enc, out, &resp)
				if err != nil || resp.Status != 200 {
					b.Fatal(err, resp.Status)
				}
			}
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU is the CPU time this process has used, in nanoseconds: a per-call figure
// that other load on the shared machine moves less than wall time.
func processCPU() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
