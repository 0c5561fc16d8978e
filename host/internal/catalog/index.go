package catalog

import (
	"math/bits"
	"runtime"
	"slices"
	"sort"
	"strings"
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

// slotSet is the set of slots that have a key: a sorted list while sparse, a bitset once
// more than one slot in 32 has the key (from then on the bitset is smaller).
type slotSet struct {
	list []uint32
	bits []uint64 // the bitset form when non-nil
}

// add adds slot, which is at least every slot added before; nslots is the slot count.
func (s *slotSet) add(slot uint32, nslots int) {
	if s.bits != nil {
		for int(slot>>6) >= len(s.bits) {
			s.bits = append(s.bits, 0)
		}
		s.bits[slot>>6] |= 1 << (slot & 63)
		return
	}
	if n := len(s.list); n > 0 && s.list[n-1] == slot {
		return
	}
	s.list = append(s.list, slot)
	if len(s.list) >= 64 && len(s.list)*32 > nslots {
		s.bits = make([]uint64, (nslots+63)/64, (nslots+63)/64+nslots/512+1)
		for _, id := range s.list {
			s.bits[id>>6] |= 1 << (id & 63)
		}
		s.list = nil
	}
}

// ids returns the sorted slots (a new slice in the bitset form, else shared).
func (s *slotSet) ids() []uint32 {
	if s.bits == nil {
		return s.list
	}
	var out []uint32
	for w, word := range s.bits {
		for word != 0 {
			out = append(out, uint32(w<<6+bits.TrailingZeros64(word)))
			word &= word - 1
		}
	}
	return out
}

// remap renumbers the set after compaction (gone marks dropped slots) and reports
// whether any slot is left.
func (s *slotSet) remap(remap []uint32, gone uint32, nslots int) bool {
	ids := s.ids()
	out := make([]uint32, 0, len(ids))
	for _, id := range ids {
		if r := remap[id]; r != gone {
			out = append(out, r)
		}
	}
	*s = slotSet{}
	for _, id := range out {
		s.add(id, nslots)
	}
	return len(out) > 0
}

type keyIndex struct {
	all slotSet // slots that have the key at all
	// A value and its posting ref live in exactly one of three places. Many keys hold
	// one value (for example an annotation that every entity sets alike), so the first
	// value lives inline (v1, r1) and the map is made only for a second one. After a
	// large batch, keys with many values are frozen: their values move to a sorted array
	// (fvals, frefs), which costs half a map's memory and sits in two allocations; a
	// frozen value that goes has its ref set to 0 until the next freeze.
	v1    string
	r1    uint32 // posting ref of v1; 0 when there is no inline value
	vals  map[string]uint32
	fvals []string
	frefs []uint32
	// Original-case values, only where they differ from the lower-cased one: in origs,
	// or for frozen values in forigs ("" when the same), which exists only if needed.
	origs  map[string]string
	forigs []string
}

// frozen returns the index of v in fvals, or -1.
func (k *keyIndex) frozen(v string) int {
	if len(k.fvals) == 0 {
		return -1
	}
	if i, ok := slices.BinarySearch(k.fvals, v); ok {
		return i
	}
	return -1
}

func (k *keyIndex) get(v string) uint32 {
	if k.r1 != 0 && k.v1 == v {
		return k.r1
	}
	if r, ok := k.vals[v]; ok {
		return r
	}
	if i := k.frozen(v); i >= 0 {
		return k.frefs[i]
	}
	return 0
}

// set stores the ref of a value, which is either new or already present.
func (k *keyIndex) set(v string, ref uint32) {
	if k.r1 != 0 && k.v1 == v {
		k.r1 = ref
		return
	}
	if i := k.frozen(v); i >= 0 {
		k.frefs[i] = ref
		return
	}
	if k.r1 == 0 && k.vals == nil {
		k.v1, k.r1 = v, ref
		return
	}
	if k.vals == nil {
		k.vals = map[string]uint32{k.v1: k.r1}
		k.v1, k.r1 = "", 0
	}
	k.vals[v] = ref
}

func (k *keyIndex) del(v string) {
	switch i := k.frozen(v); {
	case k.r1 != 0 && k.v1 == v:
		k.v1, k.r1 = "", 0
	case i >= 0:
		k.frefs[i] = 0
		if k.forigs != nil {
			k.forigs[i] = ""
		}
	default:
		delete(k.vals, v)
	}
	delete(k.origs, v)
}

// orig returns the original-case form of a value.
func (k *keyIndex) orig(v string) string {
	if o, ok := k.origs[v]; ok {
		return o
	}
	if k.forigs != nil {
		if i := k.frozen(v); i >= 0 && k.forigs[i] != "" {
			return k.forigs[i]
		}
	}
	return v
}

// each calls fn for every value and its posting ref until fn returns false. fn may
// set or delete the value it is given.
func (k *keyIndex) each(fn func(v string, ref uint32) bool) {
	if k.r1 != 0 && !fn(k.v1, k.r1) {
		return
	}
	for v, r := range k.vals {
		if !fn(v, r) {
			return
		}
	}
	for i, v := range k.fvals {
		if r := k.frefs[i]; r != 0 && !fn(v, r) {
			return
		}
	}
}

// freezeMin is the number of values from which a key is frozen: below it a map costs
// little and freezing (a sort) would only slow down moderate batches.
const freezeMin = 1 << 14

// freeze moves every value of k into the sorted arrays (dropping deleted ones), when
// it has enough values to be worth it.
func (k *keyIndex) freeze() {
	n := len(k.vals)
	for _, r := range k.frefs {
		if r != 0 {
			n++
		}
	}
	if k.r1 != 0 {
		n++
	}
	if n < freezeMin || k.r1 == 0 && len(k.vals) == 0 && n == len(k.fvals) {
		return
	}
	type entry struct {
		v, orig string
		ref     uint32
	}
	all := make([]entry, 0, n)
	hasOrig := len(k.origs) > 0
	k.each(func(v string, ref uint32) bool {
		all = append(all, entry{v: v, ref: ref})
		return true
	})
	for i := range all {
		if o := k.orig(all[i].v); o != all[i].v {
			all[i].orig, hasOrig = o, true
		}
	}
	slices.SortFunc(all, func(a, b entry) int { return strings.Compare(a.v, b.v) })
	k.fvals, k.frefs, k.forigs = make([]string, n), make([]uint32, n), nil
	if hasOrig {
		k.forigs = make([]string, n)
	}
	for i, e := range all {
		k.fvals[i], k.frefs[i] = e.v, e.ref
		if hasOrig {
			k.forigs[i] = e.orig
		}
	}
	k.v1, k.r1, k.vals, k.origs = "", 0, nil, nil
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

func (ix *index) live() int { return len(ix.slots) - ix.dead }

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

// condition is one "key" or "key=v1|v2..." test of a filter set.
type condition struct {
	key    string
	values []string // nil means "exists"
	exists bool
}

// filterSet is a conjunction of conditions; a filter is a disjunction of sets.
type filterSet []condition

// match returns the live slots matching any of the sets (all live slots when sets is
// empty), ascending.
func (ix *index) match(sets []filterSet) []uint32 {
	if len(sets) == 0 {
		out := make([]uint32, 0, ix.live())
		for i, e := range ix.slots {
			if e != nil {
				out = append(out, uint32(i))
			}
		}
		return out
	}
	var result []uint32
	for i, set := range sets {
		r := ix.matchSet(set)
		if i == 0 {
			result = r
		} else {
			result = union(result, r)
		}
	}
	return result
}

// itemPosting answers the array form "path.<item>" (= "true") from "path" = "<item>".
func (ix *index) itemPosting(key string) []uint32 {
	var out []uint32
	for i := 0; i < len(key); i++ {
		if key[i] != '.' {
			continue
		}
		if k := ix.keys[key[:i]]; k != nil {
			if ref := k.get(key[i+1:]); ref != 0 {
				var buf [1]uint32
				out = union(out, ix.postingIDs(ref, &buf))
			}
		}
	}
	return out
}

// condList returns the sorted slots that may satisfy one condition (dead ones included).
func (ix *index) condList(c condition) []uint32 {
	var u []uint32
	k := ix.keys[c.key]
	if c.values == nil {
		if k != nil {
			u = k.all.ids()
		}
		if item := ix.itemPosting(c.key); len(item) > 0 {
			u = union(u, item)
		}
		return u
	}
	for _, v := range c.values {
		if k != nil {
			if ref := k.get(v); ref != 0 {
				if u == nil {
					u = ix.postingCopy(ref)
				} else {
					var buf [1]uint32
					u = union(u, ix.postingIDs(ref, &buf))
				}
			}
		}
		if v == "true" {
			if item := ix.itemPosting(c.key); len(item) > 0 {
				u = union(u, item)
			}
		}
	}
	return u
}

func (ix *index) matchSet(set filterSet) []uint32 {
	lists := make([][]uint32, 0, len(set))
	for _, c := range set {
		u := ix.condList(c)
		if len(u) == 0 {
			return nil
		}
		lists = append(lists, u)
	}
	sort.Slice(lists, func(a, b int) bool { return len(lists[a]) < len(lists[b]) })
	out := make([]uint32, 0, len(lists[0]))
	for _, id := range lists[0] {
		if ix.slots[id] != nil {
			out = append(out, id)
		}
	}
	for _, l := range lists[1:] {
		out = intersect(out, l)
		if len(out) == 0 {
			return nil
		}
	}
	return out
}

// intersect keeps the elements of a (small) that are in b (sorted), in place.
func intersect(a, b []uint32) []uint32 {
	out := a[:0]
	j := 0
	for _, x := range a {
		// gallop in b
		if j < len(b) && b[j] < x {
			step := 1
			for j+step < len(b) && b[j+step] < x {
				j += step
				step *= 2
			}
			j += sort.Search(min(step, len(b)-j), func(i int) bool { return b[j+i] >= x })
		}
		if j >= len(b) {
			break
		}
		if b[j] == x {
			out = append(out, x)
		}
	}
	return out
}

func union(a, b []uint32) []uint32 {
	out := make([]uint32, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// sortValues returns, per slot, the lower-cased value of key (the smallest one when an
// array holds several), and whether the slot has one.
func (ix *index) sortValues(key string) ([]string, []bool) {
	vals := make([]string, len(ix.slots))
	has := make([]bool, len(ix.slots))
	k := ix.keys[key]
	if k == nil {
		return vals, has
	}
	ix.eachPosting(k, func(v string, ids []uint32) bool {
		for _, id := range ids {
			if !has[id] || v < vals[id] {
				vals[id], has[id] = v, true
			}
		}
		return true
	})
	return vals, has
}

type bitset []uint64

func newBitset(n int, ids []uint32) bitset {
	b := make(bitset, (n+63)/64)
	for _, id := range ids {
		b[id>>6] |= 1 << (id & 63)
	}
	return b
}

func (b bitset) has(id uint32) bool { return b[id>>6]&(1<<(id&63)) != 0 }
