package catalog

import (
	"sort"
	"unsafe"
)

// index holds the in-memory search postings. Every stitched entity occupies one slot;
// slots are handed out in increasing order, so postings stay sorted by appending. An
// update frees the old slot (a tombstone) and takes a new one; compact renumbers when
// tombstones pile up.
type index struct {
	slots []*entity
	seqs  []uint64
	dead  int
	keys  map[string]*keyIndex
	next  uint64 // next sequence number
	arena []byte // current chunk for long-lived index strings (see keep)
}

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

type keyIndex struct {
	all []uint32 // slots that have the key at all
	// Most keys hold one value (for example "spec.providesapis.<api>" = "true"), so the
	// first value lives inline and the map is made only for a second one.
	v1   string
	p1   *posting
	vals map[string]*posting
}

func (k *keyIndex) get(v string) *posting {
	if k.p1 != nil && k.v1 == v {
		return k.p1
	}
	return k.vals[v]
}

func (k *keyIndex) put(v string, p *posting) {
	if k.p1 == nil && k.vals == nil {
		k.v1, k.p1 = v, p
		return
	}
	if k.vals == nil {
		k.vals = map[string]*posting{k.v1: k.p1}
		k.v1, k.p1 = "", nil
	}
	k.vals[v] = p
}

// each calls fn for every value until it returns false.
func (k *keyIndex) each(fn func(v string, p *posting) bool) {
	if k.p1 != nil {
		fn(k.v1, k.p1)
		return
	}
	for v, p := range k.vals {
		if !fn(v, p) {
			return
		}
	}
}

func (k *keyIndex) del(v string) {
	if k.p1 != nil && k.v1 == v {
		k.v1, k.p1 = "", nil
		return
	}
	delete(k.vals, v)
}

type posting struct {
	ids  []uint32
	orig string // a representative original (case-preserved) value, for facets
}

func newIndex() *index { return &index{keys: map[string]*keyIndex{}} }

func (ix *index) live() int { return len(ix.slots) - ix.dead }

func (ix *index) add(e *entity, pairs []pair) {
	slot := uint32(len(ix.slots))
	ix.slots = append(ix.slots, e)
	ix.next++
	ix.seqs = append(ix.seqs, ix.next)
	e.slot = slot
	e.indexed = true
	for i := range pairs {
		p := &pairs[i]
		k := ix.keys[p.key]
		if k == nil {
			k = &keyIndex{}
			ix.keys[ix.keep(p.key)] = k
		}
		if n := len(k.all); n == 0 || k.all[n-1] != slot {
			k.all = append(k.all, slot)
		}
		if !p.hasValue {
			continue
		}
		pv := k.get(p.value)
		if pv == nil {
			v := ix.keep(p.value)
			orig := v
			if p.orig != p.value {
				orig = ix.keep(p.orig)
			}
			pv = &posting{orig: orig}
			k.put(v, pv)
		}
		if n := len(pv.ids); n == 0 || pv.ids[n-1] != slot {
			pv.ids = append(pv.ids, slot)
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
	remap := make([]uint32, len(ix.slots))
	var slots []*entity
	var seqs []uint64
	for i, e := range ix.slots {
		if e == nil {
			remap[i] = ^uint32(0)
			continue
		}
		remap[i] = uint32(len(slots))
		e.slot = uint32(len(slots))
		slots = append(slots, e)
		seqs = append(seqs, ix.seqs[i])
	}
	fix := func(ids []uint32) []uint32 {
		out := ids[:0]
		for _, id := range ids {
			if r := remap[id]; r != ^uint32(0) {
				out = append(out, r)
			}
		}
		return out
	}
	for key, k := range ix.keys {
		k.all = fix(k.all)
		if len(k.all) == 0 {
			delete(ix.keys, key)
			continue
		}
		var empty []string
		k.each(func(v string, p *posting) bool {
			p.ids = fix(p.ids)
			if len(p.ids) == 0 {
				empty = append(empty, v)
			}
			return true
		})
		for _, v := range empty {
			k.del(v)
		}
	}
	ix.slots, ix.seqs, ix.dead = slots, seqs, 0
}

// trim gives every posting list an exact-size array after a large batch, returning the
// spare capacity left by append's doubling.
func (ix *index) trim() {
	tight := func(ids []uint32) []uint32 {
		if cap(ids)-len(ids) <= len(ids)/8 {
			return ids
		}
		return append(make([]uint32, 0, len(ids)), ids...)
	}
	for _, k := range ix.keys {
		k.all = tight(k.all)
		k.each(func(_ string, p *posting) bool {
			p.ids = tight(p.ids)
			return true
		})
	}
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
			if p := k.get(key[i+1:]); p != nil {
				out = union(out, p.ids)
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
			u = k.all
		}
		if item := ix.itemPosting(c.key); len(item) > 0 {
			u = union(u, item)
		}
		return u
	}
	for _, v := range c.values {
		if k != nil {
			if p := k.get(v); p != nil {
				if u == nil {
					u = p.ids
				} else {
					u = union(u, p.ids)
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
	k.each(func(v string, p *posting) bool {
		for _, id := range p.ids {
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
