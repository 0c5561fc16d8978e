package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// initialMmapSize is the address space bbolt maps for the file from the start (1 GiB
// on 64-bit hosts; address space only, not memory: pages become resident as they are
// read). bbolt remaps whenever a commit outgrows its mapping, and before remapping it
// copies every key and value the transaction touched into the heap; a first ingest of a
// large catalog grows the file many times over in one batch, so without the head room
// it copied the batch about ten times. 32-bit hosts keep bbolt's default, small mapping.
const initialMmapSize = (1 << 30) * (strconv.IntSize / 64)

// File is the host's one embedded bbolt file. bbolt locks the file per open, so every
// part of the host that stores data shares this handle.
type File struct {
	db    *bolt.DB
	kv    *KV
	files *Files
}

// OpenFile opens (creating if needed, with a 0700 parent directory) the bbolt file at
// path. It fails fast, naming the file, if another process holds it.
func OpenFile(path string) (*File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, InitialMmapSize: initialMmapSize})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("store %s: another process has it open; stop it or set backend.database.connection to another file", path)
		}
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	kv, err := NewKV(db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	files, err := NewFiles(db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	return &File{db: db, kv: kv, files: files}, nil
}

// KV is the plugin key-value store in this file.
func (f *File) KV() *KV { return f.kv }

// Files is the plugins' own files in this file.
func (f *File) Files() *Files { return f.files }

// boltDB is the underlying handle, for the other stores in this package.
func (f *File) boltDB() *bolt.DB { return f.db }

// Close closes the file.
func (f *File) Close() error { return f.db.Close() }
