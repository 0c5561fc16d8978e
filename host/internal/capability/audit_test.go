package capability

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/audit"
	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/plugintest"
	"greenroom.dev/greenroom/host/internal/runtime"
	"greenroom.dev/greenroom/host/internal/store"
)

// TestAuditRealPlugin links the table's kv_get (granted) and proxy_fetch (an optional
// capability's stub) into a real module (testdata/caller.wat) on the real runtime: one
// call is ok, one is denied, and both land in the log with their targets.
func TestAuditRealPlugin(t *testing.T) {
	ctx := context.Background()
	file, err := store.OpenFile(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()

	dir := t.TempDir()
	log, err := audit.Open(audit.LogConfig{File: "audit.log"}, dir, 100)
	if err != nil {
		t.Fatal(err)
	}
	h := NewHost(Services{KV: file.KV()}, log)
	p := plugin(t, "kv: {}")
	p.ID = "caller"
	funcs := map[string]runtime.HostFunc{}
	if funcs["kv_get"], err = h.Link(p, "kv_get", true); err != nil {
		t.Fatal(err)
	}
	if funcs["proxy_fetch"], err = h.Link(p, "proxy_fetch", false); err != nil {
		t.Fatal(err)
	}
	rp := loadWAT(t, "caller", funcs)
	for i := 0; i < 3; i++ {
		if _, err := rp.Call(ctx, abi.ExportHTTP, []byte(`{"method":"GET","path":"/"}`)); err != nil {
			t.Fatal(err)
		}
	}
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines:\n%s", len(lines), b)
	}
	want := []audit.Entry{
		{Plugin: "caller", Capability: "kv", Function: "kv_get", Target: "k", Outcome: audit.OK},
		{Plugin: "caller", Capability: "proxy", Function: "proxy_fetch", Target: "GET /github/repos", Outcome: audit.Denied,
			Error: "capability_denied: plugin caller: proxy_fetch: capability proxy is not granted"},
	}
	for i, l := range lines {
		var e audit.Entry
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		if e.Time.IsZero() || e.DurationMs < 0 {
			t.Fatalf("entry %+v", e)
		}
		e.Time, e.DurationMs = want[i%2].Time, 0
		if e != want[i%2] {
			t.Errorf("line %d:\n got %+v\nwant %+v", i, e, want[i%2])
		}
	}
}

// TestTargets: what the audit log records of each function's request, read from the
// request the call decoded.
func TestTargets(t *testing.T) {
	s := services(t)
	var buf bytes.Buffer
	log := audit.New(&buf, 100)
	defer log.Close()
	h := NewHost(*s, log)
	p := plugin(t, "catalog.read: {}\ncatalog.write: {}\nurl.read: {}\nproxy: {endpoints: [/up]}")
	many := `{"upsert":[` + strings.TrimSuffix(strings.Repeat(`{"kind":"Component","metadata":{"name":"c"}},`, 12), ",") + `]}`
	for _, c := range []struct{ fn, req, want string }{
		{"kv_get", `{"key":"counter"}`, "counter"},
		{"kv_put", `{"key":"counter","value":"AAAA"}`, "counter"},
		{"kv_delete", `{"key":"counter"}`, "counter"},
		{"kv_list", `{"prefix":"runs/","limit":10}`, "runs/*"},
		{"kv_list", `{}`, "*"},
		{"catalog_get", `{"ref":"component:default/web"}`, "component:default/web"},
		{"catalog_query", `{"filter":["kind=component", "spec.type=service"],"limit":5}`, `filter ["kind=component","spec.type=service"]`},
		{"catalog_query", `{}`, "filter []"},
		{"catalog_facets", `{"facets":["kind","spec.type"]}`, "facets kind,spec.type filter []"},
		{"catalog_apply", `{"upsert":[{"kind":"Component","metadata":{"name":"a","namespace":"ops"}}],"delete":["api:default/b"]}`, "upsert component:ops/a; delete api:default/b"},
		{"catalog_apply", many, "upsert" + strings.Repeat(" component:default/c", 10) + " +2 more"},
		{"url_read", `{"url":"https://github.com/acme/x/blob/main/a.yaml","etag":"1"}`, "https://github.com/acme/x/blob/main/a.yaml"},
		{"url_read_tree", `{"url":"https://github.com/acme/x/tree/main/docs"}`, "https://github.com/acme/x/tree/main/docs"},
		{"url_search", `{"url":"https://github.com/acme/x/blob/main/**/*.md"}`, "https://github.com/acme/x/blob/main/**/*.md"},
		{"proxy_fetch", `{"endpoint":"/other","method":"POST","path":"/graphql"}`, "POST /other/graphql"},
		{"proxy_fetch", `{"endpoint":"/other"}`, "GET /other"},
		{"kv_get", `not json`, ""},
	} {
		// kv is not granted: its functions are the stubs, which record their targets too.
		f, err := h.Link(p, c.fn, p.Grants.Has(mustOf(t, c.fn)))
		if err != nil {
			t.Fatal(err)
		}
		f(context.Background(), []byte(c.req))
		got := log.Recent(audit.Filter{})[0]
		if got.Function != c.fn || got.Target != c.want {
			t.Errorf("%s %s:\n got %q\nwant %q", c.fn, c.req, got.Target, c.want)
		}
	}
}

func mustOf(t *testing.T, fn string) string {
	c, ok := Of(fn)
	if !ok {
		t.Fatalf("%s is not in the table", fn)
	}
	return c
}

// TestAuditNamesTheCaller: a host call made while a plugin serves a signed-in user is
// recorded with that user as its caller, a plugin's own task with the plugin's service
// identity, and a call for nobody as anonymous; a denial names its caller too.
func TestAuditNamesTheCaller(t *testing.T) {
	s := services(t)
	log := audit.New(io.Discard, 100)
	defer log.Close()
	h := NewHost(*s, log)
	p := plugin(t, "catalog.read: {}")
	get, err := h.Link(p, "catalog_get", true)
	if err != nil {
		t.Fatal(err)
	}
	put, err := h.Link(p, "kv_put", false) // not granted: the stub denies it
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ctx  context.Context
		want string
	}{
		{identity.With(context.Background(), identity.NewUser("user:default/ada", []string{"group:default/team-a"})), "user:default/ada"},
		{identity.With(context.Background(), identity.NewService("plugin:p")), "plugin:p"},
		{context.Background(), "anonymous"},
	} {
		get(c.ctx, []byte(`{"ref":"component:default/web"}`))
		if got := log.Recent(audit.Filter{})[0]; got.Function != "catalog_get" || got.Caller != c.want {
			t.Errorf("catalog_get for %q: recorded %s with caller %q", c.want, got.Function, got.Caller)
		}
		put(c.ctx, []byte(`{"key":"k","value":"AA=="}`))
		if got := log.Recent(audit.Filter{})[0]; got.Function != "kv_put" || got.Outcome != audit.Denied || got.Caller != c.want {
			t.Errorf("denied kv_put for %q: recorded %s %s with caller %q", c.want, got.Function, got.Outcome, got.Caller)
		}
	}
}

// loadWAT loads testdata/<name>.wat, packed with testdata/<name>.yaml, as one instance
// on the real runtime with funcs linked; the test's cleanup closes it.
func loadWAT(t *testing.T, name string, funcs map[string]runtime.HostFunc) *runtime.Plugin {
	t.Helper()
	ctx := context.Background()
	dir := "host/internal/capability/testdata/"
	wasm, err := os.ReadFile(plugintest.WAT(t, dir+name+".wat", dir+name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	eng, err := runtime.NewEngine(ctx, runtime.EngineConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close(ctx) })
	rp, err := eng.Load(ctx, wasm, runtime.Options{Name: name, Instances: 1, HostFuncs: funcs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rp.Close(ctx) })
	return rp
}
