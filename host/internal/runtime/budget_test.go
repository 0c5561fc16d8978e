package runtime

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"unsafe"
)

// TestMemoryLimitCoversArenaAndMemory: the memory limit is one budget for the arena and
// linear memory together. Each alone may take most of it; filling both would take
// nearly twice the limit and fails with KindOutOfMemory, whichever comes first.
func TestMemoryLimitCoversArenaAndMemory(t *testing.T) {
	e := newTestEngine(t)
	for _, mode := range []struct {
		name       string
		instrument bool
	}{{"instrumented", true}, {"closeOnContextDone", false}} {
		t.Run(mode.name, func(t *testing.T) {
			defer setInstrument(mode.instrument)()
			for _, c := range []struct {
				export string
				ok     bool
			}{
				{"arena", true},
				{"grow", true},
				{"arena_then_grow", false},
				{"grow_then_arena", false},
			} {
				p := load(t, e, wat(t, "budget"), Options{Name: "greedy", Instances: 1, MemoryLimitPages: 16})
				_, err := p.Call(context.Background(), c.export, nil)
				if c.ok {
					if err != nil {
						t.Fatalf("%s alone: %v", c.export, err)
					}
					continue
				}
				ce := callErr(t, err, KindOutOfMemory)
				if !strings.Contains(ce.Error(), "memory limit") {
					t.Errorf("%s: error %q does not name the memory limit", c.export, ce)
				}
				if _, err := p.Call(context.Background(), "noop", nil); err != nil {
					t.Fatalf("call after %s: %v", c.export, err)
				}
			}
		})
	}
}

// TestLinearMemoryGrowsInPlace: a reserved linear memory keeps its address and contents
// as it grows a page at a time, up to its maximum and the budget; a slice-backed one
// keeps its contents. Both refuse growth past the budget and past the maximum.
func TestLinearMemoryGrowsInPlace(t *testing.T) {
	const page = 65536
	if r := reserve(0); r != nil {
		t.Error("a zero-size reservation was made; a memory with no room must stay a slice")
	}
	for _, c := range []struct {
		name    string
		reserve bool
	}{{"reserved", true}, {"slice", false}} {
		t.Run(c.name, func(t *testing.T) {
			b := &budget{free: 40 * page}
			m := b.allocator(c.reserve).Allocate(page, 64*page).(*linearMemory)
			defer m.Free()
			buf := m.Reallocate(page)
			if len(buf) != page {
				t.Fatalf("minimum: %d bytes", len(buf))
			}
			if c.reserve && runtime.GOOS == "linux" && m.region == nil {
				t.Fatal("no reservation on Linux")
			}
			base := unsafe.SliceData(buf)
			buf[0], buf[page-1] = 7, 9
			for size := uint64(2 * page); size <= 40*page; size += page {
				if buf = m.Reallocate(size); uint64(len(buf)) != size {
					t.Fatalf("grow to %d pages: %d bytes", size/page, len(buf))
				}
				if buf[0] != 7 || buf[page-1] != 9 || buf[size-1] != 0 {
					t.Fatalf("grow to %d pages: contents lost", size/page)
				}
				buf[size-1] = 1
				if m.region != nil && unsafe.SliceData(buf) != base {
					t.Fatalf("grow to %d pages: a reserved memory moved", size/page)
				}
			}
			if m.Reallocate(41*page) != nil || !b.refused {
				t.Error("growth past the budget was not refused")
			}
			b.free, b.refused = 100*page, false
			if m.Reallocate(65*page) != nil {
				t.Error("growth past the maximum was not refused")
			}
			m.Free()
			if m.region != nil || m.buf != nil {
				t.Error("Free kept the memory")
			}
		})
	}
}
