package catalog

import (
	"runtime"
	"sync"
	"unsafe"
)

// index holds the in-memory search postings. Every stitched entity occupies one slot;
// slots are handed out in increasing order, so postings stay sorted by appending. An
// update frees the old slot (a tombstone) and takes a new one; compact renumbers when
// tombstones pile up.
//
// Layout. A posting is the sorted list of slots that hold one (key, value) pair. Most
// postings hold a single slot (metadata.name, metadata.uid, annotations, relation
// targets), so a posting is a uint32 reference stored as the map value:
//
//   - ref&single != 0: a singleton; the slot is ref&^single, with no other allocation;
//   - otherwise ref indexes ix.lists, which holds the sorted slots of a posting with two
//     or more (ix.lists[0] is unused, so that 0 means "no posting").
//
// A singleton becomes a list when a second slot arrives, unless its slot is a tombstone,
// which the new slot then replaces. Compaction turns lists of one live slot back into
// singletons. The original-case value of a posting (for facets) is kept only when it
// differs from the lower-cased value.
//
// The index is closed: code outside index.go, index_keys.go, index_match.go and
// index_expr.go goes through its methods (add, remove, at, holds, relocate, match,
// selectExpr, matches, containing, countValues, sortValues, ...) and never touches its
// fields, nor the slot and indexed fields it keeps on each entity. TestIndexIsClosed
// checks this.
type index struct {
	slots []*entity
	dead  int
	keys  map[string]*keyIndex
	lists [][]uint32 // posting lists with two or more slots; see ref
	arena []byte     // current chunk for long-lived index strings (see keep)
}

// single marks a posting ref that holds its only slot inline.
const single = 1 << 31

// keep copies a string the index will hold for long into a chunked arena, so that index
// strings sit together instead of pinning the scattered garbage of YAML decoding.
// Arena bytes are never written after the copy, which makes the unsafe.String view safe.
func (ix *index) keep(s string) string {
	if len(s) == 0 || len(s) > 1024 {
		return s
	}
	if cap(ix.arena)-len(ix.arena) < len(s) {
		ix.arena = make([]byte, 0, 64<<10)
	}
	off := len(ix.arena)
	ix.arena = append(ix.arena, s...)
	return unsafe.String(&ix.arena[off], len(s))
}

// postingIDs returns the sorted slots of a posting ref. A singleton is written into
// buf, so the result must not be kept past buf's life (lists are shared, read-only).
func (ix *index) postingIDs(ref uint32, buf *[1]uint32) []uint32 {
	if ref == 0 {
		return nil
	}
	if ref&single != 0 {
		buf[0] = ref &^ single
		return buf[:]
	}
	return ix.lists[ref]
}

// postingCopy is postingIDs for results that outlive the call.
func (ix *index) postingCopy(ref uint32) []uint32 {
	if ref&single != 0 {
		return []uint32{ref &^ single}
	}
	return ix.lists[ref]
}

// eachPosting calls fn for every value of k with its slots (valid during the call).
func (ix *index) eachPosting(k *keyIndex, fn func(v string, ids []uint32) bool) {
	var buf [1]uint32
	k.each(func(v string, ref uint32) bool {
		return fn(v, ix.postingIDs(ref, &buf))
	})
}

func newIndex() *index { return &index{keys: map[string]*keyIndex{}, lists: [][]uint32{nil}} }

// live is the number of indexed entities.
func (ix *index) live() int { return len(ix.slots) - ix.dead }

// slotCount is the number of slots, tombstones included: every slot number the index
// hands out (in match results, for example) is below it.
func (ix *index) slotCount() int { return len(ix.slots) }

// at returns the entity in a slot, or nil for a tombstone.
func (ix *index) at(slot uint32) *entity { return ix.slots[slot] }

// holds reports whether e is indexed: it has a slot, and the slot points at e.
func (ix *index) holds(e *entity) bool { return e.indexed && ix.slots[e.slot] == e }

// relocate points e's slot at e, a copy of the entity that held it (see maybeRepack);
// it does nothing for an entity without a slot.
func (ix *index) relocate(e *entity) {
	if e.indexed {
		ix.slots[e.slot] = e
	}
}

// add gives e a new slot and indexes its rows (body rows and the rows of stitching).
func (ix *index) add(e *entity, pairs, extra []pair) {
	slot := uint32(len(ix.slots))
	ix.slots = append(ix.slots, e)
	e.slot = slot
	e.indexed = true
	for _, rows := range [2][]pair{pairs, extra} {
		ix.addRows(slot, rows)
	}
}

func (ix *index) addRows(slot uint32, rows []pair) {
	for i := range rows {
		p := &rows[i]
		k := ix.keys[p.key]
		if k == nil {
			k = &keyIndex{}
			ix.keys[ix.keep(p.key)] = k
		}
		k.all.add(slot, len(ix.slots))
		if p.hasValue {
			ix.addValue(k, p.value, p.orig, p.kept, slot)
		}
	}
}

// addValue adds slot (the highest so far) to the posting of value v under k. kept says
// that orig is long-lived already (see pair.kept), so the index need not copy it.
func (ix *index) addValue(k *keyIndex, v, orig string, kept bool, slot uint32) {
	ref := k.get(v)
	switch {
	case ref == 0:
		same := v == orig
		switch {
		case same && kept:
			v = orig
		default:
			v = ix.keep(v)
		}
		k.set(v, single|slot)
		if !same {
			if k.origs == nil {
				k.origs = map[string]string{}
			}
			if !kept {
				orig = ix.keep(orig)
			}
			k.origs[v] = orig
		}
	case ref&single != 0:
		old := ref &^ single
		switch {
		case old == slot:
		case ix.slots[old] == nil:
			k.set(v, single|slot) // the old slot is a tombstone: take its place
		default:
			ix.lists = append(ix.lists, []uint32{old, slot})
			k.set(v, uint32(len(ix.lists)-1))
		}
	default:
		l := ix.lists[ref]
		if l[len(l)-1] != slot {
			ix.lists[ref] = append(l, slot)
		}
	}
}

func (ix *index) remove(e *entity) {
	if !e.indexed {
		return
	}
	ix.slots[e.slot] = nil
	e.indexed = false
	ix.dead++
}

// maybeCompact renumbers slots when more than half are tombstones.
func (ix *index) maybeCompact() {
	if ix.dead < 4096 || ix.dead < ix.live() {
		return
	}
	ix.compact()
}

// compact drops tombstones: live slots are renumbered in order, postings lose dead
// slots (and go when empty), lists of one slot become singletons, and the lists are
// rebuilt without holes.
func (ix *index) compact() {
	const gone = ^uint32(0)
	remap := make([]uint32, len(ix.slots))
	slots := make([]*entity, 0, ix.live())
	for i, e := range ix.slots {
		if e == nil {
			remap[i] = gone
			continue
		}
		remap[i] = uint32(len(slots))
		e.slot = uint32(len(slots))
		slots = append(slots, e)
	}
	fix := func(ids []uint32) []uint32 {
		out := ids[:0]
		for _, id := range ids {
			if r := remap[id]; r != gone {
				out = append(out, r)
			}
		}
		return out
	}
	lists := [][]uint32{nil}
	for key, k := range ix.keys {
		if !k.all.remap(remap, gone, len(slots)) {
			delete(ix.keys, key)
			continue
		}
		var empty []string
		k.each(func(v string, ref uint32) bool {
			var ids []uint32
			if ref&single != 0 {
				if r := remap[ref&^single]; r != gone {
					ids = []uint32{r}
				}
			} else {
				ids = fix(ix.lists[ref])
			}
			switch len(ids) {
			case 0:
				empty = append(empty, v)
			case 1:
				k.set(v, single|ids[0])
			default:
				lists = append(lists, ids)
				k.set(v, uint32(len(lists)-1))
			}
			return true
		})
		for _, v := range empty {
			k.del(v)
		}
		k.freeze()
	}
	ix.slots, ix.lists, ix.dead = slots, lists, 0
}

// trim gives every posting list an exact-size array after a large batch, returning the
// spare capacity left by append's doubling. The lists are packed side by side in a few
// large arrays (full slice expressions, so a later append copies out instead of writing
// into a neighbour).
func (ix *index) trim() {
	total := 0
	for _, l := range ix.lists {
		total += len(l)
	}
	for _, k := range ix.keys {
		total += len(k.all.list)
	}
	pack := make([]uint32, 0, total)
	tight := func(ids []uint32) []uint32 {
		off := len(pack)
		pack = append(pack, ids...)
		return pack[off:len(pack):len(pack)]
	}
	for i, l := range ix.lists {
		if len(l) > 0 {
			ix.lists[i] = tight(l)
		}
	}
	keys := make([]*keyIndex, 0, len(ix.keys))
	for _, k := range ix.keys {
		if k.all.list != nil {
			k.all.list = tight(k.all.list)
		}
		keys = append(keys, k)
	}
	ix.lists = append([][]uint32(nil), ix.lists...)
	// Freezing sorts each large key's values; keys are independent, so spread them
	// over the CPUs.
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for _, k := range keys {
		if k.r1 == 0 && len(k.vals) < freezeMin {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			k.freeze()
		}()
	}
	wg.Wait()
}
