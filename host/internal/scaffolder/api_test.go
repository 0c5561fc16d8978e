package scaffolder

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAPI(t *testing.T) {
	_, ent := writeTemplate(t)
	cat := &memCatalog{entities: map[string]map[string]any{"template:default/svc": ent}}
	s, _ := newTestScaffolder(t, 1, cat)
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
	tests := []struct {
		method, path, body string
		status             int
		want               []string
	}{
		{"GET", "/v2/templates/default/template/svc/parameter-schema", "", 200, []string{`"title":"svc"`, `"steps":[{"title":"Name"`, `"required":["name"]`}},
		{"GET", "/v2/templates/default/template/nope/parameter-schema", "", 404, []string{`"name":"NotFoundError"`}},
		{"GET", "/v2/actions", "", 200, []string{`"id":"catalog:fetch"`, `"id":"fetch:template"`, `"id":"publish:git"`}},
		{"POST", "/v2/tasks", `{"templateRef":"template:default/svc","values":{"name":"NO"}}`, 400, []string{`"errors":[`, `"path":["name"]`, `"property":"instance.name"`}},
		{"POST", "/v2/tasks", `{not json`, 400, []string{"Malformed request"}},
		{"GET", "/v2/tasks?order=sideways:id", "", 400, []string{"asc|desc"}},
		{"GET", "/v2/tasks/nope", "", 404, []string{"does not exist"}},
		{"POST", "/v2/dry-run", `{"template":{"kind":"Component"}}`, 400, []string{"Input template is not a template"}},
		{"GET", "/v2/templating-extensions", "", 200, []string{`"parseRepoUrl"`, `"parseEntityRef"`, `"pick"`, `"projectSlug"`, `"globals"`}},
		{"GET", "/v2/tasks/nope/events", "", 404, []string{"does not exist"}},
		{"GET", "/v2/tasks/nope/eventstream", "", 404, []string{"does not exist"}},
		{"POST", "/v2/tasks/nope/cancel", "", 404, []string{"does not exist"}},
		{"POST", "/v2/tasks/nope/retry", "", 404, []string{"does not exist"}},
		{"GET", "/v2/nope", "", 404, []string{"No route for GET"}},
	}
	for _, tt := range tests {
		st, body := call(tt.method, tt.path, tt.body)
		if st != tt.status {
			t.Errorf("%s %s = %d %s, want %d", tt.method, tt.path, st, body, tt.status)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s %s: %s lacks %s", tt.method, tt.path, body, w)
			}
		}
	}
	st, body := call("POST", "/v2/tasks", `{"templateRef":"template:default/svc","values":{"name":"api-svc"}}`)
	if st != 201 {
		t.Fatalf("create = %d %s", st, body)
	}
	var created struct{ ID string }
	json.Unmarshal([]byte(body), &created)

	// The event stream sends every event, and ends after the completion.
	resp, err := http.Get(srv.URL + Prefix + "/v2/tasks/" + created.ID + "/eventstream")
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("content type %q", ct)
	}
	stream, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	checkOpenAPI(t, resp.Request, resp, stream)
	checkEventStream(t, stream)
	sc := bufio.NewScanner(bytes.NewReader(stream))
	var types []string
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "event: ") {
			types = append(types, strings.TrimPrefix(l, "event: "))
		}
	}
	if len(types) == 0 || types[len(types)-1] != "completion" {
		t.Errorf("event types %v", types)
	}
	st, body = call("GET", "/v2/tasks/"+created.ID, "")
	if st != 200 || !strings.Contains(body, `"status":"completed"`) || !strings.Contains(body, `"entityRef":"template:default/svc"`) {
		t.Errorf("task = %d %s", st, body)
	}
	st, body = call("GET", "/v2/tasks/"+created.ID+"/events?after=0", "")
	if st != 200 || !strings.Contains(body, `"type":"completion"`) {
		t.Errorf("events = %d %s", st, body)
	}
	st, body = call("GET", "/v2/tasks?status=completed&order=desc:createdAt", "")
	if st != 200 || !strings.Contains(body, `"totalTasks":1`) {
		t.Errorf("list = %d %s", st, body)
	}

	// Dry-run: the template's files in, the produced files out.
	tb, _ := json.Marshal(ent)
	dr := map[string]any{"template": json.RawMessage(tb), "values": map[string]any{"name": "dry"},
		"directoryContents": []any{map[string]any{"path": "skeleton/README.md", "base64Content": base64.StdEncoding.EncodeToString([]byte("# ${{ values.name }}"))}}}
	b, _ := json.Marshal(dr)
	st, body = call("POST", "/v2/dry-run", string(b))
	if st != 200 {
		t.Fatalf("dry-run = %d %s", st, body)
	}
	var res DryRunResult
	json.Unmarshal([]byte(body), &res)
	found := false
	for _, f := range res.DirectoryContents {
		c, _ := base64.StdEncoding.DecodeString(f.Base64Content)
		if f.Path == "README.md" && string(c) == "# dry" {
			found = true
		}
	}
	if !found {
		t.Errorf("dry-run files %+v", res.DirectoryContents)
	}
}

// TestRetry: a failed task runs again from the start on POST .../retry; a completed one
// cannot be retried.
func TestRetry(t *testing.T) {
	_, ent := writeTemplate(t)
	spec := ent["spec"].(map[string]any)
	spec["steps"] = []any{map[string]any{"id": "need", "action": "debug:log", "if": "${{ not secrets.token }}", "input": map[string]any{"message": "${{ parameters.name | nosuchfilter }}"}},
		map[string]any{"id": "ok", "action": "debug:log", "input": map[string]any{"message": "with ${{ secrets.token }}"}}}
	cat := &memCatalog{entities: map[string]map[string]any{"template:default/svc": ent}}
	s, _ := newTestScaffolder(t, 1, cat)
	s.Start(context.Background())
	defer s.Stop(context.Background())
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	id, err := s.Create(context.Background(), "template:default/svc", map[string]any{"name": "x"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tk := waitDone(t, s, id); tk.Status != StatusFailed {
		t.Fatalf("first run: %s", tk.Status)
	}
	resp, err := http.Post(srv.URL+Prefix+"/v2/tasks/"+id+"/retry", "application/json", strings.NewReader(`{"secrets":{"token":"tok-123"}}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	checkOpenAPI(t, resp.Request, resp, b)
	if resp.StatusCode != 201 || !strings.Contains(string(b), id) {
		t.Fatalf("retry: %d %s", resp.StatusCode, b)
	}
	if tk := waitDone(t, s, id); tk.Status != StatusCompleted {
		evs, _ := s.Events(id, 0)
		t.Fatalf("second run: %s %+v", tk.Status, evs[len(evs)-1].Body)
	}
	evs, _ := s.Events(id, 0)
	var types []string
	for _, e := range evs {
		if e.Type != "log" {
			types = append(types, e.Type)
		}
		if strings.Contains(e.Body.Message, "tok-123") {
			t.Errorf("secret in the log: %s", e.Body.Message)
		}
	}
	if strings.Join(types, ",") != "completion,recovered,completion" {
		t.Errorf("event types %v", types)
	}
	resp, _ = http.Post(srv.URL+Prefix+"/v2/tasks/"+id+"/retry", "application/json", nil)
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	checkOpenAPI(t, resp.Request, resp, b)
	if resp.StatusCode != 400 {
		t.Errorf("retrying a completed task: %d", resp.StatusCode)
	}
}
