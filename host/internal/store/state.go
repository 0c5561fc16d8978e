package store

import (
	"bytes"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// stateRoot holds one bucket per namespace of the host's own state.
var stateRoot = []byte("host-state")

// ErrBadStateKey is returned for an empty key.
var ErrBadStateKey = errors.New("state: keys may not be empty")

// Bucket is one namespace of the host's own state in the file ("auth" holds the
// signing keys' public halves, the sign-in sessions and the development session
// secret): string keys, byte values, no quota. Each call is one bbolt transaction.
// Parts of the host use it through small interfaces of their own (auth.Store), so that
// they need not import this package.
type Bucket struct {
	db   *bolt.DB
	name []byte
}

// Bucket returns the namespace name of the host's own state; it is created on the
// first Put.
func (f *File) Bucket(name string) *Bucket {
	return &Bucket{db: f.db, name: []byte(name)}
}

func (b *Bucket) bucket(tx *bolt.Tx) *bolt.Bucket {
	root := tx.Bucket(stateRoot)
	if root == nil {
		return nil
	}
	return root.Bucket(b.name)
}

// create returns the bucket in a write transaction, creating it (and the state root)
// the first time.
func (b *Bucket) create(tx *bolt.Tx) (*bolt.Bucket, error) {
	root, err := tx.CreateBucketIfNotExists(stateRoot)
	if err != nil {
		return nil, err
	}
	return root.CreateBucketIfNotExists(b.name)
}

// Get returns the value of key; ok is false when there is none.
func (b *Bucket) Get(key string) (value []byte, ok bool, err error) {
	if key == "" {
		return nil, false, ErrBadStateKey
	}
	err = b.db.View(func(tx *bolt.Tx) error {
		bk := b.bucket(tx)
		if bk == nil {
			return nil
		}
		if v := bk.Get([]byte(key)); v != nil {
			value, ok = append([]byte{}, v...), true
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("state %s: get: %w", b.name, err)
	}
	return value, ok, nil
}

// Put sets key to value.
func (b *Bucket) Put(key string, value []byte) error {
	if key == "" {
		return ErrBadStateKey
	}
	err := b.db.Update(func(tx *bolt.Tx) error {
		bk, err := b.create(tx)
		if err != nil {
			return err
		}
		return bk.Put([]byte(key), value)
	})
	if err != nil {
		return fmt.Errorf("state %s: put: %w", b.name, err)
	}
	return nil
}

// Delete removes key; deleting a missing key is not an error.
func (b *Bucket) Delete(key string) error {
	if key == "" {
		return ErrBadStateKey
	}
	err := b.db.Update(func(tx *bolt.Tx) error {
		if bk := b.bucket(tx); bk != nil {
			return bk.Delete([]byte(key))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("state %s: delete: %w", b.name, err)
	}
	return nil
}

// List returns every key that starts with prefix, with its value.
func (b *Bucket) List(prefix string) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := b.db.View(func(tx *bolt.Tx) error {
		bk := b.bucket(tx)
		if bk == nil {
			return nil
		}
		c := bk.Cursor()
		p := []byte(prefix)
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			out[string(k)] = append([]byte{}, v...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("state %s: list: %w", b.name, err)
	}
	return out, nil
}

// Update implements StateBucket: one bbolt write transaction, which excludes every
// other writer of the file.
func (b *Bucket) Update(key string, fn func(value []byte, ok bool) (next []byte, write bool)) (bool, error) {
	if key == "" {
		return false, ErrBadStateKey
	}
	wrote := false
	err := b.db.Update(func(tx *bolt.Tx) error {
		var old []byte
		if bk := b.bucket(tx); bk != nil {
			old = bk.Get([]byte(key))
		}
		next, write := fn(append([]byte(nil), old...), old != nil)
		if !write {
			return nil
		}
		bk, err := b.create(tx)
		if err != nil {
			return err
		}
		if next == nil {
			next = []byte{}
		}
		wrote = true
		return bk.Put([]byte(key), next)
	})
	if err != nil {
		return false, fmt.Errorf("state %s: update: %w", b.name, err)
	}
	return wrote, nil
}

// Claim implements StateBucket. One process owns the file, so no other transaction
// can hold the key: Claim is Update of a key that has a value.
func (b *Bucket) Claim(key string, fn func(value []byte) (next []byte, write bool)) (bool, error) {
	return b.Update(key, func(v []byte, ok bool) ([]byte, bool) {
		if !ok {
			return nil, false
		}
		return fn(v)
	})
}
