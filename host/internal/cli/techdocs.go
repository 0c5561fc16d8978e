package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/urlreader"
)

// greenroom techdocs build and serve build a docs directory (mkdocs.yml and its
// Markdown) the way the portal does: they start a private, loopback-only host with the
// TechDocs plugin, one entity whose backstage.io/techdocs-ref is the directory, and a
// throw-away store, ask the plugin to sync it, and copy the site out of the plugin's
// files. Same plugin, same host functions, same output as the portal.

const (
	docsPluginDefault = "plugins/techdocs/techdocs.wasm"
	docsEntityPath    = "default/component/docs"
)

func runTechDocsBuild(env *Env, args []string) error {
	fs := newFlags(env, "techdocs build", "DIR [-o OUT]")
	out := fs.StringP("output-dir", "o", "site", "write the site into directory `OUT` (replaced whole)")
	plugin := fs.String("plugin", docsPluginDefault, "the TechDocs plugin module `FILE` (go tool task plugins builds it)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usagef("techdocs build needs one directory: the one that holds mkdocs.yml")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b, err := newDocsBuilder(ctx, fs.Arg(0), *plugin)
	if err != nil {
		return err
	}
	defer b.close()
	res, err := b.build(ctx, *out)
	for _, w := range res.warnings {
		fmt.Fprintln(env.Stderr, "warning:", w)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "built %d files into %s\n", res.files, *out)
	return nil
}

func runTechDocsServe(env *Env, args []string) error {
	fs := newFlags(env, "techdocs serve", "DIR")
	addr := fs.String("listen", "127.0.0.1:3000", "serve the preview on `ADDR`")
	plugin := fs.String("plugin", docsPluginDefault, "the TechDocs plugin module `FILE` (go tool task plugins builds it)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usagef("techdocs serve needs one directory: the one that holds mkdocs.yml")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return asUsage(fmt.Errorf("techdocs serve: --listen %s: %w", *addr, err))
	}
	return serveDocs(ctx, env, fs.Arg(0), *plugin, ln)
}

// serveDocs previews the site of dir on ln, rebuilding it when a file under dir
// changes (checked every second), until ctx ends.
func serveDocs(ctx context.Context, env *Env, dir, plugin string, ln net.Listener) error {
	b, err := newDocsBuilder(ctx, dir, plugin)
	if err != nil {
		ln.Close()
		return err
	}
	defer b.close()
	out := filepath.Join(b.tmp, "site")
	rebuild := func() {
		res, err := b.build(ctx, out)
		for _, w := range res.warnings {
			fmt.Fprintln(env.Stderr, "warning:", w)
		}
		if err != nil {
			fmt.Fprintln(env.Stderr, "greenroom: techdocs serve:", err)
			return
		}
		fmt.Fprintf(env.Stderr, "built %d files\n", res.files)
	}
	rebuild()
	srv := &http.Server{Handler: http.FileServer(http.Dir(out)), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	fmt.Fprintf(env.Stdout, "serving %s on http://%s/ (rebuilt on change; Ctrl-C stops)\n", dir, ln.Addr())
	last := treeStamp(b.dir)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return srv.Shutdown(sctx)
		case <-tick.C:
			if s := treeStamp(b.dir); s != last {
				last = s
				rebuild()
			}
		}
	}
}

// treeStamp changes when a file under dir is added, removed or written.
func treeStamp(dir string) string {
	var n, size, newest int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			n++
			size += info.Size()
			newest = max(newest, info.ModTime().UnixNano())
		}
		return nil
	})
	return fmt.Sprint(n, size, newest)
}

// docsBuilder is a private host that builds one docs directory with the plugin.
type docsBuilder struct {
	h          *host
	dir, tmp   string
	base, auth string
}

func newDocsBuilder(ctx context.Context, dir, plugin string) (*docsBuilder, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, asUsage(err)
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return nil, usagef("techdocs: %s is not a directory; name the directory that holds mkdocs.yml", dir)
	}
	plug, err := filepath.Abs(plugin)
	if err != nil {
		return nil, asUsage(err)
	}
	if _, err := os.Stat(plug); err != nil {
		return nil, usagef("techdocs: the plugin %s is missing; build it with `go tool task plugins`, or pass --plugin", plugin)
	}
	tmp, err := os.MkdirTemp("", "greenroom-techdocs-*")
	if err != nil {
		return nil, err
	}
	b := &docsBuilder{dir: abs, tmp: tmp}
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	token := hex.EncodeToString(key)
	b.auth = "Bearer " + token
	src, err := urlreader.FileURL(abs)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = tmp
	}
	files := map[string]string{
		"catalog.yaml": fmt.Sprintf("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: docs\n  annotations: {backstage.io/techdocs-ref: %q}\nspec: {type: documentation, lifecycle: production, owner: docs}\n", "url:"+src),
		"app-config.yaml": fmt.Sprintf(`backend:
  listen: {host: 127.0.0.1, port: 0}
  database: {connection: %q}
  auth:
    externalAccess: [{type: static, options: {token: %s, subject: techdocs-cli}}]
  reading: {fileRoots: [%q]}
runtime: {compilationCache: %q}
catalog:
  rules: [{allow: [Component, Location]}]
  locations: [{type: file, target: catalog.yaml}]
  processingInterval: 0s
plugins:
  - id: techdocs
    source: %q
    grants: {catalog.read: {}, url.read: {}, files: {}, tasks: {}, search.write: {types: [techdocs]}}
    config: {syncInterval: 0}
    limits: {memory: 256MiB, timeout: 60s}
`, filepath.Join(tmp, "greenroom.db"), token, abs, filepath.Join(cache, "greenroom", "wasm-cache"), plug),
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(tmp, name), []byte(content), 0o600); err != nil {
			os.RemoveAll(tmp)
			return nil, err
		}
	}
	cfg, err := config.Load([]string{filepath.Join(tmp, "app-config.yaml")}, nil)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	b.h, err = start(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("techdocs: starting the plugin: %w", err)
	}
	b.base = "http://" + b.h.addr
	for deadline := time.Now().Add(30 * time.Second); ; {
		if st, _, _ := b.get(ctx, "/api/catalog/entities/by-name/component/default/docs"); st == 200 {
			return b, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			b.close()
			return nil, fmt.Errorf("techdocs: the private catalog never had its entity")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (b *docsBuilder) get(ctx context.Context, path string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", b.base+path, nil)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", b.auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

type docsBuild struct {
	files    int
	warnings []string
}

// build syncs the directory and writes the site into out, replacing it whole.
func (b *docsBuilder) build(ctx context.Context, out string) (docsBuild, error) {
	var res docsBuild
	st, body, err := b.get(ctx, "/api/techdocs/sync/"+docsEntityPath)
	if err != nil {
		return res, fmt.Errorf("techdocs: sync: %w", err)
	}
	if st != 200 {
		return res, fmt.Errorf("techdocs: sync: %d %s", st, body)
	}
	for _, ev := range strings.Split(body, "\n\n") {
		name, data, _ := strings.Cut(strings.TrimPrefix(ev, "event: "), "\ndata: ")
		var s string
		if err := jsonUnquote(data, &s); err != nil {
			continue
		}
		switch {
		case name == "error":
			return res, fmt.Errorf("techdocs: %s", s)
		case name == "log" && strings.HasPrefix(s, "warning: "):
			res.warnings = append(res.warnings, strings.TrimPrefix(s, "warning: "))
		}
	}
	prefix := "sites/" + docsEntityPath + "/"
	list, err := b.h.file.FileStore().List("techdocs", prefix, 0)
	if err != nil {
		return res, err
	}
	stage, err := os.MkdirTemp(filepath.Dir(filepath.Clean(out)), ".techdocs-*")
	if err != nil {
		return res, fmt.Errorf("techdocs: -o %s: %w", out, err)
	}
	defer os.RemoveAll(stage)
	for _, f := range list {
		content, _, err := b.h.file.FileStore().Read("techdocs", f.Path)
		if err != nil {
			return res, err
		}
		p := filepath.Join(stage, filepath.FromSlash(strings.TrimPrefix(f.Path, prefix)))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return res, err
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			return res, err
		}
		res.files++
	}
	if err := os.Chmod(stage, 0o755); err != nil {
		return res, err
	}
	old := stage + ".old"
	if err := os.Rename(out, old); err != nil && !os.IsNotExist(err) {
		return res, fmt.Errorf("techdocs: -o %s: %w", out, err)
	}
	if err := os.Rename(stage, out); err != nil {
		return res, fmt.Errorf("techdocs: -o %s: %w", out, err)
	}
	os.RemoveAll(old)
	return res, nil
}

func (b *docsBuilder) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b.h.stop(ctx)
	os.RemoveAll(b.tmp)
}

// jsonUnquote decodes a JSON string.
func jsonUnquote(data string, s *string) error { return json.Unmarshal([]byte(data), s) }
