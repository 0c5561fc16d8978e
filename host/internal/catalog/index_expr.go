package catalog

import (
	"slices"
	"sort"
)

// Evaluation of expressions (Expr) over the index, as set operations on sorted slot
// lists: a condition is the union of its postings, And intersects starting from the
// smallest operand, Or unites, and Not is the complement over live slots (an And
// subtracts its negated operands instead of taking their complement). Where one
// operand is small against another, the other is tested slot by slot (a bit test or
// a binary search per slot) rather than listed, so a permission condition that selects
// few entities costs little whatever else the query asks.

// selectExpr returns the live slots matching n, ascending, in a new slice.
func (ix *index) selectExpr(n *exprNode) []uint32 {
	ids, owned := ix.eval(n)
	if owned {
		return ids
	}
	return ix.liveCopy(ids)
}

// eval returns the slots matching n, ascending. When owned is false the slice may be
// the index's own (read-only) and may hold tombstones; otherwise it is new and live.
func (ix *index) eval(n *exprNode) (ids []uint32, owned bool) {
	switch {
	case n == nil:
		return ix.match(nil), true
	case n.op == opNone:
		return nil, true
	case n.op == opCond:
		return ix.condList(n.cond), false
	case n.op == opOr:
		var u []uint32
		for i, k := range n.kids {
			l, _ := ix.eval(k)
			if i == 0 {
				u = l
			} else {
				u = union(u, l)
			}
		}
		return u, false
	case n.op == opNot:
		l, _ := ix.eval(n.kids[0])
		return ix.complement(l), true
	}
	return ix.evalAnd(n.kids), true
}

// evalAnd intersects the positive operands, smallest first, then removes the slots of
// the negated ones.
func (ix *index) evalAnd(kids []*exprNode) []uint32 {
	var pos, neg []*exprNode
	for _, k := range kids {
		if k.op == opNot {
			neg = append(neg, k.kids[0])
		} else {
			pos = append(pos, k)
		}
	}
	var cur []uint32
	if len(pos) == 0 {
		cur = ix.match(nil)
	} else {
		est := make([]int, len(pos))
		for i, k := range pos {
			est[i] = ix.estimate(k)
		}
		order := make([]int, len(pos))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return est[order[a]] < est[order[b]] })
		first, owned := ix.eval(pos[order[0]])
		if owned {
			cur = first
		} else {
			cur = ix.liveCopy(first)
		}
		for _, i := range order[1:] {
			if len(cur) == 0 {
				return cur
			}
			cur = ix.restrict(cur, pos[i], est[i], true)
		}
	}
	for _, k := range neg {
		if len(cur) == 0 {
			return cur
		}
		cur = ix.restrict(cur, k, ix.estimate(k), false)
	}
	return cur
}

// restrict keeps the slots of cur (new, live, ascending; changed in place) that n
// matches (keep) or does not match (!keep). est is estimate(n).
func (ix *index) restrict(cur []uint32, n *exprNode, est int, keep bool) []uint32 {
	if len(cur)*8 <= est || n.op == opCond && ix.dense(n.cond) {
		b := ix.bind(n)
		out := cur[:0]
		for _, id := range cur {
			if ix.has(&b, id) == keep {
				out = append(out, id)
			}
		}
		return out
	}
	l, _ := ix.eval(n)
	if keep {
		return intersect(cur, l)
	}
	return subtract(cur, l)
}

// estimate is an upper bound of the number of slots n matches, without listing them.
func (ix *index) estimate(n *exprNode) int {
	switch {
	case n == nil:
		return ix.slotCount()
	case n.op == opNone:
		return 0
	case n.op == opCond:
		return ix.condSize(n.cond)
	case n.op == opAnd:
		m := ix.slotCount()
		for _, k := range n.kids {
			if k.op != opNot {
				m = min(m, ix.estimate(k))
			}
		}
		return m
	case n.op == opOr:
		s := 0
		for _, k := range n.kids {
			s += ix.estimate(k)
		}
		return min(s, ix.slotCount())
	}
	return ix.slotCount()
}

// condSize is an upper bound of the slots that may satisfy c (tombstones included).
func (ix *index) condSize(c condition) int {
	k := ix.keys[c.key]
	n := 0
	if c.values == nil {
		if k != nil {
			n += k.all.size(ix.slotCount())
		}
		return n + ix.itemSize(c.key)
	}
	for _, v := range c.values {
		if k != nil {
			n += postingSize(ix.lists, k.get(v))
		}
		if v == "true" {
			n += ix.itemSize(c.key)
		}
	}
	return n
}

// dense reports whether c is a key's existence held as a bitset, which a slot tests in
// one step.
func (ix *index) dense(c condition) bool {
	k := ix.keys[c.key]
	return c.values == nil && k != nil && k.all.bits != nil
}

// itemSize is the size of the postings that answer the array form "path.<item>".
func (ix *index) itemSize(key string) int {
	n := 0
	for i := 0; i < len(key); i++ {
		if key[i] == '.' {
			if k := ix.keys[key[:i]]; k != nil {
				n += postingSize(ix.lists, k.get(key[i+1:]))
			}
		}
	}
	return n
}

func postingSize(lists [][]uint32, ref uint32) int {
	switch {
	case ref == 0:
		return 0
	case ref&single != 0:
		return 1
	}
	return len(lists[ref])
}

// bound is an expression with its conditions resolved to the index's postings, so
// that testing a slot costs bit tests and binary searches, with no map lookups.
type bound struct {
	op   exprOp   // 0 matches every slot
	all  *slotSet // opCond: the set of slots that have the key, for an exists condition
	refs []uint32 // opCond: posting refs, any of which holding the slot satisfies it
	kids []bound
}

func (ix *index) bind(n *exprNode) bound {
	switch {
	case n == nil:
		return bound{}
	case n.op == opCond:
		b := bound{op: opCond}
		c := n.cond
		k := ix.keys[c.key]
		if c.values == nil {
			if k != nil {
				b.all = &k.all
			}
			b.refs = ix.itemRefs(b.refs, c.key)
			return b
		}
		for _, v := range c.values {
			if k != nil {
				if ref := k.get(v); ref != 0 {
					b.refs = append(b.refs, ref)
				}
			}
			if v == "true" {
				b.refs = ix.itemRefs(b.refs, c.key)
			}
		}
		return b
	}
	b := bound{op: n.op, kids: make([]bound, len(n.kids))}
	for i, k := range n.kids {
		b.kids[i] = ix.bind(k)
	}
	return b
}

// itemRefs appends the posting refs that answer the array form "path.<item>".
func (ix *index) itemRefs(refs []uint32, key string) []uint32 {
	for i := 0; i < len(key); i++ {
		if key[i] == '.' {
			if k := ix.keys[key[:i]]; k != nil {
				if ref := k.get(key[i+1:]); ref != 0 {
					refs = append(refs, ref)
				}
			}
		}
	}
	return refs
}

// has reports whether the slot (a live one) matches b.
func (ix *index) has(b *bound, slot uint32) bool {
	switch b.op {
	case 0:
		return true
	case opNone:
		return false
	case opCond:
		if b.all != nil && b.all.has(slot) {
			return true
		}
		for _, ref := range b.refs {
			if ix.postingHas(ref, slot) {
				return true
			}
		}
		return false
	case opAnd:
		for i := range b.kids {
			if !ix.has(&b.kids[i], slot) {
				return false
			}
		}
		return true
	case opOr:
		for i := range b.kids {
			if ix.has(&b.kids[i], slot) {
				return true
			}
		}
		return false
	}
	return !ix.has(&b.kids[0], slot)
}

func (ix *index) postingHas(ref, slot uint32) bool {
	if ref&single != 0 {
		return ref&^single == slot
	}
	_, ok := slices.BinarySearch(ix.lists[ref], slot)
	return ok
}

// matches reports whether e is indexed and matches n.
func (ix *index) matches(e *entity, n *exprNode) bool {
	if !ix.holds(e) {
		return false
	}
	b := ix.bind(n)
	return ix.has(&b, e.slot)
}

// liveCopy returns the live slots of ids in a new slice.
func (ix *index) liveCopy(ids []uint32) []uint32 {
	out := make([]uint32, 0, len(ids))
	for _, id := range ids {
		if ix.slots[id] != nil {
			out = append(out, id)
		}
	}
	return out
}

// complement returns the live slots that are not in ids (ascending), in a new slice.
func (ix *index) complement(ids []uint32) []uint32 {
	out := make([]uint32, 0, max(ix.live()-len(ids), 0))
	j := 0
	for i, e := range ix.slots {
		for j < len(ids) && ids[j] < uint32(i) {
			j++
		}
		if e != nil && (j >= len(ids) || ids[j] != uint32(i)) {
			out = append(out, uint32(i))
		}
	}
	return out
}

// subtract keeps the elements of a that are not in b (sorted), in place.
func subtract(a, b []uint32) []uint32 {
	out := a[:0]
	j := 0
	for _, x := range a {
		if j < len(b) && b[j] < x {
			step := 1
			for j+step < len(b) && b[j+step] < x {
				j += step
				step *= 2
			}
			j += sort.Search(min(step, len(b)-j), func(i int) bool { return b[j+i] >= x })
		}
		if j >= len(b) || b[j] != x {
			out = append(out, x)
		}
	}
	return out
}

// has reports whether the set holds slot.
func (s *slotSet) has(slot uint32) bool {
	if s.bits != nil {
		w := int(slot >> 6)
		return w < len(s.bits) && s.bits[w]&(1<<(slot&63)) != 0
	}
	_, ok := slices.BinarySearch(s.list, slot)
	return ok
}

// size is the number of slots in the set, or for a bitset the slot count (an upper
// bound that costs nothing to know).
func (s *slotSet) size(nslots int) int {
	if s.bits != nil {
		return nslots
	}
	return len(s.list)
}
