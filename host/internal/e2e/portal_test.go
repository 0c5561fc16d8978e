package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/plugintest"
)

// portal is a running greenroom binary.
type portal struct {
	base   string
	dir    string
	config string
	cmd    *exec.Cmd
}

var readyRE = regexp.MustCompile(`greenroom ready" addr=(\S+)`)

// buildBinary builds greenroom once per test binary.
func buildBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(os.TempDir(), fmt.Sprintf("greenroom-e2e-%d", os.Getpid()))
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	cmd := exec.Command("go", "build", "-o", bin, "greenroom.dev/greenroom/host/cmd/greenroom")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	return bin
}

// startPortal writes the config (plugins section appended) into a temp dir with the
// example catalog and starts the binary.
func startPortal(t *testing.T, pluginsYAML, extensionsYAML string) *portal {
	t.Helper()
	root := plugintest.Root(t)
	dir := t.TempDir()
	p := &portal{dir: dir, config: filepath.Join(dir, "app-config.yaml")}
	p.writeConfig(t, root, pluginsYAML, extensionsYAML)
	p.start(t)
	return p
}

// startPortalIn starts the binary on dir/app-config.yaml, which the caller wrote.
func startPortalIn(t *testing.T, dir string) *portal {
	t.Helper()
	p := &portal{dir: dir, config: filepath.Join(dir, "app-config.yaml")}
	p.start(t)
	return p
}

// start runs the binary on p.config and waits until it is ready and its catalog's
// first pass is done.
func (p *portal) start(t *testing.T) {
	t.Helper()
	p.cmd = exec.Command(buildBinary(t), "serve", "--config", p.config)
	p.cmd.Dir = p.dir
	stderr, _ := p.cmd.StderrPipe()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
		}
	})
	ready := make(chan string, 1)
	var logs strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			logs.WriteString(sc.Text() + "\n")
			if m := readyRE.FindStringSubmatch(sc.Text()); m != nil && !sent {
				ready <- m[1]
				sent = true
			}
		}
		if !sent {
			close(ready)
		}
	}()
	select {
	case addr, ok := <-ready:
		if !ok {
			t.Fatalf("greenroom exited before it was ready:\n%s", logs.String())
		}
		p.base = "http://" + addr
	case <-time.After(120 * time.Second):
		t.Fatalf("greenroom not ready after 2 minutes:\n%s", logs.String())
	}
	// Wait for the catalog's first pass.
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(p.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("/readyz never said ready")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// testToken is the static external-access token the test portals accept: plugin routes
// and admin actions need a caller (authed sets it on a request).
const testToken = "e2e-tests-token-0123456789"

// authed sends req with the test token.
func authed(req *http.Request) (*http.Response, error) {
	req.Header.Set("Authorization", "Bearer "+testToken)
	return http.DefaultClient.Do(req)
}

// postAuthed is http.Post with the test token.
func postAuthed(url string) (*http.Response, error) {
	req, err := http.NewRequest("POST", url, nil)
	if err != nil {
		return nil, err
	}
	return authed(req)
}

// getAuthed is http.Get with the test token.
func getAuthed(url string) (*http.Response, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return nil, err
	}
	return authed(req)
}

func (p *portal) writeConfig(t *testing.T, root, pluginsYAML, extensionsYAML string) {
	t.Helper()
	cfg := fmt.Sprintf(`
app:
  title: Greenroom E2E
%s
backend:
  listen: {host: 127.0.0.1, port: 0}
  auth:
    externalAccess:
      - {type: static, options: {token: `+testToken+`, subject: e2e-tests}}
runtime:
  compilationCache: %s
catalog:
  rules:
    - allow: [Component, System, API, Resource, Location, Template, Group, User, Domain]
  locations:
    - type: file
      target: %s
  processingInterval: 0s
plugins:
%s`, extensionsYAML, filepath.Join(os.TempDir(), "greenroom-test-wasm-cache"), filepath.Join(root, "examples/catalog/all.yaml"), pluginsYAML)
	if err := os.WriteFile(p.config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeConfigQuiet rewrites the config with the given plugins and no extensions, with
// the file's modification time unchanged, so that only an explicit trigger reloads it.
func (p *portal) writeConfigQuiet(t *testing.T, pluginsYAML string) {
	t.Helper()
	st, err := os.Stat(p.config)
	if err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(p.config)
	p.writeConfig(t, plugintest.Root(t), pluginsYAML, "")
	nb, _ := os.ReadFile(p.config)
	if len(nb) != len(old) {
		t.Fatalf("writeConfigQuiet needs a same-size change (%d vs %d bytes)", len(nb), len(old))
	}
	if err := os.Chtimes(p.config, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
}

// reload rewrites the config and applies it without a restart.
func (p *portal) reload(t *testing.T, pluginsYAML, extensionsYAML string) {
	t.Helper()
	p.writeConfig(t, plugintest.Root(t), pluginsYAML, extensionsYAML)
	resp, err := postAuthed(p.base + "/api/admin/reload")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("reload: %d %s", resp.StatusCode, b)
	}
}
