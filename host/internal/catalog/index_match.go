package catalog

import (
	"sort"
	"strings"
)

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

// containing adds to hit (sorted slots) the slots of every value of key that contains
// term, and returns it. Slots of tombstones are included.
func (ix *index) containing(hit []uint32, key, term string) []uint32 {
	k := ix.keys[key]
	if k == nil {
		return hit
	}
	ix.eachPosting(k, func(v string, ids []uint32) bool {
		if strings.Contains(v, term) {
			hit = union(hit, ids)
		}
		return true
	})
	return hit
}

// countValues counts, per original-case value of key, the live slots that have the
// value and are in within (every live slot when within is nil).
func (ix *index) countValues(key string, within bitset) map[string]int {
	counts := map[string]int{}
	k := ix.keys[key]
	if k == nil {
		return counts
	}
	ix.eachPosting(k, func(v string, ids []uint32) bool {
		n := 0
		for _, id := range ids {
			if ix.slots[id] != nil && (within == nil || within.has(id)) {
				n++
			}
		}
		if n > 0 {
			counts[k.orig(v)] += n
		}
		return true
	})
	return counts
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
