package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Reload brings the in-memory catalog up to what the store holds, for a replica that
// shares its store with others (PostgreSQL): another replica's writes are in the store,
// not in this one's memory. It waits for a location being processed here. On a
// VersionedStore it reads only the rows whose versions changed since it last read them
// and applies them as a processing batch would (unless so many changed that reading
// everything is cheaper); otherwise it reads the whole catalog. Either way the changes
// land at once under the write lock, so a query sees the catalog before or after the
// reload, never a mix, and the version moves on (query caches start over; readers of
// Changed see the changed entities). After a successful Reload the catalog is Ready:
// it serves what the shared store holds.
func (c *Catalog) Reload(ctx context.Context) error {
	c.procMu.Lock()
	defer c.procMu.Unlock()
	if vs, ok := c.store.(VersionedStore); ok && c.entVers != nil {
		done, err := c.reloadChanged(ctx, vs)
		if err != nil {
			return fmt.Errorf("catalog: reload from store: %w", err)
		}
		if done {
			c.ready.Store(true)
			return nil
		}
	}
	fresh := &Catalog{
		opts: c.opts, kinds: c.kinds, log: c.log, store: c.store, reader: c.reader,
		ents: map[string]*entity{}, byUID: map[string]*entity{}, rels: map[string][]relEdge{}, intern: map[string]string{},
		sources: map[string]*sourceState{}, locations: map[string]*Location{}, idx: newIndex(),
		warned: map[string]map[string]bool{},
	}
	if err := fresh.load(ctx); err != nil {
		return fmt.Errorf("catalog: reload from store: %w", err)
	}
	c.mu.Lock()
	c.ents, c.byUID, c.rels, c.intern = fresh.ents, fresh.byUID, fresh.rels, fresh.intern
	c.sources, c.locations, c.idx = fresh.sources, fresh.locations, fresh.idx
	c.entChunk, c.entAlloc, c.docAlloc, c.docLive = fresh.entChunk, fresh.entAlloc, fresh.docAlloc, fresh.docLive
	c.entVers, c.srcVers = fresh.entVers, fresh.srcVers
	v := c.version.Add(1)
	c.journal.reset(v)
	c.mu.Unlock()
	c.ready.Store(true)
	return nil
}

// changedRows compares bucket's row versions in the store with known: the keys whose
// version differs or that are new, and those gone.
func changedRows(ctx context.Context, vs VersionedStore, bucket string, known map[string]uint64) (changed, gone []string, err error) {
	seen := 0
	err = vs.Versions(ctx, bucket, func(k []byte, ver uint64) error {
		old, ok := known[string(k)]
		if ok {
			seen++
		}
		if !ok || old != ver {
			changed = append(changed, string(k))
		}
		return nil
	})
	if err != nil || seen == len(known) {
		return changed, nil, err
	}
	present := make(map[string]bool, len(known))
	err = vs.Versions(ctx, bucket, func(k []byte, _ uint64) error {
		if _, ok := known[string(k)]; ok {
			present[string(k)] = true
		}
		return nil
	})
	for k := range known {
		if !present[k] {
			gone = append(gone, k)
		}
	}
	return changed, gone, err
}

// reloadChanged is Reload on a VersionedStore: it reads the locations (a handful of
// rows), and the sources and entities whose row versions changed. It reports false,
// having changed nothing, when more than a quarter of the entities changed (a full
// load is then cheaper than applying them one by one).
func (c *Catalog) reloadChanged(ctx context.Context, vs VersionedStore) (bool, error) {
	locations := map[string]*Location{}
	err := c.store.ForEach(ctx, BucketLocations, func(k, v []byte) error {
		var s storedLocation
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("location %s: %w", k, err)
		}
		locations[s.ID] = &Location{ID: s.ID, Type: s.Type, Target: s.Target, Origin: s.Origin, Rules: s.Rules}
		return nil
	})
	if err != nil {
		return false, err
	}
	entChanged, entGone, err := changedRows(ctx, vs, BucketEntities, c.entVers)
	if err != nil {
		return false, err
	}
	if len(entChanged)+len(entGone) > max(len(c.entVers)/4, 256) {
		return false, nil
	}
	srcChanged, srcGone, err := changedRows(ctx, vs, BucketSources, c.srcVers)
	if err != nil {
		return false, err
	}
	sources := map[string]*sourceState{}
	srcVers := map[string]uint64{}
	err = vs.Get(ctx, BucketSources, srcChanged, func(k, v []byte, ver uint64) error {
		var s sourceState
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("source %s: %w", k, err)
		}
		sources[string(k)], srcVers[string(k)] = &s, ver
		return nil
	})
	if err != nil {
		return false, err
	}
	var recs []parsedRecord
	var raw [][]byte
	err = vs.Get(ctx, BucketEntities, entChanged, func(k, v []byte, ver uint64) error {
		recs = append(recs, parsedRecord{key: string(k), ver: ver})
		raw = append(raw, append([]byte(nil), v...))
		return nil
	})
	if err != nil {
		return false, err
	}
	parallel(len(recs), func(i int) {
		ver := recs[i].ver
		recs[i] = c.parseRecord(recs[i].key, raw[i])
		recs[i].ver = ver
	})
	for i := range recs {
		if recs[i].err != nil {
			return false, recs[i].err
		}
	}
	// Rows listed as changed but not read were deleted meanwhile.
	for _, k := range srcChanged {
		if sources[k] == nil {
			srcGone = append(srcGone, k)
		}
	}
	read := make(map[string]bool, len(recs))
	for _, r := range recs {
		read[r.key] = true
	}
	for _, k := range entChanged {
		if !read[k] {
			entGone = append(entGone, k)
		}
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	c.locations = locations
	b := newBatch(c)
	for _, k := range srcGone {
		if old := c.sources[k]; old != nil && old.Via != "" {
			b.dirty[old.Via] = true
		}
		delete(c.sources, k)
		delete(c.warned, k)
		delete(c.srcVers, k)
	}
	for k, st := range sources {
		if old := c.sources[k]; old != nil && old.Via != "" {
			b.dirty[old.Via] = true
		}
		if st.Via != "" {
			b.dirty[st.Via] = true
		}
		c.sources[k] = st
		c.srcVers[k] = srcVers[k]
	}
	for _, k := range entGone {
		if e := c.ents[k]; e != nil {
			b.remove(e)
		}
		delete(c.entVers, k)
	}
	for i := range recs {
		r := &recs[i]
		if old := c.ents[r.key]; old != nil {
			b.remove(old) // its edges, index entry and uid go with it
		}
		e := c.entityOf(r)
		c.ents[e.key] = e
		c.byUID[e.uid] = e
		e.fwd = c.ownEdges(r.rels, e.key)
		for _, rel := range r.rels {
			c.addEdge(rel, e.key)
			b.dirty[strings.ToLower(rel.Source)] = true
		}
		b.dirty[e.key] = true
		delete(b.deleted, e.key)
		c.entVers[e.key] = r.ver
	}
	if len(b.dirty) == 0 && len(b.deleted) == 0 {
		return true, nil
	}
	c.stitchDirty(b.dirty)
	c.settle(b.dirty, b.deleted)
	return true, nil
}

// Lead runs the processing loop for a replica that holds the processing lease: a pass
// over every location, then one every catalog.processingInterval, until ctx is done
// (the lease is lost or the host stops). Unlike Run it may be called again after it
// returns, as the lease moves away and back; it must not run beside Run.
func (c *Catalog) Lead(ctx context.Context) error {
	if err := c.RefreshAll(ctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		c.log.Error("catalog: refresh", "err", err)
	} else {
		c.ready.Store(true)
	}
	return c.refreshLoop(ctx)
}
