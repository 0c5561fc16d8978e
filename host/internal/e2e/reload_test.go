package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/plugintest"
)

func helloC(t *testing.T, dir, greeting string) string {
	return fmt.Sprintf("  - id: hello-c\n    source: %s\n    config: {greeting: %s}\n    limits: {instances: 4}\n",
		plugintest.Copy(t, plugintest.Packed(t, "examples/hello-c/hello-c.wasm"), filepath.Join(dir, "hello-c.wasm")), greeting)
}

func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := getAuthed(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func waitFor(t *testing.T, url, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(getBody(t, url), want) {
		if time.Now().After(deadline) {
			t.Fatalf("%s never answered %s (last: %s)", url, want, getBody(t, url))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestReloadUnderLoad: wrk drives a plugin route while the plugin's config changes
// three times, by the three triggers (POST /api/admin/reload, a file change, SIGHUP).
// Not one request fails, and the last config is what answers afterwards.
func TestReloadUnderLoad(t *testing.T) {
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Fatal("wrk not found: install Debian's wrk (.ci/run does)")
	}
	dir := t.TempDir()
	p := startPortal(t, helloC(t, dir, "alpha"), "")
	url := p.base + "/api/hello-c/hello?name=X"
	waitFor(t, url, `"alpha X"`)

	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := exec.Command("wrk", "-t2", "-c16", "-d8s", "-H", "Authorization: Bearer "+testToken, url).CombinedOutput()
		done <- result{out, err}
	}()
	time.Sleep(1500 * time.Millisecond)

	// 1: POST /api/admin/reload.
	p.reload(t, helloC(t, dir, "bravo"), "")
	waitFor(t, url, `"bravo X"`)
	time.Sleep(time.Second)
	// 2: the config file changes and the watcher notices.
	p.writeConfig(t, plugintest.Root(t), helloC(t, dir, "cocoa"), "")
	waitFor(t, url, `"cocoa X"`)
	time.Sleep(time.Second)
	// 3: SIGHUP.
	p.writeConfigQuiet(t, helloC(t, dir, "delta"))
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, url, `"delta X"`)

	r := <-done
	if r.err != nil {
		t.Fatalf("wrk: %v\n%s", r.err, r.out)
	}
	out := string(r.out)
	t.Logf("wrk during three reloads:\n%s", out)
	if strings.Contains(out, "Non-2xx") || strings.Contains(out, "Socket errors") {
		t.Fatalf("requests failed during reload:\n%s", out)
	}
	m := regexp.MustCompile(`(\d+) requests in`).FindStringSubmatch(out)
	if m == nil || m[1] == "0" {
		t.Fatalf("wrk made no requests:\n%s", out)
	}
	if got := getBody(t, url); !strings.Contains(got, `"delta X"`) {
		t.Fatalf("after the reloads: %s", got)
	}
}

// TestFailedReloadKeepsServing: a config that does not load leaves the old one serving,
// and the error shows in the reload answer, on /readyz and in the log.
func TestFailedReloadKeepsServing(t *testing.T) {
	dir := t.TempDir()
	p := startPortal(t, helloC(t, dir, "alpha"), "")
	url := p.base + "/api/hello-c/hello?name=X"
	waitFor(t, url, `"alpha X"`)

	// A plugin whose file does not exist.
	p.writeConfig(t, plugintest.Root(t), helloC(t, dir, "bravo")+"  - {id: ghost, source: ghost.wasm}\n", "")
	resp, err := postAuthed(p.base + "/api/admin/reload")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 422 || !strings.Contains(string(b), "ghost.wasm does not exist") || !strings.Contains(string(b), "previous one keeps serving") {
		t.Fatalf("reload answer: %d %s", resp.StatusCode, b)
	}
	if got := getBody(t, url); !strings.Contains(got, `"alpha X"`) {
		t.Fatalf("after a failed reload the old config must serve: %s", got)
	}
	ready := getBody(t, p.base+"/readyz")
	if !strings.Contains(ready, `"ok":false`) || !strings.Contains(ready, "ghost.wasm does not exist") {
		t.Fatalf("/readyz does not report the failed reload: %s", ready)
	}

	// Plugins that load, with app.extensions that does not: the new plugin config must
	// not go live either.
	p.writeConfig(t, plugintest.Root(t), helloC(t, dir, "bravo"), "  extensions:\n    - nav-item:catalog:\n        attachTo: {id: app/nowhere, input: items}\n")
	resp, err = postAuthed(p.base + "/api/admin/reload")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 422 || !strings.Contains(string(b), "app/nowhere") {
		t.Fatalf("reload with bad app.extensions: %d %s", resp.StatusCode, b)
	}
	if got := getBody(t, url); !strings.Contains(got, `"alpha X"`) {
		t.Fatalf("a reload that failed on app.extensions changed the plugins: %s", got)
	}
}

// TestReloadOnPluginFileChange: the config watch also polls the .wasm files of the
// configured plugins. A changed file is loaded without a restart; one that fails to load
// (not a module, or not the pinned file) leaves the old plugin serving, with the error
// on /readyz, and fixing it reloads again.
func TestReloadOnPluginFileChange(t *testing.T) {
	dir := t.TempDir()
	helloC := plugintest.Packed(t, "examples/hello-c/hello-c.wasm")
	greeter := plugintest.Copy(t, helloC, filepath.Join(dir, "greeter.wasm"))
	pinned := plugintest.Copy(t, helloC, filepath.Join(dir, "pinned.wasm"))
	b, err := os.ReadFile(helloC)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	p := startPortal(t, fmt.Sprintf(`  - id: greeter
    source: %s
    config: {greeting: hi}
    grants: {kv: {}, tasks: {}}
  - id: pinned
    source: %s
    sha256: %s
`, greeter, pinned, hex.EncodeToString(sum[:])), "")
	waitFor(t, p.base+"/api/greeter/hello?name=X", `"hi X"`)
	waitFor(t, p.base+"/api/greeter/count", `"NotFoundError"`) // hello-c has no /count

	// replace swaps a file the way a deploy does: write beside it, then rename.
	replace := func(path string, content []byte) {
		t.Helper()
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, content, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	helloGo, err := os.ReadFile(plugintest.Go(t, "examples/hello-go"))
	if err != nil {
		t.Fatal(err)
	}

	// 1: a new module behind greeter is served.
	replace(greeter, helloGo)
	waitFor(t, p.base+"/api/greeter/count", `{"count":0}`)
	waitFor(t, p.base+"/api/greeter/hello?name=X", `"hi X"`)
	waitFor(t, p.base+"/readyz", `"ok":true`)

	// 2: a file that is not a module: hello-go keeps serving, /readyz has the error.
	replace(greeter, []byte("not a module"))
	waitFor(t, p.base+"/readyz", "not a WebAssembly module")
	waitFor(t, p.base+"/readyz", `"ok":false`)
	if got := getBody(t, p.base+"/api/greeter/count"); !strings.Contains(got, `{"count":0}`) {
		t.Fatalf("after a bad file the old plugin must serve: %s", got)
	}

	// 3: fixing it reloads.
	replace(greeter, helloGo)
	waitFor(t, p.base+"/readyz", `"ok":true`)

	// 4: a file that is not the pinned one is refused; the pinned one keeps serving.
	as, err := os.ReadFile(plugintest.Packed(t, "examples/hello-assemblyscript/hello-assemblyscript.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	replace(pinned, as)
	waitFor(t, p.base+"/readyz", "sha256 mismatch for "+pinned)
	if got := getBody(t, p.base+"/api/pinned/hello?name=X"); !strings.Contains(got, `"hello X"`) {
		t.Fatalf("after a pin mismatch the old plugin must serve: %s", got)
	}
	if got := getBody(t, p.base+"/api/greeter/count"); !strings.Contains(got, `{"count":0}`) {
		t.Fatalf("a failed reload changed another plugin: %s", got)
	}
}
