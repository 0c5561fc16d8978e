package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/audit"
	"greenroom.dev/greenroom/host/internal/capability"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/store"
)

// kvCounter is the service behind the test's new host function: one typed method.
type kvCounter struct{ kv *store.KV }

// Count counts the plugin's keys that start with prefix.
func (c kvCounter) Count(plugin, prefix string) (int, error) {
	keys, err := c.kv.List(plugin, []byte(prefix), 10000)
	return len(keys), err
}

type countRequest struct {
	Prefix string `json:"prefix"`
}

type countResult struct {
	Count int `json:"count"`
}

// TestAddHostFunction: a new host function is one table entry and one typed method.
// Nothing else learns of kv_count, yet the loader checks its import against the grant,
// links it, a real module calls it, and the audit log records the call.
func TestAddHostFunction(t *testing.T) {
	e := newEnv(t)
	fixture(t, e.dir, "kvcount", "kvcount")
	counter := kvCounter{e.file.KV()}
	table := append(slices.Clone(capability.Functions), capability.Define("kv_count", abi.CapKV,
		`{"prefix"}`, `{"count"}`,
		func(r *countRequest) string { return r.Prefix + "*" },
		func(_ *capability.Services, p *config.Plugin) capability.Call[countRequest, countResult] {
			return func(_ context.Context, r *countRequest) (countResult, error) {
				n, err := counter.Count(p.ID, r.Prefix)
				return countResult{n}, err
			}
		}))
	var logged bytes.Buffer
	log := audit.New(&logged, 10)
	defer log.Close()
	host := &capability.Host{Table: table, Services: capability.Services{KV: e.file.KV()}, Audit: log}

	for _, k := range []string{"a1", "a2", "b1"} {
		if err := e.file.KV().Put("kvcount", []byte(k), []byte("x"), 1<<20); err != nil {
			t.Fatal(err)
		}
	}
	c := e.config(t, "plugins:\n  - id: kvcount\n    source: kvcount.wasm\n    grants: {kv: {}}\n")
	p, err := Load(context.Background(), Deps{Engine: e.engine, Host: host}, c, &c.Plugins[0])
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	res, err := get(t, p, "/")
	if err != nil {
		t.Fatal(err)
	}
	var env abi.Result
	if err := json.Unmarshal(res.Body, &env); err != nil || string(env.Result) != `{"count":2}` {
		t.Fatalf("kv_count answered %s (%v)", res.Body, err)
	}
	if got := log.Recent(audit.Filter{}); len(got) != 1 || got[0].Function != "kv_count" || got[0].Capability != "kv" || got[0].Target != "a*" || got[0].Outcome != audit.OK {
		t.Fatalf("audit log %+v", got)
	}

	// Without the grant the loader refuses the import, naming the function and the fix;
	// a host without the entry does not have the function at all.
	c = e.config(t, "plugins:\n  - id: kvcount\n    source: kvcount.wasm\n")
	if _, err := Load(context.Background(), Deps{Engine: e.engine, Host: host}, c, &c.Plugins[0]); err == nil || !strings.Contains(err.Error(), "kv_count, which needs capability kv") {
		t.Fatalf("ungranted: %v", err)
	}
	c = e.config(t, "plugins:\n  - id: kvcount\n    source: kvcount.wasm\n    grants: {kv: {}}\n")
	if _, err := Load(context.Background(), Deps{Engine: e.engine, Host: e.kvHost()}, c, &c.Plugins[0]); err == nil || !strings.Contains(err.Error(), "kv_count, which this host does not have") {
		t.Fatalf("unknown function: %v", err)
	}
}

// TestTaskActsAsThePlugin: a scheduled task's host calls are made as the plugin's own
// service identity, plugin:<id>, and the audit log names it.
func TestTaskActsAsThePlugin(t *testing.T) {
	e := newEnv(t)
	fixture(t, e.dir, "taskcaller", "taskcaller")
	var logged bytes.Buffer
	log := audit.New(&logged, 10)
	defer log.Close()
	m := NewManager(Deps{Engine: e.engine, Host: capability.NewHost(capability.Services{KV: e.file.KV()}, log), Audit: log})
	defer m.Close()
	if err := m.Apply(context.Background(), e.config(t, "plugins:\n  - id: tc\n    source: taskcaller.wasm\n    grants: {kv: {}, tasks: {}}\n")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, en := range log.Recent(audit.Filter{}) {
			if en.Function == "kv_get" {
				if en.Caller != "plugin:tc" || en.Plugin != "tc" {
					t.Fatalf("task's host call recorded as %+v", en)
				}
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the task's kv_get was never recorded")
}

// TestAllowsAnonymous: a route with allow: unauthenticated, or a plugin the operator
// opened with allowAnonymous, lets anonymous callers in; other routes, and paths no
// route serves, are left to the barrier.
func TestAllowsAnonymous(t *testing.T) {
	e := newEnv(t)
	fixtureAs(t, e.dir, "ok", "public", "public.wasm")
	for _, c := range []struct {
		config string
		method string
		path   string
		want   bool
	}{
		{"", "GET", "/badge/7", true},
		{"", "HEAD", "/badge/7", true},
		{"", "POST", "/items/7", false},
		{"", "GET", "/badge", false},
		{"", "GET", "/nope", false},
		{"    allowAnonymous: true\n", "POST", "/items/7", true},
	} {
		p, err := e.load(t, "plugins:\n  - id: public\n    source: public.wasm\n"+c.config)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.AllowsAnonymous(c.method, c.path); got != c.want {
			t.Errorf("%q %s %s: %v, want %v", c.config, c.method, c.path, got, c.want)
		}
		if len(p.Manifest.Permissions) != 1 || p.Manifest.Permissions[0].ResourceType != "public-item" {
			t.Errorf("manifest permissions %+v", p.Manifest.Permissions)
		}
	}
}

// TestOptionalTasksNotGranted: a plugin whose manifest marks tasks optional loads
// without the tasks grant, and its tasks do not run.
func TestOptionalTasksNotGranted(t *testing.T) {
	e := newEnv(t)
	fixtureAs(t, e.dir, "taskcaller", "taskopt", "taskopt.wasm")
	var logged bytes.Buffer
	log := audit.New(&logged, 10)
	defer log.Close()
	m := NewManager(Deps{Engine: e.engine, Host: capability.NewHost(capability.Services{KV: e.file.KV()}, log), Audit: log})
	defer m.Close()
	if err := m.Apply(context.Background(), e.config(t, "plugins:\n  - id: to\n    source: taskopt.wasm\n    grants: {kv: {}}\n")); err != nil {
		t.Fatalf("a plugin with optional tasks, not granted: %v", err)
	}
	time.Sleep(2500 * time.Millisecond) // the task is due every second
	if rec := log.Recent(audit.Filter{}); len(rec) != 0 {
		t.Errorf("the task ran without the tasks grant: %+v", rec)
	}
}
