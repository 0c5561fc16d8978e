package store

import (
	"time"

	"greenroom.dev/greenroom/host/internal/catalog"
)

// Backend is everything the host stores, behind one handle: the embedded bbolt File, or
// PostgreSQL (host/internal/store/pgstore). The host picks one by
// backend.database.client and uses only these methods, so both keep the same data the
// same way; the contract tests in pgstore run one suite over both.
type Backend interface {
	// CatalogStore is the catalog's durable copy.
	CatalogStore() catalog.Store
	// KVStore is the plugins' key-value store.
	KVStore() KVStore
	// FileStore is the plugins' own files.
	FileStore() FileStore
	// StateBucket is one namespace of the host's own state ("auth", "scaffolder", "home").
	StateBucket(name string) StateBucket
	// Close releases the store.
	Close() error
}

// KVStore is the plugins' key-value store: per-plugin keys and values with a byte quota
// that counts both. Errors are ErrKVQuota, ErrKVBadKey and ErrKVNotFound.
type KVStore interface {
	Get(plugin string, key []byte) ([]byte, error)
	Put(plugin string, key, value []byte, quota int64) error
	Delete(plugin string, key []byte) error
	List(plugin string, prefix []byte, limit int) ([][]byte, error)
	Usage(plugin string) (int64, error)
}

// FileStore is the plugins' own files: per-plugin trees keyed by path, each Write
// atomic. Errors are ErrFileQuota, ErrFileTooLarge, ErrFileBadPath and ErrFileNotFound.
type FileStore interface {
	Read(plugin, path string) ([]byte, time.Time, error)
	Write(plugin string, files []FileWrite, replace string, lim FileLimits) (WriteStats, error)
	List(plugin, prefix string, limit int) ([]FileStat, error)
	Delete(plugin, path string) (int, error)
	Usage(plugin string) (int64, error)
}

// StateBucket is one namespace of the host's own state: string keys, byte values.
type StateBucket interface {
	Get(key string) (value []byte, ok bool, err error)
	Put(key string, value []byte) error
	Delete(key string) error
	List(prefix string) (map[string][]byte, error)
	// Update reads key's value and writes what fn returns, in one transaction that
	// holds key against every other writer (PostgreSQL: SELECT ... FOR UPDATE), so fn
	// decides on the value no one changes before its write: a compare-and-set across
	// replicas. ok says whether key had a value; fn returns the next value and whether
	// to write it. Update reports whether it wrote. fn must not call the bucket.
	Update(key string, fn func(value []byte, ok bool) (next []byte, write bool)) (bool, error)
	// Claim is Update for a key that has a value, skipping it when another transaction
	// holds it (PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED): then, or when key has no
	// value, it reports false without calling fn. For work that one replica takes from
	// a queue several replicas share.
	Claim(key string, fn func(value []byte) (next []byte, write bool)) (bool, error)
}

// ErrUnavailable marks the error of a call that failed because a shared database
// could not be reached or went away (not because it refused the call): the caller
// may try again later, and an HTTP edge answers 503.
var ErrUnavailable error = unavailableError{}

type unavailableError struct{}

func (unavailableError) Error() string { return "the database is unavailable" }

// Unavailable lets packages that do not import store recognise ErrUnavailable
// (errors.As with an interface{ Unavailable() bool }).
func (unavailableError) Unavailable() bool { return true }

// CatalogStore implements Backend.
func (f *File) CatalogStore() catalog.Store { return f.Catalog() }

// KVStore implements Backend.
func (f *File) KVStore() KVStore { return f.kv }

// FileStore implements Backend.
func (f *File) FileStore() FileStore { return f.files }

// StateBucket implements Backend.
func (f *File) StateBucket(name string) StateBucket { return f.Bucket(name) }

// CheckDir checks a directory argument of FileStore.Write or Delete (a path, or a path
// with one trailing slash) and returns it with one trailing slash.
func CheckDir(d string) (string, error) { return checkDir(d) }
