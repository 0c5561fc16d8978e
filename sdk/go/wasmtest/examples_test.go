package wasmtest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

const examplesDir = "../../../examples"

// content returns a response's body, whichever field holds it.
func (r response) content() []byte {
	switch {
	case r.JSON != nil:
		return r.JSON
	case r.Text != nil:
		return []byte(*r.Text)
	}
	return r.Body
}

// isJSON reports whether the response declares a JSON body.
func (r response) isJSON() bool {
	if r.JSON != nil {
		_, set := r.Headers["content-type"]
		return !set || strings.Contains(string(r.Headers["content-type"]), "application/json")
	}
	return strings.Contains(string(r.Headers["content-type"]), "application/json")
}

// helloConfig is the config the host passes after applying the manifest's defaults.
func helloConfig(greeting string) map[string]string {
	b, _ := json.Marshal(map[string]string{"greeting": greeting})
	return map[string]string{"greenroom.config": string(b), "greeting": greeting}
}

// checkHello runs the behaviour every hello example shares: GET /hello?name=X answers
// {"message":"<greeting> X"} and a missing name answers 400 with a JSON error.
func checkHello(t *testing.T, wasm []byte) {
	for _, tt := range []struct {
		name     string
		config   map[string]string
		query    map[string][]string
		status   int
		wantJSON string
	}{
		{"default greeting", helloConfig("hello"), map[string][]string{"name": {"X"}}, 200, `{"message":"hello X"}`},
		{"configured greeting", helloConfig("good morning"), map[string][]string{"name": {"Ada"}}, 200, `{"message":"good morning Ada"}`},
		{"no config at all", map[string]string{}, map[string][]string{"name": {"X"}}, 200, `{"message":"hello X"}`},
		{"empty greeting means the default", helloConfig(""), map[string][]string{"name": {"X"}}, 200, `{"message":"hello X"}`},
		{"characters JSON escapes", helloConfig("hello"), map[string][]string{"name": {"a\"b\\c\n\u0001</>"}}, 200, `{"message":"hello a\"b\\c\n\u0001</>"}`},
		{"non-ASCII", helloConfig("grüß dich"), map[string][]string{"name": {"Zoë 😀"}}, 200, `{"message":"grüß dich Zoë 😀"}`},
		{"first of several values", helloConfig("hello"), map[string][]string{"name": {"A", "B"}}, 200, `{"message":"hello A"}`},
		{"missing name", helloConfig("hello"), nil, 400, ""},
		{"empty name", helloConfig("hello"), map[string][]string{"name": {""}}, 400, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHost(t, wasm, tt.config)
			for i := 0; i < 2; i++ { // a second call on the same instance must agree
				r := h.http("GET", "/hello", "/hello", tt.query, nil)
				if r.Status != tt.status || !r.isJSON() {
					t.Fatalf("status %d (want %d), JSON %v, body %s", r.Status, tt.status, r.isJSON(), r.content())
				}
				var got, want any
				if err := json.Unmarshal(r.content(), &got); err != nil {
					t.Fatalf("body %q is not JSON: %v", r.content(), err)
				}
				if tt.status == 400 {
					e, _ := got.(map[string]any)["error"].(map[string]any)
					if e["message"] != "query parameter name is required" || e["name"] != "InputError" {
						t.Errorf("error body %s", r.content())
					}
					continue
				}
				json.Unmarshal([]byte(tt.wantJSON), &want)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("body %s, want %s", r.content(), tt.wantJSON)
				}
			}
		})
	}
}

// checkBoundedMemory serves many requests on one instance and fails if its memory is
// still growing at the end: a pooled instance serves requests for its whole life.
func checkBoundedMemory(t *testing.T, wasm []byte) {
	h := newHost(t, wasm, helloConfig("hello"))
	name := strings.Repeat("n", 4096)
	var sizes []uint32
	for round := 0; round < 4; round++ {
		for i := 0; i < 500; i++ {
			if r := h.http("GET", "/hello", "/hello", map[string][]string{"name": {name}}, nil); r.Status != 200 {
				t.Fatalf("status %d", r.Status)
			}
		}
		sizes = append(sizes, h.mod.Memory().Size())
	}
	if sizes[3] > sizes[1] {
		t.Errorf("memory still growing after 2000 requests: %v bytes after each 500", sizes)
	}
}

func TestHelloGo(t *testing.T) { testHelloGo(t, buildGo(t, filepath.Join(examplesDir, "hello-go"))) }

// TestHelloGoTinyGo is TestHelloGo with hello-go built with TinyGo.
func TestHelloGoTinyGo(t *testing.T) {
	testHelloGo(t, buildTinyGo(t, filepath.Join(examplesDir, "hello-go")))
}

func testHelloGo(t *testing.T, wasm []byte) {
	checkHello(t, wasm)
	checkBoundedMemory(t, wasm)

	h := newHost(t, wasm, helloConfig("hello"))
	got := greenroomImports(t, h)
	sort.Strings(got) // in the order the compiler emits them
	if !reflect.DeepEqual(got, []string{"input_read", "kv_get", "kv_put", "mem_read", "mem_write"}) {
		t.Errorf("greenroom imports %v; the manifest requests only kv", got)
	}
	count := func() string {
		r := h.http("GET", "/count", "/count", nil, nil)
		if r.Status != 200 {
			t.Fatalf("/count: %d %s", r.Status, r.content())
		}
		return string(r.content())
	}
	if got := count(); got != `{"count":0}` {
		t.Errorf("before any tick: %s", got)
	}
	for i := 0; i < 3; i++ {
		if rc, out := h.call("gr_task", []byte(`{"name":"tick","scheduledAt":"2026-11-21T10:00:00Z"}`)); rc != 0 {
			t.Fatalf("tick: rc %d, %s", rc, out)
		}
	}
	if got := count(); got != `{"count":3}` {
		t.Errorf("after three ticks: %s", got)
	}
	if string(h.kv["counter"]) != "3" {
		t.Errorf("kv counter = %q", h.kv["counter"])
	}
	h.kv["counter"] = []byte("x")
	if r := h.http("GET", "/count", "/count", nil, nil); r.Status != 500 || !strings.Contains(string(r.content()), "not a number") {
		t.Errorf("corrupt counter: %d %s", r.Status, r.content())
	}
	h.denyKV = true
	if rc, out := h.call("gr_task", []byte(`{"name":"tick","scheduledAt":"x"}`)); rc != 1 || !strings.Contains(string(out), "capability_denied") {
		t.Errorf("tick without kv: rc %d, %s", rc, out)
	}
	if rc, out := h.call("gr_task", []byte(`{"name":"tock","scheduledAt":"x"}`)); rc != 1 || !strings.Contains(string(out), "not_found") {
		t.Errorf("unknown task: rc %d, %s", rc, out)
	}
}

// committedAndRebuilt returns the committed module of a non-Go example and, when its
// toolchain is present (missing says what is not, or is ""), also a copy rebuilt and
// packed from source by the example's build script into a temporary file, so that every
// run also tests what the source builds to today.
func committedAndRebuilt(t *testing.T, id, missing string) map[string][]byte {
	dir := filepath.Join(examplesDir, id)
	committed, err := os.ReadFile(filepath.Join(dir, id+".wasm"))
	if err != nil {
		t.Fatalf("committed module: %v", err)
	}
	out := map[string][]byte{"committed": committed}
	if missing != "" {
		if os.Getenv("GREENROOM_REQUIRE_TOOLS") != "" {
			t.Fatalf("%s, and GREENROOM_REQUIRE_TOOLS is set: the test task needs every tool the README lists", missing)
		}
		t.Logf("%s: testing the committed %s.wasm only", missing, id)
		return out
	}
	trackInputs(t, dir, "../../c")
	packed := filepath.Join(t.TempDir(), id+".wasm")
	cmd := exec.Command("sh", "build.sh", "-o", packed)
	cmd.Dir = dir
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("rebuilding %s: %v\n%s", id, err, msg)
	}
	b, err := os.ReadFile(packed)
	if err != nil {
		t.Fatal(err)
	}
	out["rebuilt"] = b
	return out
}

// interfaceOf lists a module's imports and the gr_* functions it exports: what a plugin
// can reach and what it offers the host, which must not drift between the committed
// module and its source, whatever the toolchain's version.
func interfaceOf(t *testing.T, wasm []byte) (imports []string, exports []string) {
	t.Helper()
	h := newHost(t, wasm, nil)
	imports = append(imports, h.imports...)
	for name := range h.mod.ExportedFunctionDefinitions() {
		if strings.HasPrefix(name, "gr_") {
			exports = append(exports, name)
		}
	}
	sort.Strings(imports)
	sort.Strings(exports)
	return imports, exports
}

// checkNonGoExample runs the hello behaviour on the committed module of a non-Go example
// and, when its toolchain is installed, on a copy rebuilt from source. The two need not
// be byte-identical (that depends on the compiler's exact version); they must carry the
// same manifest and the same imports and exports, and behave the same.
func checkNonGoExample(t *testing.T, id, missing string) {
	modules := committedAndRebuilt(t, id, missing)
	checkManifest(t, modules["committed"], id, "GET /hello")
	if rebuilt, ok := modules["rebuilt"]; ok {
		committedManifest := customSection(t, modules["committed"], "greenroom.manifest")
		if got := customSection(t, rebuilt, "greenroom.manifest"); string(got) != string(committedManifest) {
			t.Errorf("committed %s.wasm carries manifest %s, but plugin.yaml packs to %s; run sh examples/%s/build.sh and commit it", id, committedManifest, got, id)
		}
		ci, ce := interfaceOf(t, modules["committed"])
		ri, re := interfaceOf(t, rebuilt)
		if !reflect.DeepEqual(ci, ri) || !reflect.DeepEqual(ce, re) {
			t.Errorf("committed %s.wasm imports %v and exports %v, but its source builds to imports %v and exports %v; run sh examples/%s/build.sh and commit it", id, ci, ce, ri, re, id)
		}
	}
	for name, wasm := range modules {
		t.Run(name, func(t *testing.T) {
			checkHello(t, wasm)
			checkBoundedMemory(t, wasm)
			h := newHost(t, wasm, nil)
			for _, imp := range h.imports {
				if strings.HasPrefix(imp, "wasi_snapshot_preview1.") {
					t.Errorf("%s imports %s; it needs no WASI", id, imp)
				}
			}
			if got := greenroomImports(t, h); len(got) > 3 {
				t.Errorf("%s imports capability-bearing functions %v; it needs none", id, got)
			}
			// Bad input is an error, not a trap.
			rc, out := h.call("gr_http", []byte(`{"method":"GET","path":"/hello","query":{"name":5}}`))
			if rc != 0 || !strings.Contains(string(out), `"status":400`) {
				t.Errorf("name that is not a string: rc %d, %s", rc, out)
			}
			rc, out = h.call("gr_http", []byte(`not json`))
			if rc == 0 && !strings.Contains(string(out), `"status":400`) {
				t.Errorf("input that is not JSON: rc %d, %s", rc, out)
			}
		})
	}
}

func TestHelloC(t *testing.T) {
	missing := ""
	if _, err := exec.LookPath("clang"); err != nil {
		missing = "clang is not installed"
	}
	checkNonGoExample(t, "hello-c", missing)
}

func TestHelloAssemblyScript(t *testing.T) {
	missing := ""
	if _, err := os.Stat(filepath.Join(examplesDir, "hello-assemblyscript", "node_modules", ".bin", "asc")); err != nil {
		missing = "npm packages not installed (run go tool task npm, or npm ci in examples/hello-assemblyscript)"
	} else if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not installed"
	}
	checkNonGoExample(t, "hello-assemblyscript", missing)
}
