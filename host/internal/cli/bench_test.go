package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/plugintest"
)

// BenchmarkStartToReady measures start-up to ready with 10 plugins: four different Go
// plugins (hello-go, tech-radar and entity-card on the Go SDK, and an unchanged Extism
// go-pdk module), three C and three AssemblyScript ones, with a warm compilation cache
// (the target: ≤ 300 ms) and a cold one. warm-same-go loads the same Go module four
// times instead: copies of one module compile one after another (see the runtime's
// compileGate), so it shows the cost of that case.
func BenchmarkStartToReady(b *testing.B) {
	dir := b.TempDir()
	goPlugins := map[string]string{
		"hello-go":    plugintest.Go(b, "examples/hello-go"),
		"tech-radar":  plugintest.Go(b, "plugins/tech-radar"),
		"entity-card": plugintest.Go(b, "examples/entity-card"),
		"gopdk":       plugintest.GoWithManifest(b, "host/internal/runtime/testdata/gopdk", "host/internal/cli/testdata/gopdk.plugin.yaml"),
	}
	for name, path := range goPlugins {
		plugintest.Copy(b, path, filepath.Join(dir, name+".wasm"))
	}
	plugintest.Copy(b, plugintest.Packed(b, "examples/hello-c/hello-c.wasm"), filepath.Join(dir, "hello-c.wasm"))
	plugintest.Copy(b, plugintest.Packed(b, "examples/hello-assemblyscript/hello-assemblyscript.wasm"), filepath.Join(dir, "hello-as.wasm"))
	small := ""
	for i := 0; i < 3; i++ {
		small += fmt.Sprintf("  - {id: c-%d, source: hello-c.wasm}\n  - {id: as-%d, source: hello-as.wasm}\n", i, i)
	}
	distinct := small +
		"  - {id: hello-go, source: hello-go.wasm, grants: {kv: {}, tasks: {}}}\n" +
		"  - {id: tech-radar, source: tech-radar.wasm}\n" +
		"  - {id: entity-card, source: entity-card.wasm}\n" +
		"  - {id: gopdk, source: gopdk.wasm}\n"
	same := small
	for i := 0; i < 4; i++ {
		same += fmt.Sprintf("  - {id: go-%d, source: hello-go.wasm, grants: {kv: {}, tasks: {}}}\n", i)
	}
	for _, c := range []struct {
		name, plugins string
		cold          bool
	}{{"warm", distinct, false}, {"warm-same-go", same, false}, {"cold", distinct, true}} {
		b.Run(c.name, func(b *testing.B) { startToReady(b, dir, c.plugins, c.cold) })
	}
}

// startToReady starts the host b.N times with the plugins listed (config lines) and
// reports the median time from loading the config to ready. A warm run fills its cache
// once first, outside the measurement; a cold run starts on an empty cache each time.
func startToReady(b *testing.B, dir, plugins string, cold bool) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	warm := filepath.Join(b.TempDir(), "warm-cache")
	startOnce := func(cacheDir string) time.Duration {
		cfgPath := filepath.Join(dir, "app-config.yaml")
		os.WriteFile(cfgPath, []byte(fmt.Sprintf(`
backend:
  listen: {host: 127.0.0.1, port: 0}
  database: {connection: %s}
runtime:
  compilationCache: %s
plugins:
%s`, filepath.Join(b.TempDir(), "g.db"), cacheDir, plugins)), 0o644)
		began := time.Now()
		cfg, err := config.Load([]string{cfgPath}, nil)
		if err != nil {
			b.Fatal(err)
		}
		h, err := start(context.Background(), quiet, cfg)
		if err != nil {
			b.Fatal(err)
		}
		for !h.catalog.Ready() {
			time.Sleep(time.Millisecond)
		}
		took := time.Since(began)
		h.stop(context.Background())
		return took
	}
	if !cold {
		startOnce(warm)
	}
	times := make([]float64, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cache := warm
		if cold {
			cache = filepath.Join(b.TempDir(), fmt.Sprintf("cold-%d", i))
		}
		times = append(times, float64(startOnce(cache).Microseconds())/1000)
	}
	sort.Float64s(times)
	b.ReportMetric(times[len(times)/2], "ms-to-ready-p50")
}
