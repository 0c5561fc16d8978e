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
type linearMemory struct {
	buf     []byte
	max     uint64
	b       *budget
	started bool
}

func (b *budget) allocator() experimental.MemoryAllocator {
	return experimental.MemoryAllocatorFunc(func(_, max uint64) experimental.LinearMemory {
		return &linearMemory{max: max, b: b}
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
	} else if size > m.max || !m.b.take(size-cur) {
		return nil
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

// Free implements experimental.LinearMemory; the garbage collector frees the bytes.
func (m *linearMemory) Free() { m.buf = nil }
