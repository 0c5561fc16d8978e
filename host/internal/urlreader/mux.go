package urlreader

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"greenroom.dev/greenroom/host/internal/egress"
)

// Options are the non-config inputs of New and of the readers in sub-packages.
type Options struct {
	// Resolver resolves host names for the egress checks; nil means the system
	// resolver. Tests use egress.StaticResolver.
	Resolver egress.Resolver
	// Logger gets start-up and warning lines; nil means slog.Default().
	Logger *slog.Logger
	// Observer is told of every read through the Mux (the host's metrics); nil
	// observes nothing.
	Observer Observer
}

// Limits are the size caps and timeout every reader applies.
type Limits struct {
	MaxBytes     int64
	MaxTreeBytes int64
	MaxTreeFiles int
	Timeout      time.Duration
}

// Limits returns the caps of c with defaults filled in. The error names the YAML path.
func (c ReadingConfig) Limits() (Limits, error) {
	l := Limits{MaxBytes: c.MaxBytes, MaxTreeBytes: c.MaxTreeBytes, MaxTreeFiles: c.MaxTreeFiles, Timeout: 60 * time.Second}
	if l.MaxBytes == 0 {
		l.MaxBytes = 20 << 20
	}
	if l.MaxTreeBytes == 0 {
		l.MaxTreeBytes = 200 << 20
	}
	if l.MaxTreeFiles == 0 {
		l.MaxTreeFiles = 10000
	}
	switch {
	case l.MaxBytes < 0:
		return l, fmt.Errorf("backend.reading.maxBytes: %d is negative; use a byte count such as 20971520, or leave it out for 20 MiB", c.MaxBytes)
	case l.MaxTreeBytes < 0:
		return l, fmt.Errorf("backend.reading.maxTreeBytes: %d is negative; use a byte count, or leave it out for 200 MiB", c.MaxTreeBytes)
	case l.MaxTreeFiles < 0:
		return l, fmt.Errorf("backend.reading.maxTreeFiles: %d is negative; use a file count, or leave it out for 10000", c.MaxTreeFiles)
	}
	if c.Timeout > 0 {
		l.Timeout = c.Timeout.D()
	}
	return l, nil
}

// Mux picks the first entry whose predicate accepts a URL and lets it serve the read.
// It is the Reader that the catalog, the plugin loader and the url.read host functions
// share.
type Mux struct {
	entries  []Entry
	cache    *Cache
	observer Observer
}

// New builds the readers from config: first the extra entries (the GitHub reader from
// githubreader.Entries), then the HTTP(S) fetch reader for backend.reading.allow, then
// the file reader for backend.reading.fileRoots.
func New(cfg ReadingConfig, opts Options, extra ...Entry) (*Mux, error) {
	lim, err := cfg.Limits()
	if err != nil {
		return nil, err
	}
	entries := append([]Entry(nil), extra...)
	if len(cfg.Allow) > 0 {
		f, err := NewFetchReader(cfg.Allow, lim, opts)
		if err != nil {
			return nil, err
		}
		entries = append(entries, Entry{Name: "fetch", Reader: f, Predicate: f.Accepts, Cacheable: true})
	}
	if len(cfg.FileRoots) > 0 {
		f, err := NewFileReader(cfg.FileRoots, lim)
		if err != nil {
			return nil, err
		}
		entries = append(entries, Entry{Name: "file", Reader: f, Predicate: f.Accepts})
	}
	m := NewMux(entries...)
	m.observer = opts.Observer
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name)
	}
	log.Info("url readers ready", "readers", names, "fileRoots", cfg.FileRoots, "allowRules", len(cfg.Allow))
	switch {
	case cfg.CacheBytes == -1:
	case cfg.CacheBytes < -1:
		return nil, fmt.Errorf("backend.reading.cacheBytes: %d is not valid; use a byte count, 0 for the 32 MiB default or -1 to disable the cache", cfg.CacheBytes)
	case cfg.CacheBytes == 0:
		m.cache = NewCache(32 << 20)
	default:
		m.cache = NewCache(cfg.CacheBytes)
	}
	return m, nil
}

// NewMux returns a Mux over entries, without a cache. SetCache adds one.
func NewMux(entries ...Entry) *Mux { return &Mux{entries: entries} }

// SetCache puts c in front of the cacheable entries; nil removes the cache.
func (m *Mux) SetCache(c *Cache) { m.cache = c }

// Entries returns the entries in the order they are tried.
func (m *Mux) Entries() []Entry { return append([]Entry(nil), m.entries...) }

// Lookup returns the entry that serves rawURL.
func (m *Mux) Lookup(rawURL string) (Entry, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" {
		return Entry{}, errorf(ErrInvalidURL, "%q is not an absolute URL; write it as it appears in the browser, such as https://github.com/org/repo/blob/main/catalog-info.yaml, or as file:///path", rawURL)
	}
	for _, e := range m.entries {
		if e.Predicate(u) {
			return e, nil
		}
	}
	return Entry{}, errorf(ErrNotAllowed, "no URL reader accepts %s: add its host to backend.reading.allow (HTTP), to integrations.github (GitHub), or its directory to backend.reading.fileRoots (file://)", u.Redacted())
}

// ReadURL reads one file.
func (m *Mux) ReadURL(ctx context.Context, rawURL string, opts ReadURLOptions) (*ReadURLResponse, error) {
	e, err := m.Lookup(rawURL)
	if err != nil {
		m.observe("none", OpReadURL, err, false)
		return nil, err
	}
	if e.Cacheable && m.cache != nil {
		res, hit, err := m.cache.readURL(ctx, e.Reader, rawURL, opts)
		m.observe(e.Name, OpReadURL, err, hit)
		return res, err
	}
	res, err := e.Reader.ReadURL(ctx, rawURL, opts)
	m.observe(e.Name, OpReadURL, err, false)
	return res, err
}

// ReadTree reads the files under a directory URL.
func (m *Mux) ReadTree(ctx context.Context, rawURL string, opts ReadTreeOptions) (*ReadTreeResponse, error) {
	e, err := m.Lookup(rawURL)
	if err != nil {
		m.observe("none", OpReadTree, err, false)
		return nil, err
	}
	res, err := e.Reader.ReadTree(ctx, rawURL, opts)
	m.observe(e.Name, OpReadTree, err, false)
	return res, err
}

// Search returns the files a glob URL matches.
func (m *Mux) Search(ctx context.Context, rawURL string, opts SearchOptions) (*SearchResponse, error) {
	e, err := m.Lookup(rawURL)
	if err != nil {
		m.observe("none", OpSearch, err, false)
		return nil, err
	}
	res, err := e.Reader.Search(ctx, rawURL, opts)
	m.observe(e.Name, OpSearch, err, false)
	return res, err
}

// RepoFileURL asks the reader that serves repoURL for the URL of file in that
// repository (see RepoResolver). A reader that knows no repositories (fetch, file)
// answers ErrNotSupported.
func (m *Mux) RepoFileURL(ctx context.Context, repoURL, file string) (string, error) {
	e, err := m.Lookup(repoURL)
	if err != nil {
		return "", err
	}
	rr, ok := e.Reader.(RepoResolver)
	if !ok {
		return "", errorf(ErrNotSupported, "%s: the %s reader knows no repositories", repoURL, e.Name)
	}
	return rr.RepoFileURL(ctx, repoURL, file)
}

// ResolveRelative resolves a location-relative reference (`./other.yaml`, as Backstage's
// `$text: ./x` and Location targets use) against the URL of the file that contains it.
func ResolveRelative(base, ref string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", errorf(ErrInvalidURL, "base %q: %v", base, err)
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", errorf(ErrInvalidURL, "reference %q: %v", ref, err)
	}
	return b.ResolveReference(r).String(), nil
}
