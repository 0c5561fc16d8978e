package urlreader

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"greenroom.dev/greenroom/host/internal/egress"
	"greenroom.dev/greenroom/host/internal/excerpt"
)

// FetchReader reads plain HTTP(S) URLs whose host is in backend.reading.allow, like
// Backstage's FetchUrlReader. It reads single files only.
type FetchReader struct {
	rules  []allowRule
	client *http.Client
	lim    Limits
}

type allowRule struct {
	index          int
	wildcard       bool   // host was `*.suffix`
	host           string // exact host, or the suffix without `*.`
	portLo, portHi int    // 0: the URL must have no explicit port
	paths          []string
}

func parseAllowRule(i int, r AllowRule) (allowRule, error) {
	where := fmt.Sprintf("backend.reading.allow[%d].host", i)
	h := strings.ToLower(strings.TrimSpace(r.Host))
	out := allowRule{index: i}
	switch {
	case h == "":
		return out, fmt.Errorf("%s: missing; write a host name such as example.com or *.example.com", where)
	case strings.Contains(h, "://") || strings.ContainsAny(h, "/?#@"):
		return out, fmt.Errorf("%s: %q must be a host name only, without scheme, path or user (for example example.com:8080); put path prefixes under paths", where, r.Host)
	}
	hostPart, portPart := h, ""
	if strings.HasPrefix(h, "[") {
		end := strings.Index(h, "]")
		if end < 0 {
			return out, fmt.Errorf("%s: %q has an unclosed [", where, r.Host)
		}
		hostPart, portPart = h[1:end], strings.TrimPrefix(h[end+1:], ":")
	} else if c := strings.LastIndex(h, ":"); c >= 0 {
		hostPart, portPart = h[:c], h[c+1:]
	}
	if strings.HasPrefix(hostPart, "*.") {
		out.wildcard, hostPart = true, hostPart[2:]
	}
	if hostPart == "" || strings.Contains(hostPart, "*") {
		return out, fmt.Errorf("%s: %q: a wildcard is only allowed as the whole first label, as in *.example.com", where, r.Host)
	}
	out.host = hostPart
	if portPart != "" {
		lo, hi, ok := strings.Cut(portPart, "-")
		if !ok {
			hi = lo
		}
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a < 1 || b > 65535 || a > b {
			return out, fmt.Errorf("%s: %q: the port must be a number 1-65535 or a range such as 8000-8100", where, r.Host)
		}
		out.portLo, out.portHi = a, b
	}
	for j, p := range r.Paths {
		if !strings.HasPrefix(p, "/") {
			return out, fmt.Errorf("backend.reading.allow[%d].paths[%d]: %q must start with /", i, j, p)
		}
		out.paths = append(out.paths, p)
	}
	return out, nil
}

func (r allowRule) matchHost(u *url.URL) bool {
	h := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if r.wildcard {
		if !strings.HasSuffix(h, "."+r.host) {
			return false
		}
	} else if h != r.host {
		return false
	}
	if u.Port() == "" {
		return r.portLo == 0
	}
	p, err := strconv.Atoi(u.Port())
	return err == nil && r.portLo != 0 && p >= r.portLo && p <= r.portHi
}

func (r allowRule) matchPath(clean string) bool {
	if len(r.paths) == 0 {
		return true
	}
	for _, p := range r.paths {
		if strings.HasPrefix(clean, p) {
			return true
		}
	}
	return false
}

// NewFetchReader builds the fetch reader from backend.reading.allow.
func NewFetchReader(rules []AllowRule, lim Limits, opts Options) (*FetchReader, error) {
	f := &FetchReader{lim: lim}
	exact := map[string]bool{}
	for i, rr := range rules {
		r, err := parseAllowRule(i, rr)
		if err != nil {
			return nil, err
		}
		if !r.wildcard {
			exact[r.host] = true
		}
		f.rules = append(f.rules, r)
	}
	f.client = egress.NewClient(egress.ClientOptions{
		Dialer:   &egress.Dialer{Resolver: opts.Resolver, Trusted: func(h string) bool { return exact[h] }},
		Timeout:  lim.Timeout,
		Redirect: f.check,
	})
	return f, nil
}

// Accepts reports whether an allow rule names u's host (and port).
func (f *FetchReader) Accepts(u *url.URL) bool {
	if u.Scheme != "http" && u.Scheme != "https" {
		return false
	}
	for _, r := range f.rules {
		if r.matchHost(u) {
			return true
		}
	}
	return false
}

// check applies every rule to u: scheme, no user info, no `..`, host, port and paths.
// It is used for the first URL and for every redirect.
func (f *FetchReader) check(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return errorf(ErrNotAllowed, "%s: only http and https URLs are read", u.Redacted())
	}
	if u.User != nil {
		return errorf(ErrNotAllowed, "%s: user info in URLs is not allowed; put credentials in integrations or proxy headers", u.Redacted())
	}
	if egress.ReachesDotDot(u.EscapedPath()) {
		return errorf(ErrNotAllowed, "%s: `..` is not allowed in URL paths, also not percent-encoded (once or more) or between backslashes", u.Redacted())
	}
	// Normalised as Backstage does (path.posix.normalize keeps a trailing slash).
	clean := path.Clean("/" + u.Path)
	if strings.HasSuffix(u.Path, "/") && clean != "/" {
		clean += "/"
	}
	hostOK := false
	for _, r := range f.rules {
		if r.matchHost(u) {
			hostOK = true
			if r.matchPath(clean) {
				return nil
			}
		}
	}
	if hostOK {
		return errorf(ErrNotAllowed, "%s: path %s is not under the paths of the backend.reading.allow entries for %s", u.Redacted(), clean, u.Host)
	}
	return errorf(ErrNotAllowed, "%s: host %s is not in backend.reading.allow", u.Redacted(), u.Host)
}

// ReadURL fetches a file, sending If-None-Match / If-Modified-Since.
func (f *FetchReader) ReadURL(ctx context.Context, rawURL string, opts ReadURLOptions) (*ReadURLResponse, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errorf(ErrInvalidURL, "%q: %v", rawURL, err)
	}
	if err := f.check(u); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, errorf(ErrInvalidURL, "%s: %v", u.Redacted(), err)
	}
	if opts.ETag != "" && !strings.HasPrefix(opts.ETag, "sha256:") {
		req.Header.Set("If-None-Match", opts.ETag)
	}
	if !opts.LastModifiedAfter.IsZero() {
		req.Header.Set("If-Modified-Since", opts.LastModifiedAfter.UTC().Format(http.TimeFormat))
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, transportErr(u.Redacted(), err)
	}
	defer resp.Body.Close()
	if err := statusErr(u.Redacted(), resp); err != nil {
		return nil, err
	}
	max := opts.Max(f.lim.MaxBytes)
	if resp.ContentLength > max {
		return nil, &egress.TooLargeError{What: u.Redacted(), Limit: max}
	}
	b, err := egress.ReadAll(resp.Body, max, u.Redacted())
	if err != nil {
		return nil, transportErr(u.Redacted(), err)
	}
	res := &ReadURLResponse{Content: b, ETag: resp.Header.Get("ETag")}
	if lm, err := http.ParseTime(resp.Header.Get("Last-Modified")); err == nil {
		res.LastModifiedAt = lm
	}
	if res.ETag == "" {
		res.ETag = contentETag(b) // no upstream ETag: a content hash still detects changes
	}
	if opts.ETag != "" && opts.ETag == res.ETag {
		return nil, ErrNotModified
	}
	if !opts.LastModifiedAfter.IsZero() && !res.LastModifiedAt.IsZero() && !res.LastModifiedAt.After(opts.LastModifiedAfter) {
		return nil, ErrNotModified
	}
	return res, nil
}

// ReadTree is not supported by plain HTTP, as in Backstage.
func (f *FetchReader) ReadTree(ctx context.Context, rawURL string, _ ReadTreeOptions) (*ReadTreeResponse, error) {
	return nil, errorf(ErrNotSupported, "%s: plain HTTP(S) hosts support only single-file reads, not ReadTree; use a GitHub or file URL", rawURL)
}

// Search is not supported by plain HTTP, as in Backstage.
func (f *FetchReader) Search(ctx context.Context, rawURL string, _ SearchOptions) (*SearchResponse, error) {
	return nil, errorf(ErrNotSupported, "%s: plain HTTP(S) hosts support only single-file reads, not Search; use a GitHub or file URL", rawURL)
}

func transportErr(what string, err error) error {
	var re *egress.RedirectError
	switch {
	case errors.As(err, &re):
		return errorf(ErrNotAllowed, "read %s: %w", what, err)
	case errors.Is(err, egress.ErrBlocked), errors.Is(err, ErrNotAllowed), errors.Is(err, egress.ErrTooLarge):
		return fmt.Errorf("read %s: %w", what, err)
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return errorf(context.DeadlineExceeded, "read %s: timed out (backend.reading.timeout): %w", what, err)
	default:
		return errorf(ErrUnavailable, "read %s: %w", what, err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// statusErr maps a non-2xx status to a reader error. 403 and 429 with rate-limit
// headers are rate limits with the reset time, never "not found".
func statusErr(what string, resp *http.Response) error {
	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
		return nil
	case s == http.StatusNotModified:
		return ErrNotModified
	case s == http.StatusNotFound || s == http.StatusGone:
		return errorf(ErrNotFound, "read %s: HTTP %d", what, s)
	case s == http.StatusTooManyRequests || (s == http.StatusForbidden && isRateLimited(resp.Header)):
		return &RateLimitError{URL: what, Status: s, ResetAt: ResetTime(resp.Header, time.Now())}
	default:
		// What the upstream said, as a short escaped excerpt: it is fetched content.
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, excerpt.Max+1))
		if snippet = bytes.TrimSpace(snippet); len(snippet) == 0 {
			return errorf(ErrUnavailable, "read %s: HTTP %d", what, s)
		}
		return errorf(ErrUnavailable, "read %s: HTTP %d: %s", what, s, excerpt.Bytes(snippet))
	}
}

// StatusError maps a response status to a reader error the way every HTTP-based reader
// should: nil for 2xx, ErrNotModified for 304, ErrNotFound only for 404/410, a
// *RateLimitError for 429 and for 403 with rate-limit headers, ErrUnavailable otherwise.
func StatusError(what string, resp *http.Response) error { return statusErr(what, resp) }

func isRateLimited(h http.Header) bool {
	return h.Get("X-RateLimit-Remaining") == "0" || h.Get("Retry-After") != "" || h.Get("RateLimit-Remaining") == "0"
}

// ResetTime reads when a rate limit resets from Retry-After (seconds or HTTP date) or
// X-RateLimit-Reset (Unix seconds). Zero if neither is present.
func ResetTime(h http.Header, now time.Time) time.Time {
	if ra := h.Get("Retry-After"); ra != "" {
		if secs, err := strconv.Atoi(ra); err == nil {
			return now.Add(time.Duration(secs) * time.Second)
		}
		if t, err := http.ParseTime(ra); err == nil {
			return t
		}
	}
	for _, k := range []string{"X-RateLimit-Reset", "RateLimit-Reset"} {
		if rs := h.Get(k); rs != "" {
			if secs, err := strconv.ParseInt(rs, 10, 64); err == nil {
				return time.Unix(secs, 0)
			}
		}
	}
	return time.Time{}
}
