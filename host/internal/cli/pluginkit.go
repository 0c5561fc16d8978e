package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/pack"
	"greenroom.dev/greenroom/host/internal/pluginkit"
)

func runPluginNew(env *Env, args []string) error {
	fs := newFlags(env, "plugin new", "NAME --lang go|rust|c|assemblyscript [--kind backend|card|page] [--dir DIR]")
	lang := fs.String("lang", "", "`LANG`, the plugin's language: "+strings.Join(pluginkit.Languages, ", "))
	kind := fs.String("kind", "backend", "`KIND` of plugin: backend (an HTTP route), card (an entity page card) or page (an app page)")
	dir := fs.String("dir", "", "`DIR` to write the project into (default: ./NAME)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *lang == "" {
		fs.Usage()
		return usagef("plugin new needs a NAME and --lang")
	}
	name := fs.Arg(0)
	if *dir == "" {
		*dir = name
	}
	if err := pluginkit.New(*dir, pluginkit.Options{Name: name, Lang: *lang, Kind: *kind}); err != nil {
		return asUsage(err)
	}
	fmt.Fprintf(env.Stdout, "wrote %s (%s, %s); next: cd %s && greenroom plugin build\n", *dir, *lang, *kind, *dir)
	return nil
}

// buildPlugin builds the project in dir and packs its plugin.yaml into dir/<id>.wasm,
// returning that path.
func buildPlugin(ctx context.Context, dir string, o pluginkit.BuildOptions, log io.Writer) (string, error) {
	raw, err := pluginkit.Build(ctx, dir, o, log)
	if err != nil {
		return "", err
	}
	man, err := pack.ReadManifest(filepath.Join(dir, "plugin.yaml"))
	if err != nil {
		return "", fmt.Errorf("plugin build: %w", err)
	}
	wasm, err := os.ReadFile(raw)
	if err != nil {
		return "", fmt.Errorf("plugin build: %w", err)
	}
	packed, err := pack.Pack(wasm, man)
	if err != nil {
		return "", fmt.Errorf("plugin build: %s: %w", raw, err)
	}
	out := filepath.Join(dir, man.ID+".wasm")
	// Write beside and rename, so that a portal watching the file never loads half of it.
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, packed, 0o644); err != nil {
		return "", fmt.Errorf("plugin build: %w", err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return "", fmt.Errorf("plugin build: %w", err)
	}
	sum := sha256.Sum256(packed)
	fmt.Fprintf(log, "built %s %s@%s (%d bytes, sha256 %s)\n", out, man.ID, man.Version, len(packed), hex.EncodeToString(sum[:]))
	return out, nil
}

func runPluginBuild(env *Env, args []string) error {
	fs := newFlags(env, "plugin build", "[--compiler go|tinygo] [DIR]")
	o := compilerFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	dir := "."
	if fs.NArg() > 1 {
		fs.Usage()
		return usagef("plugin build takes at most one directory")
	} else if fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	_, err := buildPlugin(context.Background(), dir, *o, env.Stdout)
	return asUsageIfBadCompiler(err)
}

func runPluginDev(env *Env, args []string) error {
	fs := newFlags(env, "plugin dev", "[--interval 500ms] [--compiler go|tinygo] [DIR]")
	o := compilerFlag(fs)
	interval := fs.Duration("interval", 500*time.Millisecond, "`DURATION` between looks for changed sources")
	if err := parse(fs, args); err != nil {
		return err
	}
	dir := "."
	if fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	return pluginDev(ctx, dir, *interval, *o, env.Stdout)
}

// pluginDev builds the project in dir, then rebuilds it whenever a source changes,
// until ctx ends. A portal whose config points at the built .wasm reloads it when the
// file changes. A failed build is reported and waits for the next change.
func pluginDev(ctx context.Context, dir string, interval time.Duration, o pluginkit.BuildOptions, log io.Writer) error {
	if _, err := pluginkit.Detect(dir); err != nil {
		return asUsage(err)
	}
	var last pluginkit.Snapshot
	for {
		snap, err := pluginkit.Sources(dir)
		if err != nil {
			return fmt.Errorf("plugin dev: %w", err)
		}
		if !snap.Equal(last) {
			last = snap
			if _, err := buildPlugin(ctx, dir, o, log); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				if badCompiler(err) {
					return asUsage(err) // no change of source fixes a --compiler that does not fit
				}
				fmt.Fprintf(log, "plugin dev: %v\nplugin dev: waiting for a change\n", err)
			} else {
				fmt.Fprintln(log, "plugin dev: watching for changes")
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}

// testSpec is a project's plugin.test.yaml.
type testSpec struct {
	Config   map[string]any   `yaml:"config"`
	Catalog  []map[string]any `yaml:"catalog"`
	Requests []struct {
		Get      string `yaml:"get"`
		Status   int    `yaml:"status"`
		Contains string `yaml:"contains"`
	} `yaml:"requests"`
}

func runPluginTest(env *Env, args []string) error {
	fs := newFlags(env, "plugin test", "[--compiler go|tinygo] [DIR]")
	o := compilerFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	dir := "."
	if fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	return asUsageIfBadCompiler(pluginTest(context.Background(), dir, *o, env.Stdout))
}

// pluginTest runs the project's native tests, builds it, and sends plugin.test.yaml's
// requests to the module in a portal of its own on 127.0.0.1.
func pluginTest(ctx context.Context, dir string, o pluginkit.BuildOptions, log io.Writer) error {
	if _, err := pluginkit.NativeTest(ctx, dir, log); err != nil {
		return err
	}
	specPath := filepath.Join(dir, pluginkit.TestFile)
	b, err := os.ReadFile(specPath)
	if err != nil {
		return asUsage(fmt.Errorf("plugin test: %w; write the requests to check there (greenroom plugin new writes one)", err))
	}
	var spec testSpec
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&spec); err != nil {
		return asUsage(fmt.Errorf("plugin test: %s: %w", specPath, err))
	}
	for i, r := range spec.Requests {
		if !strings.HasPrefix(r.Get, "/") || r.Status < 100 || r.Status > 599 {
			return asUsage(fmt.Errorf("plugin test: %s: requests[%d] needs get: a path starting with / and status: 100-599", specPath, i))
		}
	}
	wasm, err := buildPlugin(ctx, dir, o, log)
	if err != nil {
		return err
	}
	man, err := pack.ReadManifest(filepath.Join(dir, "plugin.yaml"))
	if err != nil {
		return fmt.Errorf("plugin test: %w", err)
	}

	tmp, err := os.MkdirTemp("", "greenroom-plugin-test-")
	if err != nil {
		return fmt.Errorf("plugin test: %w", err)
	}
	defer os.RemoveAll(tmp)
	var catalogYAML bytes.Buffer
	for _, e := range spec.Catalog {
		out, err := yaml.Marshal(e)
		if err != nil {
			return fmt.Errorf("plugin test: catalog: %w", err)
		}
		catalogYAML.WriteString("---\n")
		catalogYAML.Write(out)
	}
	if err := os.WriteFile(filepath.Join(tmp, "catalog.yaml"), catalogYAML.Bytes(), 0o644); err != nil {
		return fmt.Errorf("plugin test: %w", err)
	}
	absWasm, _ := filepath.Abs(wasm)
	pluginCfg, _ := json.Marshal(spec.Config)
	token := fmt.Sprintf("plugin-test-%d", time.Now().UnixNano())
	cfgText := fmt.Sprintf(`backend:
  listen: {host: 127.0.0.1, port: 0}
  auth:
    externalAccess:
      - {type: static, options: {token: %s, subject: plugin-test}}
auth: {allowAnonymous: true}
catalog:
  rules: [{allow: [Component, API, System, Domain, Resource, Group, User]}]
  locations: [{type: file, target: ./catalog.yaml}]
plugins:
  - id: %s
    source: %s
    config: %s
`, token, man.ID, strconv.Quote(absWasm), pluginCfg)
	cfgPath := filepath.Join(tmp, "app-config.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o644); err != nil {
		return fmt.Errorf("plugin test: %w", err)
	}
	cfg, err := config.Load([]string{cfgPath}, nil)
	if err != nil {
		return asUsage(fmt.Errorf("plugin test: %w", err))
	}
	h, err := start(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		return fmt.Errorf("plugin test: %w", err)
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h.stop(stopCtx)
	}()
	base := "http://" + h.addr
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("plugin test: the portal did not become ready in 30s")
		}
	}
	failed := 0
	for _, r := range spec.Requests {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+r.Get, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("plugin test: GET %s: %w", r.Get, err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if resp.StatusCode != r.Status || !strings.Contains(string(body), r.Contains) {
			failed++
			fmt.Fprintf(log, "FAIL GET %s: %d, want %d with %q in:\n%s\n", r.Get, resp.StatusCode, r.Status, r.Contains, excerptBody(body))
			continue
		}
		fmt.Fprintf(log, "ok   GET %s: %d\n", r.Get, resp.StatusCode)
	}
	if failed > 0 {
		return fmt.Errorf("plugin test: %d of %d requests failed (%s)", failed, len(spec.Requests), specPath)
	}
	return nil
}

func excerptBody(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// compilerFlag adds --compiler to a plugin command that builds the project.
func compilerFlag(fs *pflag.FlagSet) *pluginkit.BuildOptions {
	o := &pluginkit.BuildOptions{}
	fs.StringVar(&o.Compiler, "compiler", "go", "`COMPILER` of a Go plugin: go (the standard toolchain) or tinygo (TinyGo "+pluginkit.TinyGoVersion+", which go tool task tinygo installs: a faster request path; sdk/go/tinygo/README.md)")
	return o
}

// badCompiler reports whether err is a --compiler that does not fit the project.
func badCompiler(err error) bool {
	var oe *pluginkit.OptionError
	return errors.As(err, &oe)
}

// asUsageIfBadCompiler makes a --compiler that does not fit the project a usage error.
func asUsageIfBadCompiler(err error) error {
	if badCompiler(err) {
		return asUsage(err)
	}
	return err
}
