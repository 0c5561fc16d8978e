package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"

	bolt "go.etcd.io/bbolt"
)

// Record is one stored value in a backend-neutral form, for copying a whole store from
// one backend to another (greenroom store migrate) and checking the copy.
type Record struct {
	// Area is what the value is: AreaCatalog, AreaKV, AreaFiles or AreaState.
	Area string
	// Space is the catalog bucket, the plugin id or the state namespace.
	Space string
	Key   []byte
	// Value is the stored value; for AreaFiles the write time (8 bytes, Unix
	// nanoseconds, big-endian) followed by the content.
	Value []byte
}

// The areas of a store, in the order Records visits them.
const (
	AreaCatalog = "catalog"
	AreaKV      = "kv"
	AreaFiles   = "files"
	AreaState   = "state"
)

// Areas lists the areas in Records' order.
var Areas = []string{AreaCatalog, AreaKV, AreaFiles, AreaState}

// Copyable is a Backend whose every record can be read (Records: by area in Areas'
// order, then by space and key in byte order) and written (PutRecords).
type Copyable interface {
	Records(ctx context.Context, fn func(Record) error) error
	PutRecords(ctx context.Context, recs []Record) error
	// Empty reports whether the store holds no record.
	Empty(ctx context.Context) (bool, error)
}

// Tally counts and checksums records per area; two stores hold the same data when
// their tallies are equal, since Records visits both in the same order.
type Tally struct {
	Count map[string]int64
	sums  map[string]hash.Hash
}

// NewTally returns an empty tally.
func NewTally() *Tally {
	t := &Tally{Count: map[string]int64{}, sums: map[string]hash.Hash{}}
	for _, a := range Areas {
		t.sums[a] = sha256.New()
	}
	return t
}

// Add counts r.
func (t *Tally) Add(r Record) {
	t.Count[r.Area]++
	h := t.sums[r.Area]
	if h == nil {
		h = sha256.New()
		t.sums[r.Area] = h
	}
	for _, b := range [][]byte{[]byte(r.Space), r.Key, r.Value} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
}

// Sum is the area's checksum, hex.
func (t *Tally) Sum(area string) string {
	if h := t.sums[area]; h != nil {
		return fmt.Sprintf("%x", h.Sum(nil))
	}
	return ""
}

// Records implements Copyable: the file's catalog buckets, plugin KV, plugin files and
// host state (not the derived usage counters).
func (f *File) Records(ctx context.Context, fn func(Record) error) error {
	return f.db.View(func(tx *bolt.Tx) error {
		// The catalog's buckets are the top-level ones other than the three roots.
		roots := map[string]bool{string(kvRoot): true, string(filesRoot): true, string(stateRoot): true}
		err := tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if roots[string(name)] {
				return nil
			}
			return b.ForEach(func(k, v []byte) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				return fn(Record{Area: AreaCatalog, Space: string(name), Key: k, Value: v})
			})
		})
		if err != nil {
			return err
		}
		for _, area := range []struct {
			name string
			root []byte
		}{{AreaKV, kvRoot}, {AreaFiles, filesRoot}, {AreaState, stateRoot}} {
			root := tx.Bucket(area.root)
			if root == nil {
				continue
			}
			err := root.ForEachBucket(func(space []byte) error {
				return root.Bucket(space).ForEach(func(k, v []byte) error {
					if v == nil || (area.name != AreaState && bytes.Equal(k, kvUsage)) {
						return nil
					}
					if err := ctx.Err(); err != nil {
						return err
					}
					return fn(Record{Area: area.name, Space: string(space), Key: k, Value: v})
				})
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// Empty implements Copyable.
func (f *File) Empty(ctx context.Context) (bool, error) {
	empty := true
	errStop := fmt.Errorf("not empty")
	err := f.Records(ctx, func(Record) error { empty = false; return errStop })
	if err != nil && err != errStop {
		return false, err
	}
	return empty, nil
}

// PutRecords implements Copyable: one transaction, keeping the usage counters.
func (f *File) PutRecords(ctx context.Context, recs []Record) error {
	return f.db.Update(func(tx *bolt.Tx) error {
		for _, r := range recs {
			var b *bolt.Bucket
			var err error
			switch r.Area {
			case AreaCatalog:
				b, err = tx.CreateBucketIfNotExists([]byte(r.Space))
			case AreaKV, AreaFiles, AreaState:
				root := map[string][]byte{AreaKV: kvRoot, AreaFiles: filesRoot, AreaState: stateRoot}[r.Area]
				var rb *bolt.Bucket
				if rb, err = tx.CreateBucketIfNotExists(root); err == nil {
					b, err = rb.CreateBucketIfNotExists([]byte(r.Space))
				}
			default:
				return fmt.Errorf("record area %q is not known", r.Area)
			}
			if err != nil {
				return err
			}
			old := b.Get(r.Key)
			if err := b.Put(r.Key, r.Value); err != nil {
				return err
			}
			switch r.Area {
			case AreaKV:
				err = setUsage(b, usage(b)+int64(len(r.Key)+len(r.Value))-sizeOf(r.Key, old, 0))
			case AreaFiles:
				err = setFilesUsed(b, filesUsed(b)+int64(len(r.Key)+len(r.Value)-8)-sizeOf(r.Key, old, 8))
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// sizeOf is what an old value counted toward a quota (none when there was none).
func sizeOf(key, old []byte, header int) int64 {
	if old == nil {
		return 0
	}
	return int64(len(key) + len(old) - header)
}
