package urlreader

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"

	"greenroom.dev/greenroom/abi"
)

// The url_read, url_read_tree and url_search host functions (abi/SPEC.md 3.3) as plain
// Go: the runtime decodes the JSON request into these types, calls HostRead,
// HostReadTree or HostSearch with a Reader narrowed to the plugin's grant (Narrow), and
// encodes the result, or CallError(err), into the result envelope.

// ReadRequest is url_read's request.
type ReadRequest struct {
	URL  string `json:"url"`
	ETag string `json:"etag,omitempty"`
}

// ReadResult is url_read's result. Content is base64 on the wire.
type ReadResult struct {
	Content        []byte `json:"content,omitempty"`
	ETag           string `json:"etag,omitempty"`
	LastModifiedAt string `json:"lastModifiedAt,omitempty"`
	NotModified    bool   `json:"notModified,omitempty"`
}

// ReadTreeRequest is url_read_tree's request. Filter is an optional glob (MatchGlob
// syntax, `**` allowed) on paths relative to the tree URL.
type ReadTreeRequest struct {
	URL    string `json:"url"`
	ETag   string `json:"etag,omitempty"`
	Filter string `json:"filter,omitempty"`
}

// TreeFile is one file of a url_read_tree result.
type TreeFile struct {
	Path    string `json:"path"`
	Content []byte `json:"content"`
	Size    int64  `json:"size"`
}

// ReadTreeResult is url_read_tree's result.
type ReadTreeResult struct {
	Files       []TreeFile `json:"files"`
	ETag        string     `json:"etag,omitempty"`
	NotModified bool       `json:"notModified,omitempty"`
}

// SearchRequest is url_search's request.
type SearchRequest struct {
	URL  string `json:"url"`
	ETag string `json:"etag,omitempty"`
}

// SearchResultFile is one match of a url_search result.
type SearchResultFile struct {
	URL     string `json:"url"`
	Content []byte `json:"content"`
}

// SearchResult is url_search's result.
type SearchResult struct {
	Files       []SearchResultFile `json:"files"`
	ETag        string             `json:"etag,omitempty"`
	NotModified bool               `json:"notModified,omitempty"`
}

// HostRead serves url_read. maxBytes (if positive) caps the file below the configured
// limit, for plugins with little memory.
func HostRead(ctx context.Context, r Reader, req ReadRequest, maxBytes int64) (*ReadResult, error) {
	res, err := r.ReadURL(ctx, req.URL, ReadURLOptions{ETag: req.ETag, MaxBytes: maxBytes})
	if errors.Is(err, ErrNotModified) {
		return &ReadResult{ETag: req.ETag, NotModified: true}, nil
	}
	if err != nil {
		return nil, err
	}
	out := &ReadResult{Content: res.Content, ETag: res.ETag}
	if !res.LastModifiedAt.IsZero() {
		out.LastModifiedAt = res.LastModifiedAt.UTC().Format(time.RFC3339)
	}
	return out, nil
}

// HostReadTree serves url_read_tree.
func HostReadTree(ctx context.Context, r Reader, req ReadTreeRequest) (*ReadTreeResult, error) {
	opts := ReadTreeOptions{ETag: req.ETag}
	if req.Filter != "" {
		if !ValidGlob(req.Filter) {
			return nil, errorf(ErrInvalidURL, "filter %q is not a valid glob", req.Filter)
		}
		opts.Filter = func(p string, _ int64) bool { return MatchGlob(req.Filter, p) }
	}
	res, err := r.ReadTree(ctx, req.URL, opts)
	if errors.Is(err, ErrNotModified) {
		return &ReadTreeResult{Files: []TreeFile{}, ETag: req.ETag, NotModified: true}, nil
	}
	if err != nil {
		return nil, err
	}
	out := &ReadTreeResult{Files: make([]TreeFile, 0, len(res.Files)), ETag: res.ETag}
	for _, f := range res.Files {
		out.Files = append(out.Files, TreeFile{Path: f.Path, Content: f.Content, Size: f.Size})
	}
	return out, nil
}

// HostSearch serves url_search.
func HostSearch(ctx context.Context, r Reader, req SearchRequest) (*SearchResult, error) {
	res, err := r.Search(ctx, req.URL, SearchOptions{ETag: req.ETag})
	if errors.Is(err, ErrNotModified) {
		return &SearchResult{Files: []SearchResultFile{}, ETag: req.ETag, NotModified: true}, nil
	}
	if err != nil {
		return nil, err
	}
	out := &SearchResult{Files: make([]SearchResultFile, 0, len(res.Files)), ETag: res.ETag}
	for _, f := range res.Files {
		out.Files = append(out.Files, SearchResultFile{URL: f.URL, Content: f.Content})
	}
	return out, nil
}

// CallError turns a reader error into the ABI error a plugin sees.
func CallError(err error) *abi.Error {
	code := Code(err)
	if code == "" {
		code = abi.CodeInternal
	}
	return &abi.Error{Code: code, Message: err.Error()}
}

// Narrow returns a Reader that first asks allow whether the URL may be read, for
// per-plugin grants (host and path globs). A refusal matches ErrNotAllowed and so
// becomes capability_denied. For Search, allow sees the glob URL itself.
func Narrow(r Reader, allow func(u *url.URL) error) Reader {
	return &narrowed{r: r, allow: allow}
}

type narrowed struct {
	r     Reader
	allow func(u *url.URL) error
}

func (n *narrowed) check(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return errorf(ErrInvalidURL, "%q is not a URL: %v", rawURL, err)
	}
	if err := n.allow(u); err != nil {
		if errors.Is(err, ErrNotAllowed) {
			return err
		}
		return errorf(ErrNotAllowed, "%s: %w", u.Redacted(), err)
	}
	return nil
}

func (n *narrowed) ReadURL(ctx context.Context, rawURL string, opts ReadURLOptions) (*ReadURLResponse, error) {
	if err := n.check(rawURL); err != nil {
		return nil, err
	}
	return n.r.ReadURL(ctx, rawURL, opts)
}

func (n *narrowed) ReadTree(ctx context.Context, rawURL string, opts ReadTreeOptions) (*ReadTreeResponse, error) {
	if err := n.check(rawURL); err != nil {
		return nil, err
	}
	return n.r.ReadTree(ctx, rawURL, opts)
}

// Search checks the glob URL, and also drops every match the grant does not cover,
// because a glob (`**`) can reach further than a grant's own globs.
func (n *narrowed) Search(ctx context.Context, rawURL string, opts SearchOptions) (*SearchResponse, error) {
	if err := n.check(rawURL); err != nil {
		return nil, err
	}
	res, err := n.r.Search(ctx, rawURL, opts)
	if err != nil {
		return nil, err
	}
	kept := res.Files[:0]
	for _, f := range res.Files {
		if n.check(f.URL) == nil {
			kept = append(kept, f)
		}
	}
	res.Files = kept
	return res, nil
}

// Grant builds a Narrow check from a url.read grant: host globs (`github.com`,
// `*.example.com`, path.Match syntax on the URL's host[:port]) and URL
// path globs (`/acme/**`, MatchGlob syntax). Empty hosts or paths mean any. Errors name
// the offending entry as hosts[i] or paths[i].
func Grant(hosts, paths []string) (func(u *url.URL) error, error) {
	for i, h := range hosts {
		if _, err := path.Match(strings.ToLower(h), ""); err != nil || h == "" {
			return nil, fmt.Errorf("hosts[%d]: %q is not a valid host glob; write a host such as github.com or *.example.com", i, h)
		}
	}
	for i, p := range paths {
		if !strings.HasPrefix(p, "/") || !ValidGlob(strings.TrimPrefix(p, "/")) {
			return nil, fmt.Errorf("paths[%d]: %q is not a valid path glob; write it from the root, such as /acme/** or /acme/*/catalog-info.yaml", i, p)
		}
	}
	return func(u *url.URL) error {
		if len(hosts) > 0 {
			h := strings.ToLower(u.Host)
			ok := false
			for _, g := range hosts {
				if m, _ := path.Match(strings.ToLower(g), h); m {
					ok = true
					break
				}
			}
			if !ok {
				return errorf(ErrNotAllowed, "%s: host %s is not in the plugin's url.read grant hosts %v", u.Redacted(), u.Host, hosts)
			}
		}
		if len(paths) > 0 {
			p := strings.TrimPrefix(u.Path, "/")
			for _, seg := range strings.Split(p, "/") {
				if seg == ".." {
					return errorf(ErrNotAllowed, "%s: `..` is not allowed", u.Redacted())
				}
			}
			for _, g := range paths {
				if MatchGlob(strings.TrimPrefix(g, "/"), p) {
					return nil
				}
			}
			return errorf(ErrNotAllowed, "%s: path %s is not in the plugin's url.read grant paths %v", u.Redacted(), u.Path, paths)
		}
		return nil
	}, nil
}
