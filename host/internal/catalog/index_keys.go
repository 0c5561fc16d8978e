package catalog

import (
	"math/bits"
	"slices"
	"strings"
)

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
