package catalog

import (
	"bytes"
	"encoding/json"
	"runtime"
	"sort"
	"sync"
)

// stitchDirty rebuilds the final JSON and index entries of the given entities.
func (c *Catalog) stitchDirty(dirty map[string]bool) (moved int) {
	var hasVia map[string]bool
	ents := make([]*entity, 0, len(dirty))
	for k := range dirty {
		e := c.ents[k]
		if e == nil {
			continue
		}
		if e.kind == "location" && hasVia == nil {
			hasVia = map[string]bool{}
			for _, s := range c.sources {
				if s.Via != "" && len(s.Errors) > 0 {
					hasVia[s.Via] = true
				}
			}
		}
		ents = append(ents, e)
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].key < ents[j].key })
	return c.stitchEntities(ents, hasVia)
}

// stitchAll stitches the given entities, decoding bodies in parallel.
func (c *Catalog) stitchAll(keys []string) {
	locKeys := map[string]bool{}
	for _, s := range c.sources {
		if s.Via != "" && len(s.Errors) > 0 {
			locKeys[s.Via] = true
		}
	}
	ents := make([]*entity, 0, len(keys))
	for _, k := range keys {
		if e := c.ents[k]; e != nil {
			ents = append(ents, e)
		}
	}
	c.stitchEntities(ents, locKeys)
}

// stitchEntities computes documents and search rows in parallel (read-only work), then
// updates the entities and the index in order.
func (c *Catalog) stitchEntities(ents []*entity, hasVia map[string]bool) (moved int) {
	for _, e := range ents {
		sortEdges(c.rels[e.key])
	}
	res := make([]stitched, len(ents))
	bulk := len(ents) >= 64
	var mu sync.Mutex
	parallelRange(len(ents), func(lo, hi int) {
		var slab *docSlab
		if bulk {
			slab = &docSlab{}
		}
		var scratch []byte
		for i := lo; i < hi; i++ {
			res[i], scratch = c.stitchOne(ents[i], hasVia[ents[i].key], slab, scratch)
		}
		mu.Lock()
		if slab != nil {
			c.docAlloc += slab.allocated
		}
		mu.Unlock()
	})
	for i, e := range ents {
		r := &res[i]
		if r.corrupt {
			continue
		}
		e.pend = nil
		if r.skip {
			continue
		}
		if !bulk {
			c.docAlloc += len(r.doc)
		}
		c.docLive += len(r.doc) - len(e.doc)
		c.idx.remove(e)
		e.doc, e.status = r.doc, r.status
		c.idx.add(e, r.pairs, r.extra)
		moved++
	}
	return moved
}

type stitched struct {
	doc, status  []byte
	pairs, extra []pair // body rows and the rows that stitching adds
	skip         bool   // the entity is unchanged
	corrupt      bool   // its body does not decode; it keeps what it had
}

// stitchOne builds an entity's document (body with a fresh etag) and status tail, and
// its search rows. scratch is reused between calls of one worker.
func (c *Catalog) stitchOne(e *entity, hasViaErrors bool, slab *docSlab, scratch []byte) (stitched, []byte) {
	bodyJSON := e.bodyBytes()
	var pairs []pair
	if e.pend != nil {
		pairs = e.pend.pairs
	}
	if pairs == nil {
		var doc map[string]any
		if err := json.Unmarshal(bodyJSON, &doc); err != nil {
			c.log.Error("catalog: corrupt entity body", "entity", e.ref, "err", err)
			return stitched{skip: true, corrupt: true}, scratch
		}
		pairs = bodyPairs(doc)
	}
	var status []StatusItem
	status = append(status, e.errors...)
	if len(e.conflicts) > 0 {
		keys := make([]string, 0, len(e.conflicts))
		for k := range e.conflicts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			status = append(status, processingError("ConflictError", e.conflicts[k]))
		}
	}
	if hasViaErrors {
		status = append(status, c.viaErrors(e.key)...)
	}
	st := statusTail(status)
	// The tail, then the document, in one scratch buffer.
	all := c.appendServedTail(scratch[:0], e, st)
	n := len(all)
	all = append(all, bodyJSON...)
	tail, doc := all[:n], all[n:]
	setEtag(doc, bodyJSON, tail)
	if c.idx.holds(e) && bytes.Equal(doc, e.doc) && bytes.Equal(st, e.status) {
		return stitched{skip: true}, all[:0]
	}
	extra := make([]pair, 0, 1+len(e.fwd)+len(c.rels[e.key]))
	extra = append(extra, keptPair("metadata.uid", e.uid))
	relSearchKeys := relTab.Load().searchKeys
	c.eachRelation(e, func(typ uint8, target string, _ bool) {
		extra = append(extra, keptPair(relSearchKeys[typ], target))
	})
	return stitched{doc: slab.copy(doc), status: st, pairs: pairs, extra: extra}, all[:0]
}

// viaErrors returns the status items of the sources a Location entity introduced, in
// the order of their keys, so that the status (and the etag) is the same at every
// stitch.
func (c *Catalog) viaErrors(key string) []StatusItem {
	var srcs []*sourceState
	for _, s := range c.sources {
		if s.Via == key && len(s.Errors) > 0 {
			srcs = append(srcs, s)
		}
	}
	sort.Slice(srcs, func(i, j int) bool { return srcs[i].Key < srcs[j].Key })
	var out []StatusItem
	for _, s := range srcs {
		for _, msg := range s.Errors {
			out = append(out, processingError("InputError", msg))
		}
	}
	return out
}

// parallelRange splits [0,n) over the CPUs.
func parallelRange(n int, work func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if n < 256 || workers == 1 {
		work(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		wg.Add(1)
		go func(lo, hi int) { defer wg.Done(); work(lo, hi) }(lo, min(lo+chunk, n))
	}
	wg.Wait()
}

func parallel(n int, fn func(i int)) {
	parallelRange(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			fn(i)
		}
	})
}
