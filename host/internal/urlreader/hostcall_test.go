package urlreader

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestHostCalls(t *testing.T) {
	root, _, fr := fileFixture(t)
	r := NewMux(Entry{Name: "file", Reader: fr, Predicate: fr.Accepts})
	ctx := context.Background()
	u := furl(t, root+"/a/one.yaml")
	res, err := HostRead(ctx, r, ReadRequest{URL: u}, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res)
	if !strings.Contains(string(b), `"content":"b25l"`) || res.LastModifiedAt == "" {
		t.Fatalf("wire form %s", b)
	}
	res, err = HostRead(ctx, r, ReadRequest{URL: u, ETag: res.ETag}, 0)
	if err != nil || !res.NotModified || res.Content != nil {
		t.Fatalf("not modified: %v %+v", err, res)
	}
	tree, err := HostReadTree(ctx, r, ReadTreeRequest{URL: furl(t, root), Filter: "**/*.yaml"})
	if err != nil || len(tree.Files) != 3 {
		t.Fatalf("tree: %v %+v", err, tree)
	}
	if _, err := HostReadTree(ctx, r, ReadTreeRequest{URL: furl(t, root), Filter: "[a"}); Code(err) != "invalid_argument" {
		t.Fatalf("bad filter: %v", err)
	}
	tree, err = HostReadTree(ctx, r, ReadTreeRequest{URL: furl(t, root), Filter: "**/*.yaml", ETag: tree.ETag})
	if err != nil || !tree.NotModified {
		t.Fatalf("tree not modified: %v %+v", err, tree)
	}
	s, err := HostSearch(ctx, r, SearchRequest{URL: "file://" + root + "/a/*.yaml"})
	if err != nil || len(s.Files) != 1 || !strings.HasSuffix(s.Files[0].URL, "/a/one.yaml") {
		t.Fatalf("search: %v %+v", err, s)
	}

	// Narrowing: only paths under /a/b may be read.
	narrow := Narrow(r, func(u *url.URL) error {
		if !strings.HasPrefix(u.Path, root+"/a/b/") {
			return errors.New("the plugin's url.read grant does not cover this path")
		}
		return nil
	})
	_, err = HostRead(ctx, narrow, ReadRequest{URL: u}, 0)
	if ae := CallError(err); ae.Code != "capability_denied" || !strings.Contains(ae.Message, "grant") {
		t.Fatalf("narrowed: %v", err)
	}
	if _, err := HostRead(ctx, narrow, ReadRequest{URL: furl(t, root+"/a/b/two.yaml")}, 0); err != nil {
		t.Fatalf("narrowed, allowed: %v", err)
	}
	if ae := CallError(func() error { _, err := HostRead(ctx, r, ReadRequest{URL: furl(t, root+"/missing")}, 0); return err }()); ae.Code != "not_found" {
		t.Fatalf("missing: %+v", ae)
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
	res, err := HostSearch(context.Background(), r, SearchRequest{URL: "file://" + root + "/**/*.yaml"})
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

func TestHostReadCap(t *testing.T) {
	root, _, fr := fileFixture(t)
	r := NewMux(Entry{Name: "file", Reader: fr, Predicate: fr.Accepts})
	_, err := HostRead(context.Background(), r, ReadRequest{URL: furl(t, root+"/catalog-info.yaml")}, 4)
	if ae := CallError(err); ae.Code != "too_large" || !strings.Contains(ae.Message, "4 byte limit") {
		t.Fatalf("capped read: %v", err)
	}
}
