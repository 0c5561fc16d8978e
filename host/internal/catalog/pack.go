package catalog

// newEntity allocates an entity from a chunk of them, so that entities sit side by
// side rather than among the garbage of processing; maybeRepack copies them into one
// array when deleted ones pile up. Callers hold c.mu (write).
func (c *Catalog) newEntity() *entity {
	if len(c.entChunk) == cap(c.entChunk) {
		c.entChunk = make([]entity, 0, 256)
	}
	c.entChunk = c.entChunk[:len(c.entChunk)+1]
	c.entAlloc++
	return &c.entChunk[len(c.entChunk)-1]
}

// docSlab hands out long-lived copies of stitched documents from large chunks, so that
// documents sit side by side instead of among the garbage of processing (which keeps
// half-empty spans alive). Bytes are never written after the copy. A nil *docSlab
// allocates each copy on its own (small batches).
type docSlab struct {
	buf       []byte
	allocated int
}

func (s *docSlab) copy(b []byte) []byte {
	if s == nil {
		return append([]byte(nil), b...)
	}
	if cap(s.buf)-len(s.buf) < len(b) {
		s.buf = make([]byte, 0, max(256<<10, len(b)))
		s.allocated += cap(s.buf)
	}
	off := len(s.buf)
	s.buf = append(s.buf, b...)
	return s.buf[off:len(s.buf):len(s.buf)]
}

// maybeRepack copies the entities, and separately their documents, into fresh arrays
// when more than about half of what was allocated for them is dead (replaced or
// deleted), so that memory stays near the live size however the catalog churns.
// Nothing is written in place: readers never share these bytes outside the lock.
func (c *Catalog) maybeRepack() {
	if c.docAlloc > 2*c.docLive+(16<<20) {
		slab := &docSlab{buf: make([]byte, 0, c.docLive)}
		for _, e := range c.ents {
			if e.doc != nil {
				e.doc = slab.copy(e.doc)
			}
		}
		c.docAlloc = c.docLive
	}
	if c.entAlloc > 2*len(c.ents)+4096 {
		ents := make([]entity, 0, len(c.ents))
		for k, e := range c.ents {
			ents = append(ents, *e)
			n := &ents[len(ents)-1]
			c.ents[k] = n
			c.byUID[n.uid] = n
			c.idx.relocate(n)
		}
		c.entChunk, c.entAlloc = nil, len(ents)
	}
}

// packAfterBulk runs after a large batch. Such a batch allocates its long-lived small
// objects (posting lists, relation edges) among a great deal of garbage, and each one
// left behind keeps its whole span alive once the garbage is gone. Copying them side by
// side into a few large arrays frees those spans. The arrays are shared through full
// slice expressions, so a later append copies a list out rather than writing into its
// neighbour; removeEdge only shifts elements within its own list.
func (c *Catalog) packAfterBulk() {
	c.idx.trim()
	n := 0
	for _, l := range c.rels {
		n += len(l)
	}
	edges := make([]relEdge, 0, n)
	for k, l := range c.rels {
		off := len(edges)
		edges = append(edges, l...)
		c.rels[k] = edges[off:len(edges):len(edges)]
	}
	n = 0
	for _, e := range c.ents {
		n += len(e.fwd)
	}
	own := make([]ownEdge, 0, n)
	for _, e := range c.ents {
		if len(e.fwd) > 0 {
			off := len(own)
			own = append(own, e.fwd...)
			e.fwd = own[off:len(own):len(own)]
		}
	}
}
