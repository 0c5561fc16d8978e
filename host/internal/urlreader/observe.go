package urlreader

import "errors"

// Observer is told of every read the Mux serves, for the host's metrics: the reader's
// entry name ("fetch", "file", "github:github.com"; "none" when no reader accepts the
// URL), the operation (OpReadURL, OpReadTree, OpSearch) and the result (Result). Plain
// values only, so that no metrics library reaches this package.
type Observer interface {
	ObserveRead(reader, op, result string)
}

// Operations, as Observer labels them.
const (
	OpReadURL  = "read_url"
	OpReadTree = "read_tree"
	OpSearch   = "search"
)

// Results, as Observer labels them.
const (
	// ResultOK: the source sent the content.
	ResultOK = "ok"
	// ResultCacheHit: the source said not modified to the cache's ETag, and the cache
	// served its copy.
	ResultCacheHit = "cache_hit"
	// ResultNotModified: the source said not modified to the caller's ETag.
	ResultNotModified = "not_modified"
	// ResultNotFound, ResultNotAllowed, ResultRateLimited: ErrNotFound, ErrNotAllowed,
	// ErrRateLimited.
	ResultNotFound    = "not_found"
	ResultNotAllowed  = "not_allowed"
	ResultRateLimited = "rate_limited"
	// ResultError: any other failure.
	ResultError = "error"
)

// Result labels how a read ended.
func Result(err error, cacheHit bool) string {
	switch {
	case err == nil && cacheHit:
		return ResultCacheHit
	case err == nil:
		return ResultOK
	case errors.Is(err, ErrNotModified):
		return ResultNotModified
	case errors.Is(err, ErrNotFound):
		return ResultNotFound
	case errors.Is(err, ErrNotAllowed):
		return ResultNotAllowed
	case errors.Is(err, ErrRateLimited):
		return ResultRateLimited
	}
	return ResultError
}

func (m *Mux) observe(reader, op string, err error, hit bool) {
	if m.observer != nil {
		m.observer.ObserveRead(reader, op, Result(err, hit))
	}
}
