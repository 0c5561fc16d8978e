// Package githubreader reads GitHub and GitHub Enterprise URLs through the REST API with
// go-github (the only package that uses it): blob URLs with conditional requests, tree
// URLs through the tarball endpoint, and glob searches through the git trees API.
//
// Rate limits (403 with X-RateLimit-Remaining: 0, secondary limits, 429) are reported as
// *urlreader.RateLimitError with the reset time; they are never ErrNotFound, so that a
// throttled catalog refresh cannot orphan entities.
package githubreader

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"greenroom.dev/greenroom/host/internal/egress"
	"greenroom.dev/greenroom/host/internal/excerpt"
	"greenroom.dev/greenroom/host/internal/urlreader"
	"greenroom.dev/greenroom/host/internal/urlreader/archive"
)

// Reader serves one integrations.github entry.
type Reader struct {
	host  string
	api   *url.URL
	gh    *github.Client
	lim   urlreader.Limits
	hosts map[string]bool // hosts a redirect may lead to
	// client is the egress client without the integration's token (repos.go adds
	// the token a call names); token is the integration's.
	client *http.Client
	token  string
}

// Entries builds one reader entry per integration. With no integration, github.com is
// read anonymously, as Backstage does. lim comes from ReadingConfig.Limits.
func Entries(integrations []urlreader.GitHubIntegration, lim urlreader.Limits, opts urlreader.Options) ([]urlreader.Entry, error) {
	return urlreader.IntegrationEntries("github", integrations, urlreader.GitHubIntegration{Host: "github.com"},
		func(i int, in urlreader.GitHubIntegration) (urlreader.HostReader, error) {
			return New(i, in, lim, opts)
		})
}

// New builds the reader for integrations.github[index].
func New(index int, in urlreader.GitHubIntegration, lim urlreader.Limits, opts urlreader.Options) (*Reader, error) {
	where := fmt.Sprintf("integrations.github[%d]", index)
	host := strings.ToLower(strings.TrimSpace(in.Host))
	if host == "" {
		return nil, fmt.Errorf("%s.host: missing; write the host of the browser URLs, such as github.com or ghe.example.com", where)
	}
	if strings.ContainsAny(host, "/:@?#") {
		return nil, fmt.Errorf("%s.host: %q must be a host name only, without scheme or path; put the API URL in apiBaseUrl", where, in.Host)
	}
	if len(in.Apps) > 0 {
		return nil, fmt.Errorf("%s.apps: GitHub App authentication is not supported yet; remove apps and set token to a personal access or fine-grained token", where)
	}
	apiRaw, rawRaw := in.APIBaseURL, in.RawBaseURL
	if apiRaw == "" {
		apiRaw = "https://" + host + "/api/v3"
		if host == "github.com" {
			apiRaw = "https://api.github.com"
		}
	}
	if rawRaw == "" {
		rawRaw = "https://" + host + "/raw"
		if host == "github.com" {
			rawRaw = "https://raw.githubusercontent.com"
		}
	}
	api, err := baseURL(apiRaw)
	if err != nil {
		return nil, fmt.Errorf("%s.apiBaseUrl: %q: %v", where, apiRaw, err)
	}
	raw, err := baseURL(rawRaw)
	if err != nil {
		return nil, fmt.Errorf("%s.rawBaseUrl: %q: %v", where, rawRaw, err)
	}
	r := &Reader{host: host, api: api, lim: lim, hosts: map[string]bool{
		host: true, api.Host: true, raw.Host: true, "codeload." + host: true,
	}}
	// The operator named these hosts, so they may be on a private network (GHE).
	trusted := map[string]bool{host: true, api.Hostname(): true, raw.Hostname(): true, "codeload." + host: true}
	client := egress.NewClient(egress.ClientOptions{
		Dialer:  &egress.Dialer{Resolver: opts.Resolver, Trusted: func(h string) bool { return trusted[h] }},
		Timeout: lim.Timeout,
		Redirect: func(u *url.URL) error {
			if !r.hosts[u.Host] && !r.hosts[u.Hostname()] {
				return urlreader.Errorf(urlreader.ErrNotAllowed, "host %s is not part of %s (apiBaseUrl, rawBaseUrl, codeload)", u.Host, where)
			}
			if u.Scheme != api.Scheme && u.Scheme != "https" {
				return urlreader.Errorf(urlreader.ErrNotAllowed, "redirect to %s downgrades to %s", u.Host, u.Scheme)
			}
			return nil
		},
	})
	plain := *client
	if in.Token != "" {
		// The token goes only to the API host, never along a redirect elsewhere.
		base := client.Transport
		client.Transport = tokenTransport{base: base, host: api.Host, token: in.Token}
	}
	r.client, r.token = &plain, in.Token
	gh := github.NewClient(client)
	gh.BaseURL = api
	r.gh = gh
	return r, nil
}

type tokenTransport struct {
	base  http.RoundTripper
	host  string
	token string
}

func (t tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == t.host {
		req = req.Clone(req.Context())
		req.Header.Set("Authorization", "Bearer "+t.token)
	}
	return t.base.RoundTrip(req)
}

func baseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("must be an absolute http(s) URL such as https://ghe.example.com/api/v3")
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// Host is the integration's browser host.
func (r *Reader) Host() string { return r.host }

// Accepts reports whether u is a browser URL of this integration's host.
func (r *Reader) Accepts(u *url.URL) bool {
	return (u.Scheme == "https" || u.Scheme == "http") && strings.EqualFold(u.Host, r.host)
}

// location is a parsed blob or tree URL.
type location struct {
	owner, repo, kind, ref, path string
}

func (r *Reader) parse(rawURL string) (location, error) {
	u, err := url.Parse(rawURL)
	if err != nil || !r.Accepts(u) {
		return location{}, urlreader.Errorf(urlreader.ErrInvalidURL, "%q is not a %s URL", rawURL, r.host)
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	for _, s := range segs {
		if s == ".." || s == "." {
			return location{}, urlreader.Errorf(urlreader.ErrNotAllowed, "%s: `.` and `..` are not allowed in paths", rawURL)
		}
	}
	if len(segs) < 4 || (segs[2] != "blob" && segs[2] != "tree" && segs[2] != "raw") || segs[0] == "" || segs[1] == "" || segs[3] == "" {
		return location{}, urlreader.Errorf(urlreader.ErrInvalidURL, "%s: expected https://%s/<owner>/<repo>/blob/<ref>/<path> or .../tree/<ref>/<dir>, as copied from the browser", rawURL, r.host)
	}
	return location{owner: segs[0], repo: segs[1], kind: segs[2], ref: segs[3], path: strings.Join(segs[4:], "/")}, nil
}

// RepoFileURL implements urlreader.RepoResolver: for a repository URL
// (https://github.com/<owner>/<repo>) it asks the API for the default branch; for a tree
// URL (.../tree/<ref>/<dir>) it takes the tree's ref and directory. It returns the blob
// URL of file there.
func (r *Reader) RepoFileURL(ctx context.Context, rawURL, file string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || !r.Accepts(u) {
		return "", urlreader.Errorf(urlreader.ErrInvalidURL, "%q is not a %s URL", rawURL, r.host)
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	for _, s := range append(append([]string(nil), segs...), strings.Split(file, "/")...) {
		if s == "" || s == "." || s == ".." {
			return "", urlreader.Errorf(urlreader.ErrInvalidURL, "%s, %s: empty, `.` and `..` path segments are not allowed", rawURL, file)
		}
	}
	blob := func(owner, repo, ref, p string) string {
		return fmt.Sprintf("%s://%s/%s/%s/blob/%s/%s", u.Scheme, r.host, owner, repo, ref, escapePath(p))
	}
	switch {
	case len(segs) == 2:
		owner, repo := segs[0], strings.TrimSuffix(segs[1], ".git")
		rp, _, err := r.gh.Repositories.Get(ctx, owner, repo)
		if err != nil {
			return "", mapErr(rawURL, err)
		}
		if rp.GetDefaultBranch() == "" {
			return "", urlreader.Errorf(urlreader.ErrNotFound, "read %s: the repository has no default branch (is it empty?)", rawURL)
		}
		return blob(owner, repo, rp.GetDefaultBranch(), file), nil
	case len(segs) >= 4 && segs[2] == "tree":
		return blob(segs[0], segs[1], segs[3], path.Join(append(segs[4:], file)...)), nil
	}
	return "", urlreader.Errorf(urlreader.ErrInvalidURL, "%s is not a repository URL; expected https://%s/<owner>/<repo> or .../tree/<ref>/<dir>", rawURL, r.host)
}

// mapErr turns a go-github error into a reader error.
func mapErr(what string, err error) error {
	var rle *github.RateLimitError
	var are *github.AbuseRateLimitError
	var er *github.ErrorResponse
	switch {
	case errors.Is(err, urlreader.ErrNotModified):
		return urlreader.ErrNotModified
	case errors.As(err, &rle):
		return &urlreader.RateLimitError{URL: what, ResetAt: rle.Rate.Reset.Time, Status: statusOf(rle.Response, 403), Message: rle.Message}
	case errors.As(err, &are):
		e := &urlreader.RateLimitError{URL: what, Status: statusOf(are.Response, 403), Message: "secondary rate limit: " + are.Message}
		if are.RetryAfter != nil {
			e.ResetAt = time.Now().Add(*are.RetryAfter)
		}
		return e
	case errors.As(err, &er) && er.Response != nil:
		s := er.Response.StatusCode
		switch {
		case s == http.StatusNotModified:
			return urlreader.ErrNotModified
		case s == http.StatusNotFound || s == http.StatusGone:
			return urlreader.Errorf(urlreader.ErrNotFound, "read %s: not found (HTTP %d); check the owner, repository, ref and path, and that the token can see the repository", what, s)
		case s == http.StatusTooManyRequests || (s == http.StatusForbidden && (er.Response.Header.Get("Retry-After") != "" || er.Response.Header.Get("X-RateLimit-Remaining") == "0")):
			return &urlreader.RateLimitError{URL: what, Status: s, ResetAt: urlreader.ResetTime(er.Response.Header, time.Now()), Message: er.Message}
		case s == http.StatusUnauthorized:
			return urlreader.Errorf(urlreader.ErrUnavailable, "read %s: GitHub rejected the token (HTTP 401); renew the token in integrations.github", what)
		case s == http.StatusForbidden:
			return urlreader.Errorf(urlreader.ErrUnavailable, "read %s: GitHub denied access (HTTP 403: %s); give the token read access to the repository", what, excerpt.Text(er.Message))
		default:
			return urlreader.Errorf(urlreader.ErrUnavailable, "read %s: GitHub answered HTTP %d: %s", what, s, excerpt.Text(er.Message))
		}
	case errors.Is(err, archive.ErrUnsafePath):
		return urlreader.Errorf(urlreader.ErrNotAllowed, "read %s: %w", what, err)
	case errors.Is(err, egress.ErrBlocked), errors.Is(err, urlreader.ErrNotAllowed), errors.Is(err, urlreader.ErrTooLarge):
		return fmt.Errorf("read %s: %w", what, err)
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return urlreader.Errorf(context.DeadlineExceeded, "read %s: timed out (backend.reading.timeout): %w", what, err)
	default:
		var ue *url.Error
		if errors.As(err, &ue) && ue.Err != nil {
			if errors.Is(ue.Err, urlreader.ErrNotAllowed) || errors.Is(ue.Err, egress.ErrBlocked) {
				return fmt.Errorf("read %s: %w", what, ue.Err)
			}
		}
		return urlreader.Errorf(urlreader.ErrUnavailable, "read %s: %w", what, err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func statusOf(r *http.Response, def int) int {
	if r != nil {
		return r.StatusCode
	}
	return def
}

func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// ReadURL reads a blob URL through the contents API (raw media type), sending
// If-None-Match so that an unchanged file costs a 304 and no rate limit.
func (r *Reader) ReadURL(ctx context.Context, rawURL string, opts urlreader.ReadURLOptions) (*urlreader.ReadURLResponse, error) {
	loc, err := r.parse(rawURL)
	if err != nil {
		return nil, err
	}
	if loc.kind == "tree" || loc.path == "" {
		return nil, urlreader.Errorf(urlreader.ErrInvalidURL, "%s is a directory URL; read it with ReadTree or use a /blob/ URL", rawURL)
	}
	u := fmt.Sprintf("repos/%s/%s/contents/%s?ref=%s", url.PathEscape(loc.owner), url.PathEscape(loc.repo), escapePath(loc.path), url.QueryEscape(loc.ref))
	req, err := r.gh.NewRequest("GET", u, nil)
	if err != nil {
		return nil, urlreader.Errorf(urlreader.ErrInvalidURL, "%s: %v", rawURL, err)
	}
	req.Header.Set("Accept", "application/vnd.github.raw")
	if opts.ETag != "" {
		req.Header.Set("If-None-Match", opts.ETag)
	}
	if !opts.LastModifiedAfter.IsZero() {
		req.Header.Set("If-Modified-Since", opts.LastModifiedAfter.UTC().Format(http.TimeFormat))
	}
	resp, err := r.gh.BareDo(ctx, req)
	if err != nil {
		return nil, mapErr(rawURL, err)
	}
	defer resp.Body.Close()
	max := opts.Max(r.lim.MaxBytes)
	if resp.ContentLength > max {
		return nil, &egress.TooLargeError{What: rawURL, Limit: max}
	}
	b, err := egress.ReadAll(resp.Body, max, rawURL)
	if err != nil {
		return nil, mapErr(rawURL, err)
	}
	out := &urlreader.ReadURLResponse{Content: b, ETag: resp.Header.Get("ETag")}
	if lm, err := http.ParseTime(resp.Header.Get("Last-Modified")); err == nil {
		out.LastModifiedAt = lm
	}
	if opts.ETag != "" && opts.ETag == out.ETag {
		return nil, urlreader.ErrNotModified
	}
	return out, nil
}

// commitSHA resolves ref to a commit; with lastSHA it is a conditional request that
// turns into ErrNotModified when nothing changed.
func (r *Reader) commitSHA(ctx context.Context, what string, loc location, lastSHA string) (string, error) {
	sha, _, err := r.gh.Repositories.GetCommitSHA1(ctx, loc.owner, loc.repo, loc.ref, lastSHA)
	if err != nil {
		return "", mapErr(what, err)
	}
	sha = strings.TrimSpace(sha)
	if sha == "" {
		return "", urlreader.Errorf(urlreader.ErrUnavailable, "read %s: GitHub returned no commit for ref %s", what, loc.ref)
	}
	if sha == lastSHA {
		return "", urlreader.ErrNotModified
	}
	return sha, nil
}

// ReadTree reads a tree URL: it resolves the ref to a commit (the ETag), downloads the
// tarball of that commit and keeps the files under the URL's directory.
func (r *Reader) ReadTree(ctx context.Context, rawURL string, opts urlreader.ReadTreeOptions) (*urlreader.ReadTreeResponse, error) {
	loc, err := r.parse(rawURL)
	if err != nil {
		return nil, err
	}
	sha, err := r.commitSHA(ctx, rawURL, loc, opts.ETag)
	if err != nil {
		return nil, err
	}
	req, err := r.gh.NewRequest("GET", fmt.Sprintf("repos/%s/%s/tarball/%s", url.PathEscape(loc.owner), url.PathEscape(loc.repo), sha), nil)
	if err != nil {
		return nil, urlreader.Errorf(urlreader.ErrInvalidURL, "%s: %v", rawURL, err)
	}
	resp, err := r.gh.BareDo(ctx, req)
	if err != nil {
		return nil, mapErr(rawURL, err)
	}
	defer resp.Body.Close()
	found := false // git has no empty directories: nothing under the path means no such path
	keep := func(p string, size int64) bool {
		found = true
		return opts.Filter == nil || opts.Filter(p, size)
	}
	files, err := archive.ReadTarGz(resp.Body, rawURL+" (tarball)", archive.Limits{
		MaxFileBytes:       r.lim.MaxBytes,
		MaxTotalBytes:      r.lim.MaxTreeBytes,
		MaxFiles:           r.lim.MaxTreeFiles,
		MaxCompressedBytes: r.lim.MaxTreeBytes,
	}, archive.Select{Strip: 1, Prefix: loc.path, Keep: keep})
	if err != nil {
		return nil, mapErr(rawURL, err)
	}
	if !found {
		return nil, urlreader.Errorf(urlreader.ErrNotFound, "read %s: no directory %q at %s (commit %s)", rawURL, loc.path, loc.ref, sha)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return &urlreader.ReadTreeResponse{Files: files, ETag: sha}, nil
}

// Search lists the repository tree at the ref's commit through the git trees API,
// matches the glob in the URL's path, and reads each match as a blob.
func (r *Reader) Search(ctx context.Context, rawURL string, opts urlreader.SearchOptions) (*urlreader.SearchResponse, error) {
	loc, err := r.parse(rawURL)
	if err != nil {
		return nil, err
	}
	base, pattern := urlreader.SplitGlob(loc.path)
	if pattern == "" || !urlreader.ValidGlob(pattern) {
		return nil, urlreader.Errorf(urlreader.ErrInvalidURL, "%s: %q is not a valid glob", rawURL, loc.path)
	}
	sha, err := r.commitSHA(ctx, rawURL, loc, opts.ETag)
	if err != nil {
		return nil, err
	}
	tree, _, err := r.gh.Git.GetTree(ctx, loc.owner, loc.repo, sha, true)
	if err != nil {
		return nil, mapErr(rawURL, err)
	}
	if tree.GetTruncated() {
		return nil, urlreader.Errorf(urlreader.ErrUnavailable, "search %s: the repository tree is too large for GitHub's trees API (truncated); search a narrower repository or read a tree URL instead", rawURL)
	}
	out := &urlreader.SearchResponse{ETag: sha}
	var total int64
	for _, e := range tree.Entries {
		if e.GetType() != "blob" {
			continue
		}
		p := e.GetPath()
		rel := p
		if base != "" {
			if !strings.HasPrefix(p, base+"/") {
				continue
			}
			rel = strings.TrimPrefix(p, base+"/")
		}
		if !urlreader.MatchGlob(pattern, rel) {
			continue
		}
		size := int64(e.GetSize())
		if size > r.lim.MaxBytes {
			return nil, &egress.TooLargeError{What: rawURL + ": " + p, Limit: r.lim.MaxBytes}
		}
		if total += size; total > r.lim.MaxTreeBytes {
			return nil, &egress.TooLargeError{What: rawURL + " (all matches)", Limit: r.lim.MaxTreeBytes}
		}
		if len(out.Files) >= r.lim.MaxTreeFiles {
			return nil, urlreader.Errorf(urlreader.ErrTooLarge, "search %s matches more than %d files (backend.reading.maxTreeFiles)", rawURL, r.lim.MaxTreeFiles)
		}
		content, _, err := r.gh.Git.GetBlobRaw(ctx, loc.owner, loc.repo, e.GetSHA())
		if err != nil {
			return nil, mapErr(rawURL+": "+p, err)
		}
		if int64(len(content)) > r.lim.MaxBytes {
			return nil, &egress.TooLargeError{What: rawURL + ": " + p, Limit: r.lim.MaxBytes}
		}
		out.Files = append(out.Files, urlreader.SearchFile{
			URL:     fmt.Sprintf("https://%s/%s/%s/blob/%s/%s", r.host, loc.owner, loc.repo, loc.ref, escapePath(path.Clean(p))),
			Content: content,
		})
	}
	return out, nil
}
