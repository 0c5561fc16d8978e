package catalog

import (
	"context"
	"fmt"
)

// Reload rebuilds the in-memory catalog from the store, for a replica that shares its
// store with others (PostgreSQL): another replica's writes are in the store, not in
// this one's memory. It waits for a location being processed here, then swaps the
// whole index at once under the write lock, so a query sees the catalog before or
// after the reload, never a mix; the version moves on, so query caches and readers of
// Changed start over. After a successful Reload the catalog is Ready: it serves what
// the shared store holds.
func (c *Catalog) Reload(ctx context.Context) error {
	c.procMu.Lock()
	defer c.procMu.Unlock()
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
	v := c.version.Add(1)
	c.journal.reset(v)
	c.mu.Unlock()
	c.ready.Store(true)
	return nil
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
