package capability

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/audit"
	"greenroom.dev/greenroom/host/internal/runtime"
	"greenroom.dev/greenroom/host/internal/store"
)

// TestFiles: the files capability over a real bbolt file: each plugin sees only its own
// tree, a write over the quota or the file size is too_large and writes nothing, a path
// that leaves the tree is invalid_argument, and every call is audited with its target.
func TestFiles(t *testing.T) {
	f, err := store.OpenFile(filepath.Join(t.TempDir(), "greenroom.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var buf bytes.Buffer
	log := audit.New(&buf, 100)
	defer log.Close()
	h := NewHost(Services{Files: f.Files()}, log)
	a := link(t, h, plugin(t, "files: {quota: 200, maxFileSize: 64}"))
	other := plugin(t, "files: {quota: 1000}")
	other.ID = "other"
	b := link(t, h, other)

	for _, c := range []struct {
		funcs     map[string]runtime.HostFunc
		fn, req   string
		want, err string
	}{
		{a, "files_write", `{"files":[{"path":"site/index.html","content":"PGgxPkE8L2gxPg=="},{"path":"site/img/a.png","content":"AAA="}],"replace":"site"}`, `{"written":2,"removed":0,"used":41}`, ""},
		{b, "files_write", `{"files":[{"path":"site/index.html","content":"Qg=="}]}`, `{"written":1,"removed":0,"used":16}`, ""},
		{a, "files_read", `{"path":"site/index.html"}`, `"content":"PGgxPkE8L2gxPg==","size":10,`, ""},
		{b, "files_read", `{"path":"site/index.html"}`, `"content":"Qg==","size":1,`, ""},
		{b, "files_read", `{"path":"site/img/a.png"}`, `{"content":null}`, ""},
		{a, "files_list", `{"prefix":"site/"}`, `"path":"site/img/a.png","size":2,`, ""},
		{a, "files_write", `{"files":[{"path":"big","content":"` + strings.Repeat("A", 88) + `"}]}`, "", "too_large: files: file too large: files[0] big is 66 bytes, the limit is 64; raise grants.files.quota or maxFileSize"},
		{a, "files_write", `{"files":[{"path":"x1","content":"` + strings.Repeat("A", 80) + `"},{"path":"x2","content":"` + strings.Repeat("A", 80) + `"},{"path":"x3","content":"` + strings.Repeat("A", 80) + `"}]}`, "", "too_large: files: quota exceeded: plugin p would use 227 of its 200 bytes"},
		{a, "files_read", `{"path":"x1"}`, `{"content":null}`, ""},
		{a, "files_read", `{"path":"../other/site/index.html"}`, "", `invalid_argument: files: bad path: "../other/site/index.html" has a ".." segment`},
		{a, "files_write", `{"files":[{"path":"/etc/passwd","content":""}]}`, "", `invalid_argument: files: files[0]: bad path: "/etc/passwd" is absolute`},
		// A block names bytes of the calling instance's arena: outside a call there is
		// none (TestFilesWriteBlock writes through one), and a file has one source.
		{a, "files_write", `{"files":[{"path":"site/x","block":8}]}`, "", "invalid_argument: files_write: files[0] (site/x): block 8 is not an active block of this call's arena"},
		{a, "files_write", `{"files":[{"path":"site/x","content":"eA==","block":8}]}`, "", "invalid_argument: files_write: files[0] (site/x) has both content and block; send one"},
		{a, "files_write", `{"files":[{"path":"site/x","block":-8}]}`, "", "invalid_argument: files_write: files[0] (site/x): block -8 is not an active block"},
		{a, "files_read", `{"path":"site/x"}`, `{"content":null}`, ""},
		{a, "files_delete", `{"path":"site"}`, `{"removed":2}`, ""},
		{b, "files_read", `{"path":"site/index.html"}`, `"content":"Qg==",`, ""},
	} {
		out, aerr := callFunc(t, c.funcs, c.fn, c.req)
		switch {
		case c.err != "":
			if aerr == nil || !strings.Contains(string(aerr.Code)+": "+aerr.Message, c.err) {
				t.Errorf("%s %s: %s %v, want error %q", c.fn, c.req, out, aerr, c.err)
			}
		case aerr != nil || !strings.Contains(out, c.want):
			t.Errorf("%s %s: %s %v, want %s", c.fn, c.req, out, aerr, c.want)
		}
	}
	// The quota counts the replaced directory's files as freed.
	if _, aerr := callFunc(t, a, "files_write", `{"files":[{"path":"s/a","content":"`+strings.Repeat("A", 80)+`"}]}`); aerr != nil {
		t.Fatal(aerr)
	}
	if out, aerr := callFunc(t, a, "files_write", `{"files":[{"path":"s/b","content":"`+strings.Repeat("A", 80)+`"}],"replace":"s/"}`); aerr != nil || out != `{"written":1,"removed":1,"used":63}` {
		t.Fatalf("replace within the quota: %s %v", out, aerr)
	}
	got := log.Recent(audit.Filter{})
	if got[0].Function != "files_write" || got[0].Target != "s/ (1 files)" || got[0].Capability != "files" || got[0].Plugin != "p" {
		t.Errorf("audit: %+v", got[0])
	}
	// Without the grant, the stub refuses: no tree for an ungranted plugin.
	stub, err := h.Link(plugin(t, "{}"), "files_read", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stub(context.Background(), []byte(`{"path":"site/index.html"}`)); err == nil || !strings.Contains(err.Error(), "capability files is not granted") {
		t.Errorf("ungranted: %v", err)
	}
}

// TestFilesWriteBlock: a real module (testdata/fileblock.wat) copies a file's bytes into
// an arena block with mem_write and names the block in files_write; the host stores the
// block's bytes.
func TestFilesWriteBlock(t *testing.T) {
	ctx := context.Background()
	file, err := store.OpenFile(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	p := plugin(t, "files: {}")
	p.ID = "fileblock"
	fw, err := NewHost(Services{Files: file.Files()}, nil).Link(p, "files_write", true)
	if err != nil {
		t.Fatal(err)
	}
	rp := loadWAT(t, "fileblock", map[string]runtime.HostFunc{"files_write": fw})
	for i := 0; i < 2; i++ { // the second call's arena starts over
		out, err := rp.Call(ctx, abi.ExportHTTP, []byte(`{"method":"GET","path":"/"}`))
		if err != nil || string(out) != `{"result":{"written":1,"removed":0,"used":41}}` {
			t.Fatalf("call %d: %s %v", i, out, err)
		}
	}
	got, _, err := file.Files().Read("fileblock", "site/big.html")
	if err != nil || string(got) != "<h1>From an arena block</h1>" {
		t.Fatalf("stored %q %v", got, err)
	}
}
