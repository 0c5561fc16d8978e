package scaffolder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/permission"
	"greenroom.dev/greenroom/host/internal/pgtest"
	"greenroom.dev/greenroom/host/internal/store"
	"greenroom.dev/greenroom/host/internal/store/pgstore"
)

// Matches evaluates f over the fixed entities the way the catalog's filter does: keys
// are dotted paths, values compare case-insensitively, an array matches by item.
func (c *memCatalog) Matches(_ context.Context, ref string, f TargetFilter) (bool, error) {
	c.mu.Lock()
	e := c.entities[ref]
	c.mu.Unlock()
	if e == nil {
		return false, nil
	}
	if len(f) == 0 {
		return true, nil
	}
	for _, set := range f {
		all := true
		for _, cond := range set {
			v, has := FieldValue(e, cond.Key)
			if cond.Key == "kind" {
				v, has = e["kind"], true
			}
			switch {
			case cond.Values == nil:
				all = all && has != cond.Absent
			default:
				hit := false
				items, isList := v.([]any)
				if !isList {
					items = []any{v}
				}
				for _, it := range items {
					s, _ := it.(string)
					hit = hit || contains(cond.Values, strings.ToLower(s))
				}
				all = all && hit
			}
		}
		if all {
			return true, nil
		}
	}
	return false, nil
}

// fromYAML reads an entity as the catalog serves it (JSON values).
func fromYAML(t testing.TB, src string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := yaml.Unmarshal([]byte(src), &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	var out map[string]any
	json.Unmarshal(b, &out)
	return out
}

// day2Template is a template with spec.targets whose parameters come from tpl's
// targets and parameters.
func day2Template(t testing.TB, name, targets, params string) map[string]any {
	return fromYAML(t, fmt.Sprintf(`apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: %s
  annotations: {backstage.io/managed-by-location: "file:/srv/catalog/templates/%[1]s.yaml"}
spec:
  type: day-2
  targets: %s
  parameters: %s
  steps:
    - {id: log, action: debug:log, input: {message: "acting on ${{ parameters.entity }}"}}
`, name, targets, params))
}

const entityParam = `[{title: Which, required: [entity], properties: {entity: {type: string, "ui:field": EntityPicker}, lifecycle: {type: string}, reason: {type: string}}}]`

func TestTargetsParse(t *testing.T) {
	tests := []struct {
		name, targets, params string
		match, parameter      string
		values                map[string]string
		err                   string // the YAML path and message the error names
	}{
		{name: "kind", targets: `{kind: Component}`, params: entityParam,
			match: "kind=component", parameter: "entity", values: map[string]string{}},
		{name: "kind and types", targets: `{kind: [Component, Resource], type: [service, website]}`, params: entityParam,
			match: "kind=component|resource,spec.type=service|website", parameter: "entity", values: map[string]string{}},
		{name: "filter and mapping", targets: `{kind: Component, filter: {spec.lifecycle: [production, experimental], metadata.annotations.backstage.io/techdocs-ref: {exists: false}}, values: {lifecycle: spec.lifecycle}}`, params: entityParam,
			match: "kind=component,!metadata.annotations.backstage.io/techdocs-ref,spec.lifecycle=production|experimental", parameter: "entity", values: map[string]string{"lifecycle": "spec.lifecycle"}},
		{name: "filter list", targets: `{filter: [{kind: Group}, {kind: User, spec.profile.email: {exists: true}}], parameter: reason}`, params: entityParam,
			match: "kind=group or kind=user,spec.profile.email", parameter: "reason", values: map[string]string{}},
		{name: "scalars", targets: `{type: service, filter: {metadata.annotations.x: 3, spec.flag: true}}`, params: entityParam,
			match: "spec.type=service,metadata.annotations.x=3,spec.flag=true", parameter: "entity", values: map[string]string{}},

		{name: "not an object", targets: `[Component]`, params: entityParam, err: `spec.targets: must be an object`},
		{name: "unknown key", targets: `{kinds: Component}`, params: entityParam, err: `spec.targets.kinds: unknown key`},
		{name: "says nothing", targets: `{parameter: entity}`, params: entityParam, err: `spec.targets: says no entity`},
		{name: "kind a number list", targets: `{kind: [{a: b}]}`, params: entityParam, err: `spec.targets.kind: item 0 must be a non-empty string (it is an object)`},
		{name: "filter a string", targets: `{filter: "kind=component"}`, params: entityParam, err: `spec.targets.filter: must be an object of field: value conditions`},
		{name: "filter empty list", targets: `{filter: []}`, params: entityParam, err: `spec.targets.filter: an empty list matches no entity`},
		{name: "filter item not object", targets: `{filter: [{kind: Group}, kind]}`, params: entityParam, err: `spec.targets.filter[1]: must be an object`},
		{name: "bad operator", targets: `{filter: {spec.lifecycle: {in: [a]}}}`, params: entityParam, err: `spec.targets.filter["spec.lifecycle"]: the only operator is {exists: true} or {exists: false}`},
		{name: "null value", targets: `{filter: [{kind: Group}, {spec.owner: null}]}`, params: entityParam, err: `spec.targets.filter[1]["spec.owner"]: has no value`},
		{name: "empty key", targets: `{filter: {".spec": x}}`, params: entityParam, err: `spec.targets.filter[".spec"]: is not a field`},
		{name: "unknown parameter", targets: `{kind: Component, parameter: component}`, params: entityParam, err: `spec.targets.parameter: the template has no parameter "component"; name one of spec.parameters' properties (entity, lifecycle, reason)`},
		{name: "no picker", targets: `{kind: Component}`, params: `{properties: {name: {type: string}}}`, err: `spec.targets: the template has no parameter for the entity it acts on`},
		{name: "two pickers", targets: `{kind: Component}`, params: `{properties: {a: {type: string, "ui:field": EntityPicker}, b: {type: string, "ui:field": EntityPicker}}}`, err: `spec.targets: the template has several EntityPicker parameters (a, b)`},
		{name: "values not an object", targets: `{kind: Component, values: [spec.lifecycle]}`, params: entityParam, err: `spec.targets.values: must be an object`},
		{name: "values unknown parameter", targets: `{kind: Component, values: {owner: spec.owner}}`, params: entityParam, err: `spec.targets.values.owner: the template has no parameter "owner"`},
		{name: "values not a path", targets: `{kind: Component, values: {lifecycle: 3}}`, params: entityParam, err: `spec.targets.values.lifecycle: must be an entity field`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := json.Marshal(day2Template(t, "act", tt.targets, tt.params))
			tpl, err := ParseTemplate(b)
			if err != nil {
				t.Fatal(err)
			}
			tg, err := tpl.Targets()
			if tt.err != "" {
				var te *TargetsError
				if !errors.As(err, &te) {
					t.Fatalf("err = %v, want a TargetsError", err)
				}
				// The error names the template, its file and the YAML path.
				if want := "template:default/act (/srv/catalog/templates/act.yaml): " + tt.err; !strings.HasPrefix(err.Error(), want) {
					t.Fatalf("err =\n %s\nwant it to start with\n %s", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := tg.Match.String(); got != tt.match {
				t.Errorf("match = %s, want %s", got, tt.match)
			}
			if tg.Parameter != tt.parameter {
				t.Errorf("parameter = %q, want %q", tg.Parameter, tt.parameter)
			}
			if fmt.Sprint(tg.Values) != fmt.Sprint(tt.values) {
				t.Errorf("values = %v, want %v", tg.Values, tt.values)
			}
		})
	}
	// A template without spec.targets is no day-2 action.
	b, _ := json.Marshal(fromYAML(t, "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: plain}\nspec: {type: x, steps: []}\n"))
	tpl, _ := ParseTemplate(b)
	if tg, err := tpl.Targets(); tg != nil || err != nil {
		t.Errorf("no targets: %v, %v", tg, err)
	}
}

func TestPrefill(t *testing.T) {
	e := fromYAML(t, `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: Ledger-Worker
  namespace: Payments
  annotations: {backstage.io/techdocs-ref: "dir:."}
spec: {type: service, lifecycle: experimental, owner: team-payments}
`)
	tg := &Targets{Parameter: "entity", Values: map[string]string{
		"lifecycle": "spec.lifecycle", "docs": "metadata.annotations.backstage.io/techdocs-ref", "missing": "spec.system", "name": "metadata.name"}}
	got := tg.Prefill(e)
	want := map[string]any{"entity": "component:payments/Ledger-Worker", "lifecycle": "experimental", "docs": "dir:.", "name": "Ledger-Worker"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("prefill = %v, want %v", got, want)
	}
}

// day2Backends are the stores the scaffolder keeps tasks in: a bbolt file and
// PostgreSQL (the store.Backend interface's two implementations).
func day2Backends(t *testing.T) map[string]func(t *testing.T) store.StateBucket {
	var cluster *pgtest.Cluster
	return map[string]func(t *testing.T) store.StateBucket{
		"bbolt": func(t *testing.T) store.StateBucket { return newStoreFile(t).Bucket("scaffolder") },
		"pg": func(t *testing.T) store.StateBucket {
			if cluster == nil {
				cluster = pgtest.Start(t)
			}
			db, err := pgstore.Open(context.Background(), cluster.NewDatabase())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db.StateBucket("scaffolder")
		},
	}
}

// TestDay2Tasks creates tasks of a day-2 action through the API: a task on an entity the
// template targets records it (in the task and in the list by targetRef, on both
// stores); one on an entity it does not target, one that does not exist, and a
// template whose targets do not parse are 400s in Backstage's error body.
func TestDay2Tasks(t *testing.T) {
	for name, open := range day2Backends(t) {
		t.Run(name, func(t *testing.T) {
			cat := &memCatalog{entities: map[string]map[string]any{
				"template:default/lifecycle": day2Template(t, "lifecycle", `{kind: Component, type: service, values: {lifecycle: spec.lifecycle}}`, entityParam),
				"template:default/broken":    day2Template(t, "broken", `{kind: Component, filter: {spec.lifecycle: {in: [a]}}}`, entityParam),
				"component:default/ledger":   fromYAML(t, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: ledger}\nspec: {type: service, lifecycle: experimental, owner: a}\n"),
				"component:default/web":      fromYAML(t, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: web}\nspec: {type: website, lifecycle: production, owner: a}\n"),
			}}
			limit := 1
			s, err := New(Options{Config: Config{ConcurrentTasksLimit: &limit}, Store: open(t), Catalog: cat, WorkDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			s.Start(context.Background())
			defer s.Stop(context.Background())
			srv := httptest.NewServer(s.Handler())
			defer srv.Close()
			call := func(method, path, body string) (int, string) {
				t.Helper()
				req, _ := http.NewRequest(method, srv.URL+Prefix+path, strings.NewReader(body))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				checkOpenAPI(t, req, resp, b)
				return resp.StatusCode, string(b)
			}
			for _, tt := range []struct{ body, want string }{
				{`{"templateRef":"template:default/lifecycle","values":{"entity":"component:default/web"}}`,
					`template:default/lifecycle does not act on component:default/web: its spec.targets take kind=component,spec.type=service`},
				{`{"templateRef":"template:default/lifecycle","values":{"entity":"component:default/nope"}}`,
					`template:default/lifecycle acts on an existing entity, and there is no entity component:default/nope (values.entity)`},
				{`{"templateRef":"template:default/lifecycle","values":{"entity":"Component:default/"}}`,
					`template:default/lifecycle: values.entity: Entity reference \"Component:default/\" was not on the form`},
				{`{"templateRef":"template:default/broken","values":{"entity":"component:default/ledger"}}`,
					`template:default/broken (/srv/catalog/templates/broken.yaml): spec.targets.filter[\"spec.lifecycle\"]: the only operator is {exists: true} or {exists: false}`},
			} {
				st, body := call("POST", "/v2/tasks", tt.body)
				if st != 400 || !strings.Contains(body, `"error":{"message":"`+tt.want) || !strings.Contains(body, `"name":"InputError"`) || !strings.Contains(body, `"response":{"statusCode":400}`) {
					t.Errorf("POST %s = %d %s\nwant 400 InputError %s", tt.body, st, body, tt.want)
				}
			}
			// The same checks hold for a dry-run.
			tpl, _ := json.Marshal(cat.entities["template:default/lifecycle"])
			if st, body := call("POST", "/v2/dry-run", `{"template":`+string(tpl)+`,"values":{"entity":"component:default/web"}}`); st != 400 || !strings.Contains(body, "does not act on component:default/web") {
				t.Errorf("dry-run on web = %d %s", st, body)
			}
			if st, body := call("POST", "/v2/dry-run", `{"template":`+string(tpl)+`,"values":{"entity":"component:default/ledger"}}`); st != 200 || !strings.Contains(body, "acting on component:default/ledger") {
				t.Errorf("dry-run on ledger = %d %s", st, body)
			}

			// A short ref takes the one kind of spec.targets.
			ctx := identity.With(context.Background(), identity.Principal{Type: identity.User, UserEntityRef: "user:default/ada"})
			id, err := s.Create(ctx, "template:default/lifecycle", map[string]any{"entity": "ledger"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tk := waitDone(t, s, id); tk.Status != StatusCompleted || tk.TargetRef != "component:default/ledger" {
				t.Fatalf("task = %s on %q", tk.Status, tk.TargetRef)
			}
			st, body := call("GET", "/v2/tasks/"+id, "")
			if st != 200 || !strings.Contains(body, `"targetRef":"component:default/ledger"`) {
				t.Errorf("GET task = %d %s", st, body)
			}
			// A plain task records no target and is not listed under the entity.
			plain := fromYAML(t, "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: plain}\nspec: {type: x, steps: [{action: debug:log, input: {message: hi}}]}\n")
			cat.entities["template:default/plain"] = plain
			pid, err := s.Create(ctx, "template:default/plain", nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			waitDone(t, s, pid)
			for _, q := range []string{"component:default/ledger", "Component:Default/LEDGER", "component:ledger"} {
				st, body := call("GET", "/v2/tasks?targetRef="+q, "")
				var res struct {
					Tasks []Task
					Total int `json:"totalTasks"`
				}
				json.Unmarshal([]byte(body), &res)
				if st != 200 || res.Total != 1 || res.Tasks[0].ID != id || res.Tasks[0].CreatedBy != "user:default/ada" {
					t.Errorf("tasks on %s = %d %s", q, st, body)
				}
			}
			if _, total, _ := s.List(ListOptions{TargetRef: "component:default/web"}); total != 0 {
				t.Errorf("tasks on web: %d", total)
			}
			if _, total, _ := s.List(ListOptions{}); total != 2 {
				t.Errorf("all tasks: %d", total)
			}
		})
	}
}

func TestFieldValue(t *testing.T) {
	e := map[string]any{"metadata": map[string]any{"annotations": map[string]any{"a.b/c": "x", "a": map[string]any{"b/c": "y"}}}, "spec.x": "z"}
	for path, want := range map[string]any{"metadata.annotations.a.b/c": "x", "spec.x": "z", "metadata.nope": nil} {
		got, _ := FieldValue(e, path)
		if got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
}

// TestActionsFor: the actions offered on an entity are the readable templates whose
// spec.targets match it, filled in from it; a broken spec.targets is a problem; a
// caller without scaffolder.task.create is offered none.
func TestActionsFor(t *testing.T) {
	cat := &memCatalog{entities: map[string]map[string]any{
		"template:default/lifecycle": day2Template(t, "lifecycle", `{kind: Component, type: service, values: {lifecycle: spec.lifecycle}}`, entityParam),
		"template:default/groups":    day2Template(t, "groups", `{kind: Group}`, entityParam),
		"template:default/broken":    day2Template(t, "broken", `{kind: Component, values: {nope: spec.x}}`, entityParam),
		"component:default/ledger":   fromYAML(t, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: ledger}\nspec: {type: service, lifecycle: experimental, owner: a}\n"),
	}}
	decide := func(p identity.Principal, perm permission.Permission) permission.Decision {
		if p.UserEntityRef == "user:default/guest" && perm.Name == permission.ScaffolderTaskCreate.Name {
			return permission.Decision{Result: permission.Deny}
		}
		return permission.Decision{Result: permission.Allow}
	}
	s, err := New(Options{Store: newStoreFile(t).Bucket("scaffolder"), Catalog: cat, WorkDir: t.TempDir(), Decide: decide})
	if err != nil {
		t.Fatal(err)
	}
	as := func(ref string) context.Context {
		return identity.With(context.Background(), identity.NewUser(ref, nil))
	}
	acts, problems, err := s.ActionsFor(as("user:default/ada"), "component:default/ledger")
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 1 || acts[0].Template.Ref() != "template:default/lifecycle" || fmt.Sprint(acts[0].Values) != "map[entity:component:default/ledger lifecycle:experimental]" {
		t.Errorf("actions = %+v", acts)
	}
	if len(problems) != 1 || !strings.Contains(problems[0].Error(), `template:default/broken (/srv/catalog/templates/broken.yaml): spec.targets.values.nope: the template has no parameter "nope"`) {
		t.Errorf("problems = %v", problems)
	}
	if acts, problems, _ := s.ActionsFor(as("user:default/guest"), "component:default/ledger"); len(acts)+len(problems) != 0 {
		t.Errorf("guest, who may not create tasks, is offered %v %v", acts, problems)
	}
	if acts, _, _ := s.ActionsFor(as("user:default/ada"), "component:default/gone"); len(acts) != 0 {
		t.Errorf("a missing entity is offered %v", acts)
	}
}
