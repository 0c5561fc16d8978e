package urlreader

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"greenroom.dev/greenroom/host/internal/egress"
)

// FileReader reads `file://` URLs under the configured roots. Every open goes through
// an os.Root, so `..`, absolute paths and symlinks that lead out of a root are refused
// by the kernel-level lookup, not by string checks alone.
type FileReader struct {
	roots []fileRoot
	lim   Limits
}

type fileRoot struct {
	configured string // as written in config, for messages
	dirs       []string
}

// NewFileReader checks that every root is an existing directory. Errors name the
// backend.reading.fileRoots entry.
func NewFileReader(roots []string, lim Limits) (*FileReader, error) {
	r := &FileReader{lim: lim}
	for i, root := range roots {
		if root == "" {
			return nil, fmt.Errorf("backend.reading.fileRoots[%d]: empty path; remove the entry or name a directory", i)
		}
		abs, err := filepath.Abs(root)
		if err != nil {
			return nil, fmt.Errorf("backend.reading.fileRoots[%d]: %q: %v", i, root, err)
		}
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			return nil, fmt.Errorf("backend.reading.fileRoots[%d]: %q: %v; create the directory or remove the entry", i, root, errors.Unwrap(err))
		}
		st, err := os.Stat(real)
		if err != nil || !st.IsDir() {
			return nil, fmt.Errorf("backend.reading.fileRoots[%d]: %q is not a directory", i, root)
		}
		fr := fileRoot{configured: root, dirs: []string{abs}}
		if real != abs {
			fr.dirs = append(fr.dirs, real)
		}
		r.roots = append(r.roots, fr)
	}
	return r, nil
}

// Accepts reports whether u is a file URL.
func (r *FileReader) Accepts(u *url.URL) bool { return u.Scheme == "file" }

// FileURL turns a local path into the file:// URL the file reader takes.
func FileURL(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String(), nil
}

// locate finds the root holding the URL's path and the path relative to it.
func (r *FileReader) locate(rawURL string) (base, rel string, u *url.URL, err error) {
	u, err = url.Parse(rawURL)
	if err != nil || u.Scheme != "file" {
		return "", "", nil, errorf(ErrInvalidURL, "%q is not a file:// URL", rawURL)
	}
	if u.Host != "" && u.Host != "localhost" {
		return "", "", nil, errorf(ErrInvalidURL, "%s: file URLs name no host; write file:///absolute/path", rawURL)
	}
	if !strings.HasPrefix(u.Path, "/") {
		return "", "", nil, errorf(ErrInvalidURL, "%s: the path must be absolute (file:///absolute/path)", rawURL)
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == ".." {
			return "", "", nil, errorf(ErrNotAllowed, "%s: `..` is not allowed in file URLs", rawURL)
		}
	}
	p := filepath.Clean(filepath.FromSlash(u.Path))
	for _, root := range r.roots {
		for _, dir := range root.dirs {
			rel, err := filepath.Rel(dir, p)
			if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return dir, rel, u, nil
			}
		}
	}
	return "", "", nil, errorf(ErrNotAllowed, "%s is outside every backend.reading.fileRoots directory; add its directory there", rawURL)
}

func fileErr(rawURL string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errorf(ErrNotFound, "%s: no such file", rawURL)
	case strings.Contains(err.Error(), "escapes"):
		return errorf(ErrNotAllowed, "%s: the path leads outside its file root (through a symlink); link targets must stay inside backend.reading.fileRoots", rawURL)
	default:
		return errorf(ErrUnavailable, "%s: %w", rawURL, err)
	}
}

func contentETag(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// ReadURL reads one file. The ETag is the sha256 of the content.
func (r *FileReader) ReadURL(ctx context.Context, rawURL string, opts ReadURLOptions) (*ReadURLResponse, error) {
	base, rel, _, err := r.locate(rawURL)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(base)
	if err != nil {
		return nil, fileErr(rawURL, err)
	}
	defer root.Close()
	f, err := root.Open(rel)
	if err != nil {
		return nil, fileErr(rawURL, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fileErr(rawURL, err)
	}
	if st.IsDir() {
		return nil, errorf(ErrInvalidURL, "%s is a directory; read it with ReadTree", rawURL)
	}
	if !opts.LastModifiedAfter.IsZero() && !st.ModTime().After(opts.LastModifiedAfter) {
		return nil, ErrNotModified
	}
	max := opts.Max(r.lim.MaxBytes)
	if st.Size() > max {
		return nil, &egress.TooLargeError{What: rawURL, Limit: max}
	}
	b, err := egress.ReadAll(f, max, rawURL)
	if err != nil {
		return nil, err
	}
	etag := contentETag(b)
	if opts.ETag == etag {
		return nil, ErrNotModified
	}
	return &ReadURLResponse{Content: b, ETag: etag, LastModifiedAt: st.ModTime()}, nil
}

// walk reads the regular files under dir (relative to base's root) that keep returns
// true for, applying the tree limits. Symlinks are followed only while they stay inside
// the root; symlinked directories are not descended into.
func (r *FileReader) walk(rawURL, base, dir string, keep func(rel string, size int64) bool) ([]File, error) {
	root, err := os.OpenRoot(base)
	if err != nil {
		return nil, fileErr(rawURL, err)
	}
	defer root.Close()
	st, err := root.Stat(dir)
	if err != nil {
		return nil, fileErr(rawURL, err)
	}
	if !st.IsDir() {
		return nil, errorf(ErrInvalidURL, "%s is a file; read it with ReadURL", rawURL)
	}
	var files []File
	var total int64
	fsys := root.FS()
	start := filepath.ToSlash(dir)
	err = fs.WalkDir(fsys, start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p, start), "/")
		if start == "." {
			rel = p
		}
		info, err := root.Stat(filepath.FromSlash(p)) // follows links, inside the root only
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		if keep != nil && !keep(rel, info.Size()) {
			return nil
		}
		if info.Size() > r.lim.MaxBytes {
			return &egress.TooLargeError{What: rawURL + ": " + rel, Limit: r.lim.MaxBytes}
		}
		if len(files) >= r.lim.MaxTreeFiles {
			return errorf(ErrTooLarge, "%s has more than %d files (backend.reading.maxTreeFiles)", rawURL, r.lim.MaxTreeFiles)
		}
		f, err := root.Open(filepath.FromSlash(p))
		if err != nil {
			return err
		}
		b, err := egress.ReadAll(f, r.lim.MaxBytes, rawURL+": "+rel)
		f.Close()
		if err != nil {
			return err
		}
		total += int64(len(b))
		if total > r.lim.MaxTreeBytes {
			return &egress.TooLargeError{What: rawURL + " (whole tree)", Limit: r.lim.MaxTreeBytes}
		}
		files = append(files, File{Path: rel, Content: b, Size: int64(len(b)), LastModifiedAt: info.ModTime()})
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrTooLarge) || errors.Is(err, ErrInvalidURL) {
			return nil, err
		}
		return nil, fileErr(rawURL, err)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

func treeETag(files []File) string {
	h := sha256.New()
	for _, f := range files {
		s := sha256.Sum256(f.Content)
		fmt.Fprintf(h, "%s\x00%x\n", f.Path, s)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// ReadTree reads every file under a directory URL. The ETag is a hash over the paths
// and contents of the returned files.
func (r *FileReader) ReadTree(ctx context.Context, rawURL string, opts ReadTreeOptions) (*ReadTreeResponse, error) {
	base, rel, _, err := r.locate(rawURL)
	if err != nil {
		return nil, err
	}
	files, err := r.walk(rawURL, base, rel, opts.Filter)
	if err != nil {
		return nil, err
	}
	etag := treeETag(files)
	if opts.ETag == etag {
		return nil, ErrNotModified
	}
	return &ReadTreeResponse{Files: files, ETag: etag}, nil
}

// Search returns the files matching a glob URL such as file:///srv/catalog/**/*.yaml.
func (r *FileReader) Search(ctx context.Context, rawURL string, opts SearchOptions) (*SearchResponse, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errorf(ErrInvalidURL, "%q is not a file:// URL", rawURL)
	}
	dir, pattern := SplitGlob(strings.TrimPrefix(u.Path, "/"))
	if !ValidGlob(pattern) {
		return nil, errorf(ErrInvalidURL, "%s: %q is not a valid glob", rawURL, pattern)
	}
	baseURL := (&url.URL{Scheme: "file", Path: "/" + dir}).String()
	base, rel, _, err := r.locate(baseURL)
	if err != nil {
		return nil, err
	}
	files, err := r.walk(rawURL, base, rel, func(p string, _ int64) bool { return MatchGlob(pattern, p) })
	if errors.Is(err, ErrNotFound) {
		files, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	etag := treeETag(files)
	if opts.ETag == etag {
		return nil, ErrNotModified
	}
	out := &SearchResponse{ETag: etag}
	for _, f := range files {
		out.Files = append(out.Files, SearchFile{
			URL:            (&url.URL{Scheme: "file", Path: path.Join("/"+dir, f.Path)}).String(),
			Content:        f.Content,
			LastModifiedAt: f.LastModifiedAt,
		})
	}
	return out, nil
}
