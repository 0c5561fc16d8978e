package capability

import (
	"context"
	"errors"
	"net/url"
	"time"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/egress"
	"greenroom.dev/greenroom/host/internal/permission"
	"greenroom.dev/greenroom/host/internal/urlreader"
)

// The url.read capability: the host's URL readers, narrowed by the grant's host and path
// globs (urlreader.Narrow). A file is capped at a quarter of the plugin's memory limit.

// urlReader returns the plugin's narrowed reader, or one that refuses every URL when the
// grant's globs are invalid (config validation reports them too).
func urlReader(s *Services, p *config.Plugin) urlreader.Reader {
	g := p.Grants.URLRead
	allow, err := urlreader.Grant(g.Hosts, g.Paths)
	if err != nil {
		allow = func(*url.URL) error {
			return abi.Errorf(abi.CodeCapabilityDenied, "plugin %s: %s.grants.url.read: %v", p.ID, p.Path(), err)
		}
	}
	return urlreader.Narrow(s.URLs, allow)
}

func urlRead(s *Services, p *config.Plugin) Call[abi.URLReadRequest, abi.URLReadResult] {
	if s.URLs == nil || p.Grants.URLRead == nil {
		return nil
	}
	r, maxBytes := urlReader(s, p), int64(p.Limits.Memory)/4
	return func(ctx context.Context, req *abi.URLReadRequest) (abi.URLReadResult, error) {
		if err := s.mayReadURLs(ctx); err != nil {
			return abi.URLReadResult{}, err
		}
		res, err := r.ReadURL(ctx, req.URL, urlreader.ReadURLOptions{ETag: req.ETag, MaxBytes: maxBytes})
		if errors.Is(err, urlreader.ErrNotModified) {
			return abi.URLReadResult{ETag: req.ETag, NotModified: true}, nil
		}
		if err != nil {
			return abi.URLReadResult{}, urlError(err)
		}
		out := abi.URLReadResult{Content: res.Content, ETag: res.ETag}
		if !res.LastModifiedAt.IsZero() {
			out.LastModifiedAt = res.LastModifiedAt.UTC().Format(time.RFC3339)
		}
		return out, nil
	}
}

func urlReadTree(s *Services, p *config.Plugin) Call[abi.URLReadTreeRequest, abi.URLReadTreeResult] {
	if s.URLs == nil || p.Grants.URLRead == nil {
		return nil
	}
	r := urlReader(s, p)
	return func(ctx context.Context, req *abi.URLReadTreeRequest) (abi.URLReadTreeResult, error) {
		if err := s.mayReadURLs(ctx); err != nil {
			return abi.URLReadTreeResult{}, err
		}
		opts := urlreader.ReadTreeOptions{ETag: req.ETag}
		if req.Filter != "" {
			if !urlreader.ValidGlob(req.Filter) {
				return abi.URLReadTreeResult{}, abi.Errorf(abi.CodeInvalidArgument, "filter %q is not a valid glob", req.Filter)
			}
			opts.Filter = func(p string, _ int64) bool { return urlreader.MatchGlob(req.Filter, p) }
		}
		res, err := r.ReadTree(ctx, req.URL, opts)
		if errors.Is(err, urlreader.ErrNotModified) {
			return abi.URLReadTreeResult{Files: []abi.URLTreeFile{}, ETag: req.ETag, NotModified: true}, nil
		}
		if err != nil {
			return abi.URLReadTreeResult{}, urlError(err)
		}
		out := abi.URLReadTreeResult{Files: make([]abi.URLTreeFile, 0, len(res.Files)), ETag: res.ETag}
		for _, f := range res.Files {
			out.Files = append(out.Files, abi.URLTreeFile{Path: f.Path, Content: f.Content, Size: f.Size})
		}
		return out, nil
	}
}

func urlSearch(s *Services, p *config.Plugin) Call[abi.URLSearchRequest, abi.URLSearchResult] {
	if s.URLs == nil || p.Grants.URLRead == nil {
		return nil
	}
	r := urlReader(s, p)
	return func(ctx context.Context, req *abi.URLSearchRequest) (abi.URLSearchResult, error) {
		if err := s.mayReadURLs(ctx); err != nil {
			return abi.URLSearchResult{}, err
		}
		res, err := r.Search(ctx, req.URL, urlreader.SearchOptions{ETag: req.ETag})
		if errors.Is(err, urlreader.ErrNotModified) {
			return abi.URLSearchResult{Files: []abi.URLSearchFile{}, ETag: req.ETag, NotModified: true}, nil
		}
		if err != nil {
			return abi.URLSearchResult{}, urlError(err)
		}
		out := abi.URLSearchResult{Files: make([]abi.URLSearchFile, 0, len(res.Files)), ETag: res.ETag}
		for _, f := range res.Files {
			out.Files = append(out.Files, abi.URLSearchFile{URL: f.URL, Content: f.Content})
		}
		return out, nil
	}
}

// mayReadURLs checks the caller's permission greenroom.url.read: a plugin reads the
// organisation's files only for a caller who may.
func (s *Services) mayReadURLs(ctx context.Context) error {
	if s.decide(ctx, permission.URLRead).Result != permission.Allow {
		return deniedFor(ctx, "url.read", permission.URLRead)
	}
	return nil
}

// urlError maps the URL readers' errors to ABI errors.
func urlError(err error) error {
	var ae *abi.Error
	if errors.As(err, &ae) {
		return ae
	}
	code := abi.CodeInternal
	switch {
	case errors.Is(err, urlreader.ErrNotFound):
		code = abi.CodeNotFound
	case errors.Is(err, urlreader.ErrNotAllowed), errors.Is(err, egress.ErrBlocked):
		code = abi.CodeCapabilityDenied
	case errors.Is(err, urlreader.ErrInvalidURL), errors.Is(err, urlreader.ErrNotSupported):
		code = abi.CodeInvalidArgument
	case errors.Is(err, urlreader.ErrTooLarge):
		code = abi.CodeTooLarge
	case errors.Is(err, urlreader.ErrRateLimited), errors.Is(err, urlreader.ErrUnavailable):
		code = abi.CodeUnavailable
	case errors.Is(err, context.DeadlineExceeded):
		code = abi.CodeTimeout
	}
	return &abi.Error{Code: code, Message: err.Error()}
}
