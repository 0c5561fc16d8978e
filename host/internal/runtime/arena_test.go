package runtime

import (
	"bytes"
	goruntime "runtime"
	"testing"
)

func TestArena(t *testing.T) {
	a := newArena(1<<16, &budget{free: 1 << 16})
	if h, ok := a.alloc(0); h != 0 || !ok {
		t.Fatalf("alloc(0) = %d, %v; want 0 (as the kernel)", h, ok)
	}
	h1, _ := a.alloc(300)
	h2, _ := a.alloc(16)
	if h1 == 0 || h2 <= h1 || a.length(h1) != 300 || a.length(h2) != 16 {
		t.Fatalf("handles %d %d, lengths %d %d", h1, h2, a.length(h1), a.length(h2))
	}
	if a.length(h1+1) != 0 || a.length(0) != 0 || a.length(1<<40) != 0 {
		t.Fatal("length of a non-block is not 0")
	}
	copy(a.mem[h1:], "stale")
	a.free(h1)
	if a.length(h1) != 0 {
		t.Fatal("length of a freed block is not 0")
	}
	// 300 - 10 >= 128: the freed block is split and the tail handed out.
	h3, _ := a.alloc(10)
	if h3 <= h1 || h3 >= h1+300 || a.length(h3) != 10 {
		t.Fatalf("reused handle %d not inside the freed block at %d", h3, h1)
	}
	for _, c := range a.bytes(h3) {
		if c != 0 {
			t.Fatal("a reused block is not zeroed")
		}
	}
	// The remaining front part is still free and serves a request that fits.
	h4, _ := a.alloc(200)
	if h4 != h1 {
		t.Fatalf("front of the split block not reused: %d, want %d", h4, h1)
	}
	// A small excess is handed out whole.
	a.free(h2)
	h5, _ := a.alloc(15)
	if h5 != h2 || a.length(h5) != 15 {
		t.Fatalf("whole-block reuse: %d len %d", h5, a.length(h5))
	}
	// Free of garbage is ignored.
	a.free(12345)
	a.free(h5 + 1)
	if a.length(h5) != 15 {
		t.Fatal("free of a non-block freed something")
	}
	if !a.inBounds(h1, 8) || a.inBounds(a.top, 1) || a.inBounds(0, 1) || a.inBounds(h1, 1<<62) {
		t.Fatal("inBounds")
	}
	// The limit.
	if _, ok := a.alloc(1 << 16); ok {
		t.Fatal("alloc over the limit succeeded")
	}
	a.reset()
	if a.length(h1) != 0 || a.top != arenaBase {
		t.Fatal("reset left blocks behind")
	}
	if h, ok := a.alloc(1<<16 - arenaBase); !ok || h != arenaBase {
		t.Fatalf("alloc of the whole limit after reset: %d %v", h, ok)
	}
}

func TestArenaShrinksAfterHugeCall(t *testing.T) {
	a := newArena(64<<20, &budget{free: 64 << 20})
	a.alloc(8 << 20)
	a.reset()
	if len(a.mem) > 1<<20 {
		t.Fatalf("arena kept %d bytes after reset", len(a.mem))
	}
}

// TestArenaTakesFromBudget: the arena's capacity comes from the instance's budget,
// which linear memory shares; blocks within it cost nothing more, and reset gives back
// what it drops.
func TestArenaTakesFromBudget(t *testing.T) {
	b := &budget{free: 10000}
	a := newArena(1<<20, b)
	if b.left() != 10000-arenaInitial {
		t.Fatalf("a new arena left %d, want %d", b.left(), 10000-arenaInitial)
	}
	if _, ok := a.alloc(600); !ok || b.left() != 10000-arenaInitial {
		t.Fatalf("alloc(600) within the capacity: %d left", b.left())
	}
	if _, ok := a.alloc(5000); !ok || b.left() != 10000-2*arenaInitial {
		t.Fatalf("alloc(5000) doubles the capacity: %d left", b.left())
	}
	if _, ok := a.alloc(5000); ok || !b.refused {
		t.Fatal("alloc past the budget succeeded or was not recorded as a refusal")
	}
	a.reset()
	if b.left() != 10000-2*arenaInitial {
		t.Fatalf("reset gave back capacity it keeps: %d left", b.left())
	}
	b.take(b.left()) // linear memory grew
	if _, ok := a.alloc(8000); !ok {
		t.Fatal("the arena could not use the capacity it holds")
	}
	if _, ok := a.alloc(500); ok {
		t.Fatal("the arena took bytes that linear memory holds")
	}

	// A huge buffer is dropped at reset, and its bytes are given back.
	b = &budget{free: 8 << 20}
	a = newArena(8<<20, b)
	a.alloc(3 << 20)
	a.reset()
	if len(a.mem) != arenaInitial || b.left() != 8<<20-arenaInitial {
		t.Fatalf("after a huge call: capacity %d, %d left", len(a.mem), b.left())
	}
}

// TestArenaGrowsInPlace: where the system reserves address space (Linux), the arena
// grows without moving, a block handed out after a huge call was given back reads as
// zero, write's blocks hold what was written, and unmap lets the reservation go.
func TestArenaGrowsInPlace(t *testing.T) {
	a := newArena(64<<20, &budget{free: 64 << 20})
	if a.region == nil {
		if goruntime.GOOS == "linux" {
			t.Fatal("no reservation on Linux")
		}
		t.Skip("the arena grows by copying on", goruntime.GOOS)
	}
	first := &a.mem[0]
	var hs []uint64
	for i := 0; i < 64; i++ {
		h, ok := a.write(bytes.Repeat([]byte{byte(i + 1)}, 64<<10))
		if !ok {
			t.Fatal("write refused")
		}
		hs = append(hs, h)
	}
	if &a.mem[0] != first || len(a.mem) < 4<<20 {
		t.Fatalf("the arena moved or did not grow: %d bytes", len(a.mem))
	}
	for i, h := range hs {
		if b := a.bytes(h); len(b) != 64<<10 || b[0] != byte(i+1) || b[len(b)-1] != byte(i+1) {
			t.Fatalf("block %d lost its bytes", i)
		}
	}
	a.reset() // over arenaKeep: the pages go back
	if len(a.mem) != arenaInitial || &a.mem[0] != first {
		t.Fatalf("after reset: %d bytes", len(a.mem))
	}
	h, _ := a.alloc(8 << 20)
	if b := a.bytes(h); !bytes.Equal(b, make([]byte, 8<<20)) {
		t.Fatal("a new block holds a previous call's bytes")
	}
	// Within arenaKeep the bytes stay, and alloc clears what a block held before.
	a.reset()
	h1, _ := a.write(bytes.Repeat([]byte{7}, 1000))
	a.reset()
	h2, _ := a.alloc(1000)
	if h1 != h2 || !bytes.Equal(a.bytes(h2), make([]byte, 1000)) {
		t.Fatal("alloc handed out a used block without clearing it")
	}
	a.unmap()
	if a.region != nil || a.mem != nil {
		t.Fatal("unmap kept the region")
	}
	(*arena)(nil).unmap() // an instance that never got an arena
}
