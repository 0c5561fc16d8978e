// Package archive unpacks tar.gz and zip archives into memory for tree reads, refusing
// path traversal (tar-slip, zip-slip) and stopping decompression bombs. Nothing is
// written to disk; links are skipped.
package archive

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"greenroom.dev/greenroom/host/internal/egress"
	"greenroom.dev/greenroom/host/internal/urlreader"
)

// Limits bound one archive.
type Limits struct {
	// MaxFileBytes caps one kept file.
	MaxFileBytes int64
	// MaxTotalBytes caps the unpacked bytes of all entries, kept or not: the
	// decompression-bomb limit.
	MaxTotalBytes int64
	// MaxFiles caps the number of kept files.
	MaxFiles int
	// MaxCompressedBytes caps the bytes read from the archive stream (0: no cap).
	MaxCompressedBytes int64
}

// Select says which entries to return: Strip leading path components are removed (a
// GitHub tarball has one, `owner-repo-sha/`), then only entries under Prefix are kept,
// with paths relative to it, and Keep (if set) filters those.
type Select struct {
	Strip  int
	Prefix string
	Keep   func(path string, size int64) bool
}

// ErrUnsafePath matches errors for entries whose names would escape the extraction
// root.
var ErrUnsafePath = errors.New("unsafe path in archive")

// safeName checks an entry name and returns it cleaned, with `/` separators.
func safeName(name string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%w: entry %q %s; the archive is refused", ErrUnsafePath, name, why)
	}
	switch {
	case name == "":
		return bad("is empty")
	case strings.ContainsRune(name, 0):
		return bad("contains a NUL byte")
	case strings.Contains(name, `\`):
		return bad("contains a backslash")
	case strings.HasPrefix(name, "/"):
		return bad("is absolute")
	case len(name) >= 2 && name[1] == ':':
		return bad("starts with a drive letter")
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == ".." {
			return bad("contains `..`")
		}
	}
	return path.Clean(name), nil
}

func (s Select) relative(clean string) (string, bool) {
	segs := strings.Split(clean, "/")
	if len(segs) <= s.Strip {
		return "", false
	}
	p := strings.Join(segs[s.Strip:], "/")
	prefix := strings.Trim(s.Prefix, "/")
	if prefix == "" {
		return p, true
	}
	if !strings.HasPrefix(p, prefix+"/") {
		return "", false
	}
	return strings.TrimPrefix(p, prefix+"/"), true
}

type budget struct {
	lim   Limits
	total int64
	files int
}

func (b *budget) entry(what string, size int64) error {
	b.total += size
	if b.total > b.lim.MaxTotalBytes {
		return &egress.TooLargeError{What: what + " (unpacked archive)", Limit: b.lim.MaxTotalBytes}
	}
	return nil
}

func (b *budget) keep(what, rel string, size int64) error {
	if size > b.lim.MaxFileBytes {
		return &egress.TooLargeError{What: what + ": " + rel, Limit: b.lim.MaxFileBytes}
	}
	b.files++
	if b.files > b.lim.MaxFiles {
		return urlreader.Errorf(urlreader.ErrTooLarge, "%s has more than %d files (backend.reading.maxTreeFiles)", what, b.lim.MaxFiles)
	}
	return nil
}

// ReadTarGz unpacks a gzip-compressed tar stream. what names the archive in errors.
func ReadTarGz(r io.Reader, what string, lim Limits, sel Select) ([]urlreader.File, error) {
	if lim.MaxCompressedBytes > 0 {
		r = egress.LimitReader(r, lim.MaxCompressedBytes, what)
	}
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%s: not a gzip stream: %w", what, err)
	}
	defer gz.Close()
	// The unpacked stream itself is capped too, so that padding and headers count.
	tr := tar.NewReader(egress.LimitReader(gz, lim.MaxTotalBytes+lim.MaxTotalBytes/8+1<<20, what+" (unpacked archive)"))
	b := &budget{lim: lim}
	var files []urlreader.File
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if h.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		clean, err := safeName(h.Name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if h.Typeflag != tar.TypeReg { // archive/tar reads the old TypeRegA as TypeReg
			continue // directories, links, devices: nothing to read, nothing to follow
		}
		if err := b.entry(what, h.Size); err != nil {
			return nil, err
		}
		rel, ok := sel.relative(clean)
		if !ok || (sel.Keep != nil && !sel.Keep(rel, h.Size)) {
			continue
		}
		if err := b.keep(what, rel, h.Size); err != nil {
			return nil, err
		}
		content, err := egress.ReadAll(tr, lim.MaxFileBytes, what+": "+rel)
		if err != nil {
			return nil, err
		}
		files = append(files, urlreader.File{Path: rel, Content: content, Size: int64(len(content)), LastModifiedAt: h.ModTime})
	}
}

// ReadZip unpacks a zip archive.
func ReadZip(r io.ReaderAt, size int64, what string, lim Limits, sel Select) ([]urlreader.File, error) {
	if lim.MaxCompressedBytes > 0 && size > lim.MaxCompressedBytes {
		return nil, &egress.TooLargeError{What: what, Limit: lim.MaxCompressedBytes}
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	b := &budget{lim: lim}
	var files []urlreader.File
	for _, f := range zr.File {
		clean, err := safeName(f.Name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if f.FileInfo().IsDir() || !f.Mode().IsRegular() {
			continue
		}
		declared := int64(f.UncompressedSize64)
		if f.UncompressedSize64 > 1<<62 {
			declared = 1 << 62
		}
		if err := b.entry(what, declared); err != nil {
			return nil, err
		}
		rel, ok := sel.relative(clean)
		if !ok || (sel.Keep != nil && !sel.Keep(rel, declared)) {
			continue
		}
		if err := b.keep(what, rel, declared); err != nil {
			return nil, err
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", what, rel, err)
		}
		// The declared size may lie; the read is capped independently.
		content, err := egress.ReadAll(rc, lim.MaxFileBytes, what+": "+rel)
		rc.Close()
		if err != nil {
			return nil, err
		}
		files = append(files, urlreader.File{Path: rel, Content: content, Size: int64(len(content)), LastModifiedAt: f.Modified})
	}
	return files, nil
}
