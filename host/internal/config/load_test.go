package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func env(m map[string]string) Lookup {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoadMergeAndEnv(t *testing.T) {
	dir := t.TempDir()
	base := write(t, dir, "app-config.yaml", `
app:
  title: Base
backend:
  listen:
    port: 7007
plugins:
  - id: hello
    source: hello.wasm
    grants:
      kv: {}
      proxy: {endpoints: [/github]}
    limits: {memory: 32MiB, timeout: 250ms}
    config:
      greeting: ${GREETING}
`)
	over := write(t, dir, "local.yaml", `
backend:
  listen:
    port: ${PORT}
  baseUrl: http://localhost:9000
app:
  extensions: []
`)
	c, err := Load([]string{base, over}, env(map[string]string{"GREETING": "hi", "PORT": "9000"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.App.Title != "Base" || *c.Backend.Listen.Port != 9000 || c.Backend.BaseURL != "http://localhost:9000" {
		t.Errorf("merge: %+v %+v", c.App, c.Backend)
	}
	p := c.Plugins[0]
	if p.Limits.Memory != 32<<20 || p.Limits.Timeout.D() != 250*time.Millisecond || p.Limits.Instances != DefaultInstances || p.Limits.MaxBodySize != DefaultMaxBody {
		t.Errorf("limits: %+v", p.Limits)
	}
	if !p.Grants.Has("kv") || !p.Grants.Has("proxy") || p.Grants.Has("url.read") || p.Grants.KV.Quota != DefaultKVQuota {
		t.Errorf("grants: %+v", p.Grants)
	}
	var pc map[string]string
	if err := p.Config.Decode(&pc); err != nil || pc["greeting"] != "hi" {
		t.Errorf("config: %v %v", pc, err)
	}
	if p.File != base || p.Line != 8 || !p.IsEnabled() {
		t.Errorf("location: %s:%d", p.File, p.Line)
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name, body string
		env        map[string]string
		want       []string
	}{
		{"garbled", "app: [\n", nil, []string{"app-config.yaml:", "YAML syntax error"}},
		{"not a mapping", "- a\n- b\n", nil, []string{"app-config.yaml:1", "top level must be a mapping"}},
		{"unknown top key", "bakend: {}\n", nil, []string{"app-config.yaml:1", "bakend: unknown key", "backend"}},
		{"unknown nested key", "backend:\n  listen:\n    prot: 1\n", nil, []string{"app-config.yaml:3", "backend.listen.prot: unknown key", "port"}},
		{"unknown plugin key", "plugins:\n  - id: a\n    source: a.wasm\n    grantz: {}\n", nil, []string{":4", "plugins[0].grantz: unknown key", "grants"}},
		{"unknown grant", "plugins:\n  - id: a\n    source: a.wasm\n    grants: {net: {}}\n", nil, []string{"plugins[0].grants.net: unknown key", "catalog.read"}},
		{"wrong type", "backend:\n  listen:\n    port: seven\n", nil, []string{"app-config.yaml:3", "backend.listen.port", "cannot unmarshal"}},
		{"bad size", "plugins:\n  - id: a\n    source: a.wasm\n    limits: {memory: lots}\n", nil, []string{":4", "plugins[0].limits.memory", `"lots" is not a size like 64MiB`}},
		{"bad duration", "plugins:\n  - id: a\n    source: a.wasm\n    limits:\n      timeout: forever\n", nil, []string{":5", "plugins[0].limits.timeout", "not a duration"}},
		{"missing env", "app:\n  title: ${TITLE}\n", nil, []string{"app-config.yaml:2", "app.title", "environment variable TITLE is not set"}},
		{"alias", "app: &a\n  title: x\nbackend: *a\n", nil, []string{"aliases"}},
		{"two docs", "app: {}\n---\nbackend: {}\n", nil, []string{"more than one YAML document"}},
		{"duplicate id", "plugins:\n  - id: a\n    source: a.wasm\n  - id: a\n    source: b.wasm\n", nil, []string{":4", "plugins[1].id", `duplicate plugin id "a", first used at plugins[0]`}},
		{"bad id", "plugins:\n  - id: Hello_World\n    source: a.wasm\n", nil, []string{"plugins[0].id", "lower-case"}},
		{"no source", "plugins:\n  - id: a\n", nil, []string{"plugins[0].source: missing"}},
		{"bad pin", "plugins:\n  - id: a\n    source: a.wasm\n    sha256: abc\n", nil, []string{"plugins[0].sha256", "64 hex digits"}},
		{"remote without pin", "plugins:\n  - id: a\n    source: https://example.com/a.wasm\n", nil, []string{"plugins[0].sha256: required for a non-local source"}},
		{"instances", "plugins:\n  - id: a\n    source: a.wasm\n    limits: {instances: 100000}\n", nil, []string{"plugins[0].limits.instances"}},
		{"port range", "backend:\n  listen:\n    port: 70000\n", nil, []string{"backend.listen.port", "outside 0-65535"}},
		{"base url", "app:\n  baseUrl: localhost\n", nil, []string{"app.baseUrl", "not an http(s) URL"}},
		{"reserved id", "plugins:\n  - id: catalog\n    source: a.wasm\n", nil, []string{"plugins[0].id", `"catalog" is reserved for the host's own /api/catalog routes`}},
		{"database client", "backend:\n  database: {client: pg}\n", nil, []string{"backend.database.client", `"pg" is not supported; use bbolt`}},
		{"audit log size", "audit:\n  log: {maxSize: 1KiB}\n", nil, []string{"audit.log.maxSize", "below the 4KiB minimum"}},
		{"trusted key file", "security:\n  trustedKeys: [{file: nope.pub}]\n", nil, []string{"security.trustedKeys[0]", "nope.pub"}},
		{"catalog orphan strategy", "catalog:\n  orphanStrategy: shred\n", nil, []string{"catalog.orphanStrategy", `use "delete"`}},
		{"proxy endpoint key", "proxy:\n  endpoints:\n    /x: {target: http://a, headerz: {}}\n", nil, []string{"headerz"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := write(t, t.TempDir(), "app-config.yaml", tc.body)
			_, err := Load([]string{f}, env(tc.env))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load([]string{filepath.Join(t.TempDir(), "nope.yaml")}, nil)
	if err == nil || !strings.Contains(err.Error(), "nope.yaml: config file not found") {
		t.Fatalf("err = %v", err)
	}
	if _, err := Load(nil, nil); err == nil || !strings.Contains(err.Error(), "--config") {
		t.Fatalf("err = %v", err)
	}
}

func TestOverlayTypeErrorNamesOverlay(t *testing.T) {
	dir := t.TempDir()
	base := write(t, dir, "a.yaml", "backend:\n  listen:\n    port: 1\n")
	over := write(t, dir, "b.yaml", "\n\nbackend:\n  listen:\n    port: x\n")
	_, err := Load([]string{base, over}, nil)
	if err == nil || !strings.Contains(err.Error(), "b.yaml:5") {
		t.Fatalf("err = %v", err)
	}
}

func TestEnvEscape(t *testing.T) {
	f := write(t, t.TempDir(), "a.yaml", "app:\n  title: $${NOT_VAR}\n")
	c, err := Load([]string{f}, env(nil))
	if err != nil || c.App.Title != "${NOT_VAR}" {
		t.Fatalf("%v %q", err, c.App.Title)
	}
}

func TestByteSize(t *testing.T) {
	for in, want := range map[string]ByteSize{"512": 512, "64KiB": 64 << 10, "10MiB": 10 << 20, "1GiB": 1 << 30, "2MB": 2 << 20} {
		got, err := ParseByteSize(in)
		if err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	if _, err := ParseByteSize("-1"); err == nil {
		t.Error("negative size accepted")
	}
	if ByteSize(10<<20).String() != "10MiB" {
		t.Error(ByteSize(10 << 20).String())
	}
}
