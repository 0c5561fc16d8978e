package catalog

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"greenroom.dev/greenroom/host/internal/catalog/model"
)

// relEdge is one relation stored at its source entity: its type (an index into
// relTypes), its target ref and the entity that emitted it.
type relEdge struct {
	target  string
	emitter string
	typ     uint8
	plain   bool // target needs no JSON escaping (see plainJSON)
}

// ownEdge is a relation an entity emits about itself, kept at the entity: its target
// ref (interned) and its type (an index into relTypes).
type ownEdge struct {
	target string
	typ    uint8
	plain  bool // target needs no JSON escaping (see plainJSON)
}

// relTable is the relation types the catalog knows: the built-in kinds', then those
// catalog.kinds declares (registerRelTypes), which are only ever added, so an index
// (an edge's typ) keeps its meaning and edges sorted by rank stay sorted.
type relTable struct {
	types []string
	index map[string]uint8
	// rank is the position of each type's name in sorted order, and prefix the JSON
	// that starts a served relation of that type.
	rank   []uint8
	prefix []string
	// searchKeys are the search keys of relations by type ("relations.ownedby").
	searchKeys []string
}

var builtinRelTypes = []string{
	model.RelOwnedBy, model.RelOwnerOf, model.RelPartOf, model.RelHasPart,
	model.RelProvidesAPI, model.RelAPIProvidedBy, model.RelConsumesAPI, model.RelAPIConsumedBy,
	model.RelDependsOn, model.RelDependencyOf, model.RelMemberOf, model.RelHasMember,
	model.RelChildOf, model.RelParentOf,
}

// maxRelTypes bounds the relation types (an edge keeps its type in a byte).
const maxRelTypes = 256

var (
	relTab   atomic.Pointer[relTable]
	relTabMu sync.Mutex // serialises registerRelTypes
)

func init() { relTab.Store(newRelTable(builtinRelTypes)) }

func newRelTable(types []string) *relTable {
	t := &relTable{types: types, index: make(map[string]uint8, len(types)), rank: make([]uint8, len(types)),
		prefix: make([]string, len(types)), searchKeys: make([]string, len(types))}
	names := slices.Clone(types)
	slices.Sort(names)
	for i, x := range types {
		t.index[x] = uint8(i)
		t.rank[i] = uint8(slices.Index(names, x))
		t.prefix[i] = `{"type":` + string(appendJSONString(nil, x)) + `,"targetRef":`
		t.searchKeys[i] = strings.ToLower("relations." + x)
	}
	return t
}

// registerRelTypes adds relation types (those of catalog.kinds) to the table.
func registerRelTypes(names ...string) error {
	relTabMu.Lock()
	defer relTabMu.Unlock()
	cur := relTab.Load()
	types := slices.Clone(cur.types)
	for _, n := range names {
		if _, ok := cur.index[n]; !ok && !slices.Contains(types, n) {
			types = append(types, n)
		}
	}
	if len(types) == len(cur.types) {
		return nil
	}
	if len(types) > maxRelTypes {
		return fmt.Errorf("more than %d relation types in all; use fewer distinct relation types", maxRelTypes)
	}
	relTab.Store(newRelTable(types))
	return nil
}

func relTypeIndex(t string) uint8 {
	if i, ok := relTab.Load().index[t]; ok {
		return i
	}
	panic("catalog: unknown relation type " + t)
}

// plainJSON reports whether s is written in JSON as it is, between quotes. Edges note
// it (in what would be padding) so that serving copies targets without scanning them.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// addEdge stores a relation at its source entity. Relations whose source is the emitter
// itself are not stored here: the emitter keeps them (entity.fwd, see ownEdges).
func (c *Catalog) addEdge(r model.Relation, emitter string) {
	k := strings.ToLower(r.Source)
	if k == emitter {
		return
	}
	k = c.internStr(k)
	t := c.internStr(r.Target)
	c.rels[k] = append(c.rels[k], relEdge{typ: relTypeIndex(r.Type), target: t, emitter: emitter, plain: plainJSON(t)})
}

func (c *Catalog) removeEdge(r model.Relation, emitter string) {
	k := strings.ToLower(r.Source)
	if k == emitter {
		return
	}
	list := c.rels[k]
	for i, e := range list {
		if e.emitter == emitter && relTab.Load().types[e.typ] == r.Type && e.target == r.Target {
			list = slices.Delete(list, i, i+1)
			break
		}
	}
	if len(list) == 0 {
		delete(c.rels, k)
	} else {
		c.rels[k] = list
	}
}

// ownEdges returns the relations in rels whose source is self, with interned targets.
// Callers hold c.mu (write).
func (c *Catalog) ownEdges(rels []model.Relation, self string) []ownEdge {
	n := 0
	for _, r := range rels {
		if strings.ToLower(r.Source) == self {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]ownEdge, 0, n)
	for _, r := range rels {
		if strings.ToLower(r.Source) == self {
			t := c.internStr(r.Target)
			out = append(out, ownEdge{target: t, typ: relTypeIndex(r.Type), plain: plainJSON(t)})
		}
	}
	slices.SortFunc(out, func(a, b ownEdge) int { return cmpRel(a.typ, a.target, b.typ, b.target) })
	return out
}

// internStr shares one copy of each ref string among all relations that mention it.
func (c *Catalog) internStr(s string) string {
	if v, ok := c.intern[s]; ok {
		return v
	}
	s = c.idx.keep(s)
	c.intern[s] = s
	return s
}

// cmpRel orders relations as they are served: by type name, then target ref.
func cmpRel(at uint8, as string, bt uint8, bs string) int {
	if at != bt {
		rank := relTab.Load().rank
		return int(rank[at]) - int(rank[bt])
	}
	return strings.Compare(as, bs)
}

// sortEdges puts the edges stored at an entity in served order (in place).
func sortEdges(l []relEdge) {
	less := func(a, b relEdge) int { return cmpRel(a.typ, a.target, b.typ, b.target) }
	if !slices.IsSortedFunc(l, less) {
		slices.SortFunc(l, less)
	}
}

// eachRelation calls fn for the served relations of an entity in order (type name, then
// target ref), without duplicates: a merge of the relations it emits about itself and
// those stored at it, both kept in that order (see ownEdges and sortEdges). Callers
// hold c.mu, and the entity's edges are sorted (stitching sorts them).
func (c *Catalog) eachRelation(e *entity, fn func(typ uint8, target string, plain bool)) {
	mergeRelations(e.fwd, c.rels[e.key], fn)
}

// mergeRelations is eachRelation over an entity's own edges a and its stored edges b.
func mergeRelations(a []ownEdge, b []relEdge, fn func(typ uint8, target string, plain bool)) {
	i, j := 0, 0
	first := true
	var lt uint8
	var ls string
	for i < len(a) || j < len(b) {
		var t uint8
		var s string
		var plain bool
		if j >= len(b) || i < len(a) && cmpRel(a[i].typ, a[i].target, b[j].typ, b[j].target) <= 0 {
			t, s, plain = a[i].typ, a[i].target, a[i].plain
			i++
		} else {
			t, s, plain = b[j].typ, b[j].target, b[j].plain
			j++
		}
		if !first && t == lt && s == ls {
			continue
		}
		first, lt, ls = false, t, s
		fn(t, s, plain)
	}
}
