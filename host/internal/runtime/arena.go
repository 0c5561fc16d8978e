package runtime

// The arena is the Go-side rendering of the Extism kernel's memory (extism/extism
// kernel/src/lib.rs): handles are offsets into one byte slice, block headers live in Go
// rather than in the bytes, a bump pointer hands out new blocks, freed blocks are reused
// (and split when the excess is 128 bytes or more, as the kernel does), and reset makes
// every handle of the previous call invalid. The guest never sees this memory directly:
// it reaches it through load_*/store_* and the greenroom:host/v1 bulk copies.

const (
	blockActive uint8 = iota + 1
	blockFree
)

// arenaBase is the first handle the arena hands out. Handle 0 means "none", and a small
// non-zero base keeps handles visibly distinct from small integers in guest traces.
const arenaBase = 8

// splitThreshold is the excess over a request at which a free block is split (kernel:
// BLOCK_SPLIT_SIZE).
const splitThreshold = 128

type block struct {
	off    uint64 // handle: offset of the first data byte
	size   uint64 // capacity
	used   uint64 // length reported by length()
	status uint8
}

type arena struct {
	mem    []byte  // mem[0:top] is in use; len(mem) is the capacity already allocated
	top    uint64  // bump pointer
	blocks []block // in address order
	nfree  int     // blocks with status blockFree
	limit  uint64  // the instance's memory limit, for messages and as a hard cap on top
	// budget is the instance's: every byte handed out past top is taken from it, and
	// reset gives them back. Linear memory takes from the same budget.
	budget *budget
}

func newArena(limit uint64, b *budget) *arena {
	return &arena{mem: make([]byte, 4096), top: arenaBase, limit: limit, budget: b}
}

// reset forgets every block. Bytes are not zeroed: a block's bytes are only readable
// through a handle the guest obtained in this call, and alloc zeroes what it hands out.
func (a *arena) reset() {
	a.budget.give(a.top - arenaBase)
	a.top = arenaBase
	a.blocks = a.blocks[:0]
	a.nfree = 0
	// Drop a huge buffer left behind by one large call so an idle instance does not
	// keep it for ever.
	if len(a.mem) > 1<<20 {
		a.mem = make([]byte, 4096)
	}
}

// alloc returns the handle of a new block of n bytes, or 0 for n == 0. It reports
// false when the arena would grow over its limit.
func (a *arena) alloc(n uint64) (uint64, bool) {
	if n == 0 {
		return 0, true
	}
	if a.nfree > 0 {
		for i := range a.blocks {
			b := &a.blocks[i]
			if b.status != blockFree || b.size < n {
				continue
			}
			a.nfree--
			if b.size-n >= splitThreshold {
				// Keep the front as a smaller free block, hand out the tail.
				nb := block{off: b.off + b.size - n, size: n, used: n, status: blockActive}
				b.size -= n
				a.nfree++
				a.blocks = append(a.blocks, block{})
				copy(a.blocks[i+2:], a.blocks[i+1:])
				a.blocks[i+1] = nb
				clear(a.mem[nb.off : nb.off+n])
				return nb.off, true
			}
			b.used = n
			b.status = blockActive
			clear(a.mem[b.off : b.off+n])
			return b.off, true
		}
	}
	if n > a.limit || a.top > a.limit-n || !a.budget.take(n) {
		return 0, false
	}
	off := a.top
	end := off + n
	if end > uint64(len(a.mem)) {
		a.grow(end, end+a.budget.left())
	}
	clear(a.mem[off:end])
	a.top = end
	a.blocks = append(a.blocks, block{off: off, size: n, used: n, status: blockActive})
	return off, true
}

// grow makes room for need bytes, with spare capacity up to most.
func (a *arena) grow(need, most uint64) {
	c := uint64(len(a.mem)) * 2
	for c < need {
		c *= 2
	}
	if c > most {
		c = most
	}
	if c < need {
		c = need
	}
	m := make([]byte, c)
	copy(m, a.mem[:a.top])
	a.mem = m
}

// find returns the index of the active block that starts at h, or -1.
func (a *arena) find(h uint64) int {
	if h < arenaBase || h >= a.top {
		return -1
	}
	lo, hi := 0, len(a.blocks)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if a.blocks[m].off < h {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(a.blocks) && a.blocks[lo].off == h && a.blocks[lo].status == blockActive {
		return lo
	}
	return -1
}

// length is the used length of the active block at h, 0 for anything else.
func (a *arena) length(h uint64) uint64 {
	if i := a.find(h); i >= 0 {
		return a.blocks[i].used
	}
	return 0
}

// bytes returns the contents of the active block at h (nil when h is not a block).
func (a *arena) bytes(h uint64) []byte {
	if i := a.find(h); i >= 0 {
		b := a.blocks[i]
		return a.mem[b.off : b.off+b.used]
	}
	return nil
}

// free releases the active block at h; anything else is ignored, as in the kernel.
func (a *arena) free(h uint64) {
	if i := a.find(h); i >= 0 {
		a.blocks[i].status = blockFree
		a.nfree++
	}
}

// inBounds reports whether [off, off+n) lies inside the allocated region.
func (a *arena) inBounds(off, n uint64) bool {
	return off >= arenaBase && n <= a.top && off <= a.top-n
}

// write allocates a block holding p.
func (a *arena) write(p []byte) (uint64, bool) {
	h, ok := a.alloc(uint64(len(p)))
	if ok && h != 0 {
		copy(a.mem[h:], p)
	}
	return h, ok
}
