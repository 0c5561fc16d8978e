package catalog

import (
	"context"
	"fmt"

	"greenroom.dev/greenroom/host/internal/excerpt"
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
					st.Errors = append(st.Errors, locatePrefix(out.target, pe.line, "")+conflictMessage(pe.ref, owner, out.key))
					continue
				}
				if ex := c.ents[pe.key]; ex != nil && ex.source != out.key && claims(ex.source, pe.key) {
					msg := conflictMessage(pe.ref, ex.source, out.key)
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

// conflictMessage is the error of an entity (ref) that location other emits while
// location kept keeps it (the first to emit an entity keeps it); when both are the same
// location, it emitted the entity twice.
func conflictMessage(ref, kept, other string) string {
	if kept == other {
		return fmt.Sprintf("Duplicate entity %s in %s; each entity may appear only once", ref, other)
	}
	return fmt.Sprintf("Detected conflicting entityRef %s already referenced by %s and now also %s", ref, kept, other)
}

func locatePrefix(file string, line int, ref string) string {
	s := file
	if line > 0 {
		s += fmt.Sprintf(":%d", line)
	}
	s += ": "
	if ref != "" && ref != ":default/" {
		s += excerpt.Text(ref) + ": " // made of the file's text
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
