package api_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/catalog/gen"
	"greenroom.dev/greenroom/host/internal/store"
)

// BenchmarkCustomKinds100k: a full ingest into bbolt of 100,000 entities of the
// built-in kinds, and of 100,000 entities of which half are of custom kinds
// (gen.GenerateCustom: schemas checked, reference fields related), side by side in one
// run. Goal: custom/builtin <= 1.3. Each is ingested twice, alternating, and the
// faster of each pair counts, so that other load on a shared machine weighs less.
func BenchmarkCustomKinds100k(b *testing.B) { benchIngestCustom(b, 100000) }

func benchIngestCustom(b *testing.B, n int) {
	var kinds []catalog.KindConfig
	if err := yaml.Unmarshal([]byte(gen.CustomKindsYAML), &kinds); err != nil {
		b.Fatal(err)
	}
	builtinRoot := generated(b, n)
	dir := filepath.Join(benchDir(), fmt.Sprintf("custom-v%d-%d", gen.Version, n))
	customRoot := filepath.Join(dir, "all.yaml")
	if _, err := os.Stat(customRoot); err != nil {
		os.RemoveAll(dir)
		if customRoot, err = gen.GenerateCustom(dir, n, 42); err != nil {
			b.Fatal(err)
		}
	}
	once := func(root string, kinds []catalog.KindConfig) time.Duration {
		f, err := store.OpenFile(filepath.Join(b.TempDir(), "greenroom.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		rules := allKinds
		c, err := catalog.New(context.Background(), catalog.Options{
			Config: catalog.Config{Rules: &rules, Kinds: kinds, Locations: []catalog.LocationConfig{{Type: "file", Target: root}}},
			Store:  f.Catalog(), Logger: quietLogger(),
		})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := c.RefreshAll(context.Background()); err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		if got, bad := c.Count(), 0; got < n {
			bad, _ = c.ProcessingErrors()
			b.Fatalf("%d entities ingested of %d (%d with errors)", got, n, bad)
		}
		if n, _ := c.ProcessingErrors(); n > 0 {
			b.Fatalf("%d entities with processing errors", n)
		}
		return took
	}
	var builtin, custom time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for range 2 {
			if d := once(builtinRoot, nil); builtin == 0 || d < builtin {
				builtin = d
			}
			if d := once(customRoot, kinds); custom == 0 || d < custom {
				custom = d
			}
		}
	}
	b.ReportMetric(builtin.Seconds(), "builtin-s")
	b.ReportMetric(custom.Seconds(), "custom-s")
	b.ReportMetric(custom.Seconds()/builtin.Seconds(), "custom/builtin")
}

// BenchmarkCustomKinds10k is the same at 10,000 entities, quick to run.
func BenchmarkCustomKinds10k(b *testing.B) { benchIngestCustom(b, 10000) }
