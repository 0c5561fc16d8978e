package server

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/openapitest"
	"greenroom.dev/greenroom/host/internal/requestid"
)

// httpRecord records what the server reports of each request.
type httpRecord struct {
	mu   sync.Mutex
	seen []string
}

func (r *httpRecord) ObserveHTTP(route, method string, status int, took time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, method+" "+route+" "+http.StatusText(status))
}

func (r *httpRecord) all() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.seen, "\n")
}

// TestRequestIDs: a valid incoming X-Request-Id is kept, an invalid or missing one is
// replaced by a new ID; either way the response returns it, the plugin's request
// message carries it, and the access log's line for the request names it.
func TestRequestIDs(t *testing.T) {
	ep := &fakeEndpoint{reply: `{"status":200,"text":"ok"}`, maxBody: 10, got: make(chan []byte, 1)}
	var logBuf syncBuffer
	rec := &httpRecord{}
	base := "http://" + serveTest(t, New(Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Plugins: fakePlugins{"x": ep},
		Metrics: rec, AccessLog: slog.New(slog.NewJSONHandler(&logBuf, nil)),
	}))
	for _, tc := range []struct {
		name, in string
		keep     bool
	}{
		{"valid", "0b6f3c1e-5d0a-4f43-9d36-2a1f0c9b7e11", true},
		{"trace style", "Root=1-67891233-abcdef012345678912345678", true},
		{"missing", "", false},
		{"space", "two words", false},
		{"too long", strings.Repeat("a", requestid.MaxLen+1), false},
		{"non-ASCII", "caf\u00e9", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", base+"/api/x/hello", nil)
			if tc.in != "" {
				req.Header.Set("X-Request-Id", tc.in)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			id := resp.Header.Get("X-Request-Id")
			if tc.keep && id != tc.in {
				t.Fatalf("returned %q, want the incoming %q kept", id, tc.in)
			}
			if !tc.keep && (id == tc.in || !requestid.Valid([]byte(id)) || len(id) != 36) {
				t.Fatalf("returned %q for incoming %q, want a new UUID", id, tc.in)
			}
			var msg abi.HTTPRequest
			if err := json.Unmarshal(<-ep.got, &msg); err != nil {
				t.Fatal(err)
			}
			if msg.RequestID != id {
				t.Fatalf("the plugin got requestId %q, the client %q", msg.RequestID, id)
			}
			if !strings.Contains(logBuf.String(), `"requestId":"`+id+`"`) {
				t.Fatalf("the access log lacks %s:\n%s", id, logBuf.String())
			}
		})
	}
	// Each ID is new.
	ids := map[string]bool{}
	for range 20 {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		ids[resp.Header.Get("X-Request-Id")] = true
	}
	if len(ids) != 20 {
		t.Fatalf("%d distinct IDs for 20 requests", len(ids))
	}
}

// TestAccessLogAndRouteLabels: the access log writes one JSON line per request, and the
// metrics get route templates, never raw paths, for every kind of answer (an error a
// handler returns included).
func TestAccessLogAndRouteLabels(t *testing.T) {
	ep := &fakeEndpoint{reply: `{"status":201}`, maxBody: 10, got: make(chan []byte, 8)}
	var logBuf syncBuffer
	rec := &httpRecord{}
	base := "http://" + serveTest(t, New(Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Plugins: fakePlugins{"x": ep},
		Metrics: rec, AccessLog: slog.New(slog.NewJSONHandler(&logBuf, nil)),
	}))
	for _, c := range []struct {
		method, path, body string
	}{
		{"GET", "/api/x/items/42?secret=1", ""},
		{"POST", "/api/x/items/43", "over ten bytes long"},
		{"GET", "/api/nope/thing", ""},
		{"GET", "/healthz", ""},
		{"PUT", "/nothing/here", ""},
	} {
		req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	want := strings.Join([]string{
		"GET /api/x/* Created",
		"POST /api/:plugin/* Request Entity Too Large",
		"GET /api/:plugin/* Not Found",
		"GET /healthz OK",
		"PUT unmatched Not Found",
	}, "\n")
	if got := rec.all(); got != want {
		t.Fatalf("observed:\n%s\nwant:\n%s", got, want)
	}
	lines := strings.Split(strings.TrimSpace(logBuf.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d access log lines, want 5:\n%s", len(lines), logBuf.String())
	}
	var first struct {
		Msg, RequestID, Method, Path, Route, Caller string
		Status, Bytes                               int
		DurationMs                                  float64
	}
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatalf("%v: %s", err, lines[0])
	}
	if first.Msg != "request" || first.Method != "GET" || first.Path != "/api/x/items/42" || first.Route != "/api/x/*" || first.Status != 201 || first.RequestID == "" || first.Caller != "anonymous" {
		t.Fatalf("access log line: %+v", first)
	}
	if bytes.Contains([]byte(logBuf.String()), []byte("secret=1")) {
		t.Fatal("the access log writes the query string")
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var (
	apiDocsOnce sync.Once
	apiDocsVal  *openapitest.Validators
)

// apiDocs validates responses of the host's documented APIs against their OpenAPI
// documents (host/internal/openapi); the tests here pass what they get through it.
func apiDocs(t testing.TB) *openapitest.Validators {
	apiDocsOnce.Do(func() { apiDocsVal = openapitest.New(t) })
	return apiDocsVal
}
