package catalog

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"greenroom.dev/greenroom/host/internal/catalog/model"
)

// record is the stored form of an entity: a JSON header line, then the body.
type recordHeader struct {
	Ref       string            `json:"ref"`
	Kind      string            `json:"kind"`
	UID       string            `json:"uid"`
	Hash      string            `json:"hash"`
	Source    string            `json:"source"`
	Origin    string            `json:"origin"`
	Errors    []StatusItem      `json:"errors,omitempty"`
	Conflicts map[string]string `json:"conflicts,omitempty"`
	Orphan    bool              `json:"orphan,omitempty"`
}

func encodeRecord(e *entity) []byte {
	h := mustJSON(recordHeader{Ref: e.ref, Kind: e.kind, UID: e.uid, Hash: hex.EncodeToString(e.hash[:]), Source: e.source, Origin: e.origin,
		Errors: e.errors, Conflicts: e.conflicts, Orphan: e.orphan})
	body := e.bodyBytes()
	out := make([]byte, 0, len(h)+1+len(body))
	out = append(out, h...)
	out = append(out, '\n')
	return append(out, body...)
}

// parsedRecord is a stored entity record parsed off the catalog's lock: its header, its
// body, and what the body's decoding gives (relations and search rows).
type parsedRecord struct {
	key   string
	ver   uint64 // the row's version, from a VersionedStore
	h     recordHeader
	body  []byte
	rels  []model.Relation
	pairs []pair
	err   error
}

// parseRecord parses one stored record; it touches no shared state, so records are
// parsed in parallel.
func (c *Catalog) parseRecord(key string, v []byte) parsedRecord {
	r := parsedRecord{key: key}
	i := bytes.IndexByte(v, '\n')
	if i < 0 {
		r.err = fmt.Errorf("entity record %s: no header", key)
		return r
	}
	if err := json.Unmarshal(v[:i], &r.h); err != nil {
		r.err = fmt.Errorf("entity record %s: %w", key, err)
		return r
	}
	r.body = v[i+1:]
	var doc map[string]any
	if err := json.Unmarshal(r.body, &doc); err != nil {
		r.err = fmt.Errorf("entity record %s: body is not valid JSON", key)
		return r
	}
	r.rels, _ = c.relationsOf(doc)
	r.pairs = bodyPairs(doc)
	return r
}

// entityOf makes the in-memory entity of a parsed record (interning its strings).
func (c *Catalog) entityOf(r *parsedRecord) *entity {
	e := c.newEntity()
	e.key, e.uid = c.idx.keep(r.key), c.idx.keep(r.h.UID)
	e.ref = e.key
	if r.h.Ref != r.key {
		e.ref = c.idx.keep(r.h.Ref)
	}
	e.kind = c.internStr(r.h.Kind)
	if len(r.h.Hash) == 2*sha1.Size {
		_, _ = hex.Decode(e.hash[:], []byte(r.h.Hash))
	}
	e.source, e.origin = c.internStr(r.h.Source), c.internStr(r.h.Origin)
	e.errors, e.conflicts, e.orphan = r.h.Errors, r.h.Conflicts, r.h.Orphan
	e.pend = &pending{body: r.body, pairs: r.pairs}
	return e
}

// loadChunk is how many records the load hands to a parser at once.
const loadChunk = 256

// readRecords reads every stored entity record and parses them on every CPU while the
// store is still being read, so the store's scan (a network read, for PostgreSQL) and
// the JSON decoding overlap. The records come back in the store's order.
func (c *Catalog) readRecords(ctx context.Context) ([]parsedRecord, error) {
	type chunk struct {
		recs []parsedRecord
		raw  [][]byte
	}
	var (
		chunks []*chunk
		cur    *chunk
		work   = make(chan *chunk, 2*runtime.GOMAXPROCS(0))
		wg     sync.WaitGroup
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ch := range work {
				for i := range ch.recs {
					ver := ch.recs[i].ver
					ch.recs[i] = c.parseRecord(ch.recs[i].key, ch.raw[i])
					ch.recs[i].ver = ver
				}
				ch.raw = nil
			}
		}()
	}
	send := func() {
		if cur != nil {
			chunks = append(chunks, cur)
			work <- cur
			cur = nil
		}
	}
	err := forEachVersion(ctx, c.store, BucketEntities, func(k, v []byte, ver uint64) error {
		if cur == nil {
			cur = &chunk{recs: make([]parsedRecord, 0, loadChunk), raw: make([][]byte, 0, loadChunk)}
		}
		// The store's slices are valid only during the call.
		cur.recs = append(cur.recs, parsedRecord{key: string(k), ver: ver})
		cur.raw = append(cur.raw, append([]byte(nil), v...))
		if len(cur.recs) == loadChunk {
			send()
		}
		return nil
	})
	send()
	close(work)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	n := 0
	for _, ch := range chunks {
		n += len(ch.recs)
	}
	out := make([]parsedRecord, 0, n)
	for _, ch := range chunks {
		for _, r := range ch.recs {
			if r.err != nil {
				return nil, r.err
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// load rebuilds the in-memory catalog from the store.
func (c *Catalog) load(ctx context.Context) error {
	err := c.store.ForEach(ctx, BucketLocations, func(k, v []byte) error {
		var s storedLocation
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("location %s: %w", k, err)
		}
		c.locations[s.ID] = &Location{ID: s.ID, Type: s.Type, Target: s.Target, Origin: s.Origin, Rules: s.Rules}
		return nil
	})
	if err != nil {
		return err
	}
	_, versioned := c.store.(VersionedStore)
	srcVers := map[string]uint64{}
	err = forEachVersion(ctx, c.store, BucketSources, func(k, v []byte, ver uint64) error {
		var s sourceState
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("source %s: %w", k, err)
		}
		c.sources[s.Key] = &s
		if versioned {
			srcVers[string(k)] = ver
		}
		return nil
	})
	if err != nil {
		return err
	}
	recs, err := c.readRecords(ctx)
	if err != nil {
		return err
	}
	byKey := func(a, b parsedRecord) int { return strings.Compare(a.key, b.key) }
	if !slices.IsSortedFunc(recs, byKey) { // the memory store's order is random
		slices.SortFunc(recs, byKey)
	}
	keys := make([]string, 0, len(recs))
	var entVers map[string]uint64
	if versioned {
		entVers = make(map[string]uint64, len(recs))
		c.srcVers = srcVers
	}
	for i := range recs {
		r := &recs[i]
		e := c.entityOf(r)
		c.ents[e.key] = e
		c.byUID[e.uid] = e
		keys = append(keys, e.key)
		if entVers != nil {
			entVers[e.key] = r.ver
		}
		e.fwd = c.ownEdges(r.rels, e.key)
		for _, rel := range r.rels {
			c.addEdge(rel, e.key)
		}
	}
	c.entVers = entVers
	c.stitchAll(keys)
	c.packAfterBulk()
	c.journal.reset(c.version.Add(1))
	return nil
}

// forEachVersion is store.ForEach with each row's version where the store keeps them
// (VersionedStore), 0 where it does not.
func forEachVersion(ctx context.Context, store Store, bucket string, fn func(key, value []byte, version uint64) error) error {
	if vs, ok := store.(VersionedStore); ok {
		return vs.ForEachVersion(ctx, bucket, fn)
	}
	return store.ForEach(ctx, bucket, func(k, v []byte) error { return fn(k, v, 0) })
}
