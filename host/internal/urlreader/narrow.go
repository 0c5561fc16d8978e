package urlreader

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
)

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
