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
	if err := s.reserve(ops); err != nil {
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
		// A crash between reserve's two transactions leaves the reserve behind, and
		// reserve itself no longer runs once the file is that large: drop it here.
		if tx.Bucket([]byte(reserveBucket)) != nil {
			if err := tx.DeleteBucket([]byte(reserveBucket)); err != nil {
				return fmt.Errorf("catalog store: drop the reserve: %w", err)
			}
		}
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

// reserveBucket holds, between two transactions of reserve, the value that grows the
// file; a crash in between leaves it behind, and the next Apply deletes it.
const reserveBucket = "catalog.reserve"

// reserveChunk is the largest value reserve writes.
const reserveChunk = 256 << 20

// reserve grows the file before a batch that would grow it severalfold (the first
// ingest of a catalog). bbolt remaps its file each time a commit's allocations cross a
// power of two of the mapping, and each remap copies every key and value of the
// transaction into the heap: for a first ingest, about ten copies of everything. A
// value written in one transaction and deleted in the next leaves its pages free, so
// the batch then fits within the mapping.
func (s catalogStore) reserve(ops []catalog.Op) error {
	need := 0
	for _, op := range ops {
		need += len(op.Key) + len(op.Value) + 32
	}
	if need < 4<<20 {
		return nil
	}
	var size int64
	if err := s.db.View(func(tx *bolt.Tx) error { size = tx.Size(); return nil }); err != nil {
		return fmt.Errorf("catalog store: reserve: read size: %w", err)
	}
	if int64(need) < size {
		return nil
	}
	need += need / 4 // branch pages and partly filled leaves
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(reserveBucket))
		if err != nil {
			return err
		}
		// In values of at most reserveChunk: bbolt refuses a value over MaxValueSize
		// (2 GB), and one buffer of zeros serves them all.
		zeros := make([]byte, min(need, reserveChunk))
		for i, left := 0, need; left > 0; i++ {
			n := min(left, len(zeros))
			if err := b.Put([]byte(fmt.Sprintf("reserve-%d", i)), zeros[:n]); err != nil {
				return err
			}
			left -= n
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("catalog store: reserve %d bytes: write: %w", need, err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte(reserveBucket)) }); err != nil {
		return fmt.Errorf("catalog store: reserve %d bytes: free: %w", need, err)
	}
	return nil
}
