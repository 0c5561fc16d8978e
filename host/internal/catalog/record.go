package catalog

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"

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

func (c *Catalog) decodeRecord(key string, v []byte) (*entity, error) {
	i := bytes.IndexByte(v, '\n')
	if i < 0 {
		return nil, fmt.Errorf("entity record %s: no header", key)
	}
	var h recordHeader
	if err := json.Unmarshal(v[:i], &h); err != nil {
		return nil, fmt.Errorf("entity record %s: %w", key, err)
	}
	body := append([]byte(nil), v[i+1:]...)
	if !json.Valid(body) {
		return nil, fmt.Errorf("entity record %s: body is not valid JSON", key)
	}
	e := c.newEntity()
	e.key, e.uid = c.idx.keep(key), c.idx.keep(h.UID)
	e.ref = e.key
	if h.Ref != key {
		e.ref = c.idx.keep(h.Ref)
	}
	e.kind = c.internStr(h.Kind)
	if len(h.Hash) == 2*sha1.Size {
		_, _ = hex.Decode(e.hash[:], []byte(h.Hash))
	}
	e.source, e.origin = c.internStr(h.Source), c.internStr(h.Origin)
	e.errors, e.conflicts, e.orphan = h.Errors, h.Conflicts, h.Orphan
	e.pend = &pending{body: body}
	return e, nil
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
	err = c.store.ForEach(ctx, BucketSources, func(k, v []byte) error {
		var s sourceState
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("source %s: %w", k, err)
		}
		c.sources[s.Key] = &s
		return nil
	})
	if err != nil {
		return err
	}
	err = c.store.ForEach(ctx, BucketEntities, func(k, v []byte) error {
		e, err := c.decodeRecord(string(k), v)
		if err != nil {
			return err
		}
		c.ents[e.key] = e
		c.byUID[e.uid] = e
		return nil
	})
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(c.ents))
	for k := range c.ents {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// Decode bodies in parallel for their relations and search rows.
	ents := make([]*entity, len(keys))
	rels := make([][]model.Relation, len(keys))
	for i, k := range keys {
		ents[i] = c.ents[k]
	}
	parallel(len(ents), func(i int) {
		var doc map[string]any
		if json.Unmarshal(ents[i].pend.body, &doc) == nil {
			rels[i], _ = c.relationsOf(doc)
			ents[i].pend.pairs = bodyPairs(doc)
		}
	})
	for i, e := range ents {
		e.fwd = c.ownEdges(rels[i], e.key)
		for _, r := range rels[i] {
			c.addEdge(r, e.key)
		}
	}
	c.stitchAll(keys)
	c.packAfterBulk()
	c.journal.reset(c.version.Add(1))
	return nil
}
