package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/capability"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/pack"
	"greenroom.dev/greenroom/host/internal/plugintest"
	"greenroom.dev/greenroom/host/internal/runtime"
	"greenroom.dev/greenroom/host/internal/store"
)

// fixture builds a testdata WAT plugin with its manifest into dir as <manifest>.wasm.
func fixture(t *testing.T, dir, name, manifest string) string {
	return fixtureAs(t, dir, name, manifest, manifest+".wasm")
}

// fixtureAs is fixture with the output file named.
func fixtureAs(t *testing.T, dir, name, manifest, file string) string {
	t.Helper()
	p := plugintest.WAT(t, "host/internal/plugin/testdata/"+name+".wat", "host/internal/plugin/testdata/"+manifest+".yaml")
	return plugintest.Copy(t, p, filepath.Join(dir, file))
}

type env struct {
	dir    string
	engine *runtime.Engine
	file   *store.File
}

func newEnv(t *testing.T) *env { return newEnvB(t) }

func newEnvB(t testing.TB) *env {
	t.Helper()
	dir := t.TempDir()
	eng, err := runtime.NewEngine(context.Background(), runtime.EngineConfig{CacheDir: filepath.Join(os.TempDir(), "greenroom-test-wasm-cache")})
	if err != nil {
		t.Fatal(err)
	}
	f, err := store.OpenFile(filepath.Join(dir, "data", "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close(context.Background()); f.Close() })
	return &env{dir: dir, engine: eng, file: f}
}

// kvFuncs provides the kv capability from the test's store, as the host does.
func (e *env) kvHost() *capability.Host {
	return capability.NewHost(capability.Services{KV: e.file.KV()}, nil)
}

func (e *env) config(t *testing.T, yamlText string) *config.Config { return e.configB(t, yamlText) }

func (e *env) configB(t testing.TB, yamlText string) *config.Config {
	t.Helper()
	p := filepath.Join(e.dir, "app-config.yaml")
	if err := os.WriteFile(p, []byte(yamlText), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load([]string{p}, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) load(t *testing.T, yamlText string) (*Plugin, error) {
	t.Helper()
	c := e.config(t, yamlText)
	p, err := Load(context.Background(), Deps{Engine: e.engine, Host: e.kvHost()}, c, &c.Plugins[0])
	if p != nil {
		t.Cleanup(func() { p.Close(context.Background()) })
	}
	return p, err
}

func get(t *testing.T, p *Plugin, path string) (*abi.HTTPResponse, error) {
	t.Helper()
	return p.ServeHTTP(context.Background(), &abi.HTTPRequest{Method: "GET", Path: path})
}

func TestLoadErrors(t *testing.T) {
	e := newEnv(t)
	fixture(t, e.dir, "ok", "ok")
	fixture(t, e.dir, "badimport", "badimport")
	fixture(t, e.dir, "kv", "kv")
	fixture(t, e.dir, "ok", "schema")
	fixtureAs(t, e.dir, "noexports", "ok", "noexports.wasm")
	fixture(t, e.dir, "ok", "tasks")
	fixture(t, e.dir, "ok", "exts")
	fixtureAs(t, e.dir, "memimport", "ok", "memimport.wasm")
	// A module without a manifest, and one with a wrong ABI version.
	raw, _ := os.ReadFile(plugintest.WAT(t, "host/internal/plugin/testdata/ok.wat", ""))
	os.WriteFile(filepath.Join(e.dir, "bare.wasm"), raw, 0o644)
	os.WriteFile(filepath.Join(e.dir, "text.wasm"), []byte("(module)"), 0o644)
	wrong, _ := os.ReadFile("testdata/wrongabi.json")
	os.WriteFile(filepath.Join(e.dir, "wrongabi.wasm"), withSection(t, raw, wrong), 0o644)

	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"missing file", "plugins: [{id: a, source: nope.wasm}]", []string{"plugin a: load", "nope.wasm does not exist", "plugins[0].source", "app-config.yaml:1"}},
		{"sha256 mismatch", "plugins: [{id: a, source: ok.wasm, sha256: " + strings.Repeat("ab", 32) + "}]", []string{"sha256 mismatch", "config pins " + strings.Repeat("ab", 32), "file hashes to", "set plugins[0].sha256 to"}},
		{"not wasm", "plugins: [{id: a, source: text.wasm}]", []string{"text.wasm", "not a WebAssembly module"}},
		{"no manifest", "plugins: [{id: a, source: bare.wasm}]", []string{"no greenroom.manifest custom section", "greenroom plugin pack"}},
		{"wrong abi", "plugins: [{id: a, source: wrongabi.wasm}]", []string{`abi "v2" is not supported; this host serves v1`}},
		{"bad imports", "plugins: [{id: a, source: badimport.wasm}]", []string{
			"greenroom:host/v1.launch_missiles, which this host does not have",
			"extism:host/env.http_request: Extism's HTTP egress is not available",
			"greenroom:host/v2.kv_get, but this host serves ABI namespace greenroom:host/v1 only",
			"env.abort, which no host provides; build AssemblyScript plugins with --use abort=",
		}},
		{"routes without gr_http", "plugins: [{id: a, source: noexports.wasm}]", []string{"the manifest declares routes but the module does not export gr_http"}},
		{"tasks not granted", "plugins: [{id: a, source: tasks.wasm}]", []string{"declares 1 scheduled task(s) but capability tasks is not granted; add `tasks: {}` under plugins[0].grants"}},
		{"tasks without gr_task", "plugins: [{id: a, source: tasks.wasm, grants: {tasks: {}}}]", []string{"the manifest declares tasks but the module does not export gr_task"}},
		{"extensions without gr_extension", "plugins: [{id: a, source: exts.wasm}]", []string{"declares extensions but the module does not export gr_extension"}},
		{"memory import", "plugins: [{id: a, source: memimport.wasm}]", []string{"imports memory env.memory; the host provides functions only"}},
		{"ungranted capability", "plugins: [{id: a, source: kv.wasm}]", []string{"greenroom:host/v1.kv_get, which needs capability kv; grant it with `kv: {}` under plugins[0].grants"}},
		{"config missing required", "plugins: [{id: a, source: schema.wasm}]", []string{"config does not match the plugin's schema", "missing property 'token'", "fix plugins[0].config"}},
		{"config wrong type", "plugins: [{id: a, source: schema.wasm, config: {token: x, retries: many}}]", []string{"plugins[0].config.retries", "want integer"}},
		{"config unknown key", "plugins: [{id: a, source: schema.wasm, config: {token: x, tokn: y}}]", []string{"plugins[0].config", "tokn"}},
		{"config nested enum", "plugins: [{id: a, source: schema.wasm, config: {token: x, nested: {level: max}}}]", []string{"plugins[0].config.nested.level"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.load(t, tc.yaml)
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
			// The checks alone (greenroom config validate) refuse it with the same
			// message, with no engine to start anything on.
			c := e.config(t, tc.yaml)
			ok, errs := CheckAll(context.Background(), Deps{Host: e.kvHost()}, c)
			if len(ok) != 0 || len(errs) != 1 || errs[0].Error() != err.Error() {
				t.Errorf("CheckAll: %d ok, errors %v; want Load's error\n%v", len(ok), errs, err)
			}
		})
	}
}

// TestCheckRunsNothing: CheckAll reads and checks every enabled plugin without running
// any (there is no engine to run them on): a module whose start function traps passes,
// and a disabled entry is not read at all.
func TestCheckRunsNothing(t *testing.T) {
	e := newEnv(t)
	fixtureAs(t, e.dir, "starttrap", "ok", "starttrap.wasm")
	fixture(t, e.dir, "kv", "kv")
	c := e.config(t, "plugins:\n  - {id: a, source: starttrap.wasm}\n  - {id: b, source: kv.wasm, grants: {kv: {}}}\n  - {id: c, source: missing.wasm, enabled: false}\n")
	ok, errs := CheckAll(context.Background(), Deps{}, c)
	if len(errs) > 0 || len(ok) != 2 || ok[0].ID != "a" || ok[1].ID != "b" {
		t.Fatalf("CheckAll: %v, errors %v", ok, errs)
	}
	for _, p := range ok {
		if p.rt != nil || p.checked != nil {
			t.Errorf("%s was started or keeps its module", p.ID)
		}
	}
	// Loading it runs the start function, which traps.
	if p, err := Load(context.Background(), Deps{Engine: e.engine, Host: e.kvHost()}, c, &c.Plugins[0]); err == nil {
		p.Close(context.Background())
		t.Error("Load started a module whose start function traps")
	}
}

// TestLoadErrorsNameAnImportOnce: a module that imports a function twice gets one
// message for it.
func TestLoadErrorsNameAnImportOnce(t *testing.T) {
	e := newEnv(t)
	plugintest.Copy(t, plugintest.WAT(t, "host/internal/wasmfile/testdata/dupimports.wat", "host/internal/plugin/testdata/kv.yaml"), filepath.Join(e.dir, "dup.wasm"))
	_, err := e.load(t, "plugins: [{id: a, source: dup.wasm}]")
	if err == nil {
		t.Fatal("loaded")
	}
	for _, w := range []string{"greenroom:host/v1.kv_get, which needs capability kv", "imports global env.g"} {
		if n := strings.Count(err.Error(), w); n != 1 {
			t.Errorf("%q appears %d times, want once:\n%v", w, n, err)
		}
	}
}

func withSection(t *testing.T, wasm, manifestJSON []byte) []byte {
	var m abi.Manifest
	if err := json.Unmarshal(manifestJSON, &m); err != nil {
		t.Fatal(err)
	}
	// pack.Pack validates nothing about the manifest beyond encoding, so a wrong ABI
	// version can be written for this test.
	b, err := pack.Pack(wasm, &m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestConfigDefaultsReachPlugin(t *testing.T) {
	e := newEnv(t)
	fixture(t, e.dir, "ok", "schema")
	pl, err := e.load(t, "plugins: [{id: a, source: schema.wasm, config: {token: s3cret}}]")
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	json.Unmarshal(pl.Config, &got)
	if got["token"] != "s3cret" || got["retries"] != float64(3) || got["nested"].(map[string]any)["level"] != "low" {
		t.Fatalf("config = %s", pl.Config)
	}
}

func TestKVGrantAndOptionalStub(t *testing.T) {
	e := newEnv(t)
	fixture(t, e.dir, "kv", "kv")
	fixture(t, e.dir, "kv", "kvopt")

	// Granted: the real store answers.
	if err := e.file.KV().Put("granted", []byte("k"), []byte("1"), 0); err != nil {
		t.Fatal(err)
	}
	p, err := e.load(t, "plugins: [{id: granted, source: kv.wasm, grants: {kv: {}}}]")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := get(t, p, "/")
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != `{"result":{"value":"MQ=="}}` {
		t.Fatalf("granted: %s", resp.Body)
	}

	// Optional and not granted: a stub answers capability_denied, the plugin keeps running.
	p, err = e.load(t, "plugins: [{id: opt, source: kvopt.wasm}]")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Stubbed) != 1 || p.Stubbed[0] != "kv_get" {
		t.Fatalf("stubbed = %v", p.Stubbed)
	}
	for i := 0; i < 2; i++ {
		resp, err = get(t, p, "/")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(resp.Body, []byte(`"code":"capability_denied"`)) || !bytes.Contains(resp.Body, []byte("capability kv is not granted")) {
			t.Fatalf("stub: %s", resp.Body)
		}
	}
}

func TestCallFailures(t *testing.T) {
	e := newEnv(t)
	for _, n := range []string{"ok", "malformed", "loop", "bomb", "arenabomb"} {
		fixture(t, e.dir, n, n)
	}
	c := e.config(t, `
plugins:
  - {id: ok, source: ok.wasm, limits: {instances: 2}}
  - {id: malformed, source: malformed.wasm}
  - {id: loop, source: loop.wasm, limits: {timeout: 200ms, instances: 1}}
  - {id: bomb, source: bomb.wasm, limits: {memory: 4MiB, instances: 1}}
  - {id: arenabomb, source: arenabomb.wasm, limits: {memory: 4MiB, instances: 1}}
`)
	m := NewManager(Deps{Engine: e.engine, Host: e.kvHost()})
	if err := m.Apply(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	serve := func(id string) (*abi.HTTPResponse, error) {
		p, ok := m.Lookup(id)
		if !ok {
			t.Fatalf("no plugin %s", id)
		}
		return p.ServeHTTP(context.Background(), &abi.HTTPRequest{Method: "GET", Path: "/"})
	}
	// What each failure is; the server maps it to an HTTP status (TestPluginErrorStatus).
	malformed := func(err error) bool {
		var he *HTTPError
		return errors.As(err, &he) && he.Status == 502 && he.Name == "PluginResponseError"
	}
	timedOut := func(err error) bool { return errors.Is(err, runtime.ErrTimeout) }
	crashed := func(err error) bool {
		return errors.Is(err, runtime.ErrOutOfMemory) || errors.Is(err, runtime.ErrTrap)
	}
	cases := []struct {
		id   string
		is   func(error) bool
		name string
		msg  string
	}{
		{"malformed", malformed, "a malformed response", "malformed response"},
		{"loop", timedOut, "a timeout", "plugin loop"},
		{"bomb", crashed, "a trap or out of memory", "plugin bomb"},
		{"arenabomb", crashed, "a trap or out of memory", "plugin arenabomb"},
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			for i := 0; i < 2; i++ { // the replaced instance fails the same way, cleanly
				start := time.Now()
				_, err := serve(tc.id)
				if err == nil {
					t.Fatal("no error")
				}
				if !tc.is(err) || !strings.Contains(err.Error(), tc.msg) {
					t.Fatalf("got %v, want %s", err, tc.name)
				}
				if tc.id == "loop" && time.Since(start) > 2*time.Second {
					t.Fatalf("timeout took %v", time.Since(start))
				}
				// Others keep serving.
				if resp, err := serve("ok"); err != nil || string(resp.Body) != "ok" {
					t.Fatalf("ok after %s: %v", tc.id, err)
				}
			}
		})
	}
	p, _ := m.Lookup("ok")
	if _, err := p.ServeHTTP(context.Background(), &abi.HTTPRequest{Method: "GET", Path: "/nope"}); err == nil || !strings.Contains(err.Error(), "no route for GET /nope") {
		t.Fatalf("404: %v", err)
	}
	if _, err := p.ServeHTTP(context.Background(), &abi.HTTPRequest{Method: "DELETE", Path: "/"}); err == nil || !strings.Contains(err.Error(), "does not serve DELETE /") {
		t.Fatalf("405: %v", err)
	}
}

func TestHammer(t *testing.T) {
	e := newEnv(t)
	fixture(t, e.dir, "ok", "ok")
	p, err := e.load(t, "plugins: [{id: ok, source: ok.wasm, limits: {instances: 3, queueTimeout: 10s}}]")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				resp, err := p.ServeHTTP(context.Background(), &abi.HTTPRequest{Method: "POST", Path: "/items/7"})
				if err != nil || string(resp.Body) != "ok" {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestRoute: the manifest's routes in order, the first that serves the request wins, a
// GET route serves HEAD, and the plugin's errors tell a path no route has (404) from a
// method its routes do not take (405). The matcher itself is tested in package route.
func TestRoute(t *testing.T) {
	rs, err := compileRoutes([]abi.Route{
		{Method: "GET", Path: "/items/:id"}, {Method: "*", Path: "/items/:key"}, {Method: "GET", Path: "/files/*"}, {Method: "GET", Path: "/"},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := &Plugin{ID: "p", routes: rs}
	for _, tc := range []struct {
		method, path string
		pattern      string
		params       map[string]string
		status       int
		msg          string
	}{
		{"GET", "/items/42/", "/items/:id", map[string]string{"id": "42"}, 0, ""},
		{"HEAD", "/items/42", "/items/:id", map[string]string{"id": "42"}, 0, ""},
		{"DELETE", "/items/42", "/items/:key", map[string]string{"key": "42"}, 0, ""},
		{"GET", "/files/a/b", "/files/*", map[string]string{"*": "a/b"}, 0, ""},
		{"GET", "", "/", nil, 0, ""},
		{"POST", "/files/a", "", nil, 405, "plugin p does not serve POST /files/a"},
		{"GET", "/nope", "", nil, 404, "plugin p has no route for GET /nope"},
	} {
		r, params, err := p.route(tc.method, tc.path)
		if tc.status != 0 {
			var he *HTTPError
			if !errors.As(err, &he) || he.Status != tc.status || he.Msg != tc.msg {
				t.Errorf("%s %s: %v", tc.method, tc.path, err)
			}
			continue
		}
		if err != nil || r.Pattern.String() != tc.pattern || !maps.Equal(params, tc.params) {
			t.Errorf("%s %s: %v %v %v", tc.method, tc.path, r, params, err)
		}
	}
}
