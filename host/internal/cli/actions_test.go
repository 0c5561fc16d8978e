package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/plugintest"
)

// TestPluginActions runs the C example action plugin (built from source, with its
// misbehaving test actions) from a template: hello:write writes into the task's
// workspace through the workspace capability, a trap and a call past the plugin's
// deadline fail their task cleanly with the step named, and an action outside the
// workspace is refused. /v2/actions lists the plugin's actions with the built-ins.
func TestPluginActions(t *testing.T) {
	wasm := plugintest.C(t, "examples/hello-action-c/action.c", "host/internal/cli/testdata/hello-action-test.yaml", "-DGR_TEST_ACTIONS")
	dir := t.TempDir()
	plugintest.Copy(t, wasm, filepath.Join(dir, "hello-action-c.wasm"))
	tpl := `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: %[1]s}
spec:
  owner: team-a
  type: test
  parameters: {properties: {name: {type: string}, path: {type: string}}}
  steps:
    - id: greet
      action: %[2]s
      input: {name: '${{ parameters.name }}', path: '${{ parameters.path }}'}
    - id: show
      action: debug:log
      input: {listWorkspace: with-contents}
  output:
    text: [{title: files, content: '${{ steps.greet.output.files }} ${{ steps.greet.output.path }}'}]
`
	var locs []string
	for _, a := range []string{"write", "trap", "spin"} {
		f := "t-" + a + ".yaml"
		os.WriteFile(filepath.Join(dir, f), []byte(fmt.Sprintf(tpl, "t-"+a, "hello:"+a)), 0o644)
		locs = append(locs, "{type: file, target: ./"+f+"}")
	}
	cfg := fmt.Sprintf(`
backend:
  listen: {host: 127.0.0.1, port: 0}
  auth:
    externalAccess:
      - {type: static, options: {token: %s, subject: cli-tests}}
runtime:
  compilationCache: %s
catalog:
  rules: [{allow: [Template]}]
  locations: [%s]
plugins:
  - id: hello-action-c
    source: hello-action-c.wasm
    grants: {workspace: {}}
    limits: {timeout: 1s}
`, testToken, filepath.Join(os.TempDir(), "greenroom-test-wasm-cache"), strings.Join(locs, ", "))
	os.WriteFile(filepath.Join(dir, "app-config.yaml"), []byte(cfg), 0o644)
	h := startPortal(t, dir)
	base := "http://" + h.addr + "/api/scaffolder/v2"

	st, body := call(t, "GET", base+"/actions", nil)
	if st != 200 || !strings.Contains(body, `"id":"hello:write"`) || !strings.Contains(body, `"id":"fetch:template"`) {
		t.Fatalf("actions: %d %s", st, body)
	}
	run := func(name, values string) (string, string) {
		t.Helper()
		for i := 0; ; i++ {
			if st, _ := call(t, "GET", base+"/templates/default/template/"+name+"/parameter-schema", nil); st == 200 {
				break
			} else if i > 200 {
				t.Fatalf("template %s never showed up", name)
			}
			time.Sleep(20 * time.Millisecond)
		}
		st, body := call(t, "POST", base+"/tasks", strings.NewReader(`{"templateRef":"template:default/`+name+`","values":`+values+`}`))
		if st != 201 {
			t.Fatalf("create %s: %d %s", name, st, body)
		}
		var c struct{ ID string }
		json.Unmarshal([]byte(body), &c)
		for i := 0; i < 400; i++ {
			_, body = call(t, "GET", base+"/tasks/"+c.ID+"/events", nil)
			if strings.Contains(body, `"type":"completion"`) {
				_, task := call(t, "GET", base+"/tasks/"+c.ID, nil)
				return task, body
			}
			time.Sleep(25 * time.Millisecond)
		}
		t.Fatalf("task %s did not end", name)
		return "", ""
	}
	task, events := run("t-write", `{"name":"Ada"}`)
	for _, w := range []string{`"status":"completed"`, `wrote HELLO.md`, `HELLO.md:\nHello, Ada!\n`, `"content":"1 HELLO.md"`} {
		if !strings.Contains(task+events, w) {
			t.Errorf("hello:write lacks %q:\n%s\n%s", w, task, events)
		}
	}
	for _, tc := range []struct{ name, values, want string }{
		{"t-write", `{"name":"Ada","path":"../escape.md"}`, "Relative path is not allowed to refer to a directory outside its parent"},
		{"t-write", `{"name":"Ada","path":"/etc/passwd"}`, "Relative path is not allowed to refer to a directory outside its parent"},
		{"t-trap", `{"name":"x"}`, "step greet: action hello:trap of plugin hello-action-c"},
		{"t-spin", `{"name":"x"}`, "step greet: action hello:spin of plugin hello-action-c"},
	} {
		task, events := run(tc.name, tc.values)
		if !strings.Contains(task, `"status":"failed"`) || !strings.Contains(events, tc.want) {
			t.Errorf("%s %s: want failed with %q:\n%s\n%s", tc.name, tc.values, tc.want, task, events)
		}
	}
	// The portal still serves after the trap and the timeout.
	if st, _ := call(t, "GET", base+"/actions", nil); st != 200 {
		t.Errorf("after the failures: %d", st)
	}
}

// TestAuditListsActions: greenroom audit shows a plugin's scaffolder actions.
func TestAuditListsActions(t *testing.T) {
	code, out, errOut := run(t, "audit", plugintest.Packed(t, "examples/hello-action-c/hello-action-c.wasm"))
	if !strings.Contains(out, `action:       hello:write: Writes "Hello, <name>!" into a file of the workspace.`) {
		t.Errorf("audit (exit %d) lacks the action:\n%s%s", code, out, errOut)
	}
	// The workspace imports are what a grant covers: a warning, not a refusal.
	if strings.Contains(out, "refused at load") || !strings.Contains(out, "needs grants for workspace before it can load") {
		t.Errorf("audit does not treat the workspace imports as grantable:\n%s", out)
	}
}

// TestQueuedPluginActionAfterRestart: a task queued while no worker runs
// (concurrentTasksLimit 0) is kept across a restart and runs, plugin action included,
// once the restarted portal has workers.
func TestQueuedPluginActionAfterRestart(t *testing.T) {
	wasm := plugintest.C(t, "examples/hello-action-c/action.c", "examples/hello-action-c/plugin.yaml")
	dir := t.TempDir()
	plugintest.Copy(t, wasm, filepath.Join(dir, "hello-action-c.wasm"))
	os.WriteFile(filepath.Join(dir, "t.yaml"), []byte(`apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: greet}
spec:
  owner: team-a
  type: test
  steps:
    - {id: greet, action: 'hello:write', input: {name: Ada}}
`), 0o644)
	write := func(limit int) {
		cfg := fmt.Sprintf(`
backend:
  listen: {host: 127.0.0.1, port: 0}
  auth:
    externalAccess:
      - {type: static, options: {token: %s, subject: cli-tests}}
runtime:
  compilationCache: %s
catalog:
  rules: [{allow: [Template]}]
  locations: [{type: file, target: ./t.yaml}]
scaffolder: {concurrentTasksLimit: %d}
plugins:
  - {id: hello-action-c, source: hello-action-c.wasm, grants: {workspace: {}}}
`, testToken, filepath.Join(os.TempDir(), "greenroom-test-wasm-cache"), limit)
		os.WriteFile(filepath.Join(dir, "app-config.yaml"), []byte(cfg), 0o644)
	}
	write(0)
	h := startPortal(t, dir)
	base := "http://" + h.addr + "/api/scaffolder/v2"
	var body string
	for i := 0; i < 200; i++ {
		var st int
		if st, body = call(t, "POST", base+"/tasks", strings.NewReader(`{"templateRef":"template:default/greet","values":{}}`)); st == 201 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	var c struct{ ID string }
	if json.Unmarshal([]byte(body), &c); c.ID == "" {
		t.Fatalf("create: %s", body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h.stop(ctx)

	write(1)
	h = startPortal(t, dir)
	base = "http://" + h.addr + "/api/scaffolder/v2"
	for i := 0; i < 400; i++ {
		_, events := call(t, "GET", base+"/tasks/"+c.ID+"/events", nil)
		if strings.Contains(events, `"type":"completion"`) {
			if !strings.Contains(events, `"status":"completed"`) || !strings.Contains(events, "wrote HELLO.md") {
				t.Fatalf("the queued task did not run its plugin action:\n%s", events)
			}
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatal("the queued task never ended")
}

// TestScaffolderWorkersAfterPlugins: the scaffolder's workers start after the plugins
// (whose actions a queued task may run) and so stop before them.
func TestScaffolderWorkersAfterPlugins(t *testing.T) {
	idx := map[string]int{}
	var h host
	for i, p := range h.parts() {
		idx[p.name] = i
	}
	if !(idx["scaffolder"] < idx["plugins"] && idx["plugins"] < idx["scaffolder workers"]) {
		t.Errorf("part order: scaffolder %d, plugins %d, scaffolder workers %d", idx["scaffolder"], idx["plugins"], idx["scaffolder workers"])
	}
}
