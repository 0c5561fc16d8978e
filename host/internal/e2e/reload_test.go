package e2e

import (
	"fmt"
	"io"
	"net/http"
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
	resp, err := http.Get(url)
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
		out, err := exec.Command("wrk", "-t2", "-c16", "-d8s", url).CombinedOutput()
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
	resp, err := http.Post(p.base+"/api/admin/reload", "application/json", nil)
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
	resp, err = http.Post(p.base+"/api/admin/reload", "application/json", nil)
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
