package capability

import (
	"context"
	"path/filepath"
	"testing"

	"greenroom.dev/greenroom/host/internal/audit"
	"greenroom.dev/greenroom/host/internal/store"
)

// BenchmarkHostFunction measures what the table adds to one kv_get of a small value:
// decoding the request once, encoding the result, and (audited) the entry and its
// buffered write, against the store call alone.
func BenchmarkHostFunction(b *testing.B) {
	file, err := store.OpenFile(filepath.Join(b.TempDir(), "db"))
	if err != nil {
		b.Fatal(err)
	}
	defer file.Close()
	kv := file.KV()
	if err := kv.Put("hello", []byte("counters/requests"), []byte("41"), 1<<20); err != nil {
		b.Fatal(err)
	}
	log, err := audit.Open(audit.LogConfig{File: "audit.log"}, b.TempDir(), 1000)
	if err != nil {
		b.Fatal(err)
	}
	defer log.Close()
	p := plugin(b, "kv: {}")
	p.ID = "hello"
	req := []byte(`{"key":"counters/requests"}`)
	ctx := context.Background()
	b.Run("store", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := kv.Get("hello", []byte("counters/requests")); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, c := range []struct {
		name string
		log  *audit.Log
	}{{"table", nil}, {"table+audit", log}} {
		f, err := NewHost(Services{KV: kv}, c.log).Link(p, "kv_get", true)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := f(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
