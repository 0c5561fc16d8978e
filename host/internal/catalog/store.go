package catalog

import (
	"context"
	"maps"
	"sync"
)

// Buckets of the durable store.
const (
	BucketEntities  = "catalog.entities"  // entity key -> stored entity record
	BucketSources   = "catalog.sources"   // location key -> source state (JSON)
	BucketLocations = "catalog.locations" // location id -> registered location (JSON)
)

// Op is one write of a Batch: Value nil deletes Key.
type Op struct {
	Bucket string
	Key    string
	Value  []byte
}

// Store is the catalog's durable copy. Implementations apply a batch atomically: after a
// crash the store holds either all of a batch or none of it. The bbolt implementation
// lives in host/internal/store; PostgreSQL can implement the same two calls.
type Store interface {
	// ForEach calls fn for every key of bucket, in key order. fn must not keep the slices.
	ForEach(ctx context.Context, bucket string, fn func(key, value []byte) error) error
	// Apply writes ops atomically.
	Apply(ctx context.Context, ops []Op) error
}

// MemoryStore is a VersionedStore kept in memory, for tests and the CLI's validate
// command. It is safe for concurrent use, as catalogs sharing one (replicas) need.
type MemoryStore struct {
	mu   sync.Mutex
	m    map[string]map[string]memRow
	last uint64 // the version of the last Apply
}

type memRow struct {
	value []byte
	ver   uint64
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{m: map[string]map[string]memRow{}} }

// rows copies bucket's rows, so callbacks run without the lock.
func (s *MemoryStore) rows(bucket string, keys []string) map[string]memRow {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]memRow{}
	if keys == nil {
		maps.Copy(out, s.m[bucket])
		return out
	}
	for _, k := range keys {
		if r, ok := s.m[bucket][k]; ok {
			out[k] = r
		}
	}
	return out
}

// ForEach implements Store (unordered).
func (s *MemoryStore) ForEach(ctx context.Context, bucket string, fn func(key, value []byte) error) error {
	return s.ForEachVersion(ctx, bucket, func(k, v []byte, _ uint64) error { return fn(k, v) })
}

// ForEachVersion implements VersionedStore (unordered).
func (s *MemoryStore) ForEachVersion(_ context.Context, bucket string, fn func(key, value []byte, version uint64) error) error {
	for k, r := range s.rows(bucket, nil) {
		if err := fn([]byte(k), r.value, r.ver); err != nil {
			return err
		}
	}
	return nil
}

// Versions implements VersionedStore.
func (s *MemoryStore) Versions(_ context.Context, bucket string, fn func(key []byte, version uint64) error) error {
	for k, r := range s.rows(bucket, nil) {
		if err := fn([]byte(k), r.ver); err != nil {
			return err
		}
	}
	return nil
}

// Get implements VersionedStore.
func (s *MemoryStore) Get(_ context.Context, bucket string, keys []string, fn func(key, value []byte, version uint64) error) error {
	if keys == nil {
		keys = []string{}
	}
	for k, r := range s.rows(bucket, keys) {
		if err := fn([]byte(k), r.value, r.ver); err != nil {
			return err
		}
	}
	return nil
}

// Apply implements Store: every row it writes gets the next version.
func (s *MemoryStore) Apply(ctx context.Context, ops []Op) error {
	_, err := s.ApplyVersion(ctx, ops)
	return err
}

// ApplyVersion implements VersionedStore.
func (s *MemoryStore) ApplyVersion(_ context.Context, ops []Op) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last++
	for _, op := range ops {
		b := s.m[op.Bucket]
		if b == nil {
			b = map[string]memRow{}
			s.m[op.Bucket] = b
		}
		if op.Value == nil {
			delete(b, op.Key)
		} else {
			b[op.Key] = memRow{value: append([]byte(nil), op.Value...), ver: s.last}
		}
	}
	return s.last, nil
}

// VersionedStore is a Store that tells each row's version: a number that changes
// whenever the row is written (on PostgreSQL, the id of the transaction that wrote it).
// A replica on one remembers the versions it loaded, so Reload reads only the rows
// another replica changed since, not the whole catalog.
type VersionedStore interface {
	Store
	// ForEachVersion is ForEach with each row's version.
	ForEachVersion(ctx context.Context, bucket string, fn func(key, value []byte, version uint64) error) error
	// Versions calls fn with every key of bucket and its version, in no set order.
	// fn must not keep the slice.
	Versions(ctx context.Context, bucket string, fn func(key []byte, version uint64) error) error
	// Get calls fn for each of keys present in bucket, with its value and version, in
	// no set order. fn must not keep the slices.
	Get(ctx context.Context, bucket string, keys []string, fn func(key, value []byte, version uint64) error) error
	// ApplyVersion is Apply, returning the version of every row it wrote, so that a
	// replica knows its own writes and does not read them back on Reload.
	ApplyVersion(ctx context.Context, ops []Op) (uint64, error)
}
