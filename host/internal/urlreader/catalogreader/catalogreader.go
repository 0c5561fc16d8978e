// Package catalogreader lets the catalog read `url` (and optionally `file`) locations
// through the shared URL readers, with their allow rules, egress checks, ETags and
// cache. It adapts urlreader.Reader to catalog.Reader.
package catalogreader

import (
	"context"
	"errors"
	"fmt"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/urlreader"
)

// Reader implements catalog.Reader.
type Reader struct {
	// URLs serves `url` locations (the urlreader.Mux from urlreader.New).
	URLs urlreader.Reader
	// Files serves `file` locations (absolute paths). Nil reads them as file:// URLs
	// through URLs, which then have to be under backend.reading.fileRoots.
	Files catalog.Reader
}

// ReadLocation implements catalog.Reader. A rate limit or an outage is returned as an
// error that is not catalog.ErrNotFound, so the catalog keeps the entities it has.
func (r *Reader) ReadLocation(ctx context.Context, typ, target, etag string) (catalog.ReadResult, error) {
	var u string
	switch typ {
	case "url":
		u = target
	case "file":
		if r.Files != nil {
			return r.Files.ReadLocation(ctx, typ, target, etag)
		}
		fu, err := urlreader.FileURL(target)
		if err != nil {
			return catalog.ReadResult{}, fmt.Errorf("file location %s: %w", target, err)
		}
		u = fu
	default:
		return catalog.ReadResult{}, fmt.Errorf("unsupported location type %q; use \"file\" or \"url\"", typ)
	}
	res, err := r.URLs.ReadURL(ctx, u, urlreader.ReadURLOptions{ETag: etag})
	switch {
	case errors.Is(err, urlreader.ErrNotModified):
		return catalog.ReadResult{ETag: etag, NotModified: true}, nil
	case errors.Is(err, urlreader.ErrNotFound):
		return catalog.ReadResult{}, fmt.Errorf("%w: %w", catalog.ErrNotFound, err)
	case errors.Is(err, urlreader.ErrTooLarge):
		return catalog.ReadResult{}, fmt.Errorf("%w: %w", catalog.ErrTooLarge, err)
	case err != nil:
		return catalog.ReadResult{}, err
	}
	return catalog.ReadResult{Data: res.Content, ETag: res.ETag}, nil
}

// RepoFileURL implements catalog.RepoReader through the URL readers that know
// repositories (urlreader.RepoResolver, GitHub's). ok is false when repoURL names no
// repository that a reader knows.
func (r *Reader) RepoFileURL(ctx context.Context, repoURL, file string) (string, bool, error) {
	rr, isRepo := r.URLs.(urlreader.RepoResolver)
	if !isRepo {
		return "", false, nil
	}
	u, err := rr.RepoFileURL(ctx, repoURL, file)
	switch {
	case errors.Is(err, urlreader.ErrInvalidURL), errors.Is(err, urlreader.ErrNotSupported):
		return "", false, nil
	case err != nil: // no reader for the host, no such repository, an outage
		return "", true, err
	}
	return u, true, nil
}
