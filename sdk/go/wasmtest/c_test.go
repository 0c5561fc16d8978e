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

// buildC compiles a C guest with the flags of the C SDK's two supported modes.
func buildC(t *testing.T, src string, freestanding bool) []byte {
	t.Helper()
	if _, err := exec.LookPath("clang"); err != nil {
		if os.Getenv("GREENROOM_REQUIRE_TOOLS") != "" {
			t.Fatal("clang not installed (Debian: clang lld wasi-libc), and GREENROOM_REQUIRE_TOOLS is set")
		}
		t.Skip("clang not installed")
	}
	trackInputs(t, "../../c", filepath.Dir(src))
	out := filepath.Join(t.TempDir(), "guest.wasm")
	args := []string{"--target=wasm32-wasi", "-mexec-model=reactor"}
	if freestanding {
		args = []string{"--target=wasm32", "-ffreestanding", "-nostdlib", "-Wl,--no-entry"}
	}
	args = append(args, "-O2", "-Wall", "-Wextra", "-Werror", "-Wl,--strip-all", "-o", out, src)
	if msg, err := exec.Command("clang", args...).CombinedOutput(); err != nil {
		t.Fatalf("clang %v: %v\n%s", args, err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCSDK(t *testing.T) {
	for _, mode := range []struct {
		name         string
		freestanding bool
	}{{"wasm32-wasi", false}, {"freestanding", true}} {
		t.Run(mode.name, func(t *testing.T) {
			wasm := buildC(t, "../../c/testdata/guest.c", mode.freestanding)
			h := newHost(t, wasm, nil)

			big := bytes.Repeat([]byte("0123456789abcdef"), 300000) // 4.8 MB: scratch must grow
			for _, in := range [][]byte{nil, []byte("x"), big, []byte("again")} {
				if rc, out := h.call("echo", in); rc != 0 || !bytes.Equal(out, in) {
					t.Errorf("echo of %d bytes: rc %d, %d bytes back", len(in), rc, len(out))
				}
			}

			// Scratch memory is reused: repeating a call does not grow memory without end.
			var sizes []uint32
			fresh := newHost(t, wasm, nil)                                        // the big echo above would hide growth
			doc := []byte(`{"a":{"b":[1,"` + strings.Repeat("x", 1<<20) + `"]}}`) // two large allocations per call
			for i := 0; i < 6; i++ {
				if rc, out := fresh.call("json", doc); rc != 0 || len(out) != 1<<20 {
					t.Fatalf("json of 1 MiB: rc %d, %d bytes", rc, len(out))
				}
				sizes = append(sizes, fresh.mod.Memory().Size())
			}
			if sizes[5] != sizes[2] {
				t.Errorf("memory keeps growing over repeated calls: %v", sizes)
			}

			if rc, out := h.call("kv", []byte(`{"key":"k1","value":"aGk="}`)); rc != 0 || string(out) != `{"value":"aGk="}` {
				t.Errorf("kv: rc %d, %s", rc, out)
			}
			if string(h.kv["k1"]) != "hi" {
				t.Errorf("kv store holds %q", h.kv["k1"])
			}
			h.denyKV = true
			if rc, out := h.call("kv", []byte(`{"key":"k1","value":"aGk="}`)); rc != 0 || !strings.Contains(string(out), `"code":"capability_denied"`) {
				t.Errorf("denied kv: rc %d, %s", rc, out)
			}
			h.denyKV = false

			h.level = 2
			h.call("log", []byte("careful"))
			if want := []string{"WARN careful"}; !reflect.DeepEqual(h.logs, want) {
				t.Errorf("logs %q, want %q", h.logs, want)
			}

			if rc, out := h.call("fail", []byte("no \"such\" thing\n")); rc != 1 || string(out) != `{"code":"not_found","message":"no \"such\" thing\n"}` {
				t.Errorf("fail: rc %d, %s", rc, out)
			}
			if rc, out := h.call("plain", []byte("broken")); rc != 1 || string(out) != "broken" {
				t.Errorf("plain: rc %d, %s", rc, out)
			}

			for in, want := range map[string]string{
				`{"method":"GET","path":"/","caller":{"type":"user","userEntityRef":"user:default/j\u00e4ne","ownershipEntityRefs":["user:default/jäne"]}}`: "user:default/jäne",
				`{"method":"GET","path":"/","caller":{"type":"service","subject":"external:ci"}}`:                                                           "external:ci",
				`{"method":"GET","path":"/","headers":{"x":["caller"]}}`:                                                                                    "-",
			} {
				if rc, out := h.call("whoami", []byte(in)); rc != 0 || string(out) != want {
					t.Errorf("whoami %s: rc %d, %q, want %q", in, rc, out, want)
				}
			}

			for in, want := range map[string]string{
				`{"method":"GET","path":"/","requestId":"0b6f3c1e-5d0a-4f43-9d36-2a1f0c9b7e11"}`: "0b6f3c1e-5d0a-4f43-9d36-2a1f0c9b7e11",
				`{"method":"GET","path":"/","headers":{"requestId":["x"]}}`:                      "-",
			} {
				if rc, out := h.call("requestid", []byte(in)); rc != 0 || string(out) != want {
					t.Errorf("requestid %s: rc %d, %q, want %q", in, rc, out, want)
				}
			}

			for in, want := range map[string]string{
				`{"a":{"b":[1,"x\u00e9\ud83d\ude00\n\"\\\/"]}}`:                 "xé😀\n\"\\/",
				` { "z" : [ {"a":1} , "s" ] , "a" : { "b" : [ {} , "ok" ] } } `: "ok",
				`{"a":{"b":[1,"lone \ud800 surrogate"]}}`:                       "lone \uFFFD surrogate",
				`{"a":{"b":[1]}}`:                 "-",
				`{"a":{"b":[1,2]}}`:               "-",
				`{"a":{"b":[1,"unterminated`:      "-",
				`{"a":{"b":[1,"bad \q escape"]}}`: "-",
				`[1,2]`:                           "-",
				`{"a":}`:                          "-",
				``:                                "-",
			} {
				if rc, out := h.call("json", []byte(in)); rc != 0 || string(out) != want {
					t.Errorf("json %s: rc %d, %q, want %q", in, rc, out, want)
				}
			}
		})
	}
}

// TestCSDKFrontend: the header's frontend helpers write a card's and a page's outputs
// from the request's config, and a card from the render request's entity, in both modes.
func TestCSDKFrontend(t *testing.T) {
	for _, freestanding := range []bool{false, true} {
		h := newHost(t, buildC(t, "../../c/testdata/guest.c", freestanding), nil)
		for in, want := range map[string]string{
			`{"extension":"entity-card:g/card","config":{}}`:                          `{"core.ui.element":{},"catalog.entity-filter-expression":"kind:component"}`,
			`{"extension":"entity-card:g/card","config":{"filter":"kind:api \"x\""}}`: `{"core.ui.element":{},"catalog.entity-filter-expression":"kind:api \"x\""}`,
			`{"extension":"entity-card:g/card","config":{"filter":""}}`:               `{"core.ui.element":{}}`,
			`{"extension":"page:g","config":{"path":"/g\u00e9"}}`:                     `{"core.routing.path":"/gé","core.ui.element":{}}`,
		} {
			if rc, out := h.call("gr_extension", []byte(in)); rc != 0 || string(out) != want {
				t.Errorf("gr_extension %s: rc %d\n%s\nwant\n%s", in, rc, out, want)
			}
		}
		if rc, out := h.call("gr_extension", []byte(`{"extension":"page:g","config":{"path":"g"}}`)); rc != 1 || !strings.Contains(string(out), "must start with /") {
			t.Errorf("a page path without /: rc %d, %s", rc, out)
		}
		owner := strings.Repeat("team-ä\"", 40) // longer than the buffer starts: it grows
		in, _ := json.Marshal(map[string]any{"extension": "entity-card:g/card", "config": map[string]any{"title": "T<1>"},
			"entity": map[string]any{"metadata": map[string]any{"name": "web"}, "spec": map[string]any{"owner": owner}}})
		rc, out := h.call("gr_render", in)
		var got, want any
		json.Unmarshal(out, &got)
		wb, _ := json.Marshal(map[string]any{"type": "card", "title": "T<1>", "children": []any{map[string]any{"type": "kv", "pairs": []any{
			map[string]any{"key": "Name", "value": map[string]any{"type": "text", "text": "web"}},
			map[string]any{"key": "Owner", "value": map[string]any{"type": "text", "text": owner}}}}}})
		json.Unmarshal(wb, &want)
		if rc != 0 || !reflect.DeepEqual(got, want) {
			t.Errorf("gr_render: rc %d\n%s\nwant\n%s", rc, out, wb)
		}
		if rc, out := h.call("gr_render", []byte(`{"extension":"entity-card:g/card","config":{}}`)); rc != 1 || !strings.Contains(string(out), "needs an entity") {
			t.Errorf("no entity: rc %d, %s", rc, out)
		}
	}
}

// TestHelloCFreestanding builds hello-c without libc, the C SDK's other mode.
func TestHelloCFreestanding(t *testing.T) {
	checkHello(t, buildC(t, filepath.Join(examplesDir, "hello-c", "hello.c"), true))
}
