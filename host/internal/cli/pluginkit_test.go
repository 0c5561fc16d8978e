package cli

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/pluginkit"
	"greenroom.dev/greenroom/host/internal/plugintest"
)

// needTool skips (or, with GREENROOM_REQUIRE_TOOLS or CI set, fails) when a language's
// toolchain is missing.
func needTool(t *testing.T, lang string) {
	t.Helper()
	var missing string
	switch lang {
	case "rust":
		if _, err := pluginkit.Rustc(); err != nil {
			missing = "rustc with wasm32 (Debian: rustc libstd-rust-dev-wasm32)"
		}
	case "c":
		if _, err := exec.LookPath("clang"); err != nil {
			missing = "clang (Debian: clang lld wasi-libc)"
		}
	case "assemblyscript":
		if _, err := exec.LookPath("node"); err != nil {
			missing = "node (Debian: nodejs npm)"
		} else if _, err := os.Stat(filepath.Join(plugintest.Root(t), "examples/hello-assemblyscript/node_modules/.bin/asc")); err != nil {
			missing = "the pinned npm packages (go tool task npm)"
		}
	}
	if missing == "" {
		return
	}
	if os.Getenv("GREENROOM_REQUIRE_TOOLS") != "" || os.Getenv("CI") != "" {
		t.Fatalf("%s is missing, and GREENROOM_REQUIRE_TOOLS or CI is set", missing)
	}
	t.Skipf("%s is missing", missing)
}

// newProject runs plugin new into a temp dir. An AssemblyScript project gets the pinned
// node_modules of examples/hello-assemblyscript (a symlink), so that its build needs no
// registry; the build runs npm install itself when node_modules is absent.
func newProject(t *testing.T, base, name, lang, kind string) string {
	t.Helper()
	needTool(t, lang)
	dir := filepath.Join(base, name)
	if code, stdout, stderr := run(t, "plugin", "new", name, "--lang", lang, "--kind", kind, "--dir", dir); code != 0 || !strings.Contains(stdout, "greenroom plugin build") {
		t.Fatalf("plugin new: %d %s %s", code, stdout, stderr)
	}
	if lang == "assemblyscript" {
		if err := os.Symlink(filepath.Join(plugintest.Root(t), "examples/hello-assemblyscript/node_modules"), filepath.Join(dir, "node_modules")); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestPluginNewBuildServe: for each language, plugin new writes a project that plugin
// build turns into NAME.wasm, which a portal serves: a backend route in every language
// (and in Go built with --compiler tinygo too), and a card and a page in two languages
// each.
func TestPluginNewBuildServe(t *testing.T) {
	cases := []struct{ lang, kind, compiler string }{
		{"go", "backend", ""}, {"rust", "backend", ""}, {"c", "backend", ""}, {"assemblyscript", "backend", ""},
		{"rust", "card", ""}, {"assemblyscript", "card", ""}, {"c", "page", ""}, {"go", "page", ""},
		{"go", "backend", "tinygo"},
	}
	type built struct{ name, lang, kind, wasm string }
	var (
		mu    sync.Mutex
		wasms []built
		base  = t.TempDir() // outlives the subtests
	)
	t.Run("build", func(t *testing.T) {
		for _, c := range cases {
			name := "demo-" + map[string]string{"go": "go", "rust": "rs", "c": "c", "assemblyscript": "as"}[c.lang] + "-" + c.kind
			args := []string{"plugin", "build", "DIR"}
			if c.compiler != "" {
				name += "-" + c.compiler
				args = []string{"plugin", "build", "--compiler", c.compiler, "DIR"}
			}
			t.Run(name, func(t *testing.T) {
				if c.compiler == "tinygo" {
					t.Setenv("TINYGO", plugintest.TinyGoPath(t))
				}
				dir := newProject(t, base, name, c.lang, c.kind)
				args[len(args)-1] = dir
				code, stdout, stderr := run(t, args...)
				if code != 0 {
					t.Fatalf("plugin build: %d\n%s\n%s", code, stdout, stderr)
				}
				wasm := filepath.Join(dir, name+".wasm")
				if !strings.Contains(stdout, "built "+wasm) {
					t.Errorf("plugin build said %s", stdout)
				}
				code, stdout, _ = run(t, "plugin", "inspect", wasm)
				if code != 0 || !strings.Contains(stdout, "plugin:  "+name+" 0.1.0") {
					t.Errorf("plugin inspect: %d %s", code, stdout)
				}
				mu.Lock()
				wasms = append(wasms, built{name, c.lang, c.kind, wasm})
				mu.Unlock()
			})
		}
	})
	if len(wasms) == 0 {
		t.Skip("no language's toolchain is installed")
	}

	dir := t.TempDir()
	var plugins strings.Builder
	for _, b := range wasms {
		fmt.Fprintf(&plugins, "  - {id: %s, source: %s}\n", b.name, b.wasm)
	}
	os.WriteFile(filepath.Join(dir, "all.yaml"), []byte(`apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: web}
spec: {type: service, lifecycle: production, owner: team-a}
`), 0o644)
	cfg := fmt.Sprintf(`
backend:
  listen: {host: 127.0.0.1, port: 0}
  auth:
    externalAccess:
      - {type: static, options: {token: %s, subject: cli-tests}}
auth: {allowAnonymous: true}
catalog:
  rules: [{allow: [Component]}]
  locations: [{type: file, target: ./all.yaml}]
runtime:
  compilationCache: %s
plugins:
%s`, testToken, filepath.Join(os.TempDir(), "greenroom-test-wasm-cache"), plugins.String())
	if err := os.WriteFile(filepath.Join(dir, "app-config.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	h := startPortal(t, dir)
	portalURL := "http://" + h.addr
	waitReady(t, portalURL)
	for _, b := range wasms {
		base := portalURL
		t.Run("serve "+b.name, func(t *testing.T) {
			switch b.kind {
			case "backend":
				if st, body := call(t, "GET", base+"/api/"+b.name+"/hello?name=X", nil); st != 200 || body != `{"message":"hello X"}` {
					t.Errorf("GET /api/%s/hello: %d %s", b.name, st, body)
				}
				if st, body := call(t, "GET", base+"/api/"+b.name+"/hello", nil); st != 400 || !strings.Contains(body, `"name":"InputError"`) {
					t.Errorf("GET /api/%s/hello without a name: %d %s", b.name, st, body)
				}
			case "page":
				if st, body := call(t, "GET", base+"/"+b.name, nil); st != 200 || !strings.Contains(body, "This page is served by the "+b.name+" plugin.") {
					t.Errorf("GET /%s: %d %s", b.name, st, body)
				}
			case "card":
				st, body := call(t, "GET", base+"/catalog/default/component/web", nil)
				if st != 200 || !strings.Contains(body, titleOf(b.name)) || !strings.Contains(body, "team-a") {
					t.Errorf("GET the entity page: %d, no card %q with the owner in\n%s", st, titleOf(b.name), body)
				}
			}
		})
	}
}

func titleOf(name string) string {
	parts := strings.Split(name, "-")
	for i, p := range parts {
		parts[i] = strings.ToUpper(p[:1]) + p[1:]
	}
	return strings.Join(parts, " ")
}

func waitReady(t testing.TB, base string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the portal did not become ready")
		}
	}
}

// TestPluginNewBadInput: a bad name, language, kind or directory is refused with a
// message that says what to do, and writes nothing.
func TestPluginNewBadInput(t *testing.T) {
	dir := t.TempDir()
	full := filepath.Join(dir, "full")
	os.MkdirAll(full, 0o755)
	os.WriteFile(filepath.Join(full, "keep.txt"), []byte("mine"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"plugin", "new", "Bad_Name", "--lang", "go", "--dir", filepath.Join(dir, "a")}, `name "Bad_Name" is not a plugin id`},
		{[]string{"plugin", "new", "ok", "--lang", "cobol", "--dir", filepath.Join(dir, "b")}, `--lang "cobol": choose one of go, rust, c, assemblyscript`},
		{[]string{"plugin", "new", "ok", "--lang", "go", "--kind", "widget", "--dir", filepath.Join(dir, "c")}, `--kind "widget": choose one of backend, card, page`},
		{[]string{"plugin", "new", "ok", "--lang", "go", "--dir", full}, "already exists and is not empty"},
		{[]string{"plugin", "new", "ok"}, "plugin new needs a NAME and --lang"},
		{[]string{"plugin", "build", dir}, "has no plugin.yaml"},
	} {
		code, _, stderr := run(t, tc.args...)
		if code != ExitUsage && !(tc.args[1] == "build" && code != 0) || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %s; want %q", tc.args, code, stderr, tc.want)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(full, "keep.txt")); string(b) != "mine" {
		t.Error("plugin new touched an existing directory")
	}
	for _, d := range []string{"a", "b", "c"} {
		if _, err := os.Stat(filepath.Join(dir, d)); err == nil {
			t.Errorf("plugin new wrote %s despite the error", d)
		}
	}
}

// TestPluginDevRebuilds: plugin dev builds, then rebuilds when a source changes, and a
// running portal that serves the built file answers with the new code; a broken source
// is reported and the last good module stays.
func TestPluginDevRebuilds(t *testing.T) {
	dir := newProject(t, t.TempDir(), "dev-c", "c", "backend")
	ctx, cancel := context.WithCancel(context.Background())
	log := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- pluginDev(ctx, dir, 50*time.Millisecond, pluginkit.BuildOptions{}, log) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	wasm := filepath.Join(dir, "dev-c.wasm")
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s; log:\n%s", what, log.String())
			}
		}
	}
	waitFor("no first build", func() bool { return strings.Count(log.String(), "watching for changes") == 1 })
	first, _ := os.ReadFile(wasm)

	// A portal serving the built file reloads it when plugin dev rebuilds it.
	pdir := t.TempDir()
	os.WriteFile(filepath.Join(pdir, "app-config.yaml"), []byte(fmt.Sprintf(`
backend:
  listen: {host: 127.0.0.1, port: 0}
  auth:
    externalAccess:
      - {type: static, options: {token: %s, subject: cli-tests}}
plugins:
  - {id: dev-c, source: %s}
`, testToken, wasm)), 0o644)
	h := startPortal(t, pdir)
	// What serve does with its watch list: reload when a watched file (the config, a
	// plugin's source) changes.
	changed := watchFiles(ctx, h.watch.Load, 100*time.Millisecond)
	go func() {
		for f := range changed {
			err := h.reload(ctx, []string{filepath.Join(pdir, "app-config.yaml")}, nil)
			fmt.Fprintf(log, "portal: %s changed; reload: %v\n", f, err)
		}
	}()
	hello := "http://" + h.addr + "/api/dev-c/hello?name=X"
	if st, body := call(t, "GET", hello, nil); st != 200 || body != `{"message":"hello X"}` {
		t.Fatalf("before the change: %d %s", st, body)
	}

	src := filepath.Join(dir, "plugin.c")
	b, _ := os.ReadFile(src)
	changedSrc := bytes.Replace(b, []byte(`*d++ = ' ';`), []byte(`*d++ = '~';`), 1)
	if bytes.Equal(changedSrc, b) {
		t.Fatal("the template changed: the test's edit does not apply")
	}
	os.WriteFile(src, changedSrc, 0o644)
	waitFor("no rebuild after a change", func() bool { return strings.Count(log.String(), "watching for changes") == 2 })
	second, _ := os.ReadFile(wasm)
	if bytes.Equal(first, second) {
		t.Error("the rebuilt module is not the changed source's")
	}
	waitFor("the running portal did not reload the rebuilt plugin", func() bool {
		_, body := call(t, "GET", hello, nil)
		if body != `{"message":"hello~X"}` {
			fmt.Fprintf(log, "portal answers %s\n", body)
			time.Sleep(time.Second)
			return false
		}
		return true
	})

	os.WriteFile(src, []byte("this is not C\n"), 0o644)
	waitFor("a broken source is not reported", func() bool { return strings.Contains(log.String(), "waiting for a change") })
	if kept, _ := os.ReadFile(wasm); !bytes.Equal(kept, second) {
		t.Error("a failed build replaced the last good module")
	}
}

// TestPluginTestCommand: plugin test runs a new project's native tests and its
// plugin.test.yaml requests against the built module, in each language, and fails,
// naming the request, when an answer is not what the file says.
func TestPluginTestCommand(t *testing.T) {
	for _, c := range []struct{ lang, kind string }{{"go", "backend"}, {"rust", "card"}, {"c", "page"}, {"assemblyscript", "backend"}} {
		t.Run(c.lang+"-"+c.kind, func(t *testing.T) {
			name := "t-" + c.kind
			dir := newProject(t, t.TempDir(), name, c.lang, c.kind)
			code, stdout, stderr := run(t, "plugin", "test", dir)
			if code != 0 || strings.Contains(stdout, "FAIL") || !strings.Contains(stdout, "ok   GET ") {
				t.Fatalf("plugin test: exit %d\n%s\n%s", code, stdout, stderr)
			}
			if native := map[string]string{"go": "ok  \texample.com/" + name, "rust": "test result: ok. 1 passed"}[c.lang]; native != "" && !strings.Contains(stdout, native) {
				t.Errorf("the native tests did not run:\n%s", stdout)
			}
			if c.lang != "c" {
				return
			}
			spec := filepath.Join(dir, "plugin.test.yaml")
			b, _ := os.ReadFile(spec)
			os.WriteFile(spec, bytes.Replace(b, []byte("This page is served"), []byte("Something else"), 1), 0o644)
			code, stdout, stderr = run(t, "plugin", "test", dir)
			if code != ExitFailure || !strings.Contains(stdout, "FAIL GET /t-page: 200, want 200 with \"Something else") || !strings.Contains(stderr, "1 of 1 requests failed") {
				t.Errorf("a failing request: exit %d\n%s\n%s", code, stdout, stderr)
			}
			os.WriteFile(spec, []byte("requests: [{get: nope, status: 200}]\n"), 0o644)
			if code, _, stderr = run(t, "plugin", "test", dir); code != ExitUsage || !strings.Contains(stderr, "requests[0] needs get: a path starting with /") {
				t.Errorf("a bad spec: exit %d %s", code, stderr)
			}
		})
	}
}

// TestPluginBuildCompilerBadInput: a --compiler that is not one, or that does not fit the
// project, is a usage error that says what to do; a TinyGo that is missing or of another
// version is named with the task that installs the right one.
func TestPluginBuildCompilerBadInput(t *testing.T) {
	base := t.TempDir()
	goDir := filepath.Join(base, "demo-go")
	if code, _, stderr := run(t, "plugin", "new", "demo-go", "--lang", "go", "--dir", goDir); code != 0 {
		t.Fatalf("plugin new: %d %s", code, stderr)
	}
	cDir := filepath.Join(base, "demo-c")
	os.MkdirAll(cDir, 0o755)
	os.WriteFile(filepath.Join(cDir, "plugin.yaml"), []byte("abi: v1\nid: demo-c\nversion: 0.1.0\n"), 0o644)
	os.WriteFile(filepath.Join(cDir, "plugin.c"), []byte("int x;\n"), 0o644)
	otherVersion := filepath.Join(base, "tinygo")
	os.WriteFile(otherVersion, []byte("#!/bin/sh\necho 'tinygo version 0.30.0 linux/amd64 (using go version go1.21 and LLVM version 16)'\n"), 0o755)

	for _, tc := range []struct {
		tinygo   string // $TINYGO
		args     []string
		wantCode int
		want     []string
	}{
		{"", []string{"plugin", "build", "--compiler", "gccgo", goDir}, ExitUsage, []string{`--compiler "gccgo": choose one of go, tinygo`}},
		{"", []string{"plugin", "build", "--compiler", "tinygo", cDir}, ExitUsage, []string{"is a C project; --compiler tinygo builds Go projects only"}},
		{"", []string{"plugin", "dev", "--compiler", "tinygo", cDir}, ExitUsage, []string{"is a C project; --compiler tinygo builds Go projects only"}},
		{"", []string{"plugin", "test", "--compiler", "gccgo", goDir}, ExitUsage, []string{`--compiler "gccgo": choose one of go, tinygo`}},
		{filepath.Join(base, "no-such-tinygo"), []string{"plugin", "build", "--compiler", "tinygo", goDir}, 1, []string{"no TinyGo to run", "go tool task tinygo", "set TINYGO"}},
		{otherVersion, []string{"plugin", "build", "--compiler", "tinygo", goDir}, 1, []string{"tinygo version 0.30.0", "plugins build with TinyGo 0.41.0"}},
	} {
		t.Setenv("TINYGO", tc.tinygo)
		if tc.tinygo == "" {
			os.Unsetenv("TINYGO")
		}
		code, _, stderr := run(t, tc.args...)
		if code != tc.wantCode {
			t.Errorf("%v: exit %d, want %d; stderr %s", tc.args, code, tc.wantCode, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%v: stderr %s; want %q", tc.args, stderr, w)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(goDir, "demo-go.wasm")); err == nil {
		t.Error("a failed build wrote demo-go.wasm")
	}
}
