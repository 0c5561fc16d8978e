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
	res, err := HostRead(ctx, r, ReadRequest{URL: u})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res)
	if !strings.Contains(string(b), `"content":"b25l"`) || res.LastModifiedAt == "" {
		t.Fatalf("wire form %s", b)
	}
	res, err = HostRead(ctx, r, ReadRequest{URL: u, ETag: res.ETag})
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
	_, err = HostRead(ctx, narrow, ReadRequest{URL: u})
	if ae := CallError(err); ae.Code != "capability_denied" || !strings.Contains(ae.Message, "grant") {
		t.Fatalf("narrowed: %v", err)
	}
	if _, err := HostRead(ctx, narrow, ReadRequest{URL: furl(t, root+"/a/b/two.yaml")}); err != nil {
		t.Fatalf("narrowed, allowed: %v", err)
	}
	if ae := CallError(func() error { _, err := HostRead(ctx, r, ReadRequest{URL: furl(t, root+"/missing")}); return err }()); ae.Code != "not_found" {
		t.Fatalf("missing: %+v", ae)
	}
}
