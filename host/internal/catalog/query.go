package catalog

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"greenroom.dev/greenroom/host/internal/catalog/model"
)

// Filter is a parsed Backstage filter: any of its sets matches (OR); within a set every
// condition must hold (AND).
type Filter []filterSet

// ParseFilter parses repeated `filter` parameters with Backstage's grammar: each
// parameter is one set of comma-separated conditions, `key=value` or `key` (exists).
// Keys and values match case-insensitively; a key repeated in one set matches any of
// its values.
func ParseFilter(params []string) (Filter, error) {
	var f Filter
	for _, raw := range params {
		var set filterSet
		pos := map[string]int{}
		for _, stmt := range strings.Split(raw, ",") {
			if strings.TrimSpace(stmt) == "" {
				continue
			}
			key, value, hasValue := strings.Cut(stmt, "=")
			key = strings.TrimSpace(key)
			if key == "" {
				return nil, fmt.Errorf("Invalid filter, '%s' is not a valid statement (expected a string on the form a=b or a= or a)", stmt)
			}
			key = strings.ToLower(key)
			i, seen := pos[key]
			if !seen {
				i = len(set)
				pos[key] = i
				set = append(set, condition{key: key, values: []string{}})
			}
			if !hasValue {
				set[i].values = nil // exists wins over values
				set[i].exists = true
			} else if !set[i].exists {
				set[i].values = append(set[i].values, strings.ToLower(strings.TrimSpace(value)))
			}
		}
		if len(set) > 0 {
			f = append(f, set)
		}
	}
	return f, nil
}

func (f Filter) cacheKey() string {
	var b strings.Builder
	for _, s := range f {
		b.WriteByte('|')
		for _, c := range s {
			b.WriteString(c.key)
			if c.values == nil {
				b.WriteString("?")
			}
			for _, v := range c.values {
				b.WriteByte('=')
				b.WriteString(v)
			}
			b.WriteByte(',')
		}
	}
	return b.String()
}

// OrderField sorts results by a dotted field path.
type OrderField struct {
	Field string `json:"field"`
	Desc  bool   `json:"desc,omitempty"`
}

// FullText restricts results to those where one of Fields contains Term
// (case-insensitively). No fields means metadata.name, metadata.title and spec.type...
type FullText struct {
	Term   string   `json:"term,omitempty"`
	Fields []string `json:"fields,omitempty"`
}

// Selection describes one query.
type Selection struct {
	Filter   Filter
	Order    []OrderField
	FullText FullText
	Offset   int
	Limit    int // < 0: no limit
}

type queryCache struct {
	off     bool
	mu      sync.Mutex
	version uint64
	m       map[string][]uint32
}

func (q *queryCache) get(version uint64, key string) ([]uint32, bool) {
	if q.off {
		return nil, false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.version != version {
		return nil, false
	}
	r, ok := q.m[key]
	return r, ok
}

func (q *queryCache) put(version uint64, key string, r []uint32) {
	if q.off {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.version != version || q.m == nil || len(q.m) > 512 {
		q.m = map[string][]uint32{}
		q.version = version
	}
	q.m[key] = r
}

// DisableQueryCache turns off the cache of query results (kept per catalog version), so
// benchmarks can measure the uncached query path. Call it before serving.
func (c *Catalog) DisableQueryCache() { c.qcache.off = true }

// matches returns the ordered index slots of a selection (without offset/limit) among
// the entities scope matches. The slots stay valid while the catalog version is
// unchanged. Callers hold c.mu (read).
func (c *Catalog) matches(s *Selection, scope Expr) []uint32 {
	key := s.Filter.cacheKey() + "#" + fmt.Sprint(s.Order) + "#" + s.FullText.Term + "#" + strings.Join(s.FullText.Fields, ",")
	if !scope.All() {
		key += "#" + scope.String()
	}
	v := c.version.Load()
	if r, ok := c.qcache.get(v, key); ok {
		return r
	}
	var ids []uint32
	if scope.All() {
		ids = c.idx.match(s.Filter)
	} else {
		// The scope joins the filter in one expression, so that the index starts from
		// whichever side selects fewer entities.
		ids = c.idx.selectExpr(And(s.Filter.Expr(), scope).n)
	}
	if s.FullText.Term != "" {
		ids = c.fullText(ids, s.FullText, s.Order)
	}
	if len(s.Order) > 0 {
		c.order(ids, s.Order)
	}
	c.qcache.put(v, key, ids)
	return ids
}

func (c *Catalog) fullText(ids []uint32, ft FullText, order []OrderField) []uint32 {
	term := strings.ToLower(strings.TrimSpace(ft.Term))
	fields := ft.Fields
	if len(fields) == 0 {
		if len(order) > 0 {
			fields = []string{order[0].Field}
		} else {
			fields = []string{"metadata.name", "metadata.title", "spec.type", "spec.lifecycle", "spec.owner", "kind"}
		}
	}
	var hit []uint32
	for _, f := range fields {
		hit = c.idx.containing(hit, strings.ToLower(f), term)
	}
	return intersect(ids, hit)
}

func (c *Catalog) order(ids []uint32, order []OrderField) {
	type col struct {
		vals []string
		has  []bool
		desc bool
	}
	cols := make([]col, len(order))
	for i, o := range order {
		v, h := c.idx.sortValues(strings.ToLower(o.Field))
		cols[i] = col{v, h, o.Desc}
	}
	sort.SliceStable(ids, func(a, b int) bool {
		x, y := ids[a], ids[b]
		for _, cl := range cols {
			hx, hy := cl.has[x], cl.has[y]
			if hx != hy {
				return hx // missing values sort last
			}
			if !hx {
				continue
			}
			if vx, vy := cl.vals[x], cl.vals[y]; vx != vy {
				if cl.desc {
					return vx > vy
				}
				return vx < vy
			}
		}
		return x < y
	})
}

// page returns the slots of a selection's page and the total number of matches among
// the entities scope matches. Callers hold c.mu (read).
func (c *Catalog) page(s *Selection, scope Expr) ([]uint32, int) {
	all := c.matches(s, scope)
	total := len(all)
	lo := min(max(s.Offset, 0), total)
	hi := total
	if s.Limit >= 0 && lo+s.Limit < hi {
		hi = lo + s.Limit
	}
	return all[lo:hi], total
}

// Select runs a selection and returns the page's entities (JSON, one new slice each)
// and the total number of matches.
func (v View) Select(s Selection) ([][]byte, int) {
	c := v.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	ids, total := c.page(&s, v.scope)
	out := make([][]byte, 0, len(ids))
	for _, id := range ids {
		out = append(out, c.entityJSON(c.idx.at(id)))
	}
	return out, total
}

// SelectJSON runs a selection and appends its page to dst as a JSON array of entities,
// each projected to fields when there are any (as Project does). It returns dst, the
// number of entities on the page and the total number of matches. A projection that
// needs neither relations nor status reads the stored document alone.
func (v View) SelectJSON(dst []byte, s Selection, fields [][]string) ([]byte, int, int) {
	c := v.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	ids, total := c.page(&s, v.scope)
	if len(fields) == 0 {
		stored := make([][]relEdge, len(ids)) // each entity's edges, looked up once
		n := 2
		for i, id := range ids {
			e := c.idx.at(id)
			stored[i] = c.rels[e.key]
			n += servedSize(e, stored[i]) + 1
		}
		dst = slices.Grow(dst, n)
		dst = append(dst, '[')
		for i, id := range ids {
			if i > 0 {
				dst = append(dst, ',')
			}
			e := c.idx.at(id)
			dst = append(dst, e.doc[:len(e.doc)-1]...)
			dst = appendRelationsTail(dst, e.fwd, stored[i], e.status)
		}
		return append(dst, ']'), len(ids), total
	}
	tree := buildTree(fields)
	tail := needsTail(fields)
	b := bytes.NewBuffer(dst)
	var scratch []byte
	b.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		e := c.idx.at(id)
		switch {
		case !tail:
			projectTo(b, e.doc, tree)
		default:
			scratch = c.appendEntity(scratch[:0], e)
			projectTo(b, scratch, tree)
		}
	}
	b.WriteByte(']')
	return b.Bytes(), len(ids), total
}

// FacetCount is one value of a facet.
type FacetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

type facetCache struct {
	mu      sync.Mutex
	version uint64
	m       map[string][]FacetCount
}

// Facets counts the values of each facet over the entities matching filter. Results are
// cached per catalog version; the returned lists are shared and must not be modified.
func (vw View) Facets(facets []string, filter Filter) map[string][]FacetCount {
	c := vw.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	v := c.version.Load()
	fkey := filter.cacheKey()
	if !vw.scope.All() {
		fkey += "#" + vw.scope.String()
	}
	out := make(map[string][]FacetCount, len(facets))
	var missing []string
	if !c.qcache.off {
		c.fcache.mu.Lock()
		if c.fcache.version != v || c.fcache.m == nil || len(c.fcache.m) > 512 {
			c.fcache.m, c.fcache.version = map[string][]FacetCount{}, v
		}
		for _, f := range facets {
			if l, ok := c.fcache.m[f+"#"+fkey]; ok {
				out[f] = l
			} else {
				missing = append(missing, f)
			}
		}
		c.fcache.mu.Unlock()
		if len(missing) == 0 {
			return out
		}
		facets = missing
	}
	computed := c.facets(facets, filter, vw.scope)
	if !c.qcache.off {
		c.fcache.mu.Lock()
		if c.fcache.version == v {
			for f, l := range computed {
				c.fcache.m[f+"#"+fkey] = l
			}
		}
		c.fcache.mu.Unlock()
	}
	for f, l := range computed {
		out[f] = l
	}
	return out
}

func (c *Catalog) facets(facets []string, filter Filter, scope Expr) map[string][]FacetCount {
	var bits bitset
	if len(filter) > 0 || !scope.All() {
		bits = newBitset(c.idx.slotCount(), c.matches(&Selection{Filter: filter}, scope))
	}
	out := make(map[string][]FacetCount, len(facets))
	for _, f := range facets {
		counts := c.idx.countValues(strings.ToLower(f), bits)
		list := make([]FacetCount, 0, len(counts))
		for v, n := range counts {
			list = append(list, FacetCount{Value: v, Count: n})
		}
		sort.Slice(list, func(i, j int) bool {
			if list[i].Count != list[j].Count {
				return list[i].Count > list[j].Count
			}
			return list[i].Value < list[j].Value
		})
		out[f] = list
	}
	return out
}

// ByRef returns the entity for a ref (kind required; namespace defaults to "default"),
// or nil.
func (v View) ByRef(ref string) []byte {
	r, err := model.ParseRef(ref, model.RefContext{})
	if err != nil {
		return nil
	}
	return v.ByKey(r.Key())
}

// ByKey returns the entity for a lower-cased "kind:namespace/name", or nil.
func (v View) ByKey(key string) []byte {
	v.c.mu.RLock()
	defer v.c.mu.RUnlock()
	return v.c.entityJSON(v.visible(v.c.ents[key]))
}

// ByName returns an entity by kind, namespace and name (case-insensitive), or nil.
func (v View) ByName(kind, namespace, name string) []byte {
	return v.ByKey(strings.ToLower(kind + ":" + namespace + "/" + name))
}

// ByUID returns an entity by metadata.uid, or nil.
func (v View) ByUID(uid string) []byte {
	v.c.mu.RLock()
	defer v.c.mu.RUnlock()
	return v.c.entityJSON(v.visible(v.c.byUID[uid]))
}

// ByRefs returns the entities for lower-cased "kind:namespace/name" keys, in order,
// with nil for a key that has no entity or whose entity filter does not match
// (POST /entities/by-refs).
func (v View) ByRefs(keys []string, filter Filter) [][]byte {
	c := v.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	x := And(filter.Expr(), v.scope)
	out := make([][]byte, len(keys))
	for i, k := range keys {
		e := c.ents[k]
		if e != nil && (x.All() || c.idx.matches(e, x.n)) {
			out[i] = c.entityJSON(e)
		}
	}
	return out
}

// Has reports, for each lower-cased "kind:namespace/name" key, whether the view holds
// that entity: ByRefs without building the entities' JSON, for a page that links only
// to the entities its reader may read.
func (v View) Has(keys []string) []bool {
	c := v.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]bool, len(keys))
	for i, k := range keys {
		out[i] = v.visible(c.ents[k]) != nil
	}
	return out
}

// AncestryItem is one entry of an ancestry response.
type AncestryItem struct {
	Entity           json.RawMessage `json:"entity"`
	ParentEntityRefs []string        `json:"parentEntityRefs"`
}

// Ancestry returns the entity and the chain of Location entities that emitted it, or a
// NotFoundError if there is no such entity. As Backstage's catalog does, a View answers
// a NotAllowedError for an entity outside its scope (absent or not), and ends the chain
// before the first Location entity outside it: that entity and its own ancestors are
// left out, and so is the reference to it.
func (v View) Ancestry(kind, namespace, name string) (string, []AncestryItem, error) {
	c := v.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	e := c.ents[strings.ToLower(kind+":"+namespace+"/"+name)]
	if !v.scope.All() && v.visible(e) == nil {
		return "", nil, notAllowed("You may not read entity %s:%s/%s (catalog.entity.read)", kind, namespace, name)
	}
	if e == nil {
		return "", nil, notFound("No entity named '%s' found, with kind '%s' in namespace '%s'", name, kind, namespace)
	}
	var items []AncestryItem
	seen := map[string]bool{}
	for e != nil && !seen[e.key] {
		seen[e.key] = true
		item := AncestryItem{Entity: c.entityJSON(e), ParentEntityRefs: []string{}}
		var parent *entity
		if s := c.sources[e.source]; s != nil && s.Via != "" {
			parent = v.visible(c.ents[s.Via])
		}
		if parent != nil {
			item.ParentEntityRefs = append(item.ParentEntityRefs, parent.ref)
		}
		items = append(items, item)
		e = parent
	}
	return items[0].refOf(), items, nil
}

func (a AncestryItem) refOf() string {
	var doc map[string]any
	_ = json.Unmarshal(a.Entity, &doc)
	return model.RefOf(doc).String()
}

// Cursor is the decoded form of a by-query cursor.
type Cursor struct {
	Filter     []string     `json:"filter,omitempty"`
	Order      []OrderField `json:"order,omitempty"`
	FullText   FullText     `json:"fullText"`
	Offset     int          `json:"offset"`
	TotalItems int          `json:"totalItems"`
}

// EncodeCursor makes the opaque cursor string.
func EncodeCursor(c Cursor) string {
	return base64.StdEncoding.EncodeToString(mustJSON(c))
}

// DecodeCursor parses a cursor string.
func DecodeCursor(s string) (Cursor, error) {
	var c Cursor
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		raw, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	}
	if err != nil {
		return c, fmt.Errorf("Malformed cursor: %v", err)
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("Malformed cursor: %v", err)
	}
	if c.Offset < 0 {
		return c, fmt.Errorf("Malformed cursor: offset must be zero or greater")
	}
	return c, nil
}
