//go:build !wasip1

package greenroom

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestFiles(t *testing.T) {
	defer UseTestHost(&TestHost{})()
	if _, err := Files.Write([]FileContent{{Path: "site/a/index.html", Content: []byte("<h1>A</h1>")}, {Path: "site/b", Content: []byte{0, 1, 2, 0xff}}}, ""); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string][]byte{"site/a/index.html": []byte("<h1>A</h1>"), "site/b": {0, 1, 2, 0xff}} {
		if got, ok, err := Files.Read(path); err != nil || !ok || !bytes.Equal(got, want) {
			t.Errorf("read %s: %q %v %v", path, got, ok, err)
		}
	}
	if got, ok, err := Files.Read("site/none"); err != nil || ok || got != nil {
		t.Errorf("a missing file: %q %v %v", got, ok, err)
	}
	res, err := Files.Write([]FileContent{{Path: "site/c", Content: []byte("c")}}, "site/a")
	if err != nil || res.Removed != 1 {
		t.Fatalf("replace: %+v %v", res, err)
	}
	if l, _ := Files.List("site/", 0); len(l) != 2 || l[0].Path != "site/b" || l[1].Path != "site/c" {
		t.Errorf("list: %+v", l)
	}
	if n, err := Files.Delete("site"); err != nil || n != 2 {
		t.Errorf("delete: %d %v", n, err)
	}
	if _, _, err := Files.Read("../x"); err == nil {
		t.Error("a path out of the tree is read")
	}
}

// TestReadContent: the fast path takes the host's usual result, and leaves anything
// else (an error, null, an escaped string) to encoding/json.
func TestReadContent(t *testing.T) {
	for in, want := range map[string]string{
		`{"result":{"content":"aGk=","size":2,"modifiedAt":"2026-12-01T10:00:00Z"}}`: "hi",
		`{"result":{"content":""}}`: "",
	} {
		if got, ok := readContent([]byte(in)); !ok || string(got) != want {
			t.Errorf("%s: %q %v", in, got, ok)
		}
	}
	for _, in := range []string{`{"result":{"content":null}}`, `{"error":{"code":"internal","message":"x"}}`, `{"result":{"content":"aG\u0030="}}`, `{"result":{"content":"!!"}}`, `{"result":{"content":"aGk=`} {
		if _, ok := readContent([]byte(in)); ok {
			t.Errorf("%s: taken by the fast path", in)
		}
	}
}

// TestReadTree: the fast path decodes the host's usual url_read_tree result exactly as
// encoding/json would, and leaves anything else to it.
func TestReadTree(t *testing.T) {
	in := `{"result":{"files":[{"path":"docs/a.md","content":"aGk=","size":2},{"path":"mkdocs.yml","content":"","size":0}],"etag":"sha256:1"}}`
	res, ok := readTree([]byte(in))
	if !ok || len(res.Files) != 2 || res.Files[0].Path != "docs/a.md" || string(res.Files[0].Content) != "hi" || res.Files[0].Size != 2 ||
		res.Files[1].Path != "mkdocs.yml" || len(res.Files[1].Content) != 0 || res.ETag != "sha256:1" {
		t.Fatalf("%+v %v", res, ok)
	}
	if res, ok := readTree([]byte(`{"result":{"files":[]}}`)); !ok || len(res.Files) != 0 || res.ETag != "" {
		t.Errorf("empty: %+v %v", res, ok)
	}
	for _, in := range []string{
		`{"result":{"files":[],"etag":"x","notModified":true}}`,
		`{"result":{"files":[{"path":"a\u00e9","content":"","size":0}]}}`,
		`{"error":{"code":"not_found","message":"x"}}`,
		`{"result":{"files":[{"path":"a","content":"!","size":1}]}}`,
		`{"result":{"files":[{"path":"a","content":"","size":x}]}}`,
		`{"result":{"files":[{"path":"a","content":"","size":0}]`,
	} {
		if _, ok := readTree([]byte(in)); ok {
			t.Errorf("%s: taken by the fast path", in)
		}
	}
}

// TestFilesWriteRequestMatchesEncodingJSON: the hand-written files_write request is
// byte for byte what encoding/json writes.
func TestFilesWriteRequestMatchesEncodingJSON(t *testing.T) {
	text := "tab\t nl\n quote\" back\\ ctl\x01 html<&> \u2028\u2029 é 😀 bad\xff end"
	for _, r := range []filesWriteRequest{
		{Files: []FileContent{}},
		{Files: []FileContent{{Path: "a", Content: []byte{}}, {Path: "b"}}, Replace: "site"},
		{Files: []FileContent{{Path: text, Content: []byte(text)}, {Path: "x/y.png", Content: bytes.Repeat([]byte{0, 0xff, 7}, 1000)}}, Replace: text},
	} {
		want, err := json.Marshal(&r)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := r.appendJSON(nil)
		if string(got) != string(want) {
			t.Errorf("%+v\n got %s\nwant %s", r, got, want)
		}
	}
}
