package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/plugintest"
)

// BenchmarkStartToReady measures start-up to ready with 10 plugins (4 Go, 3 C, 3
// AssemblyScript), with a warm compilation cache (the target: ≤ 300 ms) and a cold one.
func BenchmarkStartToReady(b *testing.B) {
	dir := b.TempDir()
	plugintest.Copy(b, plugintest.Go(b, "examples/hello-go"), filepath.Join(dir, "hello-go.wasm"))
	plugintest.Copy(b, plugintest.Packed(b, "examples/hello-c/hello-c.wasm"), filepath.Join(dir, "hello-c.wasm"))
	plugintest.Copy(b, plugintest.Packed(b, "examples/hello-assemblyscript/hello-assemblyscript.wasm"), filepath.Join(dir, "hello-as.wasm"))
	var plugins strings.Builder
	for i := 0; i < 4; i++ {
		fmt.Fprintf(&plugins, "  - {id: go-%d, source: hello-go.wasm, grants: {kv: {}, tasks: {}}}\n", i)
	}
	for i := 0; i < 3; i++ {
		fmt.Fprintf(&plugins, "  - {id: c-%d, source: hello-c.wasm}\n  - {id: as-%d, source: hello-as.wasm}\n", i, i)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	run := func(b *testing.B, cacheDir func(i int) string) {
		times := make([]float64, 0, b.N)
		defer func() {
			sort.Float64s(times)
			b.ReportMetric(times[len(times)/2], "ms-to-ready-p50")
		}()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			cfgPath := filepath.Join(dir, "app-config.yaml")
			os.WriteFile(cfgPath, []byte(fmt.Sprintf(`
backend:
  listen: {host: 127.0.0.1, port: 0}
  database: {connection: %s}
runtime:
  compilationCache: %s
plugins:
%s`, filepath.Join(b.TempDir(), "g.db"), cacheDir(i), plugins.String())), 0o644)
			b.StartTimer()
			began := time.Now()
			cfg, err := config.Load([]string{cfgPath}, nil)
			if err != nil {
				b.Fatal(err)
			}
			h, err := start(context.Background(), quiet, cfg)
			if err != nil {
				b.Fatal(err)
			}
			for !h.catalogReady.Load() {
				time.Sleep(time.Millisecond)
			}
			times = append(times, float64(time.Since(began).Microseconds())/1000)
			b.StopTimer()
			h.srv.Shutdown(context.Background())
			h.close()
			b.StartTimer()
		}
	}
	warm := filepath.Join(b.TempDir(), "warm-cache")
	b.Run("warm", func(b *testing.B) {
		// Fill the cache once, outside the measurement.
		b.StopTimer()
		cfgPath := filepath.Join(dir, "fill.yaml")
		os.WriteFile(cfgPath, []byte(fmt.Sprintf("backend: {listen: {port: 0}, database: {connection: %s}}\nruntime: {compilationCache: %s}\nplugins:\n%s", filepath.Join(b.TempDir(), "g.db"), warm, plugins.String())), 0o644)
		cfg, err := config.Load([]string{cfgPath}, nil)
		if err != nil {
			b.Fatal(err)
		}
		h, err := start(context.Background(), quiet, cfg)
		if err != nil {
			b.Fatal(err)
		}
		h.srv.Shutdown(context.Background())
		h.close()
		b.StartTimer()
		run(b, func(int) string { return warm })
	})
	b.Run("cold", func(b *testing.B) {
		run(b, func(i int) string { return filepath.Join(b.TempDir(), fmt.Sprintf("cold-%d", i)) })
	})
}
