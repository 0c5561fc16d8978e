package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/identity"
)

// fakeEndpoint answers every request with reply (a response message) after routing
// everything to route "/*"; it records the request message it was given.
type fakeEndpoint struct {
	reply   string
	err     error
	maxBody int64
	got     chan []byte
	// callers, when set, receives the caller each request was served for.
	callers chan string
}

func (f *fakeEndpoint) MaxBody() int64 { return f.maxBody }

func (f *fakeEndpoint) AllowsAnonymous(_, path string) bool {
	return strings.HasPrefix(path, "/public")
}

func (f *fakeEndpoint) ServeHTTPView(ctx context.Context, method, path string, enc func(string, map[string]string) []byte, out []byte, resp *abi.HTTPResponseView) ([]byte, error) {
	f.got <- append([]byte(nil), enc("/*", map[string]string{"*": strings.TrimPrefix(path, "/")})...)
	if f.callers != nil {
		f.callers <- identity.From(ctx).Name()
	}
	if f.err != nil {
		return out, f.err
	}
	out = append(out[:0], f.reply...)
	if err := resp.Decode(out); err != nil {
		return out, statusErr{502, "PluginResponseError", err.Error()}
	}
	return out, nil
}

type fakePlugins map[string]Endpoint

func (f fakePlugins) Lookup(id string) (Endpoint, bool) { ep, ok := f[id]; return ep, ok }

type statusErr struct {
	status    int
	name, msg string
}

func (e statusErr) Error() string         { return e.msg }
func (e statusErr) HTTPStatus() int       { return e.status }
func (e statusErr) BackstageName() string { return e.name }

func TestPluginRoute(t *testing.T) {
	ep := &fakeEndpoint{maxBody: 10, got: make(chan []byte, 1)}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	base := "http://" + serveTest(t, New(Options{Logger: quiet, Plugins: fakePlugins{"x": ep}}))

	do := func(method, path, body string, h http.Header) (*http.Response, string, *abi.HTTPRequest) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		for k, vs := range h {
			req.Header[k] = vs
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var in abi.HTTPRequest
		select {
		case msg := <-ep.got:
			if err := json.Unmarshal(msg, &in); err != nil {
				t.Fatalf("request message %s: %v", msg, err)
			}
		default:
		}
		return resp, string(b), &in
	}

	// Headers of several values, the json default content type, the status.
	ep.reply = `{"status":201,"headers":{"x-a":["1","2"],"x-b":"3"},"json":{"ok":true}}`
	resp, body, in := do("POST", "/api/x/items/7?q=1&q=2", "hi", http.Header{"X-In": {"a", "b"}})
	if resp.StatusCode != 201 || body != `{"ok":true}` || resp.Header.Get("Content-Type") != "application/json" ||
		strings.Join(resp.Header.Values("X-A"), ",") != "1,2" || resp.Header.Get("X-B") != "3" {
		t.Fatalf("answer: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	if in.Method != "POST" || in.Path != "/items/7" || in.Route != "/*" || in.Params["*"] != "items/7" ||
		strings.Join(in.Query["q"], ",") != "1,2" || strings.Join(in.Headers["x-in"], ",") != "a,b" || string(in.Body) != "hi" {
		t.Fatalf("request message: %+v", in)
	}
	// A response the fast decoder leaves to the reference one (escapes, upper case).
	ep.reply = `{"headers":{"X-Up":"v","content-type":"text/x"},"text":"a\nb"}`
	resp, body, _ = do("GET", "/api/x", "", nil)
	if resp.StatusCode != 200 || body != "a\nb" || resp.Header.Get("X-Up") != "v" || resp.Header.Get("Content-Type") != "text/x" {
		t.Fatalf("slow-path answer: %d %v %q", resp.StatusCode, resp.Header, body)
	}
	// A document a browser could render runs no script on the portal's origin: it is
	// sandboxed (beside the plugin's own policy), and no response is sniffed.
	for _, c := range []struct {
		headers string
		sandbox bool
	}{
		{`{"content-type":"text/html; charset=utf-8","content-security-policy":"default-src 'self'"}`, true},
		{`{"content-type":"image/svg+xml"}`, true},
		{`{"content-type":"Application/XHTML+XML"}`, true},
		{`{"content-type":"application/atom+xml"}`, true},
		{`{"content-type":"application/json"}`, false},
		{`{"content-type":"text/css"}`, false},
		{`{"content-type":"image/png"}`, false},
	} {
		ep.reply = `{"headers":` + c.headers + `,"text":"<script>alert(1)</script>"}`
		resp, _, _ = do("GET", "/api/x/doc", "", nil)
		csp := strings.Join(resp.Header.Values("Content-Security-Policy"), " | ")
		if got := strings.Contains(csp, "sandbox"); got != c.sandbox || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: CSP %q (sandbox %v, want %v), X-Content-Type-Options %q", c.headers, csp, got, c.sandbox, resp.Header.Get("X-Content-Type-Options"))
		}
		if strings.Contains(c.headers, "default-src") && !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("the plugin's own policy was dropped: %q", csp)
		}
	}
	// Malformed: 502 with Backstage's body.
	ep.reply = `{"status":200,"text":"x","json":1}`
	resp, body, _ = do("GET", "/api/x/m", "", nil)
	if resp.StatusCode != 502 || !strings.Contains(body, `"name":"PluginResponseError"`) || !strings.Contains(body, "more than one") {
		t.Fatalf("malformed: %d %s", resp.StatusCode, body)
	}
	// A status of 0 is out of range like any other (an absent one means 200).
	for _, reply := range []string{`{"status":0,"text":"x"}`, `{"text":"x","status":0}`} {
		ep.reply = reply
		resp, body, _ = do("GET", "/api/x/zero", "", nil)
		if resp.StatusCode != 502 || !strings.Contains(body, `"name":"PluginResponseError"`) || !strings.Contains(body, "status 0 is outside 100-599") {
			t.Fatalf("%s: %d %s, want 502", reply, resp.StatusCode, body)
		}
	}
	ep.reply = `{"text":"x"}`
	if resp, body, _ = do("GET", "/api/x/absent", "", nil); resp.StatusCode != 200 || body != "x" {
		t.Fatalf("absent status: %d %s, want 200", resp.StatusCode, body)
	}
	// What a failed call says about the plugin (a trap's stack trace names its
	// functions, a malformed response quotes it) reaches the client as an excerpt.
	ep.err = statusErr{502, "PluginCrashError", "plugin x: call gr_http: trap: wasm stack trace:\n\t.\x1b[2J" + strings.Repeat("$f", 10000)}
	resp, body, _ = do("GET", "/api/x/crash", "", nil)
	var eb struct {
		Error struct{ Message string } `json:"error"`
	}
	json.Unmarshal([]byte(body), &eb)
	if resp.StatusCode != 502 || len(eb.Error.Message) > 1100 || strings.ContainsAny(eb.Error.Message, "\x1b\n") || !strings.HasPrefix(eb.Error.Message, "plugin x: call gr_http: trap") {
		t.Fatalf("crash: %d, message %q (%d bytes); want an escaped excerpt of at most 1 KiB", resp.StatusCode, eb.Error.Message, len(eb.Error.Message))
	}
	ep.err = nil
	// A plugin error keeps its status and name.
	ep.err = statusErr{504, "PluginTimeoutError", "plugin x: call exceeded its deadline"}
	resp, body, _ = do("GET", "/api/x/slow", "", nil)
	if resp.StatusCode != 504 || !strings.Contains(body, `"name":"PluginTimeoutError"`) || !strings.Contains(body, `"statusCode":504`) {
		t.Fatalf("timeout: %d %s", resp.StatusCode, body)
	}
	ep.err = nil
	// Over the body cap: 413, and the plugin is not called.
	resp, body, _ = do("POST", "/api/x/big", strings.Repeat("x", 11), nil)
	if resp.StatusCode != 413 || !strings.Contains(body, `"name":"PayloadTooLargeError"`) {
		t.Fatalf("too large: %d %s", resp.StatusCode, body)
	}
	// No such plugin.
	resp, body, _ = do("GET", "/api/nope/x", "", nil)
	if resp.StatusCode != 404 || !strings.Contains(body, `"name":"NotFoundError"`) {
		t.Fatalf("unknown plugin: %d %s", resp.StatusCode, body)
	}
}

// TestActiveContentTypeAllocatesNothing: the check runs on every plugin response.
func TestActiveContentTypeAllocatesNothing(t *testing.T) {
	for _, ct := range []string{"text/html; charset=utf-8", "application/json", "Application/Atom+XML", ""} {
		b := []byte(ct)
		if n := testing.AllocsPerRun(100, func() { activeContentType(b) }); n != 0 {
			t.Errorf("%q: %v allocations", ct, n)
		}
	}
}
