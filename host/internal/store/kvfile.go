package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// File is the host's one embedded bbolt file. bbolt locks the file per open, so every
// part of the host that stores data shares this handle.
type File struct {
	db *bolt.DB
	kv *KV
}

// OpenFile opens (creating if needed, with a 0700 parent directory) the bbolt file at
// path. It fails fast, naming the file, if another process holds it.
func OpenFile(path string) (*File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("store %s: another process has it open; stop it or set backend.database.connection to another file", path)
		}
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	kv, err := NewKV(db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	return &File{db: db, kv: kv}, nil
}

// KV is the plugin key-value store in this file.
func (f *File) KV() *KV { return f.kv }

// boltDB is the underlying handle, for the other stores in this package.
func (f *File) boltDB() *bolt.DB { return f.db }

// Close closes the file.
func (f *File) Close() error { return f.db.Close() }
