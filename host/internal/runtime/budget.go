package runtime

import "github.com/tetratelabs/wazero/experimental"

// budget is what is left of one instance's memory limit (Options.MemoryLimitPages in
// bytes). Linear memory and the arena both take from it, so that together they stay
// within the limit: a guest cannot fill its linear memory to the limit and the arena
// to the limit besides.
//
// The instance is used by one call at a time, so the budget needs no lock.
type budget struct {
	free uint64
	// refused records that a growth was refused for want of budget during the current
	// call, so that the call's failure is reported as out of memory.
	refused bool
}

// left is the number of bytes still free.
func (b *budget) left() uint64 { return b.free }

// take reserves n bytes, or reports false (and remembers the refusal) if fewer are left.
func (b *budget) take(n uint64) bool {
	if n > b.free {
		b.refused = true
		return false
	}
	b.free -= n
	return true
}

// give returns n bytes taken before.
func (b *budget) give(n uint64) { b.free += n }

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
		m.b.free -= min(m.b.free, size)
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
