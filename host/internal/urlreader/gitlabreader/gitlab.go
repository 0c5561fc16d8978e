// Package gitlabreader reads GitLab URLs through GitLab's REST API (v4) with plain HTTP:
// blob URLs through the raw-file endpoint with conditional requests, tree URLs through
// the repository archive, and glob searches through the repository tree listing.
package gitlabreader

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"greenroom.dev/greenroom/host/internal/egress"
	"greenroom.dev/greenroom/host/internal/urlreader"
	"greenroom.dev/greenroom/host/internal/urlreader/archive"
)

// Reader serves one integrations.gitlab entry.
type Reader struct {
	host     string
	basePath string // web root path, "" or "/gitlab"
	api      *url.URL
	token    string
	client   *http.Client
	lim      urlreader.Limits
}

// Entries builds one reader entry per integration; with none, gitlab.com is read
// anonymously.
func Entries(integrations []urlreader.GitLabIntegration, lim urlreader.Limits, opts urlreader.Options) ([]urlreader.Entry, error) {
	return urlreader.IntegrationEntries("gitlab", integrations, urlreader.GitLabIntegration{Host: "gitlab.com"},
		func(i int, in urlreader.GitLabIntegration) (urlreader.HostReader, error) {
			return New(i, in, lim, opts)
		})
}

// New builds the reader for integrations.gitlab[index].
func New(index int, in urlreader.GitLabIntegration, lim urlreader.Limits, opts urlreader.Options) (*Reader, error) {
	where := fmt.Sprintf("integrations.gitlab[%d]", index)
	host := strings.ToLower(strings.TrimSpace(in.Host))
	if host == "" {
		return nil, fmt.Errorf("%s.host: missing; write the host of the browser URLs, such as gitlab.com", where)
	}
	if strings.ContainsAny(host, "/@?#") {
		return nil, fmt.Errorf("%s.host: %q must be a host name only, without scheme or path; put the API URL in apiBaseUrl", where, in.Host)
	}
	r := &Reader{host: host, token: in.Token, lim: lim}
	if in.BaseURL != "" {
		b, err := url.Parse(in.BaseURL)
		if err != nil || b.Host == "" || (b.Scheme != "https" && b.Scheme != "http") {
			return nil, fmt.Errorf("%s.baseUrl: %q must be an absolute http(s) URL such as https://example.com/gitlab", where, in.BaseURL)
		}
		if !strings.EqualFold(b.Host, host) {
			return nil, fmt.Errorf("%s.baseUrl: %q is not on host %s", where, in.BaseURL, host)
		}
		r.basePath = strings.TrimSuffix(b.Path, "/")
	}
	apiRaw := in.APIBaseURL
	if apiRaw == "" {
		apiRaw = "https://" + host + r.basePath + "/api/v4"
	}
	api, err := url.Parse(apiRaw)
	if err != nil || api.Host == "" || (api.Scheme != "https" && api.Scheme != "http") {
		return nil, fmt.Errorf("%s.apiBaseUrl: %q must be an absolute http(s) URL such as https://gitlab.example.com/api/v4", where, apiRaw)
	}
	api.Path = strings.TrimSuffix(api.Path, "/")
	r.api = api
	trusted := map[string]bool{host: true, api.Hostname(): true}
	r.client = egress.NewClient(egress.ClientOptions{
		Dialer:  &egress.Dialer{Resolver: opts.Resolver, Trusted: func(h string) bool { return trusted[h] }},
		Timeout: lim.Timeout,
		Redirect: func(u *url.URL) error {
			if u.Host != api.Host && !strings.EqualFold(u.Host, host) {
				return urlreader.Errorf(urlreader.ErrNotAllowed, "host %s is not part of %s", u.Host, where)
			}
			return nil
		},
	})
	return r, nil
}

// Host is the integration's host.
func (r *Reader) Host() string { return r.host }

// Accepts reports whether u is a browser URL of this integration's host.
func (r *Reader) Accepts(u *url.URL) bool {
	return (u.Scheme == "https" || u.Scheme == "http") && strings.EqualFold(u.Host, r.host)
}

type location struct {
	project, kind, ref, path string
}

// parse reads https://<host>/<group>/<project>/-/(blob|tree)/<ref>/<path>.
func (r *Reader) parse(rawURL string) (location, error) {
	u, err := url.Parse(rawURL)
	if err != nil || !r.Accepts(u) {
		return location{}, urlreader.Errorf(urlreader.ErrInvalidURL, "%q is not a %s URL", rawURL, r.host)
	}
	p := strings.TrimPrefix(u.Path, r.basePath)
	segs := strings.Split(strings.Trim(p, "/"), "/")
	for _, s := range segs {
		if s == ".." || s == "." {
			return location{}, urlreader.Errorf(urlreader.ErrNotAllowed, "%s: `.` and `..` are not allowed in paths", rawURL)
		}
	}
	dash := -1
	for i, s := range segs {
		if s == "-" {
			dash = i
			break
		}
	}
	if dash < 2 || len(segs) < dash+3 || (segs[dash+1] != "blob" && segs[dash+1] != "tree" && segs[dash+1] != "raw") {
		return location{}, urlreader.Errorf(urlreader.ErrInvalidURL, "%s: expected https://%s/<group>/<project>/-/blob/<ref>/<path> or .../-/tree/<ref>/<dir>, as copied from the browser", rawURL, r.host)
	}
	return location{project: strings.Join(segs[:dash], "/"), kind: segs[dash+1], ref: segs[dash+2], path: strings.Join(segs[dash+3:], "/")}, nil
}

func (r *Reader) projectURL(loc location, rest string, q url.Values) string {
	u := r.api.String() + "/projects/" + url.PathEscape(loc.project) + rest
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

func (r *Reader) get(ctx context.Context, rawURL, what string, hdr map[string]string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, urlreader.Errorf(urlreader.ErrInvalidURL, "%s: %v", what, err)
	}
	if r.token != "" && req.URL.Host == r.api.Host {
		req.Header.Set("PRIVATE-TOKEN", r.token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		var re *egress.RedirectError
		var ne net.Error
		switch {
		case errors.As(err, &re):
			return nil, urlreader.Errorf(urlreader.ErrNotAllowed, "read %s: %w", what, err)
		case errors.Is(err, egress.ErrBlocked):
			return nil, fmt.Errorf("read %s: %w", what, err)
		case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
			return nil, urlreader.Errorf(context.DeadlineExceeded, "read %s: timed out (backend.reading.timeout): %w", what, err)
		}
		return nil, urlreader.Errorf(urlreader.ErrUnavailable, "read %s: %w", what, err)
	}
	if err := urlreader.StatusError(what, resp); err != nil {
		resp.Body.Close()
		return nil, err
	}
	return resp, nil
}

// ReadURL reads a blob URL through the raw-file endpoint, conditionally.
func (r *Reader) ReadURL(ctx context.Context, rawURL string, opts urlreader.ReadURLOptions) (*urlreader.ReadURLResponse, error) {
	loc, err := r.parse(rawURL)
	if err != nil {
		return nil, err
	}
	if loc.kind == "tree" || loc.path == "" {
		return nil, urlreader.Errorf(urlreader.ErrInvalidURL, "%s is a directory URL; read it with ReadTree or use a /-/blob/ URL", rawURL)
	}
	hdr := map[string]string{}
	if opts.ETag != "" {
		hdr["If-None-Match"] = opts.ETag
	}
	resp, err := r.get(ctx, r.projectURL(loc, "/repository/files/"+url.PathEscape(loc.path)+"/raw", url.Values{"ref": {loc.ref}}), rawURL, hdr)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	max := opts.Max(r.lim.MaxBytes)
	if resp.ContentLength > max {
		return nil, &egress.TooLargeError{What: rawURL, Limit: max}
	}
	b, err := egress.ReadAll(resp.Body, max, rawURL)
	if err != nil {
		return nil, err
	}
	etag := resp.Header.Get("ETag")
	if etag == "" {
		if id := resp.Header.Get("X-Gitlab-Blob-Id"); id != "" {
			etag = `"` + id + `"`
		}
	}
	if opts.ETag != "" && opts.ETag == etag {
		return nil, urlreader.ErrNotModified
	}
	return &urlreader.ReadURLResponse{Content: b, ETag: etag}, nil
}

func (r *Reader) commit(ctx context.Context, what string, loc location) (string, error) {
	resp, err := r.get(ctx, r.projectURL(loc, "/repository/commits/"+url.PathEscape(loc.ref), nil), what, nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var c struct {
		ID string `json:"id"`
	}
	b, err := egress.ReadAll(resp.Body, 1<<20, what+" (commit)")
	if err != nil {
		return "", err
	}
	if err := json.Unmarshal(b, &c); err != nil || c.ID == "" {
		return "", urlreader.Errorf(urlreader.ErrUnavailable, "read %s: GitLab returned no commit for ref %s", what, loc.ref)
	}
	return c.ID, nil
}

// ReadTree reads a tree URL from the repository archive of the ref's commit.
func (r *Reader) ReadTree(ctx context.Context, rawURL string, opts urlreader.ReadTreeOptions) (*urlreader.ReadTreeResponse, error) {
	loc, err := r.parse(rawURL)
	if err != nil {
		return nil, err
	}
	sha, err := r.commit(ctx, rawURL, loc)
	if err != nil {
		return nil, err
	}
	if opts.ETag == sha {
		return nil, urlreader.ErrNotModified
	}
	q := url.Values{"sha": {sha}}
	if loc.path != "" {
		q.Set("path", loc.path)
	}
	resp, err := r.get(ctx, r.projectURL(loc, "/repository/archive.tar.gz", q), rawURL, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	found := false
	keep := func(p string, size int64) bool {
		found = true
		return opts.Filter == nil || opts.Filter(p, size)
	}
	files, err := archive.ReadTarGz(resp.Body, rawURL+" (archive)", archive.Limits{
		MaxFileBytes: r.lim.MaxBytes, MaxTotalBytes: r.lim.MaxTreeBytes,
		MaxFiles: r.lim.MaxTreeFiles, MaxCompressedBytes: r.lim.MaxTreeBytes,
	}, archive.Select{Strip: 1, Prefix: loc.path, Keep: keep})
	if errors.Is(err, archive.ErrUnsafePath) {
		return nil, urlreader.Errorf(urlreader.ErrNotAllowed, "read %s: %w", rawURL, err)
	}
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, urlreader.Errorf(urlreader.ErrNotFound, "read %s: no directory %q at %s (commit %s)", rawURL, loc.path, loc.ref, sha)
	}
	return &urlreader.ReadTreeResponse{Files: files, ETag: sha}, nil
}

// Search lists the repository tree at the ref's commit, page by page, matches the glob
// and reads each match as a blob.
func (r *Reader) Search(ctx context.Context, rawURL string, opts urlreader.SearchOptions) (*urlreader.SearchResponse, error) {
	loc, err := r.parse(rawURL)
	if err != nil {
		return nil, err
	}
	base, pattern := urlreader.SplitGlob(loc.path)
	if pattern == "" || !urlreader.ValidGlob(pattern) {
		return nil, urlreader.Errorf(urlreader.ErrInvalidURL, "%s: %q is not a valid glob", rawURL, loc.path)
	}
	sha, err := r.commit(ctx, rawURL, loc)
	if err != nil {
		return nil, err
	}
	if opts.ETag == sha {
		return nil, urlreader.ErrNotModified
	}
	type entry struct {
		ID   string `json:"id"`
		Type string `json:"type"`
		Path string `json:"path"`
	}
	var matches []entry
	for page := "1"; page != ""; {
		q := url.Values{"ref": {sha}, "recursive": {"true"}, "per_page": {"100"}, "page": {page}}
		if base != "" {
			q.Set("path", base)
		}
		resp, err := r.get(ctx, r.projectURL(loc, "/repository/tree", q), rawURL, nil)
		if errors.Is(err, urlreader.ErrNotFound) && base != "" {
			break // no such directory: no matches
		}
		if err != nil {
			return nil, err
		}
		b, err := egress.ReadAll(resp.Body, 16<<20, rawURL+" (tree listing)")
		next := resp.Header.Get("X-Next-Page")
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		var entries []entry
		if err := json.Unmarshal(b, &entries); err != nil {
			return nil, urlreader.Errorf(urlreader.ErrUnavailable, "search %s: GitLab's tree listing did not decode: %v", rawURL, err)
		}
		for _, e := range entries {
			rel := e.Path
			if base != "" {
				if !strings.HasPrefix(e.Path, base+"/") {
					continue
				}
				rel = strings.TrimPrefix(e.Path, base+"/")
			}
			if e.Type == "blob" && urlreader.MatchGlob(pattern, rel) {
				matches = append(matches, e)
				if len(matches) > r.lim.MaxTreeFiles {
					return nil, urlreader.Errorf(urlreader.ErrTooLarge, "search %s matches more than %d files (backend.reading.maxTreeFiles)", rawURL, r.lim.MaxTreeFiles)
				}
			}
		}
		if n, err := strconv.Atoi(next); err != nil || n <= 0 {
			next = ""
		}
		page = next
	}
	out := &urlreader.SearchResponse{ETag: sha, Files: []urlreader.SearchFile{}}
	var total int64
	for _, m := range matches {
		resp, err := r.get(ctx, r.projectURL(loc, "/repository/blobs/"+url.PathEscape(m.ID)+"/raw", nil), rawURL+": "+m.Path, nil)
		if err != nil {
			return nil, err
		}
		b, err := egress.ReadAll(resp.Body, r.lim.MaxBytes, rawURL+": "+m.Path)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if total += int64(len(b)); total > r.lim.MaxTreeBytes {
			return nil, &egress.TooLargeError{What: rawURL + " (all matches)", Limit: r.lim.MaxTreeBytes}
		}
		out.Files = append(out.Files, urlreader.SearchFile{
			URL:     fmt.Sprintf("https://%s%s/%s/-/blob/%s/%s", r.host, r.basePath, loc.project, loc.ref, m.Path),
			Content: b,
		})
	}
	return out, nil
}
