package server

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"greenroom.dev/greenroom/host/internal/capability"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/loadtest"
	"greenroom.dev/greenroom/host/internal/metrics"
	"greenroom.dev/greenroom/host/internal/plugin"
	"greenroom.dev/greenroom/host/internal/plugintest"
	"greenroom.dev/greenroom/host/internal/runtime"
)

// BenchmarkPluginRouteMetrics measures the metrics' cost on a plugin route (hello-c)
// in process, without the network or wrk: the server's handler is called directly,
// in alternating rounds of 2,000 requests with metrics off (no observers) and on (the
// HTTP and plugin-call observers of a real metrics.Metrics). It reports the median of
// the rounds' throughput ratios on/off (goal ≥ 0.97): a shared machine's load moves
// both sides of a round alike, which wrk runs seconds apart cannot promise.
func BenchmarkPluginRouteMetrics(b *testing.B) {
	dir := b.TempDir()
	plugintest.Copy(b, plugintest.Packed(b, "examples/hello-c/hello-c.wasm"), filepath.Join(dir, "hello-c.wasm"))
	cfgPath := filepath.Join(dir, "app-config.yaml")
	os.WriteFile(cfgPath, []byte("plugins:\n  - {id: hello-c, source: hello-c.wasm, limits: {instances: 2}}\n"), 0o644)
	cfg, err := config.Load([]string{cfgPath}, nil)
	if err != nil {
		b.Fatal(err)
	}
	eng, err := runtime.NewEngine(context.Background(), runtime.EngineConfig{CacheDir: filepath.Join(os.TempDir(), "greenroom-test-wasm-cache"), Logger: quietLog()})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close(context.Background())
	m := metrics.New(metrics.Sources{})
	manager := func(obs runtime.Observer) *plugin.Manager {
		pm := plugin.NewManager(plugin.Deps{Engine: eng, Logger: quietLog(), Host: capability.NewHost(capability.Services{}, nil), Observer: obs})
		if err := pm.Apply(context.Background(), cfg); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(pm.Close)
		return pm
	}
	off := New(Options{Logger: quietLog(), Plugins: managerPlugins{manager(nil)}}).app.Handler()
	on := New(Options{Logger: quietLog(), Plugins: managerPlugins{manager(m)}, Metrics: m}).app.Handler()
	round := func(h fasthttp.RequestHandler, n int) time.Duration {
		var ctx fasthttp.RequestCtx
		var req fasthttp.Request
		req.SetRequestURI("/api/hello-c/hello?name=X")
		began := time.Now()
		for range n {
			ctx.Init(&req, nil, nil)
			// As fasthttp's server does between requests: otherwise each request's
			// context wraps the last one's, and ctx.Value walks an ever longer chain.
			ctx.ResetUserValues()
			h(&ctx)
			if ctx.Response.StatusCode() != 200 {
				b.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
			}
		}
		return time.Since(began)
	}
	round(off, 500)
	round(on, 500)
	const rounds, n = 11, 2000
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var ratio, offNs, onNs []float64
		for r := range rounds {
			var o, w time.Duration
			if r%2 == 0 {
				o, w = round(off, n), round(on, n)
			} else {
				w, o = round(on, n), round(off, n)
			}
			ratio = append(ratio, float64(o)/float64(w))
			offNs, onNs = append(offNs, float64(o.Nanoseconds())/n), append(onNs, float64(w.Nanoseconds())/n)
		}
		b.ReportMetric(loadtest.Median(offNs), "off-ns/req")
		b.ReportMetric(loadtest.Median(onNs), "on-ns/req")
		b.ReportMetric(loadtest.Median(ratio), "on/off")
	}
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
