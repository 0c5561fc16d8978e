package metrics

import (
	"testing"
	"time"
)

// BenchmarkObserve is what the metrics add to one plugin request: the HTTP request
// and the plugin call (run in parallel, as requests are).
func BenchmarkObserve(b *testing.B) {
	m := New(Sources{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.ObserveHTTP("/api/hello-c/hello", "GET", 200, 50*time.Microsecond)
			m.ObserveCall("hello-c", "gr_http", "ok", 20*time.Microsecond, 0)
		}
	})
}

// BenchmarkObserveHostCall is what the metrics add to one capability host call.
func BenchmarkObserveHostCall(b *testing.B) {
	m := New(Sources{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.ObserveHostCall("hello-go", "kv_get", "kv", "allow", 3*time.Microsecond)
		}
	})
}
