package cli

import (
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/openapitest"
)

// TestDay2Actions runs a day-2 action through the portal with its real catalog: the
// catalog's index decides which entities a template's spec.targets match (a filter
// with {exists: false}); the entity page offers the action with its form filled in,
// refuses a task on an entity it does not target, and lists the task once it ran; a
// template whose spec.targets does not parse is named, with its file and YAML path,
// on the entity page, on its form and in the API's 400.
func TestDay2Actions(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"components.yaml": `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: bare-svc}
spec: {type: service, lifecycle: experimental, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: documented-svc
  annotations: {backstage.io/techdocs-ref: 'dir:.'}
spec: {type: service, lifecycle: production, owner: team-a}
`,
		"add-docs.yaml": `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: add-docs, title: Add docs}
spec:
  owner: team-a
  type: day-2
  targets:
    kind: Component
    filter: {metadata.annotations.backstage.io/techdocs-ref: {exists: false}}
    values: {lifecycle: spec.lifecycle}
  parameters:
    - title: Which
      required: [entity]
      properties:
        entity: {title: Component, type: string, ui:field: EntityPicker, ui:options: {catalogFilter: {kind: Component}}}
        lifecycle: {title: Lifecycle, type: string}
  steps:
    - {id: fetch, action: catalog:fetch, input: {entityRef: '${{ parameters.entity }}'}}
    - {id: log, action: debug:log, input: {message: 'docs for ${{ steps.fetch.output.entity.metadata.name }}'}}
`,
		"broken.yaml": `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: broken-action}
spec:
  owner: team-a
  type: day-2
  targets: {kind: Component, filter: {spec.type: [service, {a: b}]}}
  parameters: [{properties: {entity: {type: string, ui:field: EntityPicker}}}]
  steps: [{action: debug:log, input: {message: hi}}]
`,
	}
	for p, c := range files {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	port := freePort(t)
	cfg := fmt.Sprintf(`
app: {baseUrl: 'http://127.0.0.1:%[2]d'}
backend:
  baseUrl: 'http://127.0.0.1:%[2]d'
  listen: {host: 127.0.0.1, port: %[2]d}
  auth:
    externalAccess:
      - {type: static, options: {token: %[1]s, subject: cli-tests}}
catalog:
  rules: [{allow: [Template, Component, Location]}]
  locations: [{type: file, target: ./components.yaml}, {type: file, target: ./add-docs.yaml}, {type: file, target: ./broken.yaml}]
`, testToken, port)
	os.WriteFile(filepath.Join(dir, "app-config.yaml"), []byte(cfg), 0o644)
	h := startPortal(t, dir)
	base := "http://" + h.addr
	docs := openapitest.New(t)
	page := func(path string) string {
		t.Helper()
		st, body := call(t, "GET", base+path, nil)
		if st != 200 {
			t.Fatalf("GET %s = %d %s", path, st, body)
		}
		return html.UnescapeString(body)
	}
	for i := 0; ; i++ {
		st, _ := call(t, "GET", base+"/api/catalog/entities/by-name/template/default/broken-action", nil)
		st2, _ := call(t, "GET", base+"/api/catalog/entities/by-name/component/default/documented-svc", nil)
		if st == 200 && st2 == 200 {
			break
		} else if i > 100 {
			t.Fatal("the catalog never loaded")
		}
		time.Sleep(50 * time.Millisecond)
	}
	brokenMsg := "template:default/broken-action (" + filepath.Join(dir, "broken.yaml") + `): spec.targets.filter["spec.type"]: item 1 must be a non-empty string (it is an object)`

	bare := page("/catalog/default/component/bare-svc")
	for _, w := range []string{"Actions", "Run Add docs", `/create/templates/default/add-docs?p.entity=component:default/bare-svc&p.lifecycle=experimental`, "A template is not offered", brokenMsg} {
		if !strings.Contains(strings.ReplaceAll(strings.ReplaceAll(bare, "%3A", ":"), "%2F", "/"), w) {
			t.Errorf("the page of bare-svc lacks %s", w)
		}
	}
	if documented := page("/catalog/default/component/documented-svc"); strings.Contains(documented, "Add docs") {
		t.Error("the page of documented-svc offers Add docs, whose filter wants no techdocs-ref")
	}
	// The form opens filled in from the entity.
	form := page("/create/templates/default/add-docs?p.entity=component%3Adefault%2Fbare-svc&p.lifecycle=experimental")
	if !strings.Contains(form, `<option value="component:default/bare-svc" selected`) || !strings.Contains(form, `value="experimental"`) {
		t.Errorf("the form is not filled in:\n%s", form)
	}
	// The form checks the entity with its step: an error beside the field, not a 400
	// at Create.
	if f := page("/create/templates/default/add-docs?submitted=0&p.entity=component%3Adefault%2Fdocumented-svc"); !strings.Contains(f, "gr-field-error") ||
		!strings.Contains(f, "template:default/add-docs does not act on component:default/documented-svc") || strings.Contains(f, "Review and create") {
		t.Errorf("the form's step takes an entity the template does not act on:\n%s", f)
	}
	if f := page("/create/templates/default/add-docs?submitted=0&p.entity=component%3Adefault%2Fbare-svc"); !strings.Contains(f, "Review and create") {
		t.Errorf("the form's step refuses a target:\n%s", f)
	}
	if f := page("/create/templates/default/broken-action?submitted=0&p.entity=component%3Adefault%2Fbare-svc"); !strings.Contains(f, "Check the values") || strings.Contains(f, "Review and create") {
		t.Errorf("the broken template's form goes on to its review")
	}
	if f := page("/create/templates/default/broken-action"); !strings.Contains(f, "This template cannot run") || !strings.Contains(f, brokenMsg) {
		t.Errorf("the broken template's form does not say why")
	}

	for body, want := range map[string]string{
		`{"templateRef":"template:default/add-docs","values":{"entity":"component:default/documented-svc"}}`: "template:default/add-docs does not act on component:default/documented-svc",
		`{"templateRef":"template:default/add-docs","values":{"entity":"component:default/gone"}}`:           "there is no entity component:default/gone (values.entity)",
		`{"templateRef":"template:default/broken-action","values":{"entity":"component:default/bare-svc"}}`:  brokenMsg,
	} {
		st, got := checkedCall(t, docs, "POST", base+"/api/scaffolder/v2/tasks", body)
		var e struct {
			Error    struct{ Name, Message string }
			Response struct{ StatusCode int }
		}
		json.Unmarshal([]byte(got), &e)
		if st != 400 || e.Error.Name != "InputError" || !strings.Contains(e.Error.Message, want) || e.Response.StatusCode != 400 {
			t.Errorf("POST %s = %d %s\nwant 400 InputError %s", body, st, got, want)
		}
	}
	st, body := checkedCall(t, docs, "POST", base+"/api/scaffolder/v2/tasks", `{"templateRef":"template:default/add-docs","values":{"entity":"component:default/bare-svc","lifecycle":"experimental"}}`)
	if st != 201 {
		t.Fatalf("create: %d %s", st, body)
	}
	var created struct{ ID string }
	json.Unmarshal([]byte(body), &created)
	for i := 0; ; i++ {
		_, body = checkedCall(t, docs, "GET", base+"/api/scaffolder/v2/tasks/"+created.ID, "")
		if strings.Contains(body, `"status":"completed"`) {
			break
		} else if i > 200 || strings.Contains(body, `"status":"failed"`) {
			t.Fatalf("task: %s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(body, `"targetRef":"component:default/bare-svc"`) {
		t.Errorf("the task does not record its entity: %s", body)
	}
	if _, list := checkedCall(t, docs, "GET", base+"/api/scaffolder/v2/tasks?targetRef=component:default/bare-svc", ""); !strings.Contains(list, created.ID) || !strings.Contains(list, `"totalTasks":1`) {
		t.Errorf("tasks on bare-svc: %s", list)
	}
	bare = page("/catalog/default/component/bare-svc")
	for _, w := range []string{`/create/tasks/` + created.ID + `">Add docs</a>`, "completed"} {
		if !strings.Contains(bare, w) {
			t.Errorf("the page of bare-svc does not list the task: lacks %s", w)
		}
	}
	if tp := page("/create/tasks/" + created.ID); !strings.Contains(tp, "Acted on") || !strings.Contains(tp, `href="/catalog/default/component/bare-svc"`) {
		t.Errorf("the task page does not name its entity")
	}
}
