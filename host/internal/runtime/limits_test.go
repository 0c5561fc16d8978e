package runtime

import (
	"context"
	"encoding/binary"
	goruntime "runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// heapGrowth runs f and returns how much the live heap grew across it (after a
// collection on both sides), in bytes; what f leaves reachable counts.
func heapGrowth(f func()) int64 {
	var before, after goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&before)
	f()
	goruntime.GC()
	goruntime.ReadMemStats(&after)
	return int64(after.HeapAlloc) - int64(before.HeapAlloc)
}

const mib = 1 << 20

// TestTableGrowthWithinMemoryLimit: a table's entries take host memory (8 bytes each)
// outside linear memory. Growing a table takes them from the instance's memory limit,
// and table.grow returns -1 past it, instead of letting a guest with a 16 MiB limit
// hold hundreds of MiB of table (or ask for 16 GiB at once).
func TestTableGrowthWithinMemoryLimit(t *testing.T) {
	e := newTestEngine(t)
	const limit = 256 // pages: 16 MiB
	p := load(t, e, wat(t, "tables"), Options{Name: "tables", Instances: 1, MemoryLimitPages: limit, Timeout: 5 * time.Second})
	var out []byte
	var err error
	grew := heapGrowth(func() { out, err = p.Call(context.Background(), "grow_loop", nil) })
	if err != nil {
		t.Fatalf("grow_loop: %v", err)
	}
	size := binary.LittleEndian.Uint64(out)
	t.Logf("the table grew to %d entries; the live heap by %d MiB", size, grew/mib)
	if size*8 > limit*65536 {
		t.Fatalf("the table grew to %d entries (%d MiB) under a memory limit of 16 MiB", size, size*8/mib)
	}
	if grew > 40*mib {
		t.Fatalf("the live heap grew by %d MiB under a memory limit of 16 MiB", grew/mib)
	}
	// Growth that fits is allowed, and its old size is what grow_loop left.
	p2 := load(t, e, wat(t, "tables"), Options{Name: "tables", Instances: 1, MemoryLimitPages: limit})
	out, err = p2.Call(context.Background(), "grow_small", nil)
	if err != nil || int64(binary.LittleEndian.Uint64(out)) != 1 {
		t.Fatalf("grow_small: %v %v, want old size 1", out, err)
	}
	out, err = p2.Call(context.Background(), "grow_huge", nil)
	if err != nil || int64(binary.LittleEndian.Uint64(out)) != -1 {
		t.Fatalf("grow_huge: %v %v, want -1", out, err)
	}
	if _, err := p2.Call(context.Background(), "noop", nil); err != nil {
		t.Fatal(err)
	}

	// A module the host cannot instrument cannot grow its tables at all.
	defer setInstrument(false)()
	p3 := load(t, e, wat(t, "tables"), Options{Name: "tables", Instances: 1, MemoryLimitPages: limit})
	out, err = p3.Call(context.Background(), "grow_small", nil)
	if err != nil || int64(binary.LittleEndian.Uint64(out)) != -1 {
		t.Fatalf("grow_small without instrumentation: %v %v, want -1", out, err)
	}
}

// TestRefFuncWithinMemoryLimit: every ref.func the guest runs makes the engine allocate
// a function reference that lives as long as the instance; they take from the memory
// limit, and the call fails as out of memory when it is spent.
func TestRefFuncWithinMemoryLimit(t *testing.T) {
	e := newTestEngine(t)
	p := load(t, e, wat(t, "reffunc"), Options{Name: "refs", Instances: 1, MemoryLimitPages: 256, Timeout: 2 * time.Second})
	var err error
	grew := heapGrowth(func() { _, err = p.Call(context.Background(), "ref_func", nil) })
	ce := callErr(t, err, KindOutOfMemory)
	if !strings.Contains(ce.Error(), "memory limit") {
		t.Errorf("error %q does not name the memory limit", ce)
	}
	t.Logf("%v; the live heap grew by %d MiB", ce, grew/mib)
	if grew > 40*mib {
		t.Fatalf("the live heap grew by %d MiB under a memory limit of 16 MiB", grew/mib)
	}
	if _, err := p.Call(context.Background(), "noop", nil); err != nil {
		t.Fatal(err)
	}

	// Without instrumentation nothing would count them: such a module is refused.
	defer setInstrument(false)()
	_, err = e.Load(context.Background(), wat(t, "reffunc"), Options{Name: "refs", MemoryLimitPages: 256})
	if err == nil || !strings.Contains(err.Error(), "ref.func") {
		t.Fatalf("uninstrumented module with ref.func: %v", err)
	}
}

// TestDeclaredFootprintWithinMemoryLimit: what a module makes the engine allocate for
// every instance before it runs (its tables' minimum sizes, its globals, its element
// segments) counts against the memory limit; a module that needs more than the limit
// is refused at load, before it is compiled, with an error that names what and the
// limit.
func TestDeclaredFootprintWithinMemoryLimit(t *testing.T) {
	e := newTestEngine(t)
	cases := []struct {
		name     string
		big      []byte
		small    []byte
		wantText string
	}{
		{"table minimum", moduleWith(tableSection(20_000_000)), moduleWith(tableSection(1000)), "table"},
		{"globals", moduleWith(globalSection(1_000_000)), moduleWith(globalSection(1000)), "globals"},
		{"element segment", moduleWith(passiveElemSection(1_000_000)), moduleWith(passiveElemSection(1000)), "element"},
	}
	for _, instrument := range []bool{true, false} {
		restore := setInstrument(instrument)
		for _, c := range cases {
			if _, err := e.Load(context.Background(), c.small, Options{Name: "small", MemoryLimitPages: 256}); err != nil {
				t.Fatalf("%s (instrument %v): a small module: %v", c.name, instrument, err)
			}
			var err error
			grew := heapGrowth(func() {
				_, err = e.Load(context.Background(), c.big, Options{Name: "big", MemoryLimitPages: 256})
			})
			if err == nil {
				t.Fatalf("%s (instrument %v): loaded under a memory limit of 16 MiB (the live heap grew by %d MiB)", c.name, instrument, grew/mib)
			}
			for _, want := range []string{"plugin big: load", c.wantText, "memory limit of 16777216 bytes", "limits.memory"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%s (instrument %v): error %q lacks %q", c.name, instrument, err, want)
				}
			}
		}
		restore()
	}
}

// TestExportsCostNothingUntilCalled: an instance prepares an export for calling (wazero
// gives each a 10 KiB stack) only when it is first called, so a module with thousands
// of exports does not make every instance allocate for all of them.
func TestExportsCostNothingUntilCalled(t *testing.T) {
	e := newTestEngine(t)
	wasm := moduleWith(exportsSection(20_000))
	var p *Plugin
	grew := heapGrowth(func() { p = load(t, e, wasm, Options{Name: "exports", Instances: 1}) })
	if _, err := p.Call(context.Background(), "e7", nil); err != nil {
		t.Fatal(err)
	}
	if grew > 40*mib {
		t.Fatalf("loading a module with 20,000 exports grew the live heap by %d MiB", grew/mib)
	}
}

// --- a few hand-built modules, too large to write as text ---

// moduleWith returns a module with one function $f () -> i32 returning 0, exported as
// "noop", and the given sections placed in order.
func moduleWith(extra ...[]byte) []byte {
	secs := map[byte][]byte{
		1:  {1, 0x60, 0, 1, 0x7F},            // type 0: () -> i32
		3:  {1, 0},                           // function 0 has type 0
		7:  {1, 4, 'n', 'o', 'o', 'p', 0, 0}, // export "noop" = func 0
		10: {1, 4, 0, 0x41, 0, 0x0B},         // body: i32.const 0
		5:  {1, 0, 1},                        // memory 1
	}
	for _, s := range extra {
		secs[s[0]] = s[1:]
	}
	out := []byte("\x00asm\x01\x00\x00\x00")
	for _, id := range []byte{1, 3, 4, 5, 6, 7, 9, 10} {
		if p, ok := secs[id]; ok {
			out = append(out, id)
			out = appendU32(out, uint32(len(p)))
			out = append(out, p...)
		}
	}
	return out
}

func tableSection(min uint32) []byte {
	return appendU32([]byte{4, 1, 0x70, 0}, min)
}

func globalSection(n int) []byte {
	p := appendU32([]byte{6}, uint32(n))
	for i := 0; i < n; i++ {
		p = append(p, 0x7F, 0x00, 0x41, 0x00, 0x0B) // i32 const, i32.const 0
	}
	return p
}

// passiveElemSection is one passive funcref segment of n references to function 0.
func passiveElemSection(n int) []byte {
	p := appendU32([]byte{9, 1, 1, 0x00}, uint32(n)) // flags 1: passive, elemkind funcref
	for i := 0; i < n; i++ {
		p = append(p, 0)
	}
	return p
}

// exportsSection exports function 0 n times, as "e0", "e1", ...
func exportsSection(n int) []byte {
	p := appendU32([]byte{7}, uint32(n))
	for i := 0; i < n; i++ {
		name := "e" + strconv.Itoa(i)
		p = appendName(p, name)
		p = append(p, 0, 0)
	}
	return p
}
