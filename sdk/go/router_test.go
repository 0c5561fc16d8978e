//go:build !wasip1

package greenroom

import (
	"encoding/json"
	"strings"
	"testing"
)

func init() {
	HandleFunc("GET /r/hello", func(r *Request) *Response { return Text(200, "hello "+r.QueryValue("name")) })
	HandleFunc("POST /r/items/:id", func(r *Request) *Response {
		var body map[string]any
		if err := r.DecodeJSON(&body); err != nil {
			return ErrorResponse(err)
		}
		return JSON(201, map[string]any{"id": r.Param("id"), "body": body})
	})
	HandleFunc("DELETE /r/items/:id", func(r *Request) *Response { return nil })
	HandleFunc("/r/any", func(r *Request) *Response { return Text(200, "any "+r.Method) })
	HandleFunc("get /r/files/*", func(r *Request) *Response { return Text(200, "file "+r.Param("*")) })
	HandleFunc("GET /r/panic", func(r *Request) *Response { panic("boom") })
	HandleTask("r-task", func(t *TaskRequest) error {
		if t.ScheduledAt == "fail" {
			return Errorf(CodeUnavailable, "upstream down")
		}
		if t.ScheduledAt == "panic" {
			panic("task boom")
		}
		return nil
	})
}

func body(t *testing.T, r *Response) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Content(), &m); err != nil {
		t.Fatalf("response body %q is not a JSON object: %v", r.Content(), err)
	}
	return m
}

func TestServeRouting(t *testing.T) {
	tests := []struct {
		name       string
		req        Request
		wantStatus int
		wantBody   string // substring of the body
		wantAllow  string
	}{
		{"route from host", Request{Method: "GET", Path: "/r/hello", Route: "/r/hello", Query: map[string][]string{"name": {"X"}}}, 200, "hello X", ""},
		{"params filled when the host sends none", Request{Method: "POST", Path: "/r/items/9", Route: "/r/items/:id", Body: []byte(`{}`)}, 201, `"id":"9"`, ""},
		{"route matched by SDK", Request{Method: "GET", Path: "/r/hello", Query: map[string][]string{"name": {"Y"}}}, 200, "hello Y", ""},
		{"HEAD falls back to GET", Request{Method: "HEAD", Path: "/r/hello", Route: "/r/hello"}, 200, "hello ", ""},
		{"lower-case method", Request{Method: "get", Path: "/r/hello", Route: "/r/hello"}, 200, "hello", ""},
		{"param from host", Request{Method: "POST", Path: "/r/items/7", Route: "/r/items/:id", Params: map[string]string{"id": "7"}, Body: []byte(`{"a":1}`)}, 201, `"id":"7"`, ""},
		{"param matched by SDK", Request{Method: "POST", Path: "/r/items/8", Body: []byte(`{"a":1}`)}, 201, `"id":"8"`, ""},
		{"bad JSON body", Request{Method: "POST", Path: "/r/items/8", Body: []byte(`{`)}, 400, "not valid JSON", ""},
		{"empty JSON body", Request{Method: "POST", Path: "/r/items/8"}, 400, "body is empty", ""},
		{"nil response", Request{Method: "DELETE", Path: "/r/items/8"}, 204, "", ""},
		{"any method", Request{Method: "PATCH", Path: "/r/any", Route: "/r/any"}, 200, "any PATCH", ""},
		{"any method matched by SDK", Request{Method: "PUT", Path: "/r/any"}, 200, "any PUT", ""},
		{"wildcard", Request{Method: "GET", Path: "/r/files/a/b.md"}, 200, "file a/b.md", ""},
		{"wildcard from host", Request{Method: "GET", Path: "/r/files/x", Route: "/r/files/*", Params: map[string]string{"*": "x"}}, 200, "file x", ""},
		{"not found", Request{Method: "GET", Path: "/r/nope"}, 404, `"name":"NotFoundError"`, ""},
		{"too many segments", Request{Method: "POST", Path: "/r/items/8/x"}, 404, "no handler", ""},
		{"empty param", Request{Method: "POST", Path: "/r/items/"}, 404, "no handler", ""},
		{"wrong method", Request{Method: "PUT", Path: "/r/items/8"}, 405, "MethodNotAllowedError", "DELETE, POST"},
		{"panic", Request{Method: "GET", Path: "/r/panic"}, 500, "panicked: boom", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer UseTestHost(&TestHost{})()
			req := tt.req
			resp := Serve(&req)
			if resp.StatusCode() != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode(), tt.wantStatus, resp.Content())
			}
			if !strings.Contains(string(resp.Content()), tt.wantBody) {
				t.Errorf("body %s does not contain %q", resp.Content(), tt.wantBody)
			}
			if got := resp.Headers.Get("allow"); got != tt.wantAllow {
				t.Errorf("allow header %q, want %q", got, tt.wantAllow)
			}
		})
	}
}

func TestErrorResponseShape(t *testing.T) {
	r := ErrorResponse(Errorf(CodeInvalidArgument, "query parameter name is required"))
	if r.StatusCode() != 400 {
		t.Fatalf("status %d", r.StatusCode())
	}
	got := body(t, r)
	want := map[string]any{
		"error":    map[string]any{"name": "InputError", "message": "query parameter name is required", "code": "invalid_argument"},
		"response": map[string]any{"statusCode": float64(400)},
	}
	if b1, b2 := mustJSON(t, got), mustJSON(t, want); b1 != b2 {
		t.Errorf("got %s, want %s", b1, b2)
	}
	if r := ErrorResponse(errString("plain")); r.StatusCode() != 500 || body(t, r)["error"].(map[string]any)["code"] != "internal" {
		t.Errorf("plain error gave %d %s", r.StatusCode(), r.Content())
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHandleFuncRejectsBadPatterns(t *testing.T) {
	for _, p := range []string{"GET hello", "FETCH /x", "GET /a/*/b", "GET /a/:1x", "GET /r/hello", "/r/any", ""} {
		t.Run(p, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("HandleFunc(%q) did not panic", p)
				}
			}()
			HandleFunc(p, func(*Request) *Response { return nil })
		})
	}
}

func TestServeMessage(t *testing.T) {
	h := &TestHost{}
	rc, out := h.CallHTTP([]byte(`{"method":"GET","path":"/r/hello","route":"/r/hello","query":{"name":["Z"]}}`))
	if rc != 0 {
		t.Fatalf("rc %d, error %s", rc, out)
	}
	if string(out) != `{"status":200,"text":"hello Z"}` {
		t.Errorf("output %s", out)
	}
	for _, in := range []string{`not json`, `{"path":"/x"}`, `{"method":"GET","path":"x"}`, `{"method":"GET","path":"/x","body":"***"}`, ``} {
		rc, out := h.CallHTTP([]byte(in))
		if rc != 1 {
			t.Errorf("input %q: rc %d, want 1", in, rc)
			continue
		}
		var e Error
		if err := json.Unmarshal(out, &e); err != nil || e.Code != CodeInvalidArgument || !strings.Contains(e.Message, "gr_http") {
			t.Errorf("input %q: error message %s", in, out)
		}
	}
}

func TestTaskMessage(t *testing.T) {
	h := &TestHost{}
	tests := []struct {
		in       string
		wantRC   int32
		wantCode Code
		wantMsg  string
	}{
		{`{"name":"r-task","scheduledAt":"2026-11-21T10:00:00Z"}`, 0, "", ""},
		{`{"name":"r-task","scheduledAt":"fail"}`, 1, CodeUnavailable, "upstream down"},
		{`{"name":"r-task","scheduledAt":"panic"}`, 1, CodeInternal, "task boom"},
		{`{"name":"nope","scheduledAt":"x"}`, 1, CodeNotFound, `no task handler for "nope"`},
		{`[]`, 1, CodeInvalidArgument, "gr_task"},
	}
	for _, tt := range tests {
		rc, out := h.CallTask([]byte(tt.in))
		if rc != tt.wantRC {
			t.Errorf("%s: rc %d, want %d (%s)", tt.in, rc, tt.wantRC, out)
			continue
		}
		if rc == 0 {
			continue
		}
		var e Error
		if err := json.Unmarshal(out, &e); err != nil || e.Code != tt.wantCode || !strings.Contains(e.Message, tt.wantMsg) {
			t.Errorf("%s: error %s, want code %s containing %q", tt.in, out, tt.wantCode, tt.wantMsg)
		}
	}
}

func TestCheckManifest(t *testing.T) {
	m := &Manifest{ABI: "v1", ID: "t", Version: "1",
		Routes: []Route{{Method: "GET", Path: "/r/hello"}, {Method: "POST", Path: "/r/items/:id"}, {Method: "DELETE", Path: "/r/items/:id"},
			{Method: "*", Path: "/r/any"}, {Method: "GET", Path: "/r/files/*"}, {Method: "GET", Path: "/r/panic"}},
		Tasks: []Task{{Name: "r-task", Every: "1m"}}}
	if err := CheckManifest(m); err != nil {
		t.Fatalf("complete manifest: %v", err)
	}
	m.Routes = append(m.Routes[1:], Route{Method: "GET", Path: "/r/missing"})
	m.Tasks = []Task{{Name: "other", Every: "1m"}}
	err := CheckManifest(m)
	if err == nil {
		t.Fatal("incomplete manifest passed")
	}
	for _, want := range []string{
		"manifest route GET /r/missing has no handler",
		"handler GET /r/hello is not reached by any manifest route",
		`manifest task "other" has no handler`,
		`task handler "r-task" is not in the manifest's tasks`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
