package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/cgi"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/openapitest"
)

// TestScaffolderEndToEnd runs a template from the catalog through the portal's API: it
// renders a skeleton, pushes it to a git server on 127.0.0.1 (Debian's git
// http-backend), and registers the pushed catalog-info.yaml (served from that
// repository) in the catalog, where the new component then shows up.
func TestScaffolderEndToEnd(t *testing.T) {
	gitDir, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		if os.Getenv("CI") != "" || os.Getenv("GREENROOM_REQUIRE_TOOLS") != "" {
			t.Fatal("git is required")
		}
		t.Skip("git is not installed")
	}
	root := t.TempDir()
	for _, name := range []string{"new-svc", "page-svc"} {
		bare := filepath.Join(root, "repos", name+".git")
		for _, args := range [][]string{{"init", "-q", "--bare", bare}, {"--git-dir", bare, "config", "http.receivepack", "true"}} {
			if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
				t.Fatalf("git %v: %v %s", args, err, out)
			}
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/git/", http.StripPrefix("/git", &cgi.Handler{Path: filepath.Join(strings.TrimSpace(string(gitDir)), "git-http-backend"),
		Env: []string{"GIT_PROJECT_ROOT=" + filepath.Join(root, "repos"), "GIT_HTTP_EXPORT_ALL=1"}}))
	// /raw/<repo>/<path> serves a file of the pushed main branch, as a git host's raw
	// URLs do.
	mux.HandleFunc("/raw/", func(w http.ResponseWriter, r *http.Request) {
		repo, file, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/raw/"), "/")
		out, err := exec.Command("git", "--git-dir", filepath.Join(root, "repos", repo+".git"), "show", "main:"+file).Output()
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Write(out)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	defer srv.Close()
	gitHost := ln.Addr().String()

	dir := t.TempDir()
	files := map[string]string{
		"template.yaml": fmt.Sprintf(`apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: pushed, title: Pushed service}
spec:
  owner: team-a
  type: service
  parameters:
    - title: Name
      required: [name]
      properties:
        name: {type: string, pattern: '^[a-z-]+$'}
  steps:
    - id: fetch
      action: fetch:template
      input: {url: ./skeleton, values: {name: '${{ parameters.name }}'}}
    - id: publish
      action: publish:git
      input: {remoteUrl: 'http://%[1]s/git/${{ parameters.name }}.git', defaultBranch: main}
    - id: register
      action: catalog:register
      input: {repoContentsUrl: 'http://%[1]s/raw/${{ parameters.name }}'}
  output:
    links:
      - {title: Repository, url: '${{ steps.publish.output.remoteUrl }}'}
      - {title: Open in catalog, entityRef: '${{ steps.register.output.entityRef }}'}
`, gitHost),
		"skeleton/catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${{ values.name }}\nspec:\n  type: service\n  owner: team-a\n  lifecycle: experimental\n",
		"skeleton/README.md":         "# ${{ values.name }}\n",
		"wait.yaml": `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: wait}
spec:
  owner: team-a
  type: service
  steps:
    - {id: wait, action: debug:wait, input: {minutes: 5}}
`,
		"deps.yaml": `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: deps}
spec:
  owner: team-a
  type: service
  parameters:
    - title: Storage
      required: [kind]
      properties:
        kind: {title: Kind, type: string, enum: [none, database]}
      dependencies:
        kind:
          oneOf:
            - properties: {kind: {enum: [none]}}
            - properties:
                kind: {enum: [database]}
                engine: {title: Engine, type: string, enum: [postgres, mysql]}
              required: [engine]
  steps:
    - {id: log, action: debug:log, input: {message: '${{ parameters.engine }}'}}
`,
	}
	for p, c := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	port := freePort(t)
	cfg := fmt.Sprintf(`
app: {baseUrl: 'http://127.0.0.1:%[3]d'}
backend:
  baseUrl: 'http://127.0.0.1:%[3]d'
  listen: {host: 127.0.0.1, port: %[3]d}
  reading: {allow: [{host: '%[1]s'}]}
  auth:
    externalAccess:
      - {type: static, options: {token: %[2]s, subject: cli-tests}}
catalog:
  rules: [{allow: [Template, Component, Location]}]
  locations: [{type: file, target: ./template.yaml}, {type: file, target: ./deps.yaml}, {type: file, target: ./wait.yaml}]
scaffolder:
  concurrentTasksLimit: 2
`, gitHost, testToken, port)
	os.WriteFile(filepath.Join(dir, "app-config.yaml"), []byte(cfg), 0o644)
	h := startPortal(t, dir)
	base := "http://" + h.addr
	// The scaffolder's answers through the real server validate against its document.
	docs := openapitest.New(t)
	for i := 0; ; i++ {
		if st, _ := checkedCall(t, docs, "GET", base+"/api/scaffolder/v2/templates/default/template/pushed/parameter-schema", ""); st == 200 {
			break
		} else if i > 100 {
			t.Fatalf("the template never showed up: %d", st)
		}
		time.Sleep(50 * time.Millisecond)
	}
	st, body := checkedCall(t, docs, "POST", base+"/api/scaffolder/v2/tasks", `{"templateRef":"template:default/pushed","values":{"name":"BAD"}}`)
	if st != 400 || !strings.Contains(body, `"path":["name"]`) {
		t.Errorf("bad values: %d %s", st, body)
	}
	st, body = checkedCall(t, docs, "POST", base+"/api/scaffolder/v2/tasks", `{"templateRef":"template:default/pushed","values":{"name":"new-svc"}}`)
	if st != 201 {
		t.Fatalf("create: %d %s", st, body)
	}
	var created struct{ ID string }
	json.Unmarshal([]byte(body), &created)

	req, _ := http.NewRequest("GET", base+"/api/scaffolder/v2/tasks/"+created.ID+"/eventstream", nil)
	resp, err := http.DefaultClient.Do(bearer(req))
	if err != nil {
		t.Fatal(err)
	}
	var last string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "data: ") {
			last = l
		}
	}
	resp.Body.Close()
	if !strings.Contains(last, `"type":"completion"`) || !strings.Contains(last, `"status":"completed"`) {
		t.Fatalf("last event: %s", last)
	}
	if !strings.Contains(last, `"entityRef":"component:default/new-svc"`) {
		t.Errorf("output: %s", last)
	}
	st, body = call(t, "GET", base+"/api/catalog/entities/by-name/component/default/new-svc", nil)
	if st != 200 {
		t.Errorf("the new component is not in the catalog: %d %s", st, body)
	}
	st, body = checkedCall(t, docs, "GET", base+"/api/scaffolder/v2/tasks/"+created.ID, "")
	checkedCall(t, docs, "GET", base+"/api/scaffolder/v2/tasks/"+created.ID+"/eventstream?after=0", "")
	checkedCall(t, docs, "GET", base+"/api/scaffolder/v2/tasks/"+created.ID+"/events?after=0", "")
	checkedCall(t, docs, "GET", base+"/api/scaffolder/v2/tasks?createdBy=external:cli-tests", "")
	if st != 200 || !strings.Contains(body, `"createdBy"`) && !strings.Contains(body, `"status":"completed"`) {
		t.Errorf("task: %d %s", st, body)
	}
	// The /create pages: the list, a step with an error beside its field, the review,
	// the Create button and the task's page with its output link.
	page := func(path string) string {
		t.Helper()
		st, body := call(t, "GET", base+path, nil)
		if st != 200 {
			t.Fatalf("GET %s = %d %s", path, st, body)
		}
		return body
	}
	for path, wants := range map[string][]string{
		"/create":                          {"Pushed service", `href="/create/templates/default/pushed"`, "Choose"},
		"/create/templates/default/pushed": {`name="p.name"`, "Next", `name="submitted" value="0"`},
		"/create/templates/default/pushed?submitted=0&p.name=BAD":      {"gr-field-error", "does not match pattern", `aria-invalid="true"`},
		"/create/templates/default/pushed?submitted=0&p.name=page-svc": {"Review and create", `action="/api/app/scaffolder/tasks"`, "page-svc"},
		// A dependency's fields appear for the value that selects their branch, with the
		// error of a required one beside it.
		"/create/templates/default/deps?submitted=0&p.kind=database":                {`name="p.engine"`, "gr-field-error"},
		"/create/templates/default/deps?submitted=0&p.kind=database&p.engine=mysql": {"Review and create", "mysql"},
	} {
		body := page(path)
		for _, w := range wants {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s lacks %s", path, w)
			}
		}
	}
	for path, w := range map[string]string{
		"/create/tasks?owner=all": `href="/create/tasks/` + created.ID + `"`,
		"/create/actions":         "publish:github",
	} {
		if body := page(path); !strings.Contains(body, w) {
			t.Errorf("GET %s lacks %s", path, w)
		}
	}
	if body := page("/create/templates/default/deps?at=0&p.kind=none"); strings.Contains(body, `name="p.engine"`) {
		t.Error("a dependency's field shows for a value that does not select its branch")
	}
	form := url.Values{"templateRef": {"template:default/pushed"}, "values": {`{"name":"page-svc"}`}}
	req, _ = http.NewRequest("POST", base+"/api/app/scaffolder/tasks", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noRedirect.Do(bearer(req))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != 303 || !strings.HasPrefix(loc, "/create/tasks/") {
		t.Fatalf("create form: %d %s", resp.StatusCode, loc)
	}
	var taskPage string
	for i := 0; i < 200; i++ {
		if taskPage = page(loc); strings.Contains(taskPage, "Open in catalog") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, w := range []string{`href="/catalog/default/component/page-svc"`, "Open in catalog", "completed", "[publish]"} {
		if !strings.Contains(taskPage, w) {
			t.Errorf("task page lacks %s:\n%s", w, taskPage)
		}
	}

	// The task page's Cancel button stops a running task.
	post := func(path string, form url.Values) string {
		t.Helper()
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		resp, err := noRedirect.Do(bearer(req))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 303 {
			t.Fatalf("POST %s: %d", path, resp.StatusCode)
		}
		return resp.Header.Get("Location")
	}
	loc = post("/api/app/scaffolder/tasks", url.Values{"templateRef": {"template:default/wait"}, "values": {"{}"}})
	for i := 0; ; i++ {
		if strings.Contains(page(loc), "processing") {
			break
		} else if i > 200 {
			t.Fatal("the wait task never ran")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if body := page(loc); !strings.Contains(body, `action="/api/app/scaffolder/cancel"`) {
		t.Fatal("a running task's page offers no Cancel")
	}
	if back := post("/api/app/scaffolder/cancel", url.Values{"taskId": {strings.TrimPrefix(loc, "/create/tasks/")}}); back != loc {
		t.Errorf("cancel sent the browser to %s", back)
	}
	for i := 0; ; i++ {
		body := page(loc)
		if strings.Contains(body, "cancelled") && !strings.Contains(body, `action="/api/app/scaffolder/cancel"`) {
			break
		} else if i > 200 {
			t.Fatalf("the task was not cancelled:\n%s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Without credentials the API refuses.
	resp, err = http.Get(base + "/api/scaffolder/v2/tasks")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("anonymous: %d", resp.StatusCode)
	}
}
