package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// Files is the plugins' own files (the files capability): one tree per plugin id in a
// bucket under "plugin-files", keyed by path. A value is the write time (8 bytes, Unix
// nanoseconds, big-endian) followed by the content. Each Write is one bbolt
// transaction, so a reader sees every file of a write or none of them, and a crash
// leaves the tree as it was before the write or after it.
type Files struct {
	db *bolt.DB
}

var (
	filesRoot  = []byte("plugin-files")
	filesUsage = []byte("\x00usage") // per-plugin byte count; no valid path starts with NUL
)

// MaxFilePath is the longest path, in bytes.
const MaxFilePath = 1024

// Files errors; callers map them to ABI error codes.
var (
	ErrFileQuota    = errors.New("quota exceeded")
	ErrFileTooLarge = errors.New("file too large")
	ErrFileBadPath  = errors.New("bad path")
	ErrFileNotFound = errors.New("no such file")
)

// FileLimits bound one plugin's files.
type FileLimits struct {
	// Quota bounds the plugin's paths plus contents, in bytes; 0 means no bound.
	Quota int64
	// MaxFileSize bounds one file's content; 0 means no bound.
	MaxFileSize int64
}

// FileWrite is one file of a Write.
type FileWrite struct {
	Path    string
	Content []byte
}

// FileStat describes a stored file.
type FileStat struct {
	Path       string
	Size       int64
	ModifiedAt time.Time
}

// WriteStats says what a Write did.
type WriteStats struct {
	Written, Removed int
	// Used is the plugin's bytes after the write.
	Used int64
}

// NewFiles opens (creating if needed) the plugins' files in db.
func NewFiles(db *bolt.DB) (*Files, error) {
	err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(filesRoot)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("files: create root bucket: %w", err)
	}
	return &Files{db: db}, nil
}

// CheckFilePath reports whether p is a valid file path: relative, slash-separated, at
// most MaxFilePath bytes of valid UTF-8, without empty, "." or ".." segments, a
// backslash or a control character.
func CheckFilePath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("%w: the path is empty", ErrFileBadPath)
	case len(p) > MaxFilePath:
		return fmt.Errorf("%w: the path is %d bytes, the limit is %d", ErrFileBadPath, len(p), MaxFilePath)
	case !utf8.ValidString(p):
		return fmt.Errorf("%w: %q is not valid UTF-8", ErrFileBadPath, p)
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("%w: %q is absolute; paths are relative to the plugin's own files", ErrFileBadPath, p)
	case strings.ContainsRune(p, '\\'):
		return fmt.Errorf("%w: %q has a backslash; separate segments with /", ErrFileBadPath, p)
	}
	if strings.IndexFunc(p, unicode.IsControl) >= 0 {
		return fmt.Errorf("%w: %q has a control character", ErrFileBadPath, p)
	}
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "":
			return fmt.Errorf("%w: %q has an empty segment", ErrFileBadPath, p)
		case ".", "..":
			return fmt.Errorf("%w: %q has a %q segment; paths stay inside the plugin's own files", ErrFileBadPath, p, seg)
		}
	}
	return nil
}

// checkDir checks a directory argument: a path, or a path with one trailing slash.
func checkDir(d string) (string, error) {
	d = strings.TrimSuffix(d, "/")
	if err := CheckFilePath(d); err != nil {
		return "", err
	}
	return d + "/", nil
}

func filesUsed(b *bolt.Bucket) int64 {
	v := b.Get(filesUsage)
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

func setFilesUsed(b *bolt.Bucket, n int64) error {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], uint64(n))
	return b.Put(filesUsage, v[:])
}

func fileStat(k, v []byte) FileStat {
	st := FileStat{Path: string(k)}
	if len(v) >= 8 {
		st.ModifiedAt = time.Unix(0, int64(binary.BigEndian.Uint64(v[:8]))).UTC()
		st.Size = int64(len(v) - 8)
	}
	return st
}

// Read returns the content of the plugin's file at path and when it was written, or
// ErrFileNotFound.
func (f *Files) Read(plugin, path string) ([]byte, time.Time, error) {
	if err := CheckFilePath(path); err != nil {
		return nil, time.Time{}, err
	}
	var out []byte
	var mod time.Time
	err := f.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(filesRoot).Bucket([]byte(plugin))
		if b == nil {
			return ErrFileNotFound
		}
		v := b.Get([]byte(path))
		if len(v) < 8 {
			return ErrFileNotFound
		}
		mod = fileStat(nil, v).ModifiedAt
		out = append(make([]byte, 0, len(v)-8), v[8:]...)
		return nil
	})
	return out, mod, err
}

// Write writes files in one transaction. With replace (a directory), every file under
// it that files does not write is removed in the same transaction. A file whose content
// is unchanged keeps its modification time. A file over
// lim.MaxFileSize, or a result over lim.Quota, fails the whole write (ErrFileTooLarge,
// ErrFileQuota) and changes nothing.
func (f *Files) Write(plugin string, files []FileWrite, replace string, lim FileLimits) (WriteStats, error) {
	var st WriteStats
	written := make(map[string]bool, len(files))
	for i, fw := range files {
		if err := CheckFilePath(fw.Path); err != nil {
			return st, fmt.Errorf("files[%d]: %w", i, err)
		}
		if lim.MaxFileSize > 0 && int64(len(fw.Content)) > lim.MaxFileSize {
			return st, fmt.Errorf("%w: files[%d] %s is %d bytes, the limit is %d", ErrFileTooLarge, i, fw.Path, len(fw.Content), lim.MaxFileSize)
		}
		written[fw.Path] = true
	}
	var dir string
	if replace != "" {
		var err error
		if dir, err = checkDir(replace); err != nil {
			return st, fmt.Errorf("replace: %w", err)
		}
	}
	now := time.Now().UnixNano()
	err := f.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.Bucket(filesRoot).CreateBucketIfNotExists([]byte(plugin))
		if err != nil {
			return err
		}
		used := filesUsed(b)
		if dir != "" {
			var gone [][]byte
			c := b.Cursor()
			for k, v := c.Seek([]byte(dir)); k != nil && bytes.HasPrefix(k, []byte(dir)); k, v = c.Next() {
				if !written[string(k)] {
					gone = append(gone, k)
					used -= int64(len(k) + len(v) - 8)
				}
			}
			for _, k := range gone {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			st.Removed = len(gone)
		}
		for _, fw := range files {
			k := []byte(fw.Path)
			if old := b.Get(k); len(old) >= 8 {
				used -= int64(len(k) + len(old) - 8)
			}
			used += int64(len(k) + len(fw.Content))
		}
		if lim.Quota > 0 && used > lim.Quota {
			return fmt.Errorf("%w: plugin %s would use %d of its %d bytes", ErrFileQuota, plugin, used, lim.Quota)
		}
		for _, fw := range files {
			// A file whose bytes are the stored ones is left as it is, with its
			// modification time: a rebuilt site rewrites few of its pages, and bbolt
			// would copy and write every page it is given again.
			if old := b.Get([]byte(fw.Path)); len(old) >= 8 && bytes.Equal(old[8:], fw.Content) {
				continue
			}
			v := make([]byte, 8+len(fw.Content))
			binary.BigEndian.PutUint64(v, uint64(now))
			copy(v[8:], fw.Content)
			if err := b.Put([]byte(fw.Path), v); err != nil {
				return err
			}
		}
		st.Written, st.Used = len(files), used
		return setFilesUsed(b, used)
	})
	if err != nil {
		return WriteStats{}, err
	}
	return st, nil
}

// List returns up to limit files whose path starts with prefix, in byte order.
func (f *Files) List(plugin, prefix string, limit int) ([]FileStat, error) {
	if prefix != "" && (!utf8.ValidString(prefix) || len(prefix) > MaxFilePath) {
		return nil, fmt.Errorf("%w: prefix %q is not valid UTF-8 of at most %d bytes", ErrFileBadPath, prefix, MaxFilePath)
	}
	out := []FileStat{}
	err := f.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(filesRoot).Bucket([]byte(plugin))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		p := []byte(prefix)
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			if k[0] == 0 {
				continue
			}
			if limit > 0 && len(out) >= limit {
				break
			}
			out = append(out, fileStat(k, v))
		}
		return nil
	})
	return out, err
}

// Delete removes the file at path and every file under the directory path, and
// returns how many it removed.
func (f *Files) Delete(plugin, path string) (int, error) {
	dir, err := checkDir(path)
	if err != nil {
		return 0, err
	}
	path = strings.TrimSuffix(dir, "/")
	n := 0
	err = f.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(filesRoot).Bucket([]byte(plugin))
		if b == nil {
			return nil
		}
		used := filesUsed(b)
		var gone [][]byte
		if v := b.Get([]byte(path)); len(v) >= 8 {
			gone = append(gone, []byte(path))
			used -= int64(len(path) + len(v) - 8)
		}
		c := b.Cursor()
		for k, v := c.Seek([]byte(dir)); k != nil && bytes.HasPrefix(k, []byte(dir)); k, v = c.Next() {
			gone = append(gone, k)
			used -= int64(len(k) + len(v) - 8)
		}
		for _, k := range gone {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(gone)
		if n == 0 {
			return nil
		}
		return setFilesUsed(b, used)
	})
	return n, err
}

// Usage reports the bytes a plugin's files use (paths plus contents).
func (f *Files) Usage(plugin string) (int64, error) {
	var n int64
	err := f.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(filesRoot).Bucket([]byte(plugin)); b != nil {
			n = filesUsed(b)
		}
		return nil
	})
	return n, err
}
