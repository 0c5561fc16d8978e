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
	mem []byte // mem[0:top] is in use; len(mem) is the capacity already allocated
	// region is address space reserved for the limit (reserve), which mem is the front
	// of, so that the arena grows in place; nil where the system gives none, and mem is
	// then a slice that grows by copying. A docs site's files_write puts 12 MB through
	// the arena: copying it up from 4 KiB at each call and zeroing every new slice took
	// more time than the store it fed.
	region []byte
	// clean is where the bytes no block has held since the system zeroed them start:
	// a new block past it needs no clearing.
	clean  uint64
	top    uint64  // bump pointer
	blocks []block // in address order
	nfree  int     // blocks with status blockFree
	limit  uint64  // the instance's memory limit, for messages and as a hard cap on top
	// budget is the instance's, shared with linear memory: the arena's capacity (the
	// bytes it holds, used or not) is taken from it as the arena grows, and given back
	// when reset drops a huge buffer. Blocks within the capacity cost the budget nothing.
	budget *budget
}

// arenaInitial is the capacity of a new arena, and what reset shrinks a huge one to.
const arenaInitial = 4096

// arenaKeep is the largest capacity reset keeps for the next call.
const arenaKeep = 1 << 20

func newArena(limit uint64, b *budget) *arena {
	b.set(b.left() - min(b.left(), arenaInitial))
	a := &arena{top: arenaBase, limit: limit, budget: b}
	if a.region = reserve(max(limit, arenaInitial)); a.region != nil {
		a.mem = a.region[:arenaInitial]
	} else {
		a.mem = make([]byte, arenaInitial)
	}
	return a
}

// unmap gives the reserved address space back; the arena is not used afterwards.
func (a *arena) unmap() {
	if a != nil && a.region != nil {
		release(a.region)
		a.region, a.mem = nil, nil
	}
}

// reset forgets every block. Bytes are not zeroed: a block's bytes are only readable
// through a handle the guest obtained in this call, and alloc zeroes what it hands out.
func (a *arena) reset() {
	a.top = arenaBase
	a.blocks = a.blocks[:0]
	a.nfree = 0
	// Drop a huge buffer left behind by one large call so an idle instance does not
	// keep it for ever.
	if len(a.mem) > arenaKeep {
		a.budget.give(uint64(len(a.mem) - arenaInitial))
		if a.region != nil {
			// The pages go back to the system and read as zero when touched again.
			discard(a.region[arenaInitial:len(a.mem)])
			a.mem = a.region[:arenaInitial]
		} else {
			a.mem = make([]byte, arenaInitial)
		}
		a.clean = min(a.clean, arenaInitial)
	}
}

// alloc returns the handle of a new block of n zero bytes, or 0 for n == 0. It reports
// false when the arena would grow over its limit or the instance's budget.
func (a *arena) alloc(n uint64) (uint64, bool) { return a.allocBlock(n, true) }

// allocBlock is alloc; without zero the block's bytes are whatever the arena held,
// for a caller that overwrites them all (write).
func (a *arena) allocBlock(n uint64, zero bool) (uint64, bool) {
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
				if zero {
					clear(a.mem[nb.off : nb.off+n])
				}
				return nb.off, true
			}
			b.used = n
			b.status = blockActive
			if zero {
				clear(a.mem[b.off : b.off+n])
			}
			return b.off, true
		}
	}
	if n > a.limit || a.top > a.limit-n {
		return 0, false
	}
	off := a.top
	end := off + n
	if end > uint64(len(a.mem)) && !a.grow(end) {
		return 0, false
	}
	if zero && off < a.clean {
		clear(a.mem[off:min(end, a.clean)])
	}
	a.clean = max(a.clean, end)
	a.top = end
	a.blocks = append(a.blocks, block{off: off, size: n, used: n, status: blockActive})
	return off, true
}

// grow makes the capacity at least need, doubling it where the budget allows, and takes
// the new capacity from the budget; it reports false when the budget cannot cover need.
func (a *arena) grow(need uint64) bool {
	have := uint64(len(a.mem))
	most := have + a.budget.left()
	if need > most {
		a.budget.take(need - have) // records the refusal
		return false
	}
	c := have * 2
	for c < need {
		c *= 2
	}
	c = min(c, most)
	a.budget.take(c - have)
	if a.region != nil {
		a.mem = a.region[:c]
		return true
	}
	m := make([]byte, c)
	copy(m, a.mem[:a.top])
	a.mem = m
	return true
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
	h, ok := a.allocBlock(uint64(len(p)), false)
	if ok && h != 0 {
		copy(a.mem[h:], p)
	}
	return h, ok
}
