package scaffolder

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/store"
)

// memCatalog is a catalog of fixed entities, for the caller in ctx.
type memCatalog struct {
	mu         sync.Mutex
	entities   map[string]map[string]any
	registered []string
}

func (c *memCatalog) Entity(_ context.Context, ref string) (map[string]any, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entities[ref], nil
}

func (c *memCatalog) Templates(context.Context) ([]json.RawMessage, error) {
	var out []json.RawMessage
	for _, e := range c.entities {
		if e["kind"] == "Template" {
			b, _ := json.Marshal(e)
			out = append(out, b)
		}
	}
	return out, nil
}

func (c *memCatalog) Register(_ context.Context, target string) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.registered = append(c.registered, target)
	return []string{"location:default/generated", "component:default/new-svc"}, nil
}

const templateYAML = `{
 "apiVersion": "scaffolder.backstage.io/v1beta3", "kind": "Template",
 "metadata": {"name": "svc", "annotations": {"backstage.io/managed-by-location": "file:%s/template.yaml"}},
 "spec": {
  "parameters": [{"title": "Name", "required": ["name"], "properties": {"name": {"type": "string", "pattern": "^[a-z-]+$"}, "owner": {"type": "string"}}},
                 {"title": "More", "properties": {"tags": {"type": "array", "items": {"type": "string"}}, "debug": {"type": "boolean"}}}],
  "steps": [
   {"id": "fetch", "action": "fetch:template", "input": {"url": "./skeleton", "values": {"name": "${{ parameters.name }}", "tags": "${{ parameters.tags }}"}}},
   {"id": "log", "action": "debug:log", "if": "${{ parameters.debug }}", "input": {"message": "token is ${{ secrets.token }}"}},
   {"id": "each", "action": "debug:log", "each": "${{ parameters.tags }}", "input": {"message": "tag ${{ each.value }}"}},
   {"id": "write", "action": "catalog:write", "input": {"entity": {"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {"name": "${{ parameters.name }}"}}}}
  ],
  "output": {"links": [{"title": "Repo", "url": "https://example.com/${{ parameters.name }}"}], "text": [{"title": "t", "content": "${{ parameters.name | upper }}"}], "echo": "${{ secrets.token }}"}
 }}`

func writeTemplate(t *testing.T) (string, map[string]any) {
	dir := t.TempDir()
	files := map[string]string{
		"skeleton/README.md":                   "# ${{ values.name }}\n{% for t in values.tags %}- ${{ t }}\n{% endfor %}",
		"skeleton/${{ values.name }}/main.go":  "package main // ${{ values.name | replace('-', '_') }}\n",
		"skeleton/{% if false %}x{% endif %}/": "",
	}
	for p, c := range files {
		if strings.HasSuffix(p, "/") {
			continue
		}
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var ent map[string]any
	if err := json.Unmarshal([]byte(strings.Replace(templateYAML, "%s", dir, 1)), &ent); err != nil {
		t.Fatal(err)
	}
	return dir, ent
}

func newStoreFile(t testing.TB) *store.File {
	t.Helper()
	f, err := store.OpenFile(filepath.Join(t.TempDir(), "greenroom.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func newTestScaffolder(t testing.TB, limit int, cat *memCatalog) (*Scaffolder, *store.File) {
	t.Helper()
	f := newStoreFile(t)
	return newOn(t, f, limit, cat), f
}

func newOn(t testing.TB, f *store.File, limit int, cat *memCatalog) *Scaffolder {
	t.Helper()
	s, err := New(Options{Config: Config{ConcurrentTasksLimit: &limit}, Store: f.Bucket("scaffolder"), Catalog: cat, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func waitDone(t *testing.T, s *Scaffolder, id string) *Task {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		ch := s.Wait(id)
		tk, err := s.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		switch tk.Status {
		case StatusCompleted, StatusFailed, StatusCancelled:
			return tk
		}
		select {
		case <-ch:
		case <-time.After(200 * time.Millisecond):
		case <-deadline:
			t.Fatalf("task %s still %s", id, tk.Status)
		}
	}
}

func TestTaskRuns(t *testing.T) {
	_, ent := writeTemplate(t)
	cat := &memCatalog{entities: map[string]map[string]any{"template:default/svc": ent}}
	s, _ := newTestScaffolder(t, 2, cat)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Stop(context.Background())
	ctx := identity.With(context.Background(), identity.NewUser("user:default/jane", nil))
	id, err := s.Create(ctx, "template:default/svc", map[string]any{"name": "my-svc", "tags": []any{"a", "b"}, "debug": true}, map[string]string{"token": "s3cr3t-value"})
	if err != nil {
		t.Fatal(err)
	}
	tk := waitDone(t, s, id)
	evs, _ := s.Events(id, 0)
	var log strings.Builder
	for _, e := range evs {
		log.WriteString(e.Type + " " + e.Body.StepID + " " + e.Body.Status + " " + e.Body.Message + "\n")
	}
	if tk.Status != StatusCompleted {
		t.Fatalf("status %s; log:\n%s", tk.Status, log.String())
	}
	if tk.CreatedBy != "user:default/jane" {
		t.Errorf("createdBy = %q", tk.CreatedBy)
	}
	for _, want := range []string{"token is ***", "tag a", "tag b", "completion  completed Run completed with status: completed"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
	if strings.Contains(log.String(), "s3cr3t-value") {
		t.Errorf("a secret is in the log:\n%s", log.String())
	}
	last := evs[len(evs)-1]
	links, _ := last.Body.Output["links"].([]any)
	if len(links) != 1 || links[0].(map[string]any)["url"] != "https://example.com/my-svc" {
		t.Errorf("output = %v", last.Body.Output)
	}
	// Secrets are never stored.
	all, _ := s.store.List("")
	for k, v := range all {
		if strings.Contains(string(v), "s3cr3t-value") {
			t.Errorf("the secret is stored under %s", k)
		}
	}
}

func TestDryRun(t *testing.T) {
	dir, ent := writeTemplate(t)
	s, _ := newTestScaffolder(t, 0, &memCatalog{})
	files := map[string][]byte{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if d.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[rel] = b
		return nil
	})
	b, _ := json.Marshal(ent)
	tpl, err := ParseTemplate(b)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.DryRun(context.Background(), tpl, map[string]any{"name": "my-svc", "tags": []any{"x"}}, nil, files)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range res.DirectoryContents {
		c, _ := base64.StdEncoding.DecodeString(f.Base64Content)
		got[f.Path] = string(c)
	}
	want := map[string]string{
		"README.md":         "# my-svc\n- x\n",
		"my-svc/main.go":    "package main // my_svc\n",
		"catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: my-svc\n",
	}
	for p, c := range want {
		if got[p] != c {
			t.Errorf("%s = %q, want %q (all: %v; log %v)", p, got[p], c, got, res.Log)
		}
	}
	if len(got) != len(want) {
		t.Errorf("files = %v", got)
	}
	if res.Steps[1]["status"] != "skipped" {
		t.Errorf("steps = %v", res.Steps)
	}
}

// TestBadInput: each bad input fails with a message naming what and where.
func TestBadInput(t *testing.T) {
	dir, ent := writeTemplate(t)
	cat := &memCatalog{entities: map[string]map[string]any{"template:default/svc": ent}}
	s, _ := newTestScaffolder(t, 0, cat)
	ctx := context.Background()
	_, err := s.Create(ctx, "template:default/svc", map[string]any{"name": "Bad Name"}, nil)
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Errors) != 1 || strings.Join(ve.Errors[0].Path, ".") != "name" {
		t.Errorf("schema error = %v", err)
	}
	_, err = s.Create(ctx, "template:default/svc", map[string]any{}, nil)
	if !errors.As(err, &ve) || strings.Join(ve.Errors[0].Path, ".") != "name" || ve.Errors[0].Name != "required" {
		t.Errorf("required error = %#v", err)
	}
	if _, err := s.Create(ctx, "template:default/nope", nil, nil); err == nil {
		t.Error("an unknown template is an error")
	}

	run := func(steps string, files map[string][]byte) string {
		t.Helper()
		e := map[string]any{}
		b, _ := json.Marshal(ent)
		json.Unmarshal(b, &e)
		var st []any
		if err := json.Unmarshal([]byte(steps), &st); err != nil {
			t.Fatal(err)
		}
		e["spec"].(map[string]any)["steps"] = st
		b, _ = json.Marshal(e)
		tpl, err := ParseTemplate(b)
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.DryRun(ctx, tpl, map[string]any{"name": "x"}, map[string]string{"pw": "hunter22"}, files)
		if err != nil {
			return err.Error()
		}
		var msgs []string
		for _, l := range res.Log {
			bd := l["body"].(EventBody)
			if bd.Error != nil {
				msgs = append(msgs, bd.Error.Message)
			} else {
				msgs = append(msgs, bd.Message)
			}
		}
		return strings.Join(msgs, "\n")
	}
	skel := map[string][]byte{"skeleton/a.txt": []byte("a")}
	tests := []struct {
		name, steps string
		files       map[string][]byte
		want        []string
	}{
		{"unknown action", `[{"id":"s1","action":"fetch:templat","input":{"url":"./skeleton"}}]`, skel, []string{"step s1", "Template action with ID 'fetch:templat' is not registered. Did you mean 'fetch:template'?"}},
		{"expression error", `[{"id":"s1","action":"debug:log","input":{"message":"${{ parameters.name | nosuch }}"}}]`, nil, []string{"step s1", "input.message", "parameters.name | nosuch"}},
		{"targetPath escapes", `[{"id":"s1","action":"fetch:template","input":{"url":"./skeleton","targetPath":"../out"}}]`, skel, []string{"step s1", "targetPath", errOutside}},
		{"skeleton name escapes", `[{"id":"s1","action":"fetch:template","input":{"url":"./skeleton","values":{"p":"../../x"}}}]`, map[string][]byte{"skeleton/${{ values.p }}": []byte("a")}, []string{"step s1", errOutside}},
		{"url escapes", `[{"id":"s1","action":"fetch:plain","input":{"url":"../../etc"}}]`, skel, []string{"step s1", errOutside}},
		{"fs:delete escapes", `[{"id":"s1","action":"fs:delete","input":{"files":["/etc/passwd"]}}]`, nil, []string{"step s1", errOutside}},
		{"missing input", `[{"id":"s1","action":"fetch:plain","input":{}}]`, nil, []string{"step s1", "invalid input passed to action fetch:plain", "url"}},
		{"secret echoed", `[{"id":"s1","action":"debug:log","input":{"message":"pw=${{ secrets.pw }}"}}]`, nil, []string{"pw=***"}},
		{"wait too long", `[{"id":"s1","action":"debug:wait","input":{"minutes":11}}]`, nil, []string{"step s1", "10 minutes"}},
	}
	for _, tt := range tests {
		got := run(tt.steps, tt.files)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", tt.name, got, w)
			}
		}
		if strings.Contains(got, "hunter22") {
			t.Errorf("%s: secret in %q", tt.name, got)
		}
	}

	// A symbolic link in a skeleton, and limits on files.
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "skeleton", "link")); err != nil {
		t.Fatal(err)
	}
	src := &source{dir: dir, lim: Limits{Files: 100, FileSize: 1 << 20}}
	if _, err := src.tree(ctx, "./skeleton"); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("symlink: %v", err)
	}
	os.Remove(filepath.Join(dir, "skeleton", "link"))
	src.lim.Files = 1
	if _, err := src.tree(ctx, "./skeleton"); err == nil || !strings.Contains(err.Error(), "scaffolder.limits.files") {
		t.Errorf("file count: %v", err)
	}
	src.lim = Limits{Files: 100, FileSize: 4}
	if _, err := src.tree(ctx, "./skeleton"); err == nil || !strings.Contains(err.Error(), "scaffolder.limits.fileSize") {
		t.Errorf("file size: %v", err)
	}
}

// TestRecovery: a task a crash left processing is failed at the next start, never run
// twice; a queued one runs.
func TestRecovery(t *testing.T) {
	_, ent := writeTemplate(t)
	cat := &memCatalog{entities: map[string]map[string]any{"template:default/svc": ent}}
	s, f := newTestScaffolder(t, 0, cat)
	ctx := context.Background()
	a, err := s.Create(ctx, "template:default/svc", map[string]any{"name": "a"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.Create(ctx, "template:default/svc", map[string]any{"name": "b"}, nil)
	r, _ := s.load(a)
	r.Status = StatusProcessing // as if the host died while running it
	s.save(r)

	s2 := newOn(t, f, 1, cat)
	if tk, _ := s2.Get(a); tk.Status != StatusFailed {
		t.Errorf("crashed task: %s", tk.Status)
	}
	evs, _ := s2.Events(a, 0)
	if len(evs) == 0 || !strings.Contains(evs[len(evs)-1].Body.Error.Message, "restart") {
		t.Errorf("events %v", evs)
	}
	s2.Start(ctx)
	defer s2.Stop(ctx)
	if tk := waitDone(t, s2, b); tk.Status != StatusCompleted {
		evs, _ := s2.Events(b, 0)
		t.Errorf("queued task: %s %+v", tk.Status, evs[len(evs)-1].Body.Error)
	}
	if tk, _ := s2.Get(a); tk.Status != StatusFailed {
		t.Errorf("crashed task ran again: %s", tk.Status)
	}
}

func TestCancel(t *testing.T) {
	_, ent := writeTemplate(t)
	ent["spec"].(map[string]any)["steps"] = []any{map[string]any{"id": "wait", "action": "debug:wait", "input": map[string]any{"minutes": 5}}}
	cat := &memCatalog{entities: map[string]map[string]any{"template:default/svc": ent}}
	s, _ := newTestScaffolder(t, 1, cat)
	ctx := context.Background()
	s.Start(ctx)
	defer s.Stop(ctx)
	id, err := s.Create(ctx, "template:default/svc", map[string]any{"name": "a"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if tk, _ := s.Get(id); tk.Status == StatusProcessing {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := s.Cancel(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if tk := waitDone(t, s, id); tk.Status != StatusCancelled {
		t.Errorf("status %s", tk.Status)
	}
}

func TestPublishGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	remote := gitServer(t)
	_, ent := writeTemplate(t)
	spec := ent["spec"].(map[string]any)
	spec["steps"] = append(spec["steps"].([]any), map[string]any{"id": "publish", "action": "publish:git", "input": map[string]any{"remoteUrl": remote.url, "defaultBranch": "main"}},
		map[string]any{"id": "register", "action": "catalog:register", "input": map[string]any{"repoContentsUrl": "https://git.example.com/x/blob/main"}})
	spec["output"] = map[string]any{"commit": "${{ steps.publish.output.commitHash }}", "ref": "${{ steps.register.output.entityRef }}"}
	cat := &memCatalog{entities: map[string]map[string]any{"template:default/svc": ent}}
	s, _ := newTestScaffolder(t, 1, cat)
	ctx := context.Background()
	s.Start(ctx)
	defer s.Stop(ctx)
	id, err := s.Create(ctx, "template:default/svc", map[string]any{"name": "pushed"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tk := waitDone(t, s, id)
	evs, _ := s.Events(id, 0)
	last := evs[len(evs)-1]
	if tk.Status != StatusCompleted {
		t.Fatalf("status %s: %+v", tk.Status, last.Body.Error)
	}
	out, err := exec.Command("git", "--git-dir", remote.dir, "show", "main:pushed/main.go").CombinedOutput()
	if err != nil || string(out) != "package main // pushed\n" {
		t.Errorf("pushed file: %q %v", out, err)
	}
	head, _ := exec.Command("git", "--git-dir", remote.dir, "rev-parse", "main").Output()
	if strings.TrimSpace(string(head)) != last.Body.Output["commit"] {
		t.Errorf("commit %q, output %v", head, last.Body.Output)
	}
	if last.Body.Output["ref"] != "component:default/new-svc" || len(cat.registered) != 1 || cat.registered[0] != "https://git.example.com/x/blob/main/catalog-info.yaml" {
		t.Errorf("register: %v %v", last.Body.Output, cat.registered)
	}
}

// TestCancelRace: tasks cancelled while workers claim them end once each: one
// completion event, and a final status that agrees with it.
func TestCancelRace(t *testing.T) {
	_, ent := writeTemplate(t)
	ent["spec"].(map[string]any)["steps"] = []any{map[string]any{"id": "log", "action": "debug:log", "input": map[string]any{"message": "hi"}}}
	cat := &memCatalog{entities: map[string]map[string]any{"template:default/svc": ent}}
	s, _ := newTestScaffolder(t, 4, cat)
	ctx := context.Background()
	s.Start(ctx)
	defer s.Stop(ctx)
	var ids []string
	for i := 0; i < 60; i++ {
		id, err := s.Create(ctx, "template:default/svc", map[string]any{"name": "x"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		go s.Cancel(ctx, id)
	}
	for _, id := range ids {
		tk := waitDone(t, s, id)
		time.Sleep(time.Millisecond)
		evs, _ := s.Events(id, 0)
		var completions []string
		for _, e := range evs {
			if e.Type == "completion" {
				completions = append(completions, e.Body.Status)
			}
		}
		if tk2, _ := s.Get(id); len(completions) != 1 || completions[0] != tk2.Status {
			t.Errorf("task %s: status %s then %s, completions %v", id, tk.Status, tk2.Status, completions)
		}
	}
}
