package urlreader

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fileFixture makes root/ with files and an outside/ directory holding a secret.
func fileFixture(t *testing.T) (root, outside string, r *FileReader) {
	t.Helper()
	dir := t.TempDir()
	root = filepath.Join(dir, "root")
	outside = filepath.Join(dir, "outside")
	for _, d := range []string{root + "/a/b", outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(root+"/catalog-info.yaml", "kind: Component\n")
	write(root+"/a/one.yaml", "one")
	write(root+"/a/b/two.yaml", "two")
	write(root+"/a/b/notes.txt", "notes")
	write(outside+"/secret", "secret")
	lim, _ := ReadingConfig{}.Limits()
	r, err := NewFileReader([]string{root}, lim)
	if err != nil {
		t.Fatal(err)
	}
	return root, outside, r
}

func furl(t *testing.T, p string) string {
	t.Helper()
	u, err := FileURL(p)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestFileReadURLAndETag(t *testing.T) {
	root, _, r := fileFixture(t)
	ctx := context.Background()
	u := furl(t, root+"/catalog-info.yaml")
	res, err := r.ReadURL(ctx, u, ReadURLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Content) != "kind: Component\n" || !strings.HasPrefix(res.ETag, "sha256:") {
		t.Fatalf("got %q etag %q", res.Content, res.ETag)
	}
	if _, err := r.ReadURL(ctx, u, ReadURLOptions{ETag: res.ETag}); !errors.Is(err, ErrNotModified) {
		t.Fatalf("same etag: %v, want ErrNotModified", err)
	}
	if _, err := r.ReadURL(ctx, u, ReadURLOptions{LastModifiedAfter: res.LastModifiedAt}); !errors.Is(err, ErrNotModified) {
		t.Fatalf("lastModifiedAfter: %v, want ErrNotModified", err)
	}
	if _, err := r.ReadURL(ctx, furl(t, root+"/nope.yaml"), ReadURLOptions{}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestFileEscapesRefused(t *testing.T) {
	root, outside, r := fileFixture(t)
	ctx := context.Background()
	if err := os.Symlink(outside+"/secret", root+"/a/link-out"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, root+"/dir-out"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("one.yaml", root+"/a/link-in"); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"dotdot":           "file://" + filepath.ToSlash(root) + "/a/../../outside/secret",
		"encoded dotdot":   "file://" + filepath.ToSlash(root) + "/a/%2e%2e/%2e%2e/outside/secret",
		"absolute outside": furl(t, outside+"/secret"),
		"symlink file":     furl(t, root+"/a/link-out"),
		"symlink dir":      furl(t, root+"/dir-out/secret"),
		"etc passwd":       "file:///etc/passwd",
	}
	for name, u := range cases {
		res, err := r.ReadURL(ctx, u, ReadURLOptions{})
		if !errors.Is(err, ErrNotAllowed) {
			t.Errorf("%s: %s: got %v (content %v), want ErrNotAllowed", name, u, err, res)
		}
	}
	// A symlink that stays inside the root is fine.
	if res, err := r.ReadURL(ctx, furl(t, root+"/a/link-in"), ReadURLOptions{}); err != nil || string(res.Content) != "one" {
		t.Fatalf("in-root symlink: %v", err)
	}
	// A tree containing a link out is refused as a whole, naming the problem.
	_, err := r.ReadTree(ctx, furl(t, root+"/a"), ReadTreeOptions{})
	if !errors.Is(err, ErrNotAllowed) || !strings.Contains(err.Error(), "outside its file root") {
		t.Fatalf("tree with a link out: %v", err)
	}
}

func TestFileTreeAndSearch(t *testing.T) {
	root, _, r := fileFixture(t)
	ctx := context.Background()
	tree, err := r.ReadTree(ctx, furl(t, root+"/a"), ReadTreeOptions{Filter: func(p string, _ int64) bool { return strings.HasSuffix(p, ".yaml") }})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range tree.Files {
		paths = append(paths, f.Path+"="+string(f.Content))
	}
	if got := strings.Join(paths, ","); got != "b/two.yaml=two,one.yaml=one" {
		t.Fatalf("tree: %s", got)
	}
	if _, err := r.ReadTree(ctx, furl(t, root+"/a"), ReadTreeOptions{ETag: tree.ETag, Filter: func(p string, _ int64) bool { return strings.HasSuffix(p, ".yaml") }}); !errors.Is(err, ErrNotModified) {
		t.Fatalf("tree etag: %v", err)
	}

	s, err := r.Search(ctx, "file://"+filepath.ToSlash(root)+"/**/*.yaml", SearchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, f := range s.Files {
		urls = append(urls, strings.TrimPrefix(f.URL, "file://"+filepath.ToSlash(root)))
	}
	if got := strings.Join(urls, ","); got != "/a/b/two.yaml,/a/one.yaml,/catalog-info.yaml" {
		t.Fatalf("search: %s", got)
	}
	if _, err := r.Search(ctx, "file://"+filepath.ToSlash(root)+"/**/*.yaml", SearchOptions{ETag: s.ETag}); !errors.Is(err, ErrNotModified) {
		t.Fatalf("search etag: %v", err)
	}
	if _, err := r.Search(ctx, "file://"+filepath.ToSlash(root)+"/../**/*", SearchOptions{}); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("search with ..: %v", err)
	}
}

func TestFileLimits(t *testing.T) {
	root, _, _ := fileFixture(t)
	r, err := NewFileReader([]string{root}, Limits{MaxBytes: 5, MaxTreeBytes: 100, MaxTreeFiles: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadURL(context.Background(), furl(t, root+"/catalog-info.yaml"), ReadURLOptions{}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized file: %v", err)
	}
	if _, err := r.ReadTree(context.Background(), furl(t, root+"/a/b"), ReadTreeOptions{Filter: func(p string, _ int64) bool { return p != "notes.txt" }}); err != nil {
		t.Fatalf("small tree: %v", err)
	}
	if _, err := r.ReadTree(context.Background(), furl(t, root), ReadTreeOptions{Filter: func(p string, _ int64) bool { return !strings.HasSuffix(p, "info.yaml") && p != "a/b/notes.txt" }}); err != nil {
		t.Fatalf("tree of two: %v", err)
	}
	if _, err := r.ReadTree(context.Background(), furl(t, root), ReadTreeOptions{Filter: func(p string, _ int64) bool { return !strings.HasSuffix(p, "info.yaml") }}); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "maxTreeFiles") {
		t.Fatalf("tree of three with maxTreeFiles 2: %v", err)
	}
}

func TestFileRootConfigErrors(t *testing.T) {
	lim, _ := ReadingConfig{}.Limits()
	_, err := NewFileReader([]string{t.TempDir(), filepath.Join(t.TempDir(), "missing")}, lim)
	if err == nil || !strings.Contains(err.Error(), "backend.reading.fileRoots[1]") || !strings.Contains(err.Error(), "create the directory") {
		t.Fatalf("missing root: %v", err)
	}
	if _, err := NewFileReader([]string{""}, lim); err == nil || !strings.Contains(err.Error(), "fileRoots[0]") {
		t.Fatalf("empty root: %v", err)
	}
}
