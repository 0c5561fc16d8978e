package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"
)

// ReadResult is what a Reader returns.
type ReadResult struct {
	Data        []byte
	ETag        string
	NotModified bool // the source still has the given etag; Data is empty
}

// ErrNotFound is returned (wrapped) by readers when the target does not exist.
var ErrNotFound = errors.New("not found")

// ErrTooLarge is returned (wrapped) when a source is over the size cap.
var ErrTooLarge = errors.New("too large")

// Reader reads a location target. typ is "file" (target an absolute path) or "url".
// When etag is non-empty and the source is unchanged, it returns NotModified.
// host/internal/urlreader can provide the real readers behind this interface.
type Reader interface {
	ReadLocation(ctx context.Context, typ, target, etag string) (ReadResult, error)
}

// RepoReader is a Reader that also knows repositories on source-code hosts (GitHub).
// RepoFileURL returns the URL of file in the repository that repoURL names as it is
// copied from the browser (https://github.com/org/repo), at its default branch; ok is
// false when repoURL names no repository it knows. POST /analyze-location uses it.
type RepoReader interface {
	RepoFileURL(ctx context.Context, repoURL, file string) (fileURL string, ok bool, err error)
}

// DefaultMaxBytes caps a catalog file (8 MiB).
const DefaultMaxBytes = 8 << 20

// BasicReader reads local files and plain HTTP(S) URLs. It is the minimal reader used
// until host/internal/urlreader is wired in.
type BasicReader struct {
	MaxBytes int64        // 0 means DefaultMaxBytes
	Client   *http.Client // nil means a client with a 30 s timeout that follows no redirect
}

func (r *BasicReader) max() int64 {
	if r.MaxBytes > 0 {
		return r.MaxBytes
	}
	return DefaultMaxBytes
}

// ReadLocation implements Reader.
func (r *BasicReader) ReadLocation(ctx context.Context, typ, target, etag string) (ReadResult, error) {
	switch typ {
	case "file":
		return r.readFile(target, etag)
	case "url":
		return r.readURL(ctx, target, etag)
	}
	return ReadResult{}, fmt.Errorf("unsupported location type %q; use \"file\" or \"url\"", typ)
}

func (r *BasicReader) readFile(path, etag string) (ReadResult, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return ReadResult{}, fmt.Errorf("%s: %w", path, ErrNotFound)
		}
		return ReadResult{}, err
	}
	if st.IsDir() {
		return ReadResult{}, fmt.Errorf("%s is a directory; point the location at a YAML file", path)
	}
	if st.Size() > r.max() {
		return ReadResult{}, fmt.Errorf("%s is %d bytes, over the %d-byte limit for catalog files: %w", path, st.Size(), r.max(), ErrTooLarge)
	}
	tag := strconv.FormatInt(st.Size(), 36) + "-" + strconv.FormatInt(st.ModTime().UnixNano(), 36)
	if etag != "" && etag == tag {
		return ReadResult{ETag: tag, NotModified: true}, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return ReadResult{}, err
	}
	if int64(len(data)) > r.max() {
		return ReadResult{}, fmt.Errorf("%s is over the %d-byte limit for catalog files: %w", path, r.max(), ErrTooLarge)
	}
	return ReadResult{Data: data, ETag: tag}, nil
}

func (r *BasicReader) readURL(ctx context.Context, url, etag string) (ReadResult, error) {
	client := r.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return ReadResult{}, fmt.Errorf("%s: %w", url, err)
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := client.Do(req)
	if err != nil {
		return ReadResult{}, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return ReadResult{ETag: etag, NotModified: true}, nil
	case resp.StatusCode == http.StatusNotFound:
		return ReadResult{}, fmt.Errorf("%s: %w (HTTP 404)", url, ErrNotFound)
	case resp.StatusCode != http.StatusOK:
		return ReadResult{}, fmt.Errorf("%s: HTTP %d", url, resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, r.max()+1))
	if err != nil {
		return ReadResult{}, fmt.Errorf("%s: %w", url, err)
	}
	if int64(len(data)) > r.max() {
		return ReadResult{}, fmt.Errorf("%s is over the %d-byte limit for catalog files: %w", url, r.max(), ErrTooLarge)
	}
	tag := resp.Header.Get("ETag")
	if tag == "" {
		sum := sha256.Sum256(data)
		tag = "sha256:" + hex.EncodeToString(sum[:16])
	}
	if etag != "" && tag == etag {
		return ReadResult{ETag: tag, NotModified: true}, nil
	}
	return ReadResult{Data: data, ETag: tag}, nil
}
