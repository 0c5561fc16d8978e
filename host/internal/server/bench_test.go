package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"greenroom.dev/greenroom/host/internal/auth"
	"greenroom.dev/greenroom/host/internal/capability"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/loadtest"
	"greenroom.dev/greenroom/host/internal/plugin"
	"greenroom.dev/greenroom/host/internal/plugintest"
	"greenroom.dev/greenroom/host/internal/runtime"
	"greenroom.dev/greenroom/host/internal/store"
)

type managerPlugins struct{ m *plugin.Manager }

func (p managerPlugins) Lookup(id string) (Endpoint, bool) {
	ep, ok := p.m.Endpoint(id)
	if !ok {
		return nil, false
	}
	return ep, true
}

func serveOn(b *testing.B, s interface{ Serve(net.Listener) error }) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go s.Serve(ln)
	return ln.Addr().String()
}

// BenchmarkHTTPPluginVsNative compares a trivial backend-plugin route (C, AssemblyScript,
// Go and Rust guests, and the Go one built with TinyGo as hello-go-tinygo) with a native
// fiber handler that returns the same bytes, each measured by wrk with 16 connections,
// side by side in one process. The figure that matters is
// the ratio plugin/native (goals: C and Rust ≥ 0.85, AssemblyScript ≥ 0.75, Go ≥ 0.6), the
// median of three alternating rounds; <id>/native-cpu is the same ratio in this process's
// CPU time per request, which the machine's other load moves less.
func BenchmarkHTTPPluginVsNative(b *testing.B) {
	dir := b.TempDir()
	plugintest.Copy(b, plugintest.Packed(b, "examples/hello-c/hello-c.wasm"), filepath.Join(dir, "hello-c.wasm"))
	plugintest.Copy(b, plugintest.Packed(b, "examples/hello-assemblyscript/hello-assemblyscript.wasm"), filepath.Join(dir, "hello-assemblyscript.wasm"))
	plugintest.Copy(b, plugintest.Go(b, "examples/hello-go"), filepath.Join(dir, "hello-go.wasm"))
	plugintest.Copy(b, plugintest.Rust(b, "examples/hello-rust"), filepath.Join(dir, "hello-rust.wasm"))
	plugintest.Copy(b, plugintest.TinyGo(b, "examples/hello-go"), filepath.Join(dir, "hello-go-tinygo.wasm"))
	cfgPath := filepath.Join(dir, "app-config.yaml")
	os.WriteFile(cfgPath, []byte(`
plugins:
  - {id: hello-c, source: hello-c.wasm, limits: {instances: 4}}
  - {id: hello-assemblyscript, source: hello-assemblyscript.wasm, limits: {instances: 4}}
  - {id: hello-go, source: hello-go.wasm, limits: {instances: 4}, grants: {kv: {}, tasks: {}}}
  - {id: hello-rust, source: hello-rust.wasm, limits: {instances: 4}}
  - {id: hello-go-tinygo, source: hello-go-tinygo.wasm, limits: {instances: 4}, grants: {kv: {}, tasks: {}}}
`), 0o644)
	cfg, err := config.Load([]string{cfgPath}, nil)
	if err != nil {
		b.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	eng, err := runtime.NewEngine(context.Background(), runtime.EngineConfig{CacheDir: filepath.Join(os.TempDir(), "greenroom-test-wasm-cache"), Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close(context.Background())
	file, err := store.OpenFile(filepath.Join(dir, "data", "g.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer file.Close()
	m := plugin.NewManager(plugin.Deps{Engine: eng, Logger: quiet,
		Host: capability.NewHost(capability.Services{KV: file.KV()}, nil)})
	if err := m.Apply(context.Background(), cfg); err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	s := New(Options{Logger: quiet, Plugins: managerPlugins{m}})
	addr := serveOn(b, s)
	defer s.Shutdown(context.Background())

	body := []byte(`{"message":"hello X"}`)
	native := fiber.New(fiber.Config{DisableStartupMessage: true})
	native.Get("/api/native/hello", func(c *fiber.Ctx) error {
		c.Set("Content-Type", "application/json")
		return c.Send(body)
	})
	naddr := serveOn(b, nativeServer{native})
	defer native.Shutdown()

	ids := []string{"hello-c", "hello-assemblyscript", "hello-go", "hello-rust", "hello-go-tinygo"}
	for _, id := range ids {
		resp, err := http.Get("http://" + addr + "/api/" + id + "/hello?name=X")
		if err != nil {
			b.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(got) != string(body) {
			b.Fatalf("%s answers %s, native answers %s: not the same bytes", id, got, body)
		}
	}
	// Rounds alternate native and plugin runs, and the figures are medians, because the
	// shared machine's noise is larger than the differences being measured.
	const rounds = 3
	d := 2 * time.Second
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		nat := make([]float64, 0, rounds)
		got := map[string][]float64{}
		ratio := map[string][]float64{}
		cpuRatio := map[string][]float64{}
		for r := 0; r < rounds; r++ {
			n, nc := loadtest.WrkCPU(b, "http://"+naddr+"/api/native/hello?name=X", "", d)
			nat = append(nat, n)
			for _, id := range ids {
				v, vc := loadtest.WrkCPU(b, "http://"+addr+"/api/"+id+"/hello?name=X", "", d)
				got[id] = append(got[id], v)
				ratio[id] = append(ratio[id], v/n)
				if vc > 0 {
					cpuRatio[id] = append(cpuRatio[id], float64(nc)/float64(vc))
				}
			}
		}
		b.ReportMetric(loadtest.Median(nat), "native-req/s")
		for _, id := range ids {
			b.ReportMetric(loadtest.Median(got[id]), id+"-req/s")
			b.ReportMetric(loadtest.Median(ratio[id]), id+"/native")
			// The same in this process's CPU per request (native/plugin), which other
			// load on the shared machine moves far less than requests per second.
			if len(cpuRatio[id]) > 0 {
				b.ReportMetric(loadtest.Median(cpuRatio[id]), id+"/native-cpu")
			}
		}
	}
}

type nativeServer struct{ app *fiber.App }

func (n nativeServer) Serve(ln net.Listener) error { return n.app.Listener(ln) }

// BenchmarkHTTPPluginAuth compares a plugin route (hello-c) served with the credentials
// barrier on — a user token verified on every request, the caller carried into the
// request message — and off, each measured by wrk with 16 connections, in alternating
// rounds in one process. The figure that matters is auth-on/auth-off (goal ≥ 0.9).
func BenchmarkHTTPPluginAuth(b *testing.B) {
	dir := b.TempDir()
	plugintest.Copy(b, plugintest.Packed(b, "examples/hello-c/hello-c.wasm"), filepath.Join(dir, "hello-c.wasm"))
	cfgPath := filepath.Join(dir, "app-config.yaml")
	os.WriteFile(cfgPath, []byte("plugins:\n  - {id: hello-c, source: hello-c.wasm, limits: {instances: 4}}\n"), 0o644)
	cfg, err := config.Load([]string{cfgPath}, nil)
	if err != nil {
		b.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	eng, err := runtime.NewEngine(context.Background(), runtime.EngineConfig{CacheDir: filepath.Join(os.TempDir(), "greenroom-test-wasm-cache"), Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close(context.Background())
	file, err := store.OpenFile(filepath.Join(dir, "data", "g.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer file.Close()
	m := plugin.NewManager(plugin.Deps{Engine: eng, Logger: quiet, Host: capability.NewHost(capability.Services{}, nil)})
	if err := m.Apply(context.Background(), cfg); err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	svc, err := auth.New(auth.Options{Config: auth.Config{Environment: "development"}, BaseURL: "http://localhost:7007", Store: file.Bucket("auth"), Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	token, _, err := svc.IssueToken(identity.NewUser("user:default/jane", []string{"group:default/team-a"}))
	if err != nil {
		b.Fatal(err)
	}
	off := New(Options{Logger: quiet, Plugins: managerPlugins{m}})
	on := New(Options{Logger: quiet, Plugins: managerPlugins{m}, Access: Access{Authenticator: svc, SessionCookie: auth.SessionCookie}})
	offAddr, onAddr := serveOn(b, off), serveOn(b, on)
	defer off.Shutdown(context.Background())
	defer on.Shutdown(context.Background())
	header := "Authorization: Bearer " + token
	url := "/api/hello-c/hello?name=X"
	req, _ := http.NewRequest("GET", "http://"+onAddr+url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		b.Fatalf("auth on: %v %v", resp, err)
	}
	const rounds = 3
	d := 2 * time.Second
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var offs, ons, ratio, cpuRatio []float64
		for r := 0; r < rounds; r++ {
			o, oc := loadtest.WrkCPU(b, "http://"+offAddr+url, "", d, header)
			n, nc := loadtest.WrkCPU(b, "http://"+onAddr+url, "", d, header)
			offs, ons, ratio = append(offs, o), append(ons, n), append(ratio, n/o)
			if nc > 0 {
				cpuRatio = append(cpuRatio, float64(oc)/float64(nc))
			}
		}
		b.ReportMetric(loadtest.Median(offs), "auth-off-req/s")
		b.ReportMetric(loadtest.Median(ons), "auth-on-req/s")
		b.ReportMetric(loadtest.Median(ratio), "on/off")
		// The same in CPU per request (off/on), which other load moves far less.
		if len(cpuRatio) > 0 {
			b.ReportMetric(loadtest.Median(cpuRatio), "cpu-off/on")
		}
	}
}
