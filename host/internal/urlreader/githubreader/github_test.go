package githubreader

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/egress"
	"greenroom.dev/greenroom/host/internal/urlreader"
	"greenroom.dev/greenroom/host/internal/urlreader/archive"
)

const sha = "c0ffee0000000000000000000000000000000001"

var repoFiles = map[string]string{
	"README.md":                    "# r",
	"catalog-info.yaml":            "kind: Component\nmetadata: {name: r}\n",
	"docs/index.md":                "index",
	"docs/sub/a.md":                "a",
	"services/x/catalog-info.yaml": "kind: Component\nmetadata: {name: x}\n",
}

type tarEntry struct {
	name, body string
	zeros      int64
}

func tarGz(t testing.TB, entries []tarEntry) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: "pax_global_header", Typeflag: tar.TypeXGlobalHeader, PAXRecords: map[string]string{"comment": sha}})
	for _, e := range entries {
		size := int64(len(e.body)) + e.zeros
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Typeflag: tar.TypeReg, Size: size, Mode: 0o644}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(e.body))
		zero := make([]byte, 1<<20)
		for left := e.zeros; left > 0; {
			n := min(left, int64(len(zero)))
			tw.Write(zero[:n])
			left -= n
		}
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func blobSHA(p string) string {
	s := sha1.Sum([]byte(p))
	return hex.EncodeToString(s[:])
}

// fakeGitHub speaks the parts of GitHub's REST API that go-github calls for reading.
type fakeGitHub struct {
	port         string
	notModified  atomic.Int64
	mu           sync.Mutex
	authByHost   map[string]string
	lastAccept   string
	requestPaths []string
}

func newFakeGitHub(t *testing.T) *fakeGitHub {
	t.Helper()
	f := &fakeGitHub{authByHost: map[string]string{}}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	_, f.port, _ = net.SplitHostPort(srv.Listener.Addr().String())
	return f
}

func (f *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.authByHost[strings.Split(r.Host, ":")[0]] = r.Header.Get("Authorization")
	f.lastAccept = r.Header.Get("Accept")
	f.requestPaths = append(f.requestPaths, r.URL.Path)
	f.mu.Unlock()
	p := r.URL.Path
	if strings.HasPrefix(p, "/codeload/") {
		f.codeload(w, r)
		return
	}
	rest, ok := strings.CutPrefix(p, "/api/v3/repos/o/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	repo, rest, _ := strings.Cut(rest, "/")
	switch repo {
	case "limited":
		w.Header().Set("X-RateLimit-Limit", "60")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", "4102444800")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"message":"API rate limit exceeded for 127.0.0.1."}`)
		return
	case "limited429":
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"message":"Too many requests"}`)
		return
	case "secondary":
		w.Header().Set("Retry-After", "60")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"message":"You have exceeded a secondary rate limit","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`)
		return
	case "hostile403", "hostile500", "hostile-limited":
		// A message that tries to forge a log line, clear a terminal, fill the error.
		msg, _ := json.Marshal("\x1b[2J\ndenied\r\ntime=2026 level=ERROR msg=forged " + strings.Repeat("<p>secret</p>", 1000))
		switch repo {
		case "hostile403":
			w.WriteHeader(http.StatusForbidden)
		case "hostile500":
			w.WriteHeader(http.StatusInternalServerError)
		default:
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", "4102444800")
			w.WriteHeader(http.StatusForbidden)
		}
		fmt.Fprintf(w, `{"message":%s}`, msg)
		return
	case "private":
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"message":"Resource not accessible by integration"}`)
		return
	case "gone":
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"Not Found"}`)
		return
	}
	switch {
	case rest == "":
		fmt.Fprintf(w, `{"name":%q,"full_name":"o/%s","default_branch":"main"}`, repo, repo)
	case strings.HasPrefix(rest, "contents/"):
		name := strings.TrimPrefix(rest, "contents/")
		body, ok := repoFiles[name]
		if r.URL.Query().Get("ref") != "main" || !ok {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"message":"Not Found"}`)
			return
		}
		etag := `"` + blobSHA(name) + `"`
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			f.notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.github.raw")
		fmt.Fprint(w, body)
	case rest == "commits/main":
		if r.Header.Get("Accept") != "application/vnd.github.v3.sha" {
			http.Error(w, "want the sha media type", http.StatusBadRequest)
			return
		}
		if r.Header.Get("If-None-Match") == `"`+sha+`"` {
			f.notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprint(w, sha)
	case rest == "tarball/"+sha:
		target := fmt.Sprintf("http://codeload.github.test:%s/codeload/o/%s/tar.gz/%s", f.port, repo, sha)
		if repo == "evil" {
			target = fmt.Sprintf("http://evil.test:%s/codeload/o/r/tar.gz/%s", f.port, sha)
		}
		http.Redirect(w, r, target, http.StatusFound)
	case rest == "git/trees/"+sha:
		if r.URL.Query().Get("recursive") != "1" {
			http.Error(w, "want recursive", http.StatusBadRequest)
			return
		}
		type entry struct {
			Path string `json:"path"`
			Type string `json:"type"`
			SHA  string `json:"sha"`
			Size int    `json:"size,omitempty"`
		}
		var entries []entry
		dirs := map[string]bool{}
		for p, body := range repoFiles {
			entries = append(entries, entry{Path: p, Type: "blob", SHA: blobSHA(p), Size: len(body)})
			if i := strings.LastIndex(p, "/"); i > 0 && !dirs[p[:i]] {
				dirs[p[:i]] = true
				entries = append(entries, entry{Path: p[:i], Type: "tree", SHA: blobSHA(p[:i])})
			}
		}
		sort.Slice(entries, func(i, j int) bool { return entries[i].Path < entries[j].Path })
		json.NewEncoder(w).Encode(map[string]any{"sha": sha, "tree": entries, "truncated": false})
	case strings.HasPrefix(rest, "git/blobs/"):
		want := strings.TrimPrefix(rest, "git/blobs/")
		for p, body := range repoFiles {
			if blobSHA(p) == want {
				fmt.Fprint(w, body)
				return
			}
		}
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"Not Found"}`)
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"Not Found"}`)
	}
}

func (f *fakeGitHub) codeload(w http.ResponseWriter, r *http.Request) {
	repo := strings.Split(r.URL.Path, "/")[3]
	top := "o-" + repo + "-c0ffee0/"
	var entries []tarEntry
	switch repo {
	case "slip":
		entries = []tarEntry{{name: top + "docs/ok.md", body: "ok"}, {name: top + "../../../etc/cron.d/evil", body: "x"}}
	case "bomb":
		entries = []tarEntry{{name: top + "docs/bomb", zeros: 8 << 20}}
	default:
		for p, body := range repoFiles {
			entries = append(entries, tarEntry{name: top + p, body: body})
		}
	}
	w.Header().Set("Content-Type", "application/x-gzip")
	w.Write(tarGz(nil, entries))
}

func (f *fakeGitHub) reader(t *testing.T, lim urlreader.Limits) *Reader {
	t.Helper()
	if lim.MaxBytes == 0 {
		lim, _ = urlreader.ReadingConfig{}.Limits()
	}
	r, err := New(0, urlreader.GitHubIntegration{
		Host:       "github.test",
		Token:      "s3cret",
		APIBaseURL: "http://api.github.test:" + f.port + "/api/v3",
	}, lim, urlreader.Options{Resolver: egress.StaticResolver{
		"api.github.test":      {"127.0.0.1"},
		"codeload.github.test": {"127.0.0.1"},
		"evil.test":            {"127.0.0.1"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestReadURLConditional(t *testing.T) {
	f := newFakeGitHub(t)
	r := f.reader(t, urlreader.Limits{})
	mux := urlreader.NewMux(urlreader.Entry{Name: "github", Reader: r, Predicate: r.Accepts, Cacheable: true})
	mux.SetCache(urlreader.NewCache(1 << 20))
	ctx := context.Background()
	u := "https://github.test/o/r/blob/main/catalog-info.yaml"
	res, err := mux.ReadURL(ctx, u, urlreader.ReadURLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Content) != repoFiles["catalog-info.yaml"] || res.ETag == "" {
		t.Fatalf("got %q etag %q", res.Content, res.ETag)
	}
	if f.authByHost["api.github.test"] != "Bearer s3cret" || f.lastAccept != "application/vnd.github.raw" {
		t.Fatalf("auth %q accept %q", f.authByHost["api.github.test"], f.lastAccept)
	}
	if _, err := mux.ReadURL(ctx, u, urlreader.ReadURLOptions{ETag: res.ETag}); !errors.Is(err, urlreader.ErrNotModified) {
		t.Fatalf("with etag: %v", err)
	}
	// Without an ETag the cache sends one: a 304, and the cached content comes back.
	res2, err := mux.ReadURL(ctx, u, urlreader.ReadURLOptions{})
	if err != nil || string(res2.Content) != repoFiles["catalog-info.yaml"] {
		t.Fatalf("cached: %v", err)
	}
	if n := f.notModified.Load(); n != 2 {
		t.Fatalf("%d conditional 304s, want 2", n)
	}
	_, err = mux.ReadURL(ctx, "https://github.test/o/r/blob/main/missing.yaml", urlreader.ReadURLOptions{})
	if !errors.Is(err, urlreader.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
	for _, bad := range []string{"https://github.test/o/r", "https://github.test/o/r/commits/main/x", "https://github.test/o/r/tree/main/docs"} {
		if _, err := mux.ReadURL(ctx, bad, urlreader.ReadURLOptions{}); !errors.Is(err, urlreader.ErrInvalidURL) {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if _, err := mux.ReadURL(ctx, "https://github.test/o/r/blob/main/docs/../../x", urlreader.ReadURLOptions{}); !errors.Is(err, urlreader.ErrNotAllowed) {
		t.Errorf("dotdot: %v", err)
	}
}

func TestReadTreeTarball(t *testing.T) {
	f := newFakeGitHub(t)
	r := f.reader(t, urlreader.Limits{})
	ctx := context.Background()
	u := "https://github.test/o/r/tree/main/docs"
	tree, err := r.ReadTree(ctx, u, urlreader.ReadTreeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, fl := range tree.Files {
		got = append(got, fl.Path+"="+string(fl.Content))
	}
	if strings.Join(got, ",") != "index.md=index,sub/a.md=a" || tree.ETag != sha {
		t.Fatalf("tree %v etag %s", got, tree.ETag)
	}
	// The token went to the API host only, not along the redirect to codeload.
	if a := f.authByHost["codeload.github.test"]; a != "" {
		t.Fatalf("token leaked to codeload: %q", a)
	}
	if _, err := r.ReadTree(ctx, u, urlreader.ReadTreeOptions{ETag: sha}); !errors.Is(err, urlreader.ErrNotModified) {
		t.Fatalf("etag: %v", err)
	}
	if _, err := r.ReadTree(ctx, "https://github.test/o/r/tree/main/nope", urlreader.ReadTreeOptions{}); !errors.Is(err, urlreader.ErrNotFound) {
		t.Fatalf("missing directory: %v", err)
	}
	// A filter that keeps nothing is an empty tree, not a missing one.
	tree, err = r.ReadTree(ctx, u, urlreader.ReadTreeOptions{Filter: func(string, int64) bool { return false }})
	if err != nil || len(tree.Files) != 0 {
		t.Fatalf("empty filter: %v %+v", err, tree)
	}
	tree, err = r.ReadTree(ctx, "https://github.test/o/r/tree/main", urlreader.ReadTreeOptions{Filter: func(p string, _ int64) bool { return strings.HasSuffix(p, ".yaml") }})
	if err != nil || len(tree.Files) != 2 {
		t.Fatalf("filtered root tree: %v %+v", err, tree)
	}
}

func TestTreeAttacks(t *testing.T) {
	f := newFakeGitHub(t)
	r := f.reader(t, urlreader.Limits{MaxBytes: 1 << 20, MaxTreeBytes: 1 << 20, MaxTreeFiles: 100, Timeout: 10 * time.Second})
	ctx := context.Background()
	_, err := r.ReadTree(ctx, "https://github.test/o/evil/tree/main/docs", urlreader.ReadTreeOptions{})
	if !errors.Is(err, urlreader.ErrNotAllowed) || !strings.Contains(err.Error(), "evil.test") {
		t.Errorf("redirect to a disallowed host: %v", err)
	}
	_, err = r.ReadTree(ctx, "https://github.test/o/slip/tree/main/docs", urlreader.ReadTreeOptions{})
	if !errors.Is(err, archive.ErrUnsafePath) || !errors.Is(err, urlreader.ErrNotAllowed) {
		t.Errorf("tar-slip: %v", err)
	}
	_, err = r.ReadTree(ctx, "https://github.test/o/bomb/tree/main/docs", urlreader.ReadTreeOptions{})
	if !errors.Is(err, urlreader.ErrTooLarge) {
		t.Errorf("gzip bomb: %v", err)
	}
}

func TestSearchGitTrees(t *testing.T) {
	f := newFakeGitHub(t)
	r := f.reader(t, urlreader.Limits{})
	ctx := context.Background()
	res, err := r.Search(ctx, "https://github.test/o/r/blob/main/**/catalog-info.yaml", urlreader.SearchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, fl := range res.Files {
		got = append(got, fl.URL+"="+strings.SplitN(string(fl.Content), "\n", 2)[0])
	}
	want := "https://github.test/o/r/blob/main/catalog-info.yaml=kind: Component,https://github.test/o/r/blob/main/services/x/catalog-info.yaml=kind: Component"
	if strings.Join(got, ",") != want || res.ETag != sha {
		t.Fatalf("got %v", got)
	}
	if _, err := r.Search(ctx, "https://github.test/o/r/blob/main/**/catalog-info.yaml", urlreader.SearchOptions{ETag: sha}); !errors.Is(err, urlreader.ErrNotModified) {
		t.Fatalf("etag: %v", err)
	}
	res, err = r.Search(ctx, "https://github.test/o/r/blob/main/docs/*.md", urlreader.SearchOptions{})
	if err != nil || len(res.Files) != 1 || !strings.HasSuffix(res.Files[0].URL, "/docs/index.md") {
		t.Fatalf("docs/*.md: %v %+v", err, res)
	}
}

func TestRateLimitsAreNotNotFound(t *testing.T) {
	f := newFakeGitHub(t)
	ctx := context.Background()
	cases := []struct {
		repo      string
		status    int
		resetYear int
		minWait   time.Duration
	}{
		{"limited", 403, 2100, 0},
		{"limited429", 429, 0, 29 * time.Second},
		{"secondary", 403, 0, 59 * time.Second},
	}
	for _, c := range cases {
		r := f.reader(t, urlreader.Limits{}) // fresh client: go-github remembers limits
		for _, op := range []func() error{
			func() error {
				_, err := r.ReadURL(ctx, "https://github.test/o/"+c.repo+"/blob/main/catalog-info.yaml", urlreader.ReadURLOptions{})
				return err
			},
			func() error {
				_, err := r.ReadTree(ctx, "https://github.test/o/"+c.repo+"/tree/main", urlreader.ReadTreeOptions{})
				return err
			},
		} {
			before := time.Now()
			err := op()
			var rl *urlreader.RateLimitError
			if !errors.As(err, &rl) || errors.Is(err, urlreader.ErrNotFound) || rl.Status != c.status {
				t.Errorf("%s: got %v, want a rate limit error with status %d", c.repo, err, c.status)
				continue
			}
			if c.resetYear != 0 && rl.ResetAt.Year() != c.resetYear {
				t.Errorf("%s: reset %v", c.repo, rl.ResetAt)
			}
			if c.minWait != 0 && rl.ResetAt.Before(before.Add(c.minWait)) {
				t.Errorf("%s: reset %v is too early", c.repo, rl.ResetAt)
			}
			if !strings.Contains(err.Error(), "resets at") {
				t.Errorf("%s: message lacks the reset time: %v", c.repo, err)
			}
		}
	}
	// A plain 403 is a permission problem: unavailable, not gone.
	r := f.reader(t, urlreader.Limits{})
	_, err := r.ReadURL(ctx, "https://github.test/o/private/blob/main/x.yaml", urlreader.ReadURLOptions{})
	if !errors.Is(err, urlreader.ErrUnavailable) || errors.Is(err, urlreader.ErrNotFound) || !strings.Contains(err.Error(), "read access") {
		t.Errorf("plain 403: %v", err)
	}
}

// TestErrorsQuoteOnlyAnExcerpt: an error that quotes GitHub's message quotes a short
// excerpt of it, control characters escaped.
func TestErrorsQuoteOnlyAnExcerpt(t *testing.T) {
	f := newFakeGitHub(t)
	for _, repo := range []string{"hostile403", "hostile500", "hostile-limited"} {
		r := f.reader(t, urlreader.Limits{})
		_, err := r.ReadURL(context.Background(), "https://github.test/o/"+repo+"/blob/main/x.yaml", urlreader.ReadURLOptions{})
		if err == nil {
			t.Fatalf("%s: no error", repo)
		}
		msg := err.Error()
		if strings.ContainsAny(msg, "\x1b\r\n") || len(msg) > 600 || !strings.Contains(msg, `\x1b[2J`) {
			t.Errorf("%s: error %q (%d bytes): want an escaped excerpt of at most about 200 bytes", repo, msg, len(msg))
		}
	}
}

func TestConfigErrors(t *testing.T) {
	lim, _ := urlreader.ReadingConfig{}.Limits()
	cases := []struct {
		in   []urlreader.GitHubIntegration
		want string
	}{
		{[]urlreader.GitHubIntegration{{}}, "integrations.github[0].host: missing"},
		{[]urlreader.GitHubIntegration{{Host: "https://github.com"}}, "host name only"},
		{[]urlreader.GitHubIntegration{{Host: "ghe.example.com", APIBaseURL: "ghe.example.com/api"}}, "integrations.github[0].apiBaseUrl"},
		{[]urlreader.GitHubIntegration{{Host: "github.com"}, {Host: "GitHub.com"}}, "integrations.github[1].host: github.com is configured twice"},
		{[]urlreader.GitHubIntegration{{Host: "github.com", Apps: []map[string]any{{"appId": 1}}}}, "integrations.github[0].apps: GitHub App authentication is not supported yet"},
	}
	for _, c := range cases {
		if _, err := Entries(c.in, lim, urlreader.Options{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.in, err, c.want)
		}
	}
	es, err := Entries(nil, lim, urlreader.Options{})
	if err != nil || len(es) != 1 || es[0].Name != "github:github.com" {
		t.Fatalf("default integration: %v %+v", err, es)
	}
	r := es[0].Reader.(*Reader)
	if r.api.String() != "https://api.github.com/" {
		t.Fatalf("default api base %s", r.api)
	}
	ghe, _ := New(0, urlreader.GitHubIntegration{Host: "ghe.example.com"}, lim, urlreader.Options{})
	if ghe.api.String() != "https://ghe.example.com/api/v3/" {
		t.Fatalf("GHE default api base %s", ghe.api)
	}
}

// TestRepoFileURL: a repository URL as copied from the browser names the file at the
// repository's default branch (asked of the API); a tree URL, at the tree's ref.
func TestRepoFileURL(t *testing.T) {
	f := newFakeGitHub(t)
	r := f.reader(t, urlreader.Limits{})
	mux := urlreader.NewMux(urlreader.Entry{Name: "github", Reader: r, Predicate: r.Accepts, Cacheable: true})
	ctx := context.Background()
	// The resolved URL is one the reader reads.
	u, err := mux.RepoFileURL(ctx, "https://github.test/o/r", "catalog-info.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if res, err := mux.ReadURL(ctx, u, urlreader.ReadURLOptions{}); err != nil || string(res.Content) != repoFiles["catalog-info.yaml"] {
		t.Fatalf("read %s: %v", u, err)
	}
	tests := []struct {
		url, file, want string
		err             error
	}{
		{"https://github.test/o/r", "catalog-info.yaml", "https://github.test/o/r/blob/main/catalog-info.yaml", nil},
		{"https://github.test/o/r.git/", "catalog-info.yaml", "https://github.test/o/r/blob/main/catalog-info.yaml", nil},
		{"https://github.test/o/r/tree/v2/services/x", "catalog-info.yaml", "https://github.test/o/r/blob/v2/services/x/catalog-info.yaml", nil},
		{"https://github.test/o/r", "docs/catalog info.yaml", "https://github.test/o/r/blob/main/docs/catalog%20info.yaml", nil},
		{"https://github.test/o", "catalog-info.yaml", "", urlreader.ErrInvalidURL},
		{"https://github.test/o/r/blob/main/catalog-info.yaml", "catalog-info.yaml", "", urlreader.ErrInvalidURL},
		{"https://github.test/o/r", "../x.yaml", "", urlreader.ErrInvalidURL},
		{"https://github.test/o/gone", "catalog-info.yaml", "", urlreader.ErrNotFound},
		{"https://elsewhere.test/o/r", "catalog-info.yaml", "", urlreader.ErrNotAllowed},
		{"https://github.test/o/limited", "catalog-info.yaml", "", urlreader.ErrRateLimited}, // last: go-github then waits for the reset
	}
	for _, tt := range tests {
		got, err := mux.RepoFileURL(ctx, tt.url, tt.file)
		if got != tt.want || (tt.err == nil) != (err == nil) || (tt.err != nil && !errors.Is(err, tt.err)) {
			t.Errorf("RepoFileURL(%s, %s) = %q, %v; want %q, %v", tt.url, tt.file, got, err, tt.want, tt.err)
		}
	}
}
