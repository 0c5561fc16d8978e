package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/plugintest"
)

// testToken is the static external-access token the test portals accept: a plugin's
// routes need a caller (bearer sets it on a request).
const testToken = "cli-tests-token-0123456789"

func bearer(req *http.Request) *http.Request {
	req.Header.Set("Authorization", "Bearer "+testToken)
	return req
}

// get is http.Get with the test token.
func get(url string) (*http.Response, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return nil, err
	}
	return http.DefaultClient.Do(bearer(req))
}

// portal writes the example plugins and a config into a temp dir.
func portal(t *testing.T, extra string) string {
	t.Helper()
	dir := t.TempDir()
	plugintest.Copy(t, plugintest.Go(t, "examples/hello-go"), filepath.Join(dir, "hello-go.wasm"))
	plugintest.Copy(t, plugintest.Packed(t, "examples/hello-c/hello-c.wasm"), filepath.Join(dir, "hello-c.wasm"))
	plugintest.Copy(t, plugintest.Packed(t, "examples/hello-assemblyscript/hello-assemblyscript.wasm"), filepath.Join(dir, "hello-assemblyscript.wasm"))
	cfg := fmt.Sprintf(`
backend:
  listen: {host: 127.0.0.1, port: 0}
  auth:
    externalAccess:
      - {type: static, options: {token: %s, subject: cli-tests}}
runtime:
  compilationCache: %s
plugins:
  - id: hello-go
    source: hello-go.wasm
    grants: {kv: {}, tasks: {}}
    config: {greeting: hi}
  - id: hello-c
    source: hello-c.wasm
    limits: {maxBodySize: 1KiB}
  - id: hello-assemblyscript
    source: hello-assemblyscript.wasm
    config: {greeting: hey}
%s`, testToken, filepath.Join(os.TempDir(), "greenroom-test-wasm-cache"), extra)
	if err := os.WriteFile(filepath.Join(dir, "app-config.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func startPortal(t testing.TB, dir string) *host {
	t.Helper()
	cfg, err := config.Load([]string{filepath.Join(dir, "app-config.yaml")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := start(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h.stop(ctx)
	})
	return h
}

func call(t *testing.T, method, url string, body io.Reader) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, body)
	resp, err := http.DefaultClient.Do(bearer(req))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeExamples(t *testing.T) {
	h := startPortal(t, portal(t, ""))
	base := "http://" + h.addr
	cases := []struct {
		method, path string
		body         io.Reader
		status       int
		want         string
	}{
		{"GET", "/api/hello-go/hello?name=X", nil, 200, `{"message":"hi X"}`},
		{"GET", "/api/hello-c/hello?name=X", nil, 200, `{"message":"hello X"}`},
		{"GET", "/api/hello-assemblyscript/hello?name=X", nil, 200, `{"message":"hey X"}`},
		{"GET", "/api/hello-go/hello", nil, 400, `"name":"InputError"`},
		{"GET", "/api/hello-go/count", nil, 200, `{"count":0}`},
		{"GET", "/api/hello-go/nope", nil, 404, `"name":"NotFoundError"`},
		{"GET", "/api/nope/hello", nil, 404, `"statusCode":404`},
		{"POST", "/api/hello-c/hello?name=X", strings.NewReader(strings.Repeat("x", 2048)), 413, `"name":"PayloadTooLargeError"`},
		{"GET", "/healthz", nil, 200, `"status":"ok"`},
		{"GET", "/readyz", nil, 200, `"plugins":["hello-go","hello-c","hello-assemblyscript"]`},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			st, body := call(t, tc.method, base+tc.path, tc.body)
			if st != tc.status || !strings.Contains(body, tc.want) {
				t.Fatalf("got %d %s, want %d containing %s", st, body, tc.status, tc.want)
			}
		})
	}
}

func TestServeHammer(t *testing.T) {
	h := startPortal(t, portal(t, ""))
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				id := []string{"hello-go", "hello-c", "hello-assemblyscript"}[(g+i)%3]
				resp, err := get(fmt.Sprintf("http://%s/api/%s/hello?name=n%d", h.addr, id, i))
				if err != nil {
					errs <- err.Error()
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !strings.Contains(string(b), fmt.Sprintf(` n%d"}`, i)) {
					errs <- fmt.Sprintf("%s: %d %s", id, resp.StatusCode, b)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(&Env{Stdout: &out, Stderr: &errb, Getenv: func(string) (string, bool) { return "", false }}, args)
	return code, out.String(), errb.String()
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("backend:\n  lisen: {}\n"), 0o644)
	garbled := filepath.Join(dir, "garbled.yaml")
	os.WriteFile(garbled, []byte("backend: [\n"), 0o644)
	missingPlugin := filepath.Join(dir, "missing.yaml")
	os.WriteFile(missingPlugin, []byte("backend: {listen: {port: 0}}\nplugins: [{id: a, source: a.wasm}]\n"), 0o644)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, busyPort, _ := net.SplitHostPort(busy.Addr().String())
	portTaken := filepath.Join(dir, "taken.yaml")
	os.WriteFile(portTaken, []byte("backend:\n  listen: {host: 127.0.0.1, port: "+busyPort+"}\nruntime: {compilationCache: "+filepath.Join(dir, "cache")+"}\n"), 0o644)
	badEntity := filepath.Join(dir, "catalog-info.yaml")
	os.WriteFile(badEntity, []byte("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: Bad_Name!\nspec: {type: service, owner: me, lifecycle: x}\n"), 0o644)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "no command given"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"serve", "--config", filepath.Join(dir, "nope.yaml")}, 2, "config file not found"},
		{[]string{"serve", "--config", bad}, 2, "bad.yaml:2: backend.lisen: unknown key"},
		{[]string{"serve", "--config", garbled}, 2, "YAML syntax error"},
		{[]string{"serve", "--config", missingPlugin}, 2, "plugin a: load: source: file " + filepath.Join(dir, "a.wasm") + " does not exist"},
		{[]string{"serve", "--bogus"}, 2, "unknown flag: --bogus"},
		{[]string{"serve", "--config", portTaken}, 1, "listen on 127.0.0.1:" + busyPort},
		{[]string{"plugin", "pack"}, 2, "plugin pack needs --manifest"},
		{[]string{"plugin", "inspect", bad}, 2, "not a WebAssembly module"},
		{[]string{"version"}, 0, ""},
		{[]string{"catalog", "validate", badEntity}, 1, "catalog validate: 1 invalid entity"},
		{[]string{"catalog", "validate"}, 2, "needs at least one file"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, stderr := run(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want %d containing %q", code, stderr, tc.code, tc.want)
			}
		})
	}
}

func TestPackAndInspect(t *testing.T) {
	root := plugintest.Root(t)
	raw := plugintest.WAT(t, "host/internal/plugin/testdata/ok.wat", "")
	out := filepath.Join(t.TempDir(), "ok.wasm")
	code, stdout, stderr := run(t, "plugin", "pack", "--manifest", filepath.Join(root, "host/internal/plugin/testdata/kvopt.yaml"), raw, "-o", out)
	if code != 0 || !strings.Contains(stdout, "kvopt@0.0.1") {
		t.Fatalf("pack: %d %s %s", code, stdout, stderr)
	}
	code, stdout, _ = run(t, "plugin", "inspect", out)
	for _, w := range []string{"plugin:  kvopt 0.0.1", "route:   GET /api/kvopt/", "request: kv (optional)", "greenroom:host/v1: mem_write", "exports: memory (memory), gr_http (func)"} {
		if code != 0 || !strings.Contains(stdout, w) {
			t.Errorf("inspect lacks %q:\n%s", w, stdout)
		}
	}
	code, stdout, _ = run(t, "plugin", "inspect", "--json", out)
	var r InspectReport
	if code != 0 || json.Unmarshal([]byte(stdout), &r) != nil || r.Manifest.ID != "kvopt" || len(r.Imports) != 2 {
		t.Fatalf("inspect --json: %d %s", code, stdout)
	}
	// A manifest with a mistake is refused with its file and field.
	badMan := filepath.Join(t.TempDir(), "plugin.yaml")
	os.WriteFile(badMan, []byte("abi: v1\nid: x\nversion: 1\nroutes: [{method: GET, pth: /}]\n"), 0o644)
	code, _, stderr = run(t, "plugin", "pack", "--manifest", badMan, raw, "-o", out)
	if code != 2 || !strings.Contains(stderr, `plugin.yaml: manifest: json: unknown field "pth"`) {
		t.Fatalf("bad manifest: %d %s", code, stderr)
	}
}

// TestSIGTERMDrains runs the real binary: a request in flight when SIGTERM arrives still
// gets its answer, and the process exits 0.
func TestSIGTERMDrains(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "greenroom")
	build := exec.Command("go", "build", "-o", bin, "greenroom.dev/greenroom/host/cmd/greenroom")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	dir := portal(t, "  - {id: slow, source: loop.wasm, limits: {timeout: 1500ms}}\n")
	plugintest.Copy(t, plugintest.WAT(t, "host/internal/plugin/testdata/loop.wat", "host/internal/plugin/testdata/loop.yaml"), filepath.Join(dir, "loop.wasm"))
	cmd := exec.Command(bin, "serve", "--config", filepath.Join(dir, "app-config.yaml"))
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	addrRE := regexp.MustCompile(`greenroom ready" addr=(\S+)`)
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			if m := addrRE.FindStringSubmatch(sc.Text()); m != nil && !sent {
				ready <- m[1]
				sent = true
			}
		}
		close(ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case <-time.After(60 * time.Second):
	}
	if addr == "" {
		t.Fatal("the server printed no ready line")
	}
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := get("http://" + addr + "/api/slow/")
		if err != nil {
			done <- result{0, err}
			return
		}
		resp.Body.Close()
		done <- result{resp.StatusCode, nil}
	}()
	time.Sleep(300 * time.Millisecond) // the request is now inside the plugin
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || r.status != 504 {
		t.Fatalf("in-flight request: %d %v (want its 504 answer, not a dropped connection)", r.status, r.err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v", err)
	}
}

// TestServeOverlay: an overlay in another directory changes one plugin by id (its
// config, and its source, read from the overlay's directory), switches another off,
// and leaves the third as the first file has it.
func TestServeOverlay(t *testing.T) {
	dir := portal(t, "")
	over := filepath.Join(t.TempDir(), "overlays")
	if err := os.MkdirAll(filepath.Join(over, "plugins"), 0o755); err != nil {
		t.Fatal(err)
	}
	plugintest.Copy(t, plugintest.Packed(t, "examples/hello-c/hello-c.wasm"), filepath.Join(over, "plugins", "greeter.wasm"))
	overlay := filepath.Join(over, "prod.yaml")
	os.WriteFile(overlay, []byte(`plugins:
  - id: hello-assemblyscript
    enabled: false
  - id: hello-c
    source: plugins/greeter.wasm
    config: {greeting: howdy}
`), 0o644)
	// A source an overlay names that does not exist: the error names the overlay's line.
	bad := filepath.Join(over, "bad.yaml")
	os.WriteFile(bad, []byte("plugins:\n  - id: hello-c\n    source: plugins/nope.wasm\n"), 0o644)
	code, _, stderr := run(t, "serve", "--config", filepath.Join(dir, "app-config.yaml"), "--config", bad)
	want := "file " + filepath.Join(over, "plugins", "nope.wasm") + " does not exist; check plugins[1].source (" + bad + ":3)"
	if code != 2 || !strings.Contains(stderr, want) {
		t.Fatalf("exit %d, stderr %q; want 2 containing %q", code, stderr, want)
	}

	cfg, err := config.Load([]string{filepath.Join(dir, "app-config.yaml"), overlay}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := start(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.stop(context.Background()) })
	base := "http://" + h.addr
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/api/hello-go/hello?name=X", 200, `{"message":"hi X"}`},
		{"/api/hello-c/hello?name=X", 200, `{"message":"howdy X"}`},
		{"/api/hello-assemblyscript/hello?name=X", 404, `"statusCode":404`},
		{"/readyz", 200, `"plugins":["hello-go","hello-c"]`},
	} {
		if st, body := call(t, "GET", base+tc.path, nil); st != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s, want %d containing %s", tc.path, st, body, tc.status, tc.want)
		}
	}
	if p, ok := h.plugins.Lookup("hello-c"); !ok || p.Path != filepath.Join(over, "plugins", "greeter.wasm") {
		t.Errorf("hello-c loaded from %v, want the overlay's plugins/greeter.wasm", p)
	}

}

// TestServeHelp: serve --help says how overlays merge.
func TestServeHelp(t *testing.T) {
	code, _, stderr := run(t, "serve", "--help")
	for _, w := range []string{"repeat to overlay", "lists are replaced whole, except plugins:", "merge by id", "enabled: false", "relative to the file that sets it"} {
		if code != 0 || !strings.Contains(stderr, w) {
			t.Errorf("serve --help (exit %d) lacks %q:\n%s", code, w, stderr)
		}
	}
}

// TestStartWarnsBaseURLPort: start logs a warning, and still serves, when
// backend.baseUrl's port is not the port it listens on; none when they match.
func TestStartWarnsBaseURLPort(t *testing.T) {
	for _, tc := range []struct {
		name    string
		baseURL string // %s stands for the listen port
		warn    bool
	}{
		{"same port", "http://localhost:%s", false},
		{"other port", "http://localhost:1", true},
		{"no port (80)", "http://localhost", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			free, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			_, port, _ := net.SplitHostPort(free.Addr().String())
			free.Close()
			baseURL := tc.baseURL
			if strings.Contains(baseURL, "%s") {
				baseURL = fmt.Sprintf(baseURL, port)
			}
			dir := t.TempDir()
			f := filepath.Join(dir, "app-config.yaml")
			os.WriteFile(f, []byte("backend:\n  baseUrl: "+baseURL+"\n  listen: {host: 127.0.0.1, port: "+port+"}\nruntime: {compilationCache: "+filepath.Join(dir, "cache")+"}\n"), 0o644)
			cfg, err := config.Load([]string{f}, nil)
			if err != nil {
				t.Fatal(err)
			}
			var logs syncBuffer
			h, err := start(context.Background(), slog.New(slog.NewTextHandler(&logs, nil)), cfg)
			if err != nil {
				t.Fatal(err)
			}
			h.stop(context.Background())
			got := logs.String()
			warned := strings.Contains(got, "level=WARN") && strings.Contains(got, "backend.baseUrl") && strings.Contains(got, "differs from backend.listen.port "+port)
			if warned != tc.warn || !strings.Contains(got, "greenroom ready") {
				t.Fatalf("baseUrl %s, listen port %s: warned=%v, want %v; log:\n%s", baseURL, port, warned, tc.warn, got)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestInspectListsImportsOnce: a module that imports a function twice (Go's wasip1 port
// does, with fd_write) is shown with each import once, in text and in JSON.
func TestInspectListsImportsOnce(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       []string // text lines, exactly
	}{
		{"wat", plugintest.WAT(t, "host/internal/wasmfile/testdata/dupimports.wat", "host/internal/plugin/testdata/kvopt.yaml"), []string{
			"imports: env: g (global), g",
			"imports: extism:host/env: output_set",
			"imports: greenroom:host/v1: kv_get [kv]",
			"imports: wasi_snapshot_preview1: fd_write",
		}},
		{"go", plugintest.Go(t, "examples/hello-go"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, "plugin", "inspect", tc.file)
			if code != 0 {
				t.Fatalf("inspect: %d %s", code, stderr)
			}
			var lines []string
			for _, l := range strings.Split(stdout, "\n") {
				if strings.HasPrefix(l, "imports: ") {
					lines = append(lines, l)
					mod, names, _ := strings.Cut(strings.TrimPrefix(l, "imports: "), ": ")
					seen := map[string]bool{}
					for _, n := range strings.Split(names, ", ") {
						if seen[n] {
							t.Errorf("text lists %s %s twice: %s", mod, n, l)
						}
						seen[n] = true
					}
				}
			}
			if len(lines) == 0 || tc.want != nil && strings.Join(lines, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("imports:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(tc.want, "\n"))
			}
			code, stdout, stderr = run(t, "plugin", "inspect", "--json", tc.file)
			var r InspectReport
			if code != 0 || json.Unmarshal([]byte(stdout), &r) != nil {
				t.Fatalf("inspect --json: %d %s %s", code, stdout, stderr)
			}
			seen := map[string]bool{}
			for _, im := range r.Imports {
				k := im.Module + "." + im.Name + " " + string(im.Kind)
				if seen[k] {
					t.Errorf("--json lists %s twice", k)
				}
				seen[k] = true
			}
			if tc.want != nil && len(r.Imports) != 5 {
				t.Errorf("--json imports = %+v, want 5", r.Imports)
			}
		})
	}
}

// TestWatchFiles: the watch reports a changed file of the current list, and compares a
// file new to the list with its stamp from when the list was made.
func TestWatchFiles(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "app-config.yaml")
	wasm := filepath.Join(dir, "p.wasm")
	later := filepath.Join(dir, "q.wasm")
	for _, f := range []string{cfg, wasm, later} {
		os.WriteFile(f, []byte("v1"), 0o644)
	}
	var list atomic.Pointer[watchList]
	list.Store(newWatchList(cfg, wasm))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changed := watchFiles(ctx, list.Load, 10*time.Millisecond)
	expect := func(want string) {
		t.Helper()
		select {
		case got := <-changed:
			if got != want {
				t.Fatalf("changed %s, want %s", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no change reported for %s", want)
		}
	}
	time.Sleep(50 * time.Millisecond) // the watch has seen every file once
	os.WriteFile(wasm, []byte("v22"), 0o644)
	expect(wasm)
	os.Remove(wasm)
	expect(wasm)

	// A reload lists q.wasm (stamped now); it changes before the watch first polls it.
	next := newWatchList(cfg, later)
	os.WriteFile(later, []byte("v333"), 0o644)
	list.Store(next)
	expect(later)
	select {
	case f := <-changed:
		t.Fatalf("unchanged files reported: %s", f)
	case <-time.After(100 * time.Millisecond):
	}
}

// TestReadyzCountsCatalogErrors: errors in the catalog's files do not make the host
// unready, and /readyz counts the entities and locations that have them.
func TestReadyzCountsCatalogErrors(t *testing.T) {
	dir := portal(t, `catalog:
  locations:
    - {type: file, target: ./catalog/all.yaml}
`)
	files := map[string]string{
		"all.yaml":     "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: all\nspec:\n  targets: [./web.yaml, ./invalid.yaml, ./missing.yaml]\n",
		"web.yaml":     webComponent,
		"invalid.yaml": strings.Replace(webComponent, "name: web", "name: bad_name!", 1),
	}
	for name, content := range files {
		os.MkdirAll(filepath.Join(dir, "catalog"), 0o755)
		if err := os.WriteFile(filepath.Join(dir, "catalog", name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h := startPortal(t, dir)
	var st int
	var body string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if st, body = call(t, "GET", "http://"+h.addr+"/readyz", nil); st == 200 {
			break
		}
	}
	var ready struct {
		Status  string
		Catalog map[string]int
	}
	if err := json.Unmarshal([]byte(body), &ready); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	want := map[string]int{"entities": 3, "entitiesWithErrors": 1, "locationsWithErrors": 2} // web, Location all, generated root; all; invalid.yaml, missing.yaml
	if st != 200 || ready.Status != "ok" || fmt.Sprint(ready.Catalog) != fmt.Sprint(want) {
		t.Fatalf("readyz: %d %s; want 200 with catalog %v", st, body, want)
	}
}

// startLoopConfig writes a config whose plugin "stuck" has a start function that never
// returns, with the given limits, into dir, and returns its path.
func startLoopConfig(t *testing.T, dir, limits string) string {
	t.Helper()
	plugintest.Copy(t, plugintest.WAT(t, "host/internal/plugin/testdata/startloop.wat", "host/internal/plugin/testdata/startloop.yaml"), filepath.Join(dir, "startloop.wasm"))
	cfg := "backend:\n  listen: {host: 127.0.0.1, port: 0}\n  database: {connection: " + filepath.Join(dir, "g.db") + "}\n  shutdownTimeout: 2s\n" +
		"runtime: {compilationCache: " + filepath.Join(dir, "cache") + "}\n" +
		"plugins:\n  - {id: stuck, source: startloop.wasm, limits: " + limits + "}\n"
	path := filepath.Join(dir, "app-config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestStartFunctionOverrunRefused: a plugin whose start function never returns is
// refused, within about its timeout, at start-up and on reload, with an error that names
// the plugin and the fix; a later reload works.
func TestStartFunctionOverrunRefused(t *testing.T) {
	dir := t.TempDir()
	cfgPath := startLoopConfig(t, dir, "{timeout: 300ms}")
	within := func(what string, f func()) {
		t.Helper()
		done := make(chan struct{})
		go func() { defer close(done); f() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("%s did not return within 20s", what)
		}
	}
	wants := []string{"plugin stuck", "start function did not return within the plugin's timeout of 300ms", "raise limits.timeout"}

	var code int
	var stderr string
	within("serve", func() { code, _, stderr = run(t, "serve", "--config", cfgPath) })
	for _, want := range wants {
		if code == 0 || !strings.Contains(stderr, want) {
			t.Errorf("serve: exit %d, stderr %q; want it to contain %q", code, stderr, want)
		}
	}

	good := "backend:\n  listen: {host: 127.0.0.1, port: 0}\n  database: {connection: " + filepath.Join(dir, "g.db") + "}\nruntime: {compilationCache: " + filepath.Join(dir, "cache") + "}\n"
	goodPath := filepath.Join(dir, "good.yaml")
	os.WriteFile(goodPath, []byte(good), 0o644)
	cfg, err := config.Load([]string{goodPath}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := start(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer h.stop(context.Background())
	for i := 0; i < 2; i++ {
		var rerr error
		within("reload", func() { rerr = h.reload(context.Background(), []string{cfgPath}, nil) })
		for _, want := range wants {
			if rerr == nil || !strings.Contains(rerr.Error(), want) {
				t.Errorf("reload %d: %v; want an error containing %q", i, rerr, want)
			}
		}
		within("reload", func() { rerr = h.reload(context.Background(), []string{goodPath}, nil) })
		if rerr != nil {
			t.Fatalf("reload of the good config after the stuck one: %v", rerr)
		}
	}
}

// TestSIGTERMWhileLoading runs the real binary: SIGTERM while a plugin's start function
// runs (here for ever: its timeout is an hour) stops the process within
// backend.shutdownTimeout (2s).
func TestSIGTERMWhileLoading(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "greenroom")
	build := exec.Command("go", "build", "-o", bin, "greenroom.dev/greenroom/host/cmd/greenroom")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	dir := t.TempDir()
	cfgPath := startLoopConfig(t, dir, "{timeout: 1h}")
	cmd := exec.Command(bin, "serve", "--config", cfgPath)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	time.Sleep(2 * time.Second) // compiled and inside the start function
	select {
	case err := <-exited:
		t.Fatalf("exited before SIGTERM: %v\n%s", err, stderr.String())
	default:
	}
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM while loading: %v\n%s", err, stderr.String())
		}
		t.Logf("stopped %v after SIGTERM", time.Since(sent).Round(time.Millisecond))
	case <-time.After(4 * time.Second):
		t.Fatalf("still running 4s after SIGTERM (backend.shutdownTimeout 2s)\n%s", stderr.String())
	}
}

// TestExitAfterShutdownTimeout: whatever serve is stuck on, the process ends
// backend.shutdownTimeout (plus forceExitGrace) after SIGTERM. The test runs itself as
// a child that arms the guard, "receives" SIGTERM and then hangs.
func TestExitAfterShutdownTimeout(t *testing.T) {
	if os.Getenv("GREENROOM_TEST_HANG_AFTER_SIGTERM") == "1" {
		ctx, cancel := context.WithCancel(context.Background())
		exitAfterShutdownTimeout(ctx, slog.New(slog.NewTextHandler(os.Stderr, nil)), 500*time.Millisecond)
		cancel()
		select {} // a part that never returns
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestExitAfterShutdownTimeout$")
	cmd.Env = append(os.Environ(), "GREENROOM_TEST_HANG_AFTER_SIGTERM=1")
	var stderr syncBuffer
	cmd.Stderr = &stderr
	began := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), "still running after backend.shutdownTimeout") {
			t.Fatalf("exit %v after %v, stderr %q; want exit 1 with the reason", err, time.Since(began), stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the hung process was not ended")
	}
}
