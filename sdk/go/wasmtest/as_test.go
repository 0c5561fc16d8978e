package wasmtest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// buildAS compiles an AssemblyScript guest with the pinned compiler of
// examples/hello-assemblyscript (go tool task npm installs it).
func buildAS(t *testing.T, src string) []byte {
	t.Helper()
	modules, _ := filepath.Abs(filepath.Join(examplesDir, "hello-assemblyscript", "node_modules"))
	asc := filepath.Join(modules, "assemblyscript", "bin", "asc.js")
	if _, err := os.Stat(asc); err != nil {
		if os.Getenv("GREENROOM_REQUIRE_TOOLS") != "" || os.Getenv("CI") != "" {
			t.Fatal("the pinned AssemblyScript compiler is missing (go tool task npm), and GREENROOM_REQUIRE_TOOLS or CI is set")
		}
		t.Skip("the pinned AssemblyScript compiler is missing (go tool task npm)")
	}
	trackInputs(t, "../../assemblyscript/assembly", filepath.Dir(src))
	out := filepath.Join(t.TempDir(), "guest.wasm")
	// @extism/as-pdk resolves from the example's node_modules.
	abs, _ := filepath.Abs(src)
	cmd := exec.Command("node", asc, abs, "--outFile", out, "--use", "abort=testdata/guest/myAbort", "-O3", "--path", modules)
	cmd.Dir = filepath.Dir(filepath.Dir(abs))
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("asc: %v\n%s", err, msg)
	}
	return mustRead(t, out)
}

// TestAssemblyScriptLayer runs sdk/assemblyscript's layer over @extism/as-pdk inside
// WebAssembly: request reading, JSON quoting, Backstage error bodies, a card's outputs,
// errors, and every host function, which it imports only when called.
func TestAssemblyScriptLayer(t *testing.T) {
	wasm := buildAS(t, "../../assemblyscript/testdata/guest.ts")
	h := newHost(t, wasm, nil)
	greenroomImports(t, h)

	r := h.http("GET", "/hello", "/hello", map[string][]string{"name": {"Zoë \"q\"\n"}}, nil)
	if r.Status != 200 || string(r.JSON) != `{"message":"hello Zoë \"q\"\n"}` {
		t.Errorf("hello: %d %s", r.Status, r.JSON)
	}
	if r := h.http("GET", "/hello", "/hello", nil, nil); r.Status != 400 || !strings.Contains(string(r.JSON), `"name":"InputError"`) {
		t.Errorf("no name: %d %s", r.Status, r.JSON)
	}
	if r := h.http("PUT", "/kv", "/kv", map[string][]string{"key": {"a"}}, []byte("hi")); r.Status != 204 {
		t.Errorf("kv put: %d %s", r.Status, r.JSON)
	}
	if r := h.http("GET", "/kv", "/kv", map[string][]string{"key": {"a"}}, nil); r.Status != 200 || string(r.JSON) != `{"value":"aGk="}` {
		t.Errorf("kv get: %d %s", r.Status, r.JSON)
	}
	h.denyKV = true
	if r := h.http("GET", "/kv", "/kv", map[string][]string{"key": {"a"}}, nil); r.Status != 403 || !strings.Contains(string(r.JSON), "kv_get is not granted") {
		t.Errorf("denied kv: %d %s", r.Status, r.JSON)
	}
	h.denyKV = false

	h.reqs = nil
	rc, out := h.call("calls", nil)
	var got map[string]string
	json.Unmarshal(out, &got)
	want := map[string]string{"kv_list": "ok", "kv_delete": "ok"}
	for _, f := range append([]string{"catalog_get", "catalog_query", "catalog_facets", "catalog_apply", "url_read", "url_read_tree", "url_search", "proxy_fetch", "permission_authorize"}, goldenRequests...) {
		want[f] = "capability_denied"
	}
	if rc != 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("calls: rc %d %s", rc, out)
	}
	if n := len(h.reqs) - len(goldenRequests); n >= 0 {
		checkGoldenRequests(t, h.reqs[n:])
	} else {
		t.Errorf("calls made %d host calls: %v", len(h.reqs), h.reqs)
	}
	if rc, out := h.call("action", nil); rc != 0 || !jsonEqual(out, mustRead(t, "../../../abi/testdata/action-result.json")) {
		t.Errorf("action: rc %d %s", rc, out)
	}

	if rc, out := h.call("gr_extension", []byte(`{"extension":"entity-card:x/y","config":{"filter":"kind:api"}}`)); rc != 0 || string(out) != `{"core.ui.element":{},"catalog.entity-filter-expression":"kind:api"}` {
		t.Errorf("gr_extension: rc %d %s", rc, out)
	}
	if rc, out := h.call("fail", []byte("no \"such\" thing")); rc != 1 || string(out) != `{"code":"not_found","message":"no \"such\" thing"}` {
		t.Errorf("fail: rc %d %s", rc, out)
	}
}
