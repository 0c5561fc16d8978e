// Package urlreader reads files, trees and glob searches from URLs, following Backstage's
// UrlReaderService contract: a caller passes the URL a person copies from the browser,
// and the first reader whose predicate accepts the URL serves it.
//
// Readers in this package: file (local files under configured roots) and fetch (plain
// HTTP(S) under backend.reading.allow). Sub-packages: githubreader (the only place
// go-github is used), gitlabreader, archive (tar.gz/zip with traversal and bomb checks),
// integrations (the `integrations` config section and NewReaders, which builds them
// all), catalogreader (the catalog's Reader over these readers). Every network read goes
// through host/internal/egress.
package urlreader

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"greenroom.dev/greenroom/host/internal/egress"
	"greenroom.dev/greenroom/host/internal/excerpt"
)

// ReadURLOptions are the options of ReadURL.
type ReadURLOptions struct {
	// ETag from an earlier read; if the target still has it, ReadURL returns
	// ErrNotModified.
	ETag string
	// LastModifiedAfter: if the target is not newer, ReadURL returns ErrNotModified.
	LastModifiedAfter time.Time
	// MaxBytes, if positive, replaces backend.reading.maxBytes for this read: the plugin
	// loader raises it for .wasm files, host calls lower it to what a plugin may hold.
	MaxBytes int64
}

// Max returns opts.MaxBytes if set, else def.
func (o ReadURLOptions) Max(def int64) int64 {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return def
}

// ReadURLResponse is a file's content.
type ReadURLResponse struct {
	Content []byte
	// ETag identifies this version; pass it back in ReadURLOptions.ETag.
	ETag string
	// LastModifiedAt is zero when the source does not say.
	LastModifiedAt time.Time
}

// ReadTreeOptions are the options of ReadTree.
type ReadTreeOptions struct {
	// ETag from an earlier read; if the tree still has it, ReadTree returns
	// ErrNotModified.
	ETag string
	// Filter, if set, keeps only the files it returns true for. path is relative to
	// the tree URL, with no leading slash.
	Filter func(path string, size int64) bool
}

// File is one file of a tree.
type File struct {
	// Path is relative to the tree URL, with no leading slash, using `/`.
	Path    string
	Content []byte
	Size    int64
	// LastModifiedAt is zero when the source does not say.
	LastModifiedAt time.Time
}

// ReadTreeResponse is a directory's files.
type ReadTreeResponse struct {
	Files []File
	ETag  string
}

// SearchOptions are the options of Search.
type SearchOptions struct {
	// ETag from an earlier search; if nothing changed, Search returns ErrNotModified.
	ETag string
}

// SearchFile is one match of a search.
type SearchFile struct {
	// URL is the user-facing URL of the matched file.
	URL            string
	Content        []byte
	LastModifiedAt time.Time
}

// SearchResponse lists the files a glob URL matches.
type SearchResponse struct {
	Files []SearchFile
	ETag  string
}

// Reader reads from the URLs its predicate accepts.
type Reader interface {
	ReadURL(ctx context.Context, rawURL string, opts ReadURLOptions) (*ReadURLResponse, error)
	ReadTree(ctx context.Context, rawURL string, opts ReadTreeOptions) (*ReadTreeResponse, error)
	Search(ctx context.Context, rawURL string, opts SearchOptions) (*SearchResponse, error)
}

// Errors. Each error a reader returns matches one of these with errors.Is.
var (
	// ErrNotModified: the target still has the ETag given, or is not newer than
	// LastModifiedAfter. Backstage's NotModifiedError; the HTTP layer answers 304.
	ErrNotModified = errors.New("not modified")
	// ErrNotFound: the source says the file or tree does not exist (404/410). Never
	// returned for rate limits, permission errors or outages.
	ErrNotFound = errors.New("not found")
	// ErrNotAllowed: no reader accepts the URL, or the URL leads outside the allow rules.
	ErrNotAllowed = errors.New("not allowed")
	// ErrNotSupported: the reader cannot do this operation (fetch has no ReadTree).
	ErrNotSupported = errors.New("not supported")
	// ErrInvalidURL: the URL does not parse or has a shape the reader does not know.
	ErrInvalidURL = errors.New("invalid URL")
	// ErrRateLimited: the source refused because of a rate limit; see *RateLimitError.
	ErrRateLimited = errors.New("rate limited")
	// ErrUnavailable: the source failed (5xx, connection error, permission denied).
	ErrUnavailable = errors.New("unavailable")
	// ErrTooLarge is egress.ErrTooLarge: a body or tree is over its cap.
	ErrTooLarge = egress.ErrTooLarge
)

// RateLimitError says when a rate limit resets. It matches ErrRateLimited.
type RateLimitError struct {
	URL string
	// ResetAt is when the source accepts requests again; zero if it did not say.
	ResetAt time.Time
	Status  int
	Message string
}

func (e *RateLimitError) Error() string {
	msg := fmt.Sprintf("read %s: rate limited (HTTP %d)", e.URL, e.Status)
	if !e.ResetAt.IsZero() {
		msg += fmt.Sprintf(", resets at %s", e.ResetAt.UTC().Format(time.RFC3339))
	}
	if e.Message != "" {
		msg += ": " + excerpt.Text(e.Message) // the source's words: fetched content
	}
	return msg + "; configure a token in integrations.github or read less often"
}

// Is makes errors.Is(err, ErrRateLimited) true.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// Predicate reports whether a reader serves u.
type Predicate func(u *url.URL) bool

// Entry pairs a reader with the predicate that selects it.
type Entry struct {
	// Name appears in errors and logs ("file", "fetch", "github:github.com").
	Name      string
	Reader    Reader
	Predicate Predicate
	// Cacheable readers get the ETag/content cache in front of ReadURL.
	Cacheable bool
}

func errorf(sentinel error, format string, args ...any) error {
	return &readError{sentinel: sentinel, err: fmt.Errorf(format, args...)}
}

type readError struct {
	sentinel error
	err      error
}

func (e *readError) Error() string        { return e.err.Error() }
func (e *readError) Unwrap() error        { return e.err }
func (e *readError) Is(target error) bool { return target == e.sentinel }

// Errorf builds an error that matches sentinel (one of this package's Err values) with
// errors.Is, and also wraps any %w argument. Readers in sub-packages use it.
func Errorf(sentinel error, format string, args ...any) error {
	return errorf(sentinel, format, args...)
}

// RepoResolver is implemented by readers of source-code hosts (GitHub): RepoFileURL
// returns the URL of file in the repository that repoURL names as it is copied from
// the browser (https://github.com/org/repo, or a tree URL), at the repository's default
// branch or the tree's ref. A URL that names no repository is ErrInvalidURL; a
// repository that does not exist is ErrNotFound.
type RepoResolver interface {
	RepoFileURL(ctx context.Context, repoURL, file string) (string, error)
}

// HostReader is a reader that serves one integration host.
type HostReader interface {
	Reader
	Host() string
	Accepts(u *url.URL) bool
}

// IntegrationEntries builds one entry per configured integration of a kind (github,
// gitlab), refusing a host configured twice. With none configured, def is used alone
// (the public host, read anonymously, as Backstage does).
func IntegrationEntries[I any](kind string, configured []I, def I, build func(index int, in I) (HostReader, error)) ([]Entry, error) {
	if len(configured) == 0 {
		configured = []I{def}
	}
	seen := map[string]bool{}
	out := make([]Entry, 0, len(configured))
	for i, in := range configured {
		r, err := build(i, in)
		if err != nil {
			return nil, err
		}
		if seen[r.Host()] {
			return nil, fmt.Errorf("integrations.%s[%d].host: %s is configured twice; keep one entry per host", kind, i, r.Host())
		}
		seen[r.Host()] = true
		out = append(out, Entry{Name: kind + ":" + r.Host(), Reader: r, Predicate: r.Accepts, Cacheable: true})
	}
	return out, nil
}
