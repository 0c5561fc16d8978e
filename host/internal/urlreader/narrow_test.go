package urlreader

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestNarrow(t *testing.T) {
	root, _, fr := fileFixture(t)
	r := NewMux(Entry{Name: "file", Reader: fr, Predicate: fr.Accepts})
	ctx := context.Background()
	// Only paths under /a/b may be read.
	narrow := Narrow(r, func(u *url.URL) error {
		if !strings.HasPrefix(u.Path, root+"/a/b/") {
			return errors.New("the plugin's url.read grant does not cover this path")
		}
		return nil
	})
	_, err := narrow.ReadURL(ctx, furl(t, root+"/a/one.yaml"), ReadURLOptions{})
	if !errors.Is(err, ErrNotAllowed) || !strings.Contains(err.Error(), "grant") {
		t.Fatalf("narrowed: %v", err)
	}
	if _, err := narrow.ReadURL(ctx, furl(t, root+"/a/b/two.yaml"), ReadURLOptions{}); err != nil {
		t.Fatalf("narrowed, allowed: %v", err)
	}
	if _, err := narrow.ReadTree(ctx, furl(t, root+"/a"), ReadTreeOptions{}); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("narrowed tree: %v", err)
	}
	if _, err := narrow.ReadURL(ctx, "%zz", ReadURLOptions{}); !errors.Is(err, ErrInvalidURL) {
		t.Fatalf("not a URL: %v", err)
	}
}

func TestGrant(t *testing.T) {
	allow, err := Grant([]string{"github.com", "*.example.com"}, []string{"/acme/**"})
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]bool{
		"https://github.com/acme/repo/blob/main/x.yaml":    true,
		"https://a.example.com/acme/x":                     true,
		"https://example.com/acme/x":                       false,
		"https://github.com/other/repo/blob/main/x.yaml":   false,
		"https://github.com/acme/../other/blob/main/x.yml": false,
		"https://gitlab.com/acme/x":                        false,
	}
	for raw, want := range cases {
		u, _ := url.Parse(raw)
		if err := allow(u); (err == nil) != want || (err != nil && !errors.Is(err, ErrNotAllowed)) {
			t.Errorf("%s: %v, want allowed=%v", raw, err, want)
		}
	}
	if _, err := Grant([]string{"[x"}, nil); err == nil || !strings.Contains(err.Error(), "hosts[0]") {
		t.Errorf("bad host glob: %v", err)
	}
	if _, err := Grant(nil, []string{"acme/**"}); err == nil || !strings.Contains(err.Error(), "paths[0]") {
		t.Errorf("relative path glob: %v", err)
	}
}

func TestNarrowedSearchDropsUngrantedMatches(t *testing.T) {
	root, _, fr := fileFixture(t)
	allow, err := Grant(nil, []string{root + "/*/*.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	r := Narrow(NewMux(Entry{Name: "file", Reader: fr, Predicate: fr.Accepts}), allow)
	// The glob URL passes the grant (its `**` matches the grant's `*`), but a/b/two.yaml
	// is outside the grant and must not come back.
	res, err := r.Search(context.Background(), "file://"+root+"/**/*.yaml", SearchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Files {
		if strings.Contains(f.URL, "/a/b/") {
			t.Fatalf("ungranted match returned: %s", f.URL)
		}
	}
	if len(res.Files) != 1 || !strings.HasSuffix(res.Files[0].URL, "/a/one.yaml") {
		t.Fatalf("got %d files", len(res.Files))
	}
}
