package catalog

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"greenroom.dev/greenroom/host/internal/catalog/model"
)

// batch collects the changes of one pass; commit stitches and persists them.
type batch struct {
	c       *Catalog
	dirty   map[string]bool
	persist func(*entity)
	changed map[string]*entity
	deleted map[string]bool
	newSrc  map[string]*sourceState
	dropped []string
}

func newBatch(c *Catalog) *batch {
	b := &batch{c: c, dirty: map[string]bool{}}
	b.init()
	return b
}

func (b *batch) init() {
	if b.changed == nil {
		b.changed = map[string]*entity{}
		b.deleted = map[string]bool{}
		b.newSrc = map[string]*sourceState{}
		b.persist = func(e *entity) { b.changed[e.key] = e }
	}
}

func (b *batch) upsert(pe *procEntity, srcKey, rootKey string) {
	b.init()
	c := b.c
	e := c.ents[pe.key]
	if e == nil {
		e = c.newEntity()
		e.key, e.uid = c.idx.keep(pe.key), c.idx.keep(newUID())
	}
	hash := pe.hash
	if e.hashed() && e.hash == hash && e.source == srcKey && len(e.errors) == 0 && !e.orphan {
		return
	}
	body := setUID(pe.body, e.uid) // pe is not used after this
	if e.hashed() {
		for _, r := range c.relations(e) {
			c.removeEdge(r, e.key)
			b.dirty[strings.ToLower(r.Source)] = true
		}
	}
	if e.ref != pe.ref {
		if pe.ref == e.key {
			e.ref = e.key
		} else {
			e.ref = c.idx.keep(pe.ref)
		}
	}
	e.kind = c.internStr(pe.kind)
	e.hash = hash
	e.source, e.origin, e.errors, e.orphan = srcKey, rootKey, nil, false
	e.pend = &pending{body: body, pairs: pe.pairs}
	e.fwd = c.ownEdges(pe.rels, e.key)
	for _, r := range pe.rels {
		c.addEdge(r, e.key)
		b.dirty[strings.ToLower(r.Source)] = true
	}
	c.ents[e.key] = e
	c.byUID[e.uid] = e
	b.dirty[e.key] = true
	b.persist(e)
	delete(b.deleted, e.key)
}

func (b *batch) remove(e *entity) {
	b.init()
	c := b.c
	for _, r := range c.relations(e) {
		c.removeEdge(r, e.key)
		b.dirty[strings.ToLower(r.Source)] = true
	}
	c.idx.remove(e)
	c.docLive -= len(e.doc)
	delete(c.ents, e.key)
	delete(c.byUID, e.uid)
	delete(b.changed, e.key)
	b.deleted[e.key] = true
}

func (b *batch) orphan(e *entity, keep bool) {
	b.init()
	if !keep {
		b.c.log.Info("catalog: deleting orphaned entity", "entity", e.ref, "location", e.source)
		b.remove(e)
		return
	}
	if e.orphan {
		return
	}
	var doc map[string]any
	if json.Unmarshal(e.bodyBytes(), &doc) != nil {
		return
	}
	md, _ := doc["metadata"].(map[string]any)
	ann, _ := md["annotations"].(map[string]any)
	if ann == nil {
		ann = map[string]any{}
		md["annotations"] = ann
	}
	ann[model.AnnotationOrphan] = "true"
	delete(md, "etag")
	md["uid"] = uidPlaceholder
	placeholder := encodeBody(doc)
	e.hash = sha1.Sum(placeholder)
	e.orphan = true
	e.pend = &pending{body: setUID(placeholder, e.uid), pairs: bodyPairs(doc)}
	rels, _ := b.c.relationsOf(doc)
	e.fwd = b.c.ownEdges(rels, e.key)
	b.dirty[e.key] = true
	b.persist(e)
}

func (b *batch) putSource(st *sourceState) {
	b.init()
	if old := b.c.sources[st.Key]; old != nil && old.Via != "" {
		b.dirty[old.Via] = true
	}
	if st.Via != "" {
		b.dirty[st.Via] = true
	}
	b.newSrc[st.Key] = st
}

func (b *batch) dropSource(key string) {
	b.init()
	if old := b.c.sources[key]; old != nil && old.Via != "" {
		b.dirty[old.Via] = true
	}
	b.dropped = append(b.dropped, key)
}

// commit updates sources, stitches every dirty entity and writes the store.
func (b *batch) commit(ctx context.Context) error {
	b.init()
	c := b.c
	var ops []Op
	for _, key := range b.dropped {
		delete(c.sources, key)
		delete(c.warned, key)
		ops = append(ops, Op{Bucket: BucketSources, Key: key})
	}
	keys := make([]string, 0, len(b.newSrc))
	for k := range b.newSrc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		st := b.newSrc[k]
		old := c.sources[k]
		c.sources[k] = st
		c.reportErrors(st)
		if old == nil || !sameSource(old, st) {
			ops = append(ops, Op{Bucket: BucketSources, Key: k, Value: mustJSON(st)})
		}
	}
	// Records are encoded before stitching, while new bodies are at hand (stitching
	// changes nothing a record holds).
	records := make([]Op, 0, len(b.changed))
	for _, e := range b.changed {
		records = append(records, Op{Bucket: BucketEntities, Key: e.key})
	}
	parallel(len(records), func(i int) { records[i].Value = encodeRecord(b.changed[records[i].Key]) })
	moved := c.stitchDirty(b.dirty)
	for k := range b.deleted {
		ops = append(ops, Op{Bucket: BucketEntities, Key: k})
	}
	ops = append(ops, records...)
	if len(ops) == 0 && moved == 0 {
		return nil
	}
	// Stitching moved the entities it changed to new index slots, whether or not the
	// store has anything to write: cached query results (slot lists) end here.
	c.settle(b.dirty, b.deleted)
	if len(ops) == 0 {
		return nil
	}
	if vs, ok := c.store.(VersionedStore); ok && c.entVers != nil {
		// Remember the versions of this replica's own rows, so that its next Reload
		// does not read them back.
		ver, err := vs.ApplyVersion(ctx, ops)
		if err != nil {
			return fmt.Errorf("catalog: write store: %w", err)
		}
		for _, op := range ops {
			vers := c.entVers
			if op.Bucket == BucketSources {
				vers = c.srcVers
			}
			if op.Value == nil {
				delete(vers, op.Key)
			} else {
				vers[op.Key] = ver
			}
		}
		return nil
	}
	if err := c.store.Apply(ctx, ops); err != nil {
		return fmt.Errorf("catalog: write store: %w", err)
	}
	return nil
}

// settle ends a batch that stitched dirty and deleted entities: the version moves on
// (cached query results end), and the index and memory are compacted when due.
// Callers hold c.mu (write).
func (c *Catalog) settle(dirty, deleted map[string]bool) {
	c.journal.note(c.version.Add(1), dirty, deleted)
	c.idx.maybeCompact()
	if len(dirty) > 5000 {
		c.packAfterBulk()
	}
	c.maybeRepack()
}

// reportErrors logs a warning for each processing error of a source when it first
// appears (after a restart, once more for the errors the store kept), naming the
// location, the file and line and the rule broken as the status items do, and the
// Location entity whose page shows it; it says so when the errors are gone. Callers
// hold c.mu (write).
func (c *Catalog) reportErrors(st *sourceState) {
	seen := c.warned[st.Key]
	if len(st.Errors) == 0 {
		if len(seen) > 0 {
			c.log.Info("catalog: processing errors resolved", "location", st.Key)
			delete(c.warned, st.Key)
		}
		return
	}
	now := make(map[string]bool, len(st.Errors))
	for _, msg := range st.Errors {
		now[msg] = true
		if seen[msg] {
			continue
		}
		attrs := []any{"location", st.Key, "error", msg}
		if st.Via != "" {
			attrs = append(attrs, "shownOn", st.Via)
		}
		c.log.Warn("catalog: processing error", attrs...)
	}
	c.warned[st.Key] = now
}

func sameSource(a, b *sourceState) bool {
	return bytes.Equal(mustJSON(a), mustJSON(b))
}
