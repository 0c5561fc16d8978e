package plugin

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/audit"
	"greenroom.dev/greenroom/host/internal/capability"
	"greenroom.dev/greenroom/host/internal/store"
)

// TestFileResponse: a gr_http output naming one of the plugin's files is served with
// that file as the body, read as the plugin's files_read would read it (and audited so);
// a missing file is a 404, and a module that does not import files_read, or a path
// files_read refuses, is a malformed response.
func TestFileResponse(t *testing.T) {
	e := newEnv(t)
	fixture(t, e.dir, "filereply", "filereply")
	fixture(t, e.dir, "replynofiles", "replynofiles")
	page := []byte("<h1>Hello</h1>")
	if _, err := e.file.FileStore().Write("fr", []store.FileWrite{{Path: "site/index.html", Content: page}}, "", store.FileLimits{}); err != nil {
		t.Fatal(err)
	}
	log := audit.New(&bytes.Buffer{}, 10)
	defer log.Close()
	host := capability.NewHost(capability.Services{Files: e.file.FileStore()}, log)
	load := func(t *testing.T, source, grants, reply string) *Plugin {
		t.Helper()
		c := e.config(t, "plugins:\n  - id: fr\n    source: "+source+"\n    grants: "+grants+"\n    config: {reply: '"+reply+"'}\n")
		p, err := Load(context.Background(), Deps{Engine: e.engine, Host: host, Audit: log}, c, &c.Plugins[0])
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close(context.Background()) })
		return p
	}

	p := load(t, "filereply.wasm", "{files: {}}", `{"headers":{"content-type":"text/html"},"file":"site/index.html"}`)
	res, err := get(t, p, "/")
	if err != nil || res.Status != 200 || !bytes.Equal(res.Body, page) || res.Headers["content-type"][0] != "text/html" {
		t.Fatalf("file response: %+v %v", res, err)
	}
	if got := log.Recent(audit.Filter{}); len(got) != 1 || got[0].Function != "files_read" || got[0].Capability != abi.CapFiles || got[0].Target != "site/index.html" || got[0].Plugin != "fr" || got[0].Outcome != audit.OK {
		t.Fatalf("audit log %+v", got)
	}

	for _, c := range []struct {
		name, source, grants, reply string
		status                      int
		want                        string
	}{
		{"missing file", "filereply.wasm", "{files: {}}", `{"file":"site/nope.html"}`, 404, "plugin fr has no file site/nope.html"},
		{"path files_read refuses", "filereply.wasm", "{files: {}}", `{"file":"../other/secret"}`, 502, `names file "../other/secret"`},
		{"absolute path", "filereply.wasm", "{files: {}}", `{"file":"/etc/passwd"}`, 502, `names file "/etc/passwd"`},
		{"no files_read import", "replynofiles.wasm", "{}", `{"file":"site/index.html"}`, 502, "does not import greenroom:host/v1.files_read with capability files granted"},
		{"file and body", "filereply.wasm", "{files: {}}", `{"file":"site/index.html","text":"x"}`, 502, "more than one of body, text, json and file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := get(t, load(t, c.source, c.grants, c.reply), "/")
			var he *HTTPError
			if !errors.As(err, &he) || he.Status != c.status || !strings.Contains(he.Msg, c.want) {
				t.Fatalf("got %v, want %d %q", err, c.status, c.want)
			}
		})
	}
}

// TestServeFileErrors maps what reading the file says to the answer.
func TestServeFileErrors(t *testing.T) {
	for _, c := range []struct {
		err    error
		status int
		name   string
	}{
		{abi.Errorf(abi.CodeUnavailable, "files: the database is unavailable; try again shortly"), 503, "ServiceUnavailableError"},
		{abi.Errorf(abi.CodeInternal, "files: disk on fire"), 500, "Error"},
		{abi.Errorf(abi.CodeInvalidArgument, "files: bad path"), 502, "PluginResponseError"},
	} {
		p := &Plugin{ID: "fr", readFile: func(context.Context, string) ([]byte, bool, error) { return nil, false, c.err }}
		err := p.serveFile(context.Background(), &abi.HTTPResponseView{File: []byte("a")})
		var he *HTTPError
		if !errors.As(err, &he) || he.Status != c.status || he.Name != c.name {
			t.Errorf("%v: got %v, want %d %s", c.err, err, c.status, c.name)
		}
	}
}
