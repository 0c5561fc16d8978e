package wasmtest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const rustSDK = "../../rust"

// rustc returns a rustc that has the wasm32-unknown-unknown standard library (Debian:
// rustc and libstd-rust-dev-wasm32), trying $RUSTC, /usr/bin/rustc and the one on PATH,
// or skips (fails when GREENROOM_REQUIRE_TOOLS is set).
func rustc(t testing.TB) string {
	t.Helper()
	var candidates []string
	if r := os.Getenv("RUSTC"); r != "" {
		candidates = append(candidates, r)
	}
	candidates = append(candidates, "/usr/bin/rustc")
	if p, err := exec.LookPath("rustc"); err == nil {
		candidates = append(candidates, p)
	}
	for _, c := range candidates {
		out, err := exec.Command(c, "--print", "sysroot").Output()
		if err != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(strings.TrimSpace(string(out)), "lib", "rustlib", "wasm32-unknown-unknown")); err == nil {
			return c
		}
	}
	if os.Getenv("GREENROOM_REQUIRE_TOOLS") != "" || os.Getenv("CI") != "" {
		t.Fatal("no rustc with the wasm32-unknown-unknown target (Debian: rustc libstd-rust-dev-wasm32), and GREENROOM_REQUIRE_TOOLS or CI is set")
	}
	t.Skip("no rustc with the wasm32-unknown-unknown target (Debian: rustc libstd-rust-dev-wasm32)")
	return ""
}

// rustSDKLib builds the SDK's rlib for wasm32 once per test binary.
func rustSDKLib(t testing.TB, rc string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if b, ok := built["rust-sdk"]; ok {
		return string(b)
	}
	trackInputs(t, rustSDK+"/src")
	dir, err := os.MkdirTemp("", "greenroom-rust-sdk-")
	if err != nil {
		t.Fatal(err)
	}
	// Shared by the tests of this binary; the OS cleans the temporary directory.
	cmd := exec.Command(rc, "--edition", "2021", "--target", "wasm32-unknown-unknown", "--crate-type", "rlib",
		"-C", "opt-level=3", "-C", "target-feature=+bulk-memory", "--crate-name", "greenroom", filepath.Join(rustSDK, "src", "lib.rs"), "--out-dir", dir)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the Rust SDK: %v\n%s", err, msg)
	}
	lib := filepath.Join(dir, "libgreenroom.rlib")
	built["rust-sdk"] = []byte(lib)
	return lib
}

// buildRust builds a plugin crate root (src) against the SDK for wasm32-unknown-unknown.
func buildRust(t testing.TB, src string) []byte {
	t.Helper()
	rc := rustc(t)
	lib := rustSDKLib(t, rc)
	trackInputs(t, filepath.Dir(src))
	out := filepath.Join(t.TempDir(), "plugin.wasm")
	cmd := exec.Command(rc, "--edition", "2021", "--target", "wasm32-unknown-unknown", "--crate-type", "cdylib",
		"-C", "opt-level=3", "-C", "target-feature=+bulk-memory", "-C", "strip=symbols", "--extern", "greenroom="+lib, src, "-o", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", src, err, msg)
	}
	return mustRead(t, out)
}

// TestRustSDKNative runs the SDK's own tests natively: every golden message of the ABI
// decodes into its Rust type and encodes back, the JSON reader refuses bad input, and the
// native test host runs the exports.
func TestRustSDKNative(t *testing.T) {
	rc := rustc(t)
	trackInputs(t, rustSDK+"/src", "../../../abi/testdata")
	bin := filepath.Join(t.TempDir(), "sdk-test")
	if msg, err := exec.Command(rc, "--edition", "2021", "--test", "-o", bin, filepath.Join(rustSDK, "src", "lib.rs")).CombinedOutput(); err != nil {
		t.Fatalf("building the Rust SDK's tests: %v\n%s", err, msg)
	}
	abs, _ := filepath.Abs("../../../abi/testdata")
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "GREENROOM_ABI_TESTDATA="+abs)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "test golden::golden_messages_round_trip ... ok") {
		t.Fatalf("Rust SDK tests: %v\n%s", err, out)
	}
}

func TestRustSDKInsideWasm(t *testing.T) {
	wasm := buildRust(t, filepath.Join(rustSDK, "testdata", "guest.rs"))
	cfg := map[string]string{"greenroom.config": `{"greeting":"hi","n":3}`, "greeting": "hi", "n": "3"}
	h := newHost(t, wasm, cfg)

	for _, imp := range h.imports {
		if strings.HasPrefix(imp, "wasi_snapshot_preview1.") {
			t.Errorf("module imports %s: wasm32-unknown-unknown needs no WASI", imp)
		}
	}
	greenroomImports(t, h)

	t.Run("bulk copy of a large body", func(t *testing.T) {
		body := bytes.Repeat([]byte{0, 1, 2, 250, '"'}, 300000)
		r := h.http("POST", "/echo", "/echo", nil, body)
		if r.Status != 200 || !bytes.Equal(r.Body, body) {
			t.Errorf("echo: status %d, %d bytes back", r.Status, len(r.Body))
		}
	})
	t.Run("config", func(t *testing.T) {
		r := h.http("GET", "/config", "/config", map[string][]string{"key": {"n"}}, nil)
		var got map[string]any
		json.Unmarshal(r.JSON, &got)
		if want := map[string]any{"all": map[string]any{"greeting": "hi", "n": float64(3)}, "value": "3"}; !reflect.DeepEqual(got, want) {
			t.Errorf("got %s", r.JSON)
		}
		if r := h.http("GET", "/config", "/config", map[string][]string{"key": {"absent"}}, nil); !strings.Contains(string(r.JSON), `"value":null`) {
			t.Errorf("absent key: %s", r.JSON)
		}
	})
	t.Run("log level", func(t *testing.T) {
		h.level, h.logs = 3, nil
		h.http("GET", "/log", "/log", map[string][]string{"who": {"two words"}}, nil)
		if want := []string{`WARN warn line who="two words"`}; !reflect.DeepEqual(h.logs, want) {
			t.Errorf("logs %q, want %q", h.logs, want)
		}
	})
	t.Run("kv", func(t *testing.T) {
		if r := h.http("PUT", "/kv/a", "/kv/:key", nil, []byte("1")); r.Status != 204 {
			t.Fatalf("put: %d %s", r.Status, r.JSON)
		}
		h.http("PUT", "/kv/ab", "/kv/:key", nil, []byte("2"))
		if r := h.http("GET", "/kv/a", "/kv/:key", nil, nil); r.Status != 200 || string(r.Body) != "1" {
			t.Errorf("get: %d %q", r.Status, r.Body)
		}
		if r := h.http("GET", "/kv", "/kv", map[string][]string{"prefix": {"a"}}, nil); r.Text == nil || *r.Text != "a,ab" {
			t.Errorf("list: %+v", r)
		}
		h.http("DELETE", "/kv/a", "/kv/:key", nil, nil)
		if r := h.http("GET", "/kv/a", "/kv/:key", nil, nil); r.Status != 404 || !strings.Contains(string(r.JSON), "no key a") || !strings.Contains(string(r.JSON), `"name":"NotFoundError"`) {
			t.Errorf("get after delete: %d %s", r.Status, r.JSON)
		}
		h.denyKV = true
		defer func() { h.denyKV = false }()
		if r := h.http("GET", "/kv/ab", "/kv/:key", nil, nil); r.Status != 403 || !strings.Contains(string(r.JSON), "capability_denied") {
			t.Errorf("denied kv: %d %s", r.Status, r.JSON)
		}
	})
	t.Run("every host function", func(t *testing.T) {
		h.reqs = nil
		r := h.http("GET", "/calls", "/calls", nil, nil)
		var got map[string]string
		if err := json.Unmarshal(r.JSON, &got); err != nil {
			t.Fatalf("%d %s", r.Status, r.JSON)
		}
		want := map[string]string{"kv_get": "None"}
		for _, f := range append([]string{"catalog_get", "catalog_query", "catalog_facets", "catalog_apply", "url_read", "url_read_tree", "url_search", "proxy_fetch", "permission_authorize"}, goldenRequests...) {
			want[f] = "capability_denied" // the test host grants only kv
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("outcomes %v, want %v", got, want)
		}
		wantReqs := []string{
			`kv_get {"key":"k"}`,
			`catalog_get {"ref":"component:default/web"}`,
			`catalog_query {"filter":["kind=component"],"fields":["metadata.name"],"limit":5}`,
			`catalog_facets {"facets":["spec.type"],"filter":["kind=component"]}`,
			`catalog_apply {"upsert":[{"kind":"User"}],"delete":["user:default/bob"]}`,
			`url_read {"url":"https://example.com/a.yaml","etag":"\"e1\""}`,
			`url_read_tree {"url":"https://example.com/docs","filter":"**/*.md"}`,
			`url_search {"url":"https://example.com/**/catalog-info.yaml"}`,
			`proxy_fetch {"endpoint":"/github","method":"GET","path":"/repos/a/b","headers":{"accept":["application/json"]}}`,
			`permission_authorize {"permission":{"name":"test.thing.update","attributes":{"action":"update"},"resourceType":"catalog-entity"}}`,
		}
		if len(h.reqs) < len(wantReqs) || !reflect.DeepEqual(h.reqs[:len(wantReqs)], wantReqs) {
			t.Errorf("requests\n%s\nwant\n%s", strings.Join(h.reqs, "\n"), strings.Join(wantReqs, "\n"))
		}
		checkGoldenRequests(t, h.reqs[min(len(wantReqs), len(h.reqs)):])
	})
	t.Run("action", func(t *testing.T) {
		h.reqs = nil
		rc, out := h.call("gr_action", mustRead(t, "../../../abi/testdata/action-request.json"))
		// The test host grants no workspace: the action's write fails, and so the step.
		if rc != 1 || !strings.Contains(string(out), `"code":"capability_denied"`) {
			t.Errorf("gr_action: rc %d %s", rc, out)
		}
		if want := []string{`workspace_write {"path":"HELLO.md","content":"IyBteS1zZXJ2aWNlCg=="}`}; !reflect.DeepEqual(h.reqs, want) {
			t.Errorf("requests %q, want %q", h.reqs, want)
		}
		if rc, out := h.call("gr_action", []byte(`{"action":"acme:nope","input":{},"taskId":"t"}`)); rc != 1 || !strings.Contains(string(out), `no action \"acme:nope\"`) {
			t.Errorf("unknown action: rc %d %s", rc, out)
		}
	})
	t.Run("caller", func(t *testing.T) {
		for in, want := range map[string]string{
			`{"method":"GET","path":"/whoami","route":"/whoami","caller":{"type":"user","userEntityRef":"user:default/j\u00e4ne","ownershipEntityRefs":["user:default/jäne"]}}`: "user:default/jäne",
			`{"method":"GET","path":"/whoami","route":"/whoami","caller":{"type":"service","subject":"external:ci"}}`:                                                           "external:ci",
			`{"method":"GET","path":"/whoami","route":"/whoami"}`:                                                                                                               "-",
		} {
			rc, out := h.call("gr_http", []byte(in))
			var r response
			json.Unmarshal(out, &r)
			if rc != 0 || r.Text == nil || *r.Text != want {
				t.Errorf("whoami %s: rc %d, %s, want %q", in, rc, out, want)
			}
		}
	})
	t.Run("entity card", func(t *testing.T) {
		rc, out := h.call("gr_extension", []byte(`{"extension":"entity-card:test/card","config":{"filter":"kind:api"}}`))
		if rc != 0 || string(out) != `{"catalog.entity-filter-expression":"kind:api","core.ui.element":{}}` {
			t.Errorf("gr_extension: rc %d, %s", rc, out)
		}
		golden := mustRead(t, "../../../abi/testdata/render-request.json")
		rc, out = h.call("gr_render", bytes.Replace(golden, []byte("entity-card:entity-card/overview"), []byte("entity-card:test/card"), 1))
		want := `{"type":"card","title":"Card","children":[{"type":"kv","pairs":[{"key":"Name","value":{"type":"text","text":"payments"}}]}]}`
		if rc != 0 || string(out) != want {
			t.Errorf("gr_render: rc %d\n%s\nwant\n%s", rc, out, want)
		}
		rc, out = h.call("gr_render", []byte(`{"extension":"entity-card:test/other","config":{}}`))
		if rc != 1 || !strings.Contains(string(out), `"code":"not_found"`) {
			t.Errorf("unknown extension: rc %d, %s", rc, out)
		}
	})
	t.Run("task error", func(t *testing.T) {
		rc, out := h.call("gr_task", []byte(`{"name":"fail","scheduledAt":"2026-11-21T10:00:00Z"}`))
		if rc != 1 || string(out) != `{"code":"unavailable","message":"task failed on purpose"}` {
			t.Errorf("rc %d, error %s", rc, out)
		}
	})
	t.Run("malformed input", func(t *testing.T) {
		for _, in := range []string{`{"method":`, `[1]`, `{"method":"GET","body":"not base64!"}`, strings.Repeat("[", 100000)} {
			rc, out := h.call("gr_http", []byte(in))
			if rc != 1 || !strings.Contains(string(out), `"code":"invalid_argument"`) {
				t.Errorf("%.40s: rc %d, error %s", in, rc, out)
			}
		}
	})
	t.Run("not found", func(t *testing.T) {
		if r := h.http("GET", "/nope", "", nil, nil); r.Status != 404 {
			t.Errorf("status %d", r.Status)
		}
	})
	t.Run("panic traps and says why", func(t *testing.T) {
		p := newHost(t, wasm, cfg)
		p.level = 0
		f := p.mod.ExportedFunction("gr_http")
		p.reset([]byte(`{"method":"GET","path":"/panic","route":"/panic"}`))
		if _, err := f.Call(t.Context()); err == nil {
			t.Fatal("a panic did not trap")
		}
		if len(p.logs) != 1 || !strings.Contains(p.logs[0], "ERROR plugin panicked: panicked at 'guest panic on purpose'") {
			t.Errorf("logs %q", p.logs)
		}
	})
}

func TestHelloRust(t *testing.T) {
	wasm := buildRust(t, filepath.Join(examplesDir, "hello-rust", "src", "lib.rs"))
	checkHello(t, wasm)
	checkBoundedMemory(t, wasm)
	h := newHost(t, wasm, helloConfig("hello"))
	for _, f := range greenroomImports(t, h) {
		if f != "mem_read" && f != "mem_write" && f != "input_read" {
			t.Errorf("hello-rust imports %s; it needs no capability", f)
		}
	}
}
