package store

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func openFiles(t *testing.T, path string) (*Files, *bolt.DB) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFiles(db)
	if err != nil {
		t.Fatal(err)
	}
	return f, db
}

func paths(st []FileStat) string {
	var out []string
	for _, s := range st {
		out = append(out, s.Path)
	}
	return strings.Join(out, ",")
}

func TestFilesWriteReadListDelete(t *testing.T) {
	path := filepath.Join(t.TempDir(), "files.db")
	f, db := openFiles(t, path)
	st, err := f.Write("a", []FileWrite{{"site/x/index.html", []byte("<h1>x</h1>")}, {"site/x/img.png", []byte("png")}, {"site/y", []byte("y")}}, "", FileLimits{})
	if err != nil || st.Written != 3 || st.Used != int64(len("site/x/index.html")+10+len("site/x/img.png")+3+len("site/y")+1) {
		t.Fatalf("write: %+v %v", st, err)
	}
	if _, err := f.Write("b", []FileWrite{{"site/x/index.html", []byte("other plugin")}}, "", FileLimits{}); err != nil {
		t.Fatal(err)
	}
	if b, mod, err := f.Read("a", "site/x/index.html"); err != nil || string(b) != "<h1>x</h1>" || mod.IsZero() {
		t.Fatalf("read: %q %v %v", b, mod, err)
	}
	if _, _, err := f.Read("a", "site/x"); !errors.Is(err, ErrFileNotFound) {
		t.Fatalf("a directory is not a file: %v", err)
	}
	if _, _, err := f.Read("c", "site/x/index.html"); !errors.Is(err, ErrFileNotFound) {
		t.Fatalf("plugin c has no files: %v", err)
	}
	if l, _ := f.List("a", "site/x/", 0); paths(l) != "site/x/img.png,site/x/index.html" || l[0].Size != 3 {
		t.Fatalf("list: %+v", l)
	}
	if l, _ := f.List("a", "", 1); paths(l) != "site/x/img.png" {
		t.Fatalf("list with limit: %+v", l)
	}
	// Replace: the directory's files that the write does not name are gone with it.
	st, err = f.Write("a", []FileWrite{{"site/x/index.html", []byte("<h1>x2</h1>")}}, "site/x/", FileLimits{})
	if err != nil || st.Written != 1 || st.Removed != 1 {
		t.Fatalf("replace: %+v %v", st, err)
	}
	if l, _ := f.List("a", "", 0); paths(l) != "site/x/index.html,site/y" {
		t.Fatalf("after replace: %+v", l)
	}
	if n, err := f.Delete("a", "site"); err != nil || n != 2 {
		t.Fatalf("delete: %d %v", n, err)
	}
	if u, _ := f.Usage("a"); u != 0 {
		t.Fatalf("usage after deleting everything: %d", u)
	}
	if b, _, _ := f.Read("b", "site/x/index.html"); string(b) != "other plugin" {
		t.Fatal("deleting plugin a's files touched plugin b's")
	}
	// Durable: reopened, the file has them.
	db.Close()
	f, db = openFiles(t, path)
	defer db.Close()
	if b, _, _ := f.Read("b", "site/x/index.html"); string(b) != "other plugin" {
		t.Fatal("lost after reopening")
	}
}

func TestFilesLimits(t *testing.T) {
	f, db := openFiles(t, filepath.Join(t.TempDir(), "files.db"))
	defer db.Close()
	lim := FileLimits{Quota: 100, MaxFileSize: 50}
	if _, err := f.Write("p", []FileWrite{{"a", make([]byte, 40)}, {"b", make([]byte, 40)}}, "", lim); err != nil {
		t.Fatal(err)
	}
	_, err := f.Write("p", []FileWrite{{"c", make([]byte, 10)}, {"d", make([]byte, 10)}}, "", lim)
	if !errors.Is(err, ErrFileQuota) || !strings.Contains(err.Error(), "plugin p would use 104 of its 100 bytes") {
		t.Fatalf("over quota: %v", err)
	}
	if _, _, err := f.Read("p", "c"); !errors.Is(err, ErrFileNotFound) {
		t.Fatal("a write over the quota wrote part of its files")
	}
	_, err = f.Write("p", []FileWrite{{"big", make([]byte, 51)}}, "", lim)
	if !errors.Is(err, ErrFileTooLarge) || !strings.Contains(err.Error(), "files[0] big is 51 bytes, the limit is 50") {
		t.Fatalf("too large: %v", err)
	}
	// Replacing a file frees its old size first.
	if _, err := f.Write("p", []FileWrite{{"a", make([]byte, 50)}}, "", lim); err != nil {
		t.Fatalf("rewrite within quota: %v", err)
	}
	if u, _ := f.Usage("p"); u != 1+50+1+40 {
		t.Fatalf("usage: %d", u)
	}
}

func TestFilesBadPaths(t *testing.T) {
	f, db := openFiles(t, filepath.Join(t.TempDir(), "files.db"))
	defer db.Close()
	for _, c := range []struct{ path, want string }{
		{"", "empty"},
		{"/etc/passwd", "is absolute"},
		{"../../etc/passwd", `".." segment`},
		{"a/./b", `"." segment`},
		{"a//b", "empty segment"},
		{`a\b`, "backslash"},
		{"a\x00b", "control character"},
		{"a\xffb", "not valid UTF-8"},
		{strings.Repeat("a", MaxFilePath+1), "the limit is 1024"},
	} {
		_, err := f.Write("p", []FileWrite{{c.path, []byte("x")}}, "", FileLimits{})
		if !errors.Is(err, ErrFileBadPath) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("write %q: %v, want %q", c.path, err, c.want)
		}
		if _, _, err := f.Read("p", c.path); !errors.Is(err, ErrFileBadPath) {
			t.Errorf("read %q: %v", c.path, err)
		}
		if _, err := f.Delete("p", c.path); !errors.Is(err, ErrFileBadPath) {
			t.Errorf("delete %q: %v", c.path, err)
		}
	}
	if _, err := f.Write("p", nil, "../x", FileLimits{}); !errors.Is(err, ErrFileBadPath) {
		t.Errorf("replace ../x: %v", err)
	}
}
