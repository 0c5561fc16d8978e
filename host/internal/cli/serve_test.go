package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
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
	"syscall"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/plugintest"
)

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
%s`, filepath.Join(os.TempDir(), "greenroom-test-wasm-cache"), extra)
	if err := os.WriteFile(filepath.Join(dir, "app-config.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func startPortal(t *testing.T, dir string) *host {
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
		h.srv.Shutdown(ctx)
		h.close()
	})
	return h
}

func call(t *testing.T, method, url string, body io.Reader) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, body)
	resp, err := http.DefaultClient.Do(req)
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
				resp, err := http.Get(fmt.Sprintf("http://%s/api/%s/hello?name=n%d", h.addr, id, i))
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
		resp, err := http.Get("http://" + addr + "/api/slow/")
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
