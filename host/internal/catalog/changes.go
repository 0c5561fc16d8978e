package catalog

import (
	"sort"
	"sync"
)

// journal remembers which entities each recent catalog version changed, so that a
// reader that keeps its own copy of the catalog (the search index) catches up with the
// entities that changed rather than reading every entity again.
type journal struct {
	mu      sync.Mutex
	from    uint64 // the oldest version Changed can answer from
	entries []journalEntry
	size    int // keys held
}

type journalEntry struct {
	version uint64
	keys    []string
}

// maxJournalKeys bounds the journal; a reader further behind reads everything again.
const maxJournalKeys = 1 << 16

// note records the keys that version changed. Callers hold c.mu (write).
func (j *journal) note(version uint64, dirty, deleted map[string]bool) {
	keys := make([]string, 0, len(dirty)+len(deleted))
	for k := range dirty {
		keys = append(keys, k)
	}
	for k := range deleted {
		if !dirty[k] {
			keys = append(keys, k)
		}
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries = append(j.entries, journalEntry{version, keys})
	j.size += len(keys)
	for j.size > maxJournalKeys && len(j.entries) > 0 {
		j.size -= len(j.entries[0].keys)
		j.from = j.entries[0].version
		j.entries = j.entries[1:]
	}
}

// reset forgets every entry: a reader of an older version must read everything.
func (j *journal) reset(version uint64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries, j.size, j.from = nil, 0, version
}

// Changed returns the lower-cased refs ("kind:namespace/name") of the entities added,
// changed or removed after version since, sorted, and the version they bring the
// caller to (Version). ok is false when since is older than the catalog remembers
// changes for: the caller should read every entity again (Documents).
func (c *Catalog) Changed(since uint64) (keys []string, now uint64, ok bool) {
	c.mu.RLock() // commit notes a version's keys under the write lock
	defer c.mu.RUnlock()
	j := &c.journal
	j.mu.Lock()
	defer j.mu.Unlock()
	now = c.version.Load()
	if since < j.from {
		return nil, now, false
	}
	seen := map[string]bool{}
	for _, e := range j.entries {
		if e.version <= since {
			continue
		}
		for _, k := range e.keys {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys, now, true
}

// EntityDoc is an entity's stored document (its body with uid and etag, without
// relations and status) and its lower-cased ref. Doc must not be modified.
type EntityDoc struct {
	Key string
	Doc []byte
}

// Documents returns the stored documents of the entities with the given lower-cased
// refs (every entity when keys is nil), and the catalog version they are of. A key
// without an entity is returned with a nil Doc: the entity was removed. The documents
// are shared, not copied: they are never written after they are stored.
func (c *Catalog) Documents(keys []string) ([]EntityDoc, uint64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if keys == nil {
		out := make([]EntityDoc, 0, len(c.ents))
		for k, e := range c.ents {
			if e.doc != nil {
				out = append(out, EntityDoc{k, e.doc})
			}
		}
		return out, c.version.Load()
	}
	out := make([]EntityDoc, len(keys))
	for i, k := range keys {
		out[i].Key = k
		if e := c.ents[k]; e != nil {
			out[i].Doc = e.doc
		}
	}
	return out, c.version.Load()
}
