package store

import (
	"context"
	"fmt"
	"sort"

	bolt "go.etcd.io/bbolt"

	"greenroom.dev/greenroom/host/internal/catalog"
)

// Catalog is the catalog.Store kept in this file (buckets named "catalog.*").
func (f *File) Catalog() catalog.Store { return NewCatalogStore(f.boltDB()) }

// NewCatalogStore returns the catalog.Store over an open bbolt handle. Each Apply is one
// bbolt transaction, so a crash leaves either all of a batch or none of it.
func NewCatalogStore(db *bolt.DB) catalog.Store { return catalogStore{db} }

type catalogStore struct{ db *bolt.DB }

// ForEach implements catalog.Store.
func (s catalogStore) ForEach(ctx context.Context, bucket string, fn func(key, value []byte) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			return nil
		}
		err := b.ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return fn(k, v)
		})
		// The catalog reads each bucket once, when it loads, and keeps what it needs;
		// the pages the scan mapped in would otherwise stay resident. The read
		// transaction keeps the mapping in place meanwhile.
		releaseMapped(s.db, tx.Size())
		return err
	})
}

// Apply implements catalog.Store.
func (s catalogStore) Apply(ctx context.Context, ops []catalog.Op) error {
	if len(ops) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// bbolt writes sorted keys far faster than random ones; the last op on a key wins.
	sorted := make([]catalog.Op, len(ops))
	copy(sorted, ops)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].Bucket != sorted[j].Bucket {
			return sorted[i].Bucket < sorted[j].Bucket
		}
		return sorted[i].Key < sorted[j].Key
	})
	ops = sorted
	return s.db.Update(func(tx *bolt.Tx) error {
		buckets := map[string]*bolt.Bucket{}
		for _, op := range ops {
			b := buckets[op.Bucket]
			if b == nil {
				var err error
				b, err = tx.CreateBucketIfNotExists([]byte(op.Bucket))
				if err != nil {
					return fmt.Errorf("catalog store: bucket %s: %w", op.Bucket, err)
				}
				buckets[op.Bucket] = b
			}
			if op.Value == nil {
				if err := b.Delete([]byte(op.Key)); err != nil {
					return fmt.Errorf("catalog store: delete %s/%s: %w", op.Bucket, op.Key, err)
				}
				continue
			}
			if err := b.Put([]byte(op.Key), op.Value); err != nil {
				return fmt.Errorf("catalog store: put %s/%s: %w", op.Bucket, op.Key, err)
			}
		}
		return nil
	})
}
