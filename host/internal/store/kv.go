package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// KV is the plugins' key-value store: one bucket per plugin inside a shared bbolt file,
// with a size quota per plugin. Keys and values are bytes; the quota counts both.
type KV struct {
	db *bolt.DB
}

var (
	kvRoot  = []byte("plugin-kv")
	kvUsage = []byte("\x00usage") // per-plugin byte count; not a valid user key
)

// Limits on keys.
const (
	MaxKVKey = 512
)

// KV errors; callers map them to ABI error codes.
var (
	ErrKVQuota    = errors.New("quota exceeded")
	ErrKVBadKey   = errors.New("bad key")
	ErrKVNotFound = errors.New("not found")
)

// NewKV opens (creating if needed) the plugin key-value store in db.
func NewKV(db *bolt.DB) (*KV, error) {
	err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(kvRoot)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("kv: create root bucket: %w", err)
	}
	return &KV{db: db}, nil
}

func checkKey(key []byte) error {
	if len(key) == 0 || len(key) > MaxKVKey {
		return fmt.Errorf("%w: keys are 1-%d bytes, got %d", ErrKVBadKey, MaxKVKey, len(key))
	}
	if key[0] == 0 {
		return fmt.Errorf("%w: keys may not start with a NUL byte", ErrKVBadKey)
	}
	return nil
}

func usage(b *bolt.Bucket) int64 {
	v := b.Get(kvUsage)
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

func setUsage(b *bolt.Bucket, n int64) error {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], uint64(n))
	return b.Put(kvUsage, v[:])
}

// Get returns the value of key in the plugin's bucket, or ErrKVNotFound.
func (s *KV) Get(plugin string, key []byte) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(kvRoot).Bucket([]byte(plugin))
		if b == nil {
			return ErrKVNotFound
		}
		v := b.Get(key)
		if v == nil {
			return ErrKVNotFound
		}
		out = append([]byte{}, v...)
		return nil
	})
	return out, err
}

// Put sets key to value, failing with ErrKVQuota if the plugin would use more than quota
// bytes (keys plus values).
func (s *KV) Put(plugin string, key, value []byte, quota int64) error {
	if err := checkKey(key); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.Bucket(kvRoot).CreateBucketIfNotExists([]byte(plugin))
		if err != nil {
			return err
		}
		used := usage(b)
		if old := b.Get(key); old != nil {
			used -= int64(len(key) + len(old))
		}
		used += int64(len(key) + len(value))
		if quota > 0 && used > quota {
			return fmt.Errorf("%w: plugin %s would use %d of its %d bytes", ErrKVQuota, plugin, used, quota)
		}
		if err := b.Put(key, value); err != nil {
			return err
		}
		return setUsage(b, used)
	})
}

// Delete removes key; deleting a missing key is not an error.
func (s *KV) Delete(plugin string, key []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(kvRoot).Bucket([]byte(plugin))
		if b == nil {
			return nil
		}
		old := b.Get(key)
		if old == nil {
			return nil
		}
		if err := b.Delete(key); err != nil {
			return err
		}
		return setUsage(b, usage(b)-int64(len(key)+len(old)))
	})
}

// List returns up to limit keys that start with prefix, in byte order.
func (s *KV) List(plugin string, prefix []byte, limit int) ([][]byte, error) {
	var out [][]byte
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(kvRoot).Bucket([]byte(plugin))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if k[0] == 0 {
				continue
			}
			if limit > 0 && len(out) >= limit {
				break
			}
			out = append(out, append([]byte{}, k...))
		}
		return nil
	})
	return out, err
}

// Usage reports the bytes a plugin uses.
func (s *KV) Usage(plugin string) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(kvRoot).Bucket([]byte(plugin)); b != nil {
			n = usage(b)
		}
		return nil
	})
	return n, err
}
