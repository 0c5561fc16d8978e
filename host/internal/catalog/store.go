package catalog

import "context"

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

// MemoryStore is a Store kept in memory, for tests and the CLI's validate command.
type MemoryStore struct{ m map[string]map[string][]byte }

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{m: map[string]map[string][]byte{}} }

// ForEach implements Store (unordered).
func (s *MemoryStore) ForEach(_ context.Context, bucket string, fn func(key, value []byte) error) error {
	for k, v := range s.m[bucket] {
		if err := fn([]byte(k), v); err != nil {
			return err
		}
	}
	return nil
}

// Apply implements Store.
func (s *MemoryStore) Apply(_ context.Context, ops []Op) error {
	for _, op := range ops {
		b := s.m[op.Bucket]
		if b == nil {
			b = map[string][]byte{}
			s.m[op.Bucket] = b
		}
		if op.Value == nil {
			delete(b, op.Key)
		} else {
			b[op.Key] = append([]byte(nil), op.Value...)
		}
	}
	return nil
}
