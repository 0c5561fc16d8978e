package wasmtest

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestGoSDKInsideWasm(t *testing.T) { testGoSDKInsideWasm(t, buildGo(t, "internal/guest"), false) }

// TestGoSDKInsideWasmTinyGo is TestGoSDKInsideWasm with the guest built with TinyGo.
func TestGoSDKInsideWasmTinyGo(t *testing.T) {
	testGoSDKInsideWasm(t, buildTinyGo(t, "internal/guest"), true)
}

func testGoSDKInsideWasm(t *testing.T, wasm []byte, tinygo bool) {
	cfg := map[string]string{"greenroom.config": `{"greeting":"hi","n":3}`, "greeting": "hi", "n": "3"}
	h := newHost(t, wasm, cfg)

	imports := greenroomImports(t, h)
	for _, want := range []string{"mem_read", "mem_write", "input_read", "kv_get", "kv_put", "kv_delete", "kv_list", "catalog_get"} {
		if !strings.Contains(","+strings.Join(imports, ",")+",", ","+want+",") {
			t.Errorf("guest does not import %s; imports %v", want, imports)
		}
	}
	for _, unused := range []string{"catalog_query", "url_read", "proxy_fetch"} {
		if strings.Contains(strings.Join(imports, ","), unused) {
			t.Errorf("guest imports %s, which it never calls; every import needs a grant", unused)
		}
	}

	t.Run("bulk copy of a large body", func(t *testing.T) {
		body := make([]byte, 1<<20+3)
		for i := range body {
			body[i] = byte(rand.IntN(256))
		}
		r := h.http("POST", "/echo", "/echo", nil, body)
		if r.Status != 200 || !bytes.Equal(r.Body, body) {
			t.Errorf("echo: status %d, %d bytes back, equal %v", r.Status, len(r.Body), bytes.Equal(r.Body, body))
		}
	})
	t.Run("config", func(t *testing.T) {
		r := h.http("GET", "/config", "/config", map[string][]string{"key": {"n"}}, nil)
		var got map[string]any
		json.Unmarshal(r.JSON, &got)
		want := map[string]any{"all": map[string]any{"greeting": "hi", "n": float64(3)}, "value": "3", "present": true}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %s", r.JSON)
		}
		r = h.http("GET", "/config", "/config", map[string][]string{"key": {"absent"}}, nil)
		if !strings.Contains(string(r.JSON), `"present":false`) {
			t.Errorf("absent key: %s", r.JSON)
		}
	})
	t.Run("log level", func(t *testing.T) {
		h.level = 3
		h.http("GET", "/log", "/log", map[string][]string{"who": {"two words"}}, nil)
		if want := []string{`WARN warn line who="two words"`}; !reflect.DeepEqual(h.logs, want) {
			t.Errorf("logs %q, want %q", h.logs, want)
		}
	})
	t.Run("kv", func(t *testing.T) {
		if r := h.http("PUT", "/kv/a", "/kv/:key", nil, []byte("1")); r.Status != 204 {
			t.Fatalf("put: %d %s", r.Status, r.JSON)
		}
		h.http("PUT", "/kv/ab", "", nil, []byte("2"))
		if r := h.http("GET", "/kv/a", "", nil, nil); r.Status != 200 || string(r.Body) != "1" {
			t.Errorf("get: %d %q", r.Status, r.Body)
		}
		if r := h.http("GET", "/kv", "/kv", map[string][]string{"prefix": {"a"}}, nil); *r.Text != "a,ab" {
			t.Errorf("list: %q", *r.Text)
		}
		h.http("DELETE", "/kv/a", "", nil, nil)
		if r := h.http("GET", "/kv/a", "", nil, nil); r.Status != 404 || !strings.Contains(string(r.JSON), "no key a") {
			t.Errorf("get after delete: %d %s", r.Status, r.JSON)
		}
		h.denyKV = true
		defer func() { h.denyKV = false }()
		if r := h.http("GET", "/kv/ab", "", nil, nil); r.Status != 403 || !strings.Contains(string(r.JSON), "capability_denied") {
			t.Errorf("denied kv: %d %s", r.Status, r.JSON)
		}
	})
	t.Run("denied host call", func(t *testing.T) {
		r := h.http("GET", "/entity/component:default/web", "/entity/*", nil, nil)
		if r.Status != 403 || !strings.Contains(string(r.JSON), "catalog_get is not granted") {
			t.Errorf("catalog_get: %d %s", r.Status, r.JSON)
		}
	})
	t.Run("panic", func(t *testing.T) {
		if tinygo {
			// TinyGo cannot recover a panic in WebAssembly: the call traps, and a host
			// discards the instance. A fresh host, so that h stays usable.
			h := newHost(t, wasm, cfg)
			h.reset([]byte(`{"method":"GET","path":"/panic","route":"/panic"}`))
			if _, err := h.mod.ExportedFunction("gr_http").Call(context.Background()); err == nil {
				t.Error("a panic under TinyGo returned instead of trapping")
			}
			return
		}
		r := h.http("GET", "/panic", "/panic", nil, nil)
		if r.Status != 500 || !strings.Contains(string(r.JSON), "guest panic") {
			t.Errorf("panic: %d %s", r.Status, r.JSON)
		}
		if r := h.http("GET", "/config", "/config", nil, nil); r.Status != 200 {
			t.Errorf("instance unusable after a panic: %d", r.Status)
		}
	})
	t.Run("not found", func(t *testing.T) {
		if r := h.http("GET", "/nope", "", nil, nil); r.Status != 404 {
			t.Errorf("status %d", r.Status)
		}
	})
	t.Run("task error", func(t *testing.T) {
		rc, out := h.call("gr_task", []byte(`{"name":"fail","scheduledAt":"2026-11-21T10:00:00Z"}`))
		if rc != 1 || string(out) != `{"code":"unavailable","message":"task failed on purpose"}` {
			t.Errorf("rc %d, error %s", rc, out)
		}
	})
	t.Run("malformed input", func(t *testing.T) {
		rc, out := h.call("gr_http", []byte(`{"method":`))
		if rc != 1 || !strings.Contains(string(out), `"code":"invalid_argument"`) {
			t.Errorf("rc %d, error %s", rc, out)
		}
	})
}
