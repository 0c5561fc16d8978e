package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/audit"
	"greenroom.dev/greenroom/host/internal/plugintest"
	"greenroom.dev/greenroom/host/internal/runtime"
)

// TestWrapRealPlugin links wrapped host functions into a real module (testdata/caller.wat)
// on the real runtime: one call is ok, one is denied by an optional capability's stub, as
// the loader links it, and both land in the log with their targets.
func TestWrapRealPlugin(t *testing.T) {
	ctx := context.Background()
	wasm, err := os.ReadFile(plugintest.WAT(t, "host/internal/audit/testdata/caller.wat", "host/internal/audit/testdata/caller.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	eng, err := runtime.NewEngine(ctx, runtime.EngineConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close(ctx)

	dir := t.TempDir()
	log, err := audit.Open(audit.LogConfig{File: "audit.log"}, dir, 100)
	if err != nil {
		t.Fatal(err)
	}
	kvGet := func(ctx context.Context, req []byte) ([]byte, error) { return []byte(`{"value":null}`), nil }
	deniedProxy := func(ctx context.Context, req []byte) ([]byte, error) {
		return nil, abi.Errorf(abi.CodeCapabilityDenied, "plugin caller: proxy_fetch: capability proxy is not granted")
	}
	funcs := map[string]runtime.HostFunc{
		"kv_get":      audit.Wrap(log, "caller", "kv_get", kvGet),
		"proxy_fetch": audit.Wrap(log, "caller", "proxy_fetch", deniedProxy),
	}
	p, err := eng.Load(ctx, wasm, runtime.Options{Name: "caller", Instances: 1, HostFuncs: funcs})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	for i := 0; i < 3; i++ {
		if _, err := p.Call(ctx, abi.ExportHTTP, []byte(`{"method":"GET","path":"/"}`)); err != nil {
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
	var got []audit.Entry
	for _, l := range lines {
		var e audit.Entry
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		if e.Time.IsZero() || e.DurationMs < 0 {
			t.Fatalf("entry %+v", e)
		}
		got = append(got, e)
	}
	want := []audit.Entry{
		{Plugin: "caller", Capability: "kv", Function: "kv_get", Target: "k", Outcome: audit.OK},
		{Plugin: "caller", Capability: "proxy", Function: "proxy_fetch", Target: "GET /github/repos", Outcome: audit.Denied,
			Error: "capability_denied: plugin caller: proxy_fetch: capability proxy is not granted"},
	}
	for i, e := range got {
		e.Time, e.DurationMs = want[i%2].Time, 0
		if e != want[i%2] {
			t.Errorf("line %d:\n got %+v\nwant %+v", i, e, want[i%2])
		}
	}
	if d := log.Recent(audit.Filter{Outcome: audit.Denied}); len(d) != 3 {
		t.Fatalf("recent denials %d", len(d))
	}
}

func TestWrapPassThrough(t *testing.T) {
	f := func(ctx context.Context, req []byte) ([]byte, error) { return req, nil }
	var buf bytes.Buffer
	log := audit.New(&buf, 10)
	defer log.Close()
	// mem_read needs no capability, and a nil log records nothing: f comes back as is.
	for _, w := range []audit.HostFunc{audit.Wrap(log, "p", "mem_read", f), audit.Wrap(nil, "p", "kv_get", f)} {
		if fmt.Sprintf("%p", w) != fmt.Sprintf("%p", f) {
			t.Fatal("Wrap wrapped a function it should have returned as is")
		}
	}
	// Results and errors pass through unchanged.
	boom := errors.New("boom")
	w := audit.Wrap(log, "p", "url_read", func(ctx context.Context, req []byte) ([]byte, error) { return []byte("r"), boom })
	res, err := w(context.Background(), []byte(`{"url":"https://github.com/a/b"}`))
	if string(res) != "r" || err != boom {
		t.Fatalf("%q, %v", res, err)
	}
	e := log.Recent(audit.Filter{})[0]
	if e.Outcome != audit.Failed || e.Error != "boom" || e.Target != "https://github.com/a/b" || e.Capability != abi.CapURLRead {
		t.Fatalf("%+v", e)
	}
}

func TestClassify(t *testing.T) {
	wrapped := fmt.Errorf("narrowed: %w", abi.Errorf(abi.CodeCapabilityDenied, "host evil.example is not in grants[\"url.read\"].hosts"))
	for _, c := range []struct {
		err  error
		want audit.Outcome
	}{
		{nil, audit.OK},
		{abi.Errorf(abi.CodeCapabilityDenied, "no"), audit.Denied},
		{wrapped, audit.Denied},
		{abi.Errorf(abi.CodeNotFound, "no"), audit.Failed},
		{context.DeadlineExceeded, audit.Failed},
	} {
		if got, _ := audit.Classify(c.err); got != c.want {
			t.Errorf("%v: %s, want %s", c.err, got, c.want)
		}
	}
	_, msg := audit.Classify(errors.New(strings.Repeat("é", 400)))
	if len(msg) > audit.MaxError || !strings.HasSuffix(msg, "…") || !strings.HasPrefix(msg, "éé") {
		t.Fatalf("clipped message %q (%d bytes)", msg, len(msg))
	}
}

func TestTarget(t *testing.T) {
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
		{"proxy_fetch", `{"endpoint":"/github","method":"POST","path":"/graphql"}`, "POST /github/graphql"},
		{"proxy_fetch", `{"endpoint":"/github"}`, "GET /github"},
		{"kv_get", `not json`, ""},
		{"unknown", `{"key":"x"}`, ""},
	} {
		if got := audit.Target(c.fn, []byte(c.req)); got != c.want {
			t.Errorf("%s %s:\n got %q\nwant %q", c.fn, c.req, got, c.want)
		}
	}
}

func TestRecordTask(t *testing.T) {
	log := audit.New(&bytes.Buffer{}, 10)
	defer log.Close()
	start := time.Now().Add(-time.Millisecond)
	log.RecordTask("hello", "tick", start, nil)
	log.RecordTask("hello", "tick", start, errors.New("trap"))
	(*audit.Log)(nil).RecordTask("hello", "tick", start, nil)
	got := log.Recent(audit.Filter{Capability: abi.CapTasks})
	if len(got) != 2 || got[1].Target != "tick" || got[1].Function != "gr_task" || got[1].Outcome != audit.OK || got[0].Outcome != audit.Failed || got[1].DurationMs < 1 {
		t.Fatalf("%+v", got)
	}
}

// BenchmarkWrap measures what the audit adds to one kv_get call: the target read, the
// entry and its buffered write.
func BenchmarkWrap(b *testing.B) {
	log, err := audit.Open(audit.LogConfig{File: "audit.log"}, b.TempDir(), 1000)
	if err != nil {
		b.Fatal(err)
	}
	defer log.Close()
	f := func(ctx context.Context, req []byte) ([]byte, error) { return nil, nil }
	req := []byte(`{"key":"counters/requests"}`)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		f    audit.HostFunc
	}{{"bare", f}, {"wrapped", audit.Wrap(log, "hello", "kv_get", f)}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				c.f(ctx, req)
			}
		})
	}
}
