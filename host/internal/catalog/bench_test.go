package catalog_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/catalog/gen"
	"greenroom.dev/greenroom/host/internal/store"
)

var benchRules = []catalog.Rule{{Allow: []string{"Component", "API", "Resource", "System", "Domain", "Group", "User", "Location", "Template"}}}

var (
	genMu    sync.Mutex
	genFiles = map[int]string{}
)

// generated writes (once per process) a catalog of n entities and returns its root file.
func generated(b testing.TB, n int) string {
	genMu.Lock()
	defer genMu.Unlock()
	if f, ok := genFiles[n]; ok {
		return f
	}
	dir, err := mkdirTemp()
	if err != nil {
		b.Fatal(err)
	}
	root, err := gen.Generate(filepath.Join(dir, "gen"), n, 42)
	if err != nil {
		b.Fatal(err)
	}
	genFiles[n] = root
	return root
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func ingest(b testing.TB, root string, st catalog.Store) *catalog.Catalog {
	rules := benchRules
	c, err := catalog.New(context.Background(), catalog.Options{
		Config: catalog.Config{Rules: &rules, Locations: []catalog.LocationConfig{{Type: "file", Target: root}}},
		Store:  st, Logger: quietLogger(),
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.RefreshAll(context.Background()); err != nil {
		b.Fatal(err)
	}
	return c
}

func openStore(b testing.TB) *store.File {
	f, err := store.OpenFile(filepath.Join(b.TempDir(), "greenroom.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return f
}

// BenchmarkIngest10k measures a full ingest of 10,000 entities from files into a
// bbolt store (goal: ≤ 1 s per op).
func BenchmarkIngest10k(b *testing.B) {
	root := generated(b, 10000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		f := openStore(b)
		b.StartTimer()
		c := ingest(b, root, f.Catalog())
		if c.Count() < 10000 {
			b.Fatalf("count %d", c.Count())
		}
	}
}

func percentile(d []time.Duration, p float64) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[int(float64(len(d)-1)*p)]
}

func heapMB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}
