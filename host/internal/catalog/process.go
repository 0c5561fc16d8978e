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

// processRoot reads the tree under one registered location and applies it.
// force names a source key to read without its etag ("*" forces all).
func (c *Catalog) processRoot(ctx context.Context, root *Location, force string) error {
	c.procMu.Lock()
	defer c.procMu.Unlock()
	return c.processRootLocked(ctx, root, force, nil)
}

func (c *Catalog) processRootLocked(ctx context.Context, root *Location, force string, provided []map[string]any) error {
	order, visited, prev, err := c.readTree(ctx, root, force, provided)
	if err != nil {
		return err
	}
	return c.apply(ctx, root, order, visited, prev)
}

// apply writes one pass's results into memory and the store.
func (c *Catalog) apply(ctx context.Context, root *Location, order []*readOut, visited map[string]bool, prev map[string]*sourceState) error {
	rootKey := root.Key()
	c.mu.Lock()
	defer c.mu.Unlock()
	b := newBatch(c)

	modified := map[string]*readOut{}
	for _, out := range order {
		if !out.notModified && out.readErr == nil {
			modified[out.key] = out
		}
	}
	// The refs each modified source will claim after this pass.
	newRefs := map[string]map[string]bool{}
	for key, out := range modified {
		set := map[string]bool{}
		for _, pe := range out.ents {
			if len(pe.errs) == 0 {
				set[pe.key] = true
			} else if ex := c.ents[pe.key]; ex != nil && ex.source == key {
				set[pe.key] = true
			}
		}
		newRefs[key] = set
	}
	claims := func(owner, key string) bool {
		if set, ok := newRefs[owner]; ok {
			return set[key]
		}
		if visited[owner] {
			return true
		}
		if _, ours := prev[owner]; ours {
			return false // a source of this root that is no longer reachable
		}
		_, live := c.sources[owner]
		return live
	}
	// Conflicts raised by sources we are about to re-read or drop are recomputed.
	for key := range prev {
		if _, mod := modified[key]; mod || !visited[key] {
			for _, ref := range prev[key].Refs {
				if e := c.ents[ref]; e != nil && e.conflicts[key] != "" {
					delete(e.conflicts, key)
					b.dirty[ref] = true
					b.persist(e)
				}
			}
		}
	}
	var orphans []*entity
	taken := map[string]string{}
	for _, out := range order {
		st := &sourceState{Key: out.key, Type: out.typ, Target: out.target, Root: rootKey, Via: out.via, ETag: out.etag, Optional: out.optional, Rules: c.rulesFingerprint(root)}
		if p := prev[out.key]; p != nil && (out.notModified || out.readErr != nil) {
			st.Refs, st.Children, st.Errors = p.Refs, p.Children, p.Errors
			if out.readErr != nil {
				st.ETag = p.ETag
			}
		}
		if out.readErr != nil {
			st.Errors = []string{out.readErr.Error()}
		}
		if mod := modified[out.key]; mod != nil {
			st.Errors = append([]string(nil), out.errs...)
			var refs []string
			for _, pe := range out.ents {
				if len(pe.errs) > 0 {
					msgs := errStrings(pe.errs)
					if ex := c.ents[pe.key]; ex != nil && ex.source == out.key {
						ex.errors = nil
						for _, m := range msgs {
							ex.errors = append(ex.errors, processingError("InputError", m))
						}
						b.dirty[ex.key] = true
						b.persist(ex)
						refs = append(refs, pe.key)
					}
					for _, m := range msgs {
						st.Errors = append(st.Errors, locatePrefix(out.target, pe.line, pe.ref)+m)
					}
					continue
				}
				if owner, dup := taken[pe.key]; dup {
					msg := fmt.Sprintf("Detected conflicting entityRef %s already referenced by %s and now also %s", pe.ref, owner, out.key)
					if owner == out.key {
						msg = fmt.Sprintf("Duplicate entity %s in %s; each entity may appear only once", pe.ref, out.key)
					}
					st.Errors = append(st.Errors, locatePrefix(out.target, pe.line, "")+msg)
					continue
				}
				if ex := c.ents[pe.key]; ex != nil && ex.source != out.key && claims(ex.source, pe.key) {
					msg := fmt.Sprintf("Detected conflicting entityRef %s already referenced by %s and now also %s", pe.ref, ex.source, out.key)
					if ex.conflicts == nil {
						ex.conflicts = map[string]string{}
					}
					ex.conflicts[out.key] = msg
					b.dirty[ex.key] = true
					b.persist(ex)
					st.Errors = append(st.Errors, locatePrefix(out.target, pe.line, "")+msg)
					refs = append(refs, pe.key)
					continue
				}
				taken[pe.key] = out.key
				refs = append(refs, pe.key)
				b.upsert(pe, out.key, rootKey)
			}
			st.Refs = refs
			st.Children = nil
			for _, ch := range out.children {
				st.Children = append(st.Children, ch.typ+":"+ch.target)
			}
			if p := prev[out.key]; p != nil {
				for _, ref := range p.Refs {
					if e := c.ents[ref]; e != nil && e.source == out.key && !newRefs[out.key][ref] {
						orphans = append(orphans, e)
					}
				}
			}
		}
		b.putSource(st)
	}
	// Sources of this root that are no longer reachable: their entities are orphans.
	for key, p := range prev {
		if visited[key] {
			continue
		}
		for _, ref := range p.Refs {
			if e := c.ents[ref]; e != nil && e.source == key {
				orphans = append(orphans, e)
			}
		}
		b.dropSource(key)
	}
	for _, e := range orphans {
		if c.ents[e.key] != e || taken[e.key] != "" && taken[e.key] != e.source {
			continue
		}
		if e.source != "" && visited[e.source] && newRefs[e.source] != nil && newRefs[e.source][e.key] {
			continue
		}
		b.orphan(e, c.opts.Config.OrphanStrategy == "keep")
	}
	return b.commit(ctx)
}

func locatePrefix(file string, line int, ref string) string {
	s := file
	if line > 0 {
		s += fmt.Sprintf(":%d", line)
	}
	s += ": "
	if ref != "" && ref != ":default/" {
		s += ref + ": "
	}
	return s
}

func errStrings(errs []error) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Error()
	}
	return out
}

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
		for _, r := range e.relations() {
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
	for _, r := range e.relations() {
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
	rels, _ := model.Relations(doc)
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
	c.version.Add(1)
	c.idx.maybeCompact()
	if len(b.dirty) > 5000 {
		c.packAfterBulk()
	}
	c.maybeRepack()
	if len(ops) == 0 {
		return nil
	}
	if err := c.store.Apply(ctx, ops); err != nil {
		return fmt.Errorf("catalog: write store: %w", err)
	}
	return nil
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

// removeRoot drops a registered location and everything read through it.
func (c *Catalog) removeRoot(ctx context.Context, loc *Location, deleteEntities bool) error {
	c.procMu.Lock()
	defer c.procMu.Unlock()
	rootKey := loc.Key()
	c.mu.Lock()
	defer c.mu.Unlock()
	b := newBatch(c)
	b.init()
	for key, s := range c.sources {
		if s.Root != rootKey {
			continue
		}
		for _, ref := range s.Refs {
			e := c.ents[ref]
			if e == nil {
				continue
			}
			if e.source == key {
				b.orphan(e, !deleteEntities)
			} else if e.conflicts[key] != "" {
				delete(e.conflicts, key)
				b.dirty[ref] = true
				b.persist(e)
			}
		}
		b.dropSource(key)
	}
	return b.commit(ctx)
}
