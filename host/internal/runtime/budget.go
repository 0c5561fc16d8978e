package runtime

import (
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// budget is what is left of one instance's memory limit (Options.MemoryLimitPages in
// bytes). Everything the instance holds takes from it, so that together it stays within
// the limit: what the module declares (footprint.go), linear memory, the arena, and in
// instrumented modules table growth and function references (instrument.go). A guest
// cannot fill its linear memory to the limit and the arena or a table besides.
//
// In an instrumented module the guest takes from the budget itself, so once the module
// is instantiated the budget lives in its global $free, which the host reads and writes
// too. The instance is used by one call at a time, so the budget needs no lock.
type budget struct {
	free uint64            // until g is bound, or for modules without it
	g    api.MutableGlobal // the guest's $free
	// refused records that a growth was refused for want of budget during the current
	// call, so that the call's failure is reported as out of memory.
	refused bool
}

// bind moves the budget into the guest's global.
func (b *budget) bind(g api.MutableGlobal) {
	g.Set(b.free)
	b.g = g
}

// left is the number of bytes still free.
func (b *budget) left() uint64 {
	if b.g != nil {
		return b.g.Get()
	}
	return b.free
}

func (b *budget) set(v uint64) {
	if b.g != nil {
		b.g.Set(v)
	} else {
		b.free = v
	}
}

// take reserves n bytes, or reports false (and remembers the refusal) if fewer are left.
func (b *budget) take(n uint64) bool {
	f := b.left()
	if n > f {
		b.refused = true
		return false
	}
	b.set(f - n)
	return true
}

// give returns n bytes taken before.
func (b *budget) give(n uint64) {
	if n != 0 {
		b.set(b.left() + n)
	}
}

// linearMemory backs a guest's linear memory (wazero's experimental.MemoryAllocator),
// charging every growth to the instance's budget; a growth the budget cannot cover
// fails, and memory.grow returns -1 to the guest.
//
// Where it can (reserved), the memory lives in address space reserved up front for its
// maximum (reserve: pages the guest has not touched cost nothing), so growing never moves
// it. Otherwise it is a Go slice that is copied into a larger one as it grows: a Go guest
// grows its memory a little at a time, and a TechDocs build copied 0.45 s of memory a
// sync that way, on Go's heap, where every copy also brought the host's garbage collector
// round sooner (RATIONALE.md, "Linear memory reserved, not copied").
type linearMemory struct {
	buf     []byte
	max     uint64
	b       *budget
	started bool
	// reserve asks for a reservation; region is it, once made (nil if the system refused
	// it: then buf is a Go slice).
	reserve bool
	region  []byte
}

// allocator gives the instance's linear memory. reserve is for instrumented modules
// only: the reservation is released when wazero frees the memory, and only in those is
// that never while guest code still runs (a module compiled WithCloseOnContextDone is
// freed by the goroutine that stops it, under the running guest).
func (b *budget) allocator(reserve bool) experimental.MemoryAllocator {
	return experimental.MemoryAllocatorFunc(func(_, max uint64) experimental.LinearMemory {
		return &linearMemory{max: max, b: b, reserve: reserve}
	})
}

// Reallocate implements experimental.LinearMemory.
func (m *linearMemory) Reallocate(size uint64) []byte {
	cur := uint64(len(m.buf))
	if size <= cur {
		return m.buf[:size]
	}
	if !m.started {
		// The memory's minimum, at instantiation. Load checked that it fits a fresh
		// budget, and wazero cannot take a refusal here.
		m.started = true
		f := m.b.left()
		m.b.set(f - min(f, size))
		if m.reserve {
			m.region = reserve(m.max)
		}
	} else if size > m.max || !m.b.take(size-cur) {
		return nil
	}
	if m.region != nil {
		m.buf = m.region[:size]
		return m.buf
	}
	if size > uint64(cap(m.buf)) {
		// Room for a quarter more, as append would leave, so that a guest growing a
		// page at a time does not copy its memory on every growth.
		c := max(size, min(size+size/4, m.max))
		nb := make([]byte, size, c)
		copy(nb, m.buf)
		m.buf = nb
		return m.buf
	}
	m.buf = m.buf[:size]
	return m.buf
}

// Free implements experimental.LinearMemory: it returns a reservation to the system;
// the garbage collector frees a slice.
func (m *linearMemory) Free() {
	if m.region != nil {
		release(m.region)
		m.region = nil
	}
	m.buf = nil
}
