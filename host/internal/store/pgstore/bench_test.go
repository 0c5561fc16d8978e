package pgstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/catalog/gen"
	"greenroom.dev/greenroom/host/internal/pgtest"
	"greenroom.dev/greenroom/host/internal/store"
	"greenroom.dev/greenroom/host/internal/store/pgstore"
)

// BenchmarkIngest10k and BenchmarkIngest100k: a full ingest of n generated entities
// from files into each backend, side by side, then a replica's start against the
// filled store (catalog.New loads it; on PostgreSQL that is all a replica does before
// it is ready). Reports per backend:
//   - ingest-s (goal at 100k on PostgreSQL ≤ 30 s), and ingest-apply-s, the part of it
//     spent in the store's Apply (writing and committing the batches);
//   - load-s (goal ≤ 10 s), and load-cpu-s, this process's CPU time during the load
//     (the database's own is not counted), which the machine's load does not inflate
//     as it does load-s;
//   - on PostgreSQL, reload1-s: a replica's Reload after another replica wrote one
//     entity (a full reload would cost load-s).
//
// Reads are served from memory on both backends (BenchmarkReplicasHTTP100k in cli).
func BenchmarkIngest10k(b *testing.B)  { benchIngest(b, 10000) }
func BenchmarkIngest100k(b *testing.B) { benchIngest(b, 100000) }

func benchIngest(b *testing.B, n int) {
	dir := filepath.Join(os.TempDir(), "greenroom-bench-catalog", fmt.Sprintf("pg-v%d-%d", gen.Version, n))
	root := filepath.Join(dir, "all.yaml")
	if _, err := os.Stat(root); err != nil {
		if root, err = gen.Generate(dir, n, 42); err != nil {
			b.Fatal(err)
		}
	}
	rules := []catalog.Rule{{Allow: []string{"Component", "System", "API", "Resource", "Location", "Template", "Group", "User", "Domain"}}}
	cfg := catalog.Config{Rules: &rules, Locations: []catalog.LocationConfig{{Type: "file", Target: root}}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var cluster *pgtest.Cluster
	for _, backend := range []string{"bbolt", "pg"} {
		b.Run(backend, func(b *testing.B) {
			var ingest, apply, load, reload time.Duration
			var loadCPU float64
			for i := 0; i < b.N; i++ {
				var be store.Backend
				if backend == "bbolt" {
					f, err := store.OpenFile(filepath.Join(b.TempDir(), "greenroom.db"))
					if err != nil {
						b.Fatal(err)
					}
					be = f
				} else {
					if cluster == nil {
						cluster = pgtest.Start(b)
					}
					db, err := pgstore.Open(context.Background(), cluster.NewDatabase())
					if err != nil {
						b.Fatal(err)
					}
					be = db
				}
				began := time.Now()
				ts := &timedStore{Store: be.CatalogStore()}
				c, err := catalog.New(context.Background(), catalog.Options{Config: cfg, Store: ts, Logger: log})
				if err != nil {
					b.Fatal(err)
				}
				if err := c.RefreshAll(context.Background()); err != nil {
					b.Fatal(err)
				}
				ingest += time.Since(began)
				apply += ts.apply
				if c.Count() < n {
					b.Fatalf("count %d", c.Count())
				}
				runtime.GC()
				began, cpu := time.Now(), cpuTime()
				c2, err := catalog.New(context.Background(), catalog.Options{Config: cfg, Store: be.CatalogStore(), Logger: log, Shared: backend == "pg"})
				if err != nil {
					b.Fatal(err)
				}
				load += time.Since(began)
				loadCPU += cpuTime() - cpu
				if c2.Count() != c.Count() {
					b.Fatalf("loaded %d of %d", c2.Count(), c.Count())
				}
				if backend == "pg" {
					// Another replica writes one entity; this one reloads what changed.
					doc := fmt.Sprintf(`{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"bench-write-%d"},"spec":{"type":"service","lifecycle":"production","owner":"team-a"}}`, i)
					if err := c.ApplyProvider(context.Background(), "bench", []json.RawMessage{json.RawMessage(doc)}, nil); err != nil {
						b.Fatal(err)
					}
					began = time.Now()
					if err := c2.Reload(context.Background()); err != nil {
						b.Fatal(err)
					}
					reload += time.Since(began)
					if c2.Count() != c.Count() {
						b.Fatalf("reloaded %d of %d", c2.Count(), c.Count())
					}
				}
				be.Close()
			}
			b.ReportMetric(ingest.Seconds()/float64(b.N), "ingest-s")
			b.ReportMetric(apply.Seconds()/float64(b.N), "ingest-apply-s")
			b.ReportMetric(load.Seconds()/float64(b.N), "load-s")
			b.ReportMetric(loadCPU/float64(b.N), "load-cpu-s")
			if backend == "pg" {
				b.ReportMetric(reload.Seconds()/float64(b.N), "reload1-s")
			}
		})
	}
}

// timedStore adds up the time spent in Apply.
type timedStore struct {
	catalog.Store
	apply time.Duration
}

func (s *timedStore) Apply(ctx context.Context, ops []catalog.Op) error {
	began := time.Now()
	err := s.Store.Apply(ctx, ops)
	s.apply += time.Since(began)
	return err
}
