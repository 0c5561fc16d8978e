package gitlabreader

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"greenroom.dev/greenroom/host/internal/egress"
	"greenroom.dev/greenroom/host/internal/urlreader"
	"greenroom.dev/greenroom/host/internal/urlreader/archive"
)

const sha = "deadbeef00000000000000000000000000000002"

var files = map[string]string{
	"catalog-info.yaml":            "kind: Component\n",
	"docs/index.md":                "index",
	"docs/sub/a.md":                "a",
	"services/x/catalog-info.yaml": "kind: API\n",
}

// fakeGitLab speaks the parts of GitLab's v4 API the reader calls, for project
// group/sub/proj (and slip, which serves a tar-slip archive, and limited, a 429).
type fakeGitLab struct {
	port   string
	mu     sync.Mutex
	tokens []string
	n304   int
}

func newFakeGitLab(t *testing.T) *fakeGitLab {
	f := &fakeGitLab{}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	_, f.port, _ = net.SplitHostPort(srv.Listener.Addr().String())
	return f
}

func (f *fakeGitLab) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.tokens = append(f.tokens, r.Header.Get("PRIVATE-TOKEN"))
	f.mu.Unlock()
	p := r.URL.EscapedPath()
	rest, ok := strings.CutPrefix(p, "/api/v4/projects/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	project, rest, _ := strings.Cut(rest, "/")
	switch project {
	case "group%2Fsub%2Fproj", "group%2Fslip":
	case "group%2Flimited":
		w.Header().Set("RateLimit-Reset", "4102444800")
		w.Header().Set("Retry-After", "60")
		w.WriteHeader(http.StatusTooManyRequests)
		return
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"404 Project Not Found"}`)
		return
	}
	q := r.URL.Query()
	switch {
	case strings.HasPrefix(rest, "repository/files/") && strings.HasSuffix(rest, "/raw"):
		name := strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(rest, "repository/files/"), "/raw"), "%2F", "/")
		body, ok := files[name]
		if !ok || q.Get("ref") != "main" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		etag := `"blob-` + name + `"`
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			f.mu.Lock()
			f.n304++
			f.mu.Unlock()
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprint(w, body)
	case rest == "repository/commits/main":
		json.NewEncoder(w).Encode(map[string]string{"id": sha})
	case rest == "repository/archive.tar.gz":
		if q.Get("sha") != sha {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		top := "proj-" + sha + "/"
		var buf bytes.Buffer
		gz := gzip.NewWriter(&buf)
		tw := tar.NewWriter(gz)
		add := func(name, body string) {
			tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Size: int64(len(body)), Mode: 0o644})
			tw.Write([]byte(body))
		}
		if project == "group%2Fslip" {
			add(top+"docs/ok.md", "ok")
			add(top+"docs/../../../escape", "x")
		}
		for name, body := range files {
			if strings.HasPrefix(name, q.Get("path")) {
				add(top+name, body)
			}
		}
		tw.Close()
		gz.Close()
		w.Write(buf.Bytes())
	case rest == "repository/tree":
		type entry struct {
			ID   string `json:"id"`
			Type string `json:"type"`
			Path string `json:"path"`
		}
		var all []entry
		for name := range files {
			all = append(all, entry{ID: "blob-" + strings.ReplaceAll(name, "/", "_"), Type: "blob", Path: name})
		}
		all = append(all, entry{ID: "tree-docs", Type: "tree", Path: "docs"})
		sort.Slice(all, func(i, j int) bool { return all[i].Path < all[j].Path })
		// Two entries per page, to exercise pagination.
		page := 1
		fmt.Sscan(q.Get("page"), &page)
		lo, hi := (page-1)*2, page*2
		if hi >= len(all) {
			hi = len(all)
		} else {
			w.Header().Set("X-Next-Page", fmt.Sprint(page+1))
		}
		json.NewEncoder(w).Encode(all[lo:hi])
	case strings.HasPrefix(rest, "repository/blobs/"):
		id := strings.TrimSuffix(strings.TrimPrefix(rest, "repository/blobs/"), "/raw")
		for name, body := range files {
			if "blob-"+strings.ReplaceAll(name, "/", "_") == id {
				fmt.Fprint(w, body)
				return
			}
		}
		w.WriteHeader(http.StatusNotFound)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func (f *fakeGitLab) reader(t *testing.T) *Reader {
	lim, _ := urlreader.ReadingConfig{}.Limits()
	r, err := New(0, urlreader.GitLabIntegration{
		Host: "gitlab.test", Token: "glpat", APIBaseURL: "http://gitlab.test:" + f.port + "/api/v4",
	}, lim, urlreader.Options{Resolver: egress.StaticResolver{"gitlab.test": {"127.0.0.1"}}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestGitLabReads(t *testing.T) {
	f := newFakeGitLab(t)
	r := f.reader(t)
	ctx := context.Background()
	u := "https://gitlab.test/group/sub/proj/-/blob/main/catalog-info.yaml"
	res, err := r.ReadURL(ctx, u, urlreader.ReadURLOptions{})
	if err != nil || string(res.Content) != "kind: Component\n" || res.ETag == "" {
		t.Fatalf("%v %+v", err, res)
	}
	if _, err := r.ReadURL(ctx, u, urlreader.ReadURLOptions{ETag: res.ETag}); !errors.Is(err, urlreader.ErrNotModified) || f.n304 != 1 {
		t.Fatalf("conditional: %v (304s: %d)", err, f.n304)
	}
	if f.tokens[0] != "glpat" {
		t.Fatalf("token not sent: %q", f.tokens)
	}
	if _, err := r.ReadURL(ctx, "https://gitlab.test/group/sub/proj/-/blob/main/nope.yaml", urlreader.ReadURLOptions{}); !errors.Is(err, urlreader.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}

	tree, err := r.ReadTree(ctx, "https://gitlab.test/group/sub/proj/-/tree/main/docs", urlreader.ReadTreeOptions{})
	if err != nil || tree.ETag != sha || len(tree.Files) != 2 {
		t.Fatalf("tree: %v %+v", err, tree)
	}
	// The archive's order is the server's; compare as a set.
	paths := map[string]string{}
	for _, f := range tree.Files {
		paths[f.Path] = string(f.Content)
	}
	if paths["index.md"] != "index" || paths["sub/a.md"] != "a" {
		t.Fatalf("tree files: %v", paths)
	}
	if _, err := r.ReadTree(ctx, "https://gitlab.test/group/sub/proj/-/tree/main/docs", urlreader.ReadTreeOptions{ETag: sha}); !errors.Is(err, urlreader.ErrNotModified) {
		t.Fatalf("tree etag: %v", err)
	}

	s, err := r.Search(ctx, "https://gitlab.test/group/sub/proj/-/blob/main/**/catalog-info.yaml", urlreader.SearchOptions{})
	if err != nil || len(s.Files) != 2 {
		t.Fatalf("search: %v %+v", err, s)
	}
	found := false
	for _, f := range s.Files {
		if f.URL == "https://gitlab.test/group/sub/proj/-/blob/main/services/x/catalog-info.yaml" {
			found = string(f.Content) == "kind: API\n"
		}
	}
	if !found {
		t.Fatalf("search matches: %+v", s.Files)
	}
}

func TestGitLabAttacksAndLimits(t *testing.T) {
	f := newFakeGitLab(t)
	r := f.reader(t)
	ctx := context.Background()
	_, err := r.ReadTree(ctx, "https://gitlab.test/group/slip/-/tree/main/docs", urlreader.ReadTreeOptions{})
	if !errors.Is(err, archive.ErrUnsafePath) || !errors.Is(err, urlreader.ErrNotAllowed) {
		t.Fatalf("tar-slip: %v", err)
	}
	_, err = r.ReadURL(ctx, "https://gitlab.test/group/limited/-/blob/main/x.yaml", urlreader.ReadURLOptions{})
	var rl *urlreader.RateLimitError
	if !errors.As(err, &rl) || errors.Is(err, urlreader.ErrNotFound) || rl.Status != 429 {
		t.Fatalf("429: %v", err)
	}
	for _, bad := range []string{"https://gitlab.test/group/proj/blob/main/x", "https://gitlab.test/-/blob/main/x", "https://gitlab.test/g/p/-/blob/main/../x"} {
		if _, err := r.ReadURL(ctx, bad, urlreader.ReadURLOptions{}); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	lim, _ := urlreader.ReadingConfig{}.Limits()
	r2, _ := New(0, urlreader.GitLabIntegration{Host: "gitlab.test", APIBaseURL: "http://api.other.test:" + f.port + "/api/v4"}, lim,
		urlreader.Options{Resolver: egress.StaticResolver{"api.other.test": {"127.0.0.1"}}})
	// api.other.test is named in apiBaseUrl, so it is trusted; a redirect elsewhere is not.
	if _, err := r2.ReadURL(ctx, "https://gitlab.test/group/sub/proj/-/blob/main/catalog-info.yaml", urlreader.ReadURLOptions{}); err != nil {
		t.Fatalf("trusted apiBaseUrl host: %v", err)
	}
}

func TestGitLabConfigErrors(t *testing.T) {
	lim, _ := urlreader.ReadingConfig{}.Limits()
	cases := []struct {
		in   []urlreader.GitLabIntegration
		want string
	}{
		{[]urlreader.GitLabIntegration{{}}, "integrations.gitlab[0].host: missing"},
		{[]urlreader.GitLabIntegration{{Host: "https://gitlab.com"}}, "host name only"},
		{[]urlreader.GitLabIntegration{{Host: "gitlab.com", APIBaseURL: "gitlab.com/api"}}, "integrations.gitlab[0].apiBaseUrl"},
		{[]urlreader.GitLabIntegration{{Host: "gitlab.com", BaseURL: "https://other.com/gitlab"}}, "integrations.gitlab[0].baseUrl"},
		{[]urlreader.GitLabIntegration{{Host: "gitlab.com"}, {Host: "gitlab.com"}}, "configured twice"},
	}
	for _, c := range cases {
		if _, err := Entries(c.in, lim, urlreader.Options{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.in, err, c.want)
		}
	}
	es, err := Entries(nil, lim, urlreader.Options{})
	if err != nil || es[0].Name != "gitlab:gitlab.com" || es[0].Reader.(*Reader).api.String() != "https://gitlab.com/api/v4" {
		t.Fatalf("default: %v %+v", err, es)
	}
	r, err := New(0, urlreader.GitLabIntegration{Host: "example.com", BaseURL: "https://example.com/gitlab"}, lim, urlreader.Options{})
	if err != nil || r.api.String() != "https://example.com/gitlab/api/v4" {
		t.Fatalf("baseUrl with a path: %v", err)
	}
	loc, err := r.parse("https://example.com/gitlab/g/p/-/tree/main/docs")
	if err != nil || loc.project != "g/p" || loc.path != "docs" {
		t.Fatalf("parse under a base path: %v %+v", err, loc)
	}
}
