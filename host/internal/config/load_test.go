package config

import (
	"os"
	"path/filepath"
	"slices"
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
proxy:
  endpoints:
    /github: https://api.github.com
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
		{"wrong type in a flow mapping", "backend: {listen: {port: seven}, watchConfig: true}\n", nil, []string{"app-config.yaml:1: backend.listen.port: cannot unmarshal"}},
		{"long wrong value in a flow mapping", "backend:\n  listen: {host: h, port: sevenThousandAndSeven}\n", nil, []string{"app-config.yaml:2: backend.listen.port: cannot unmarshal"}},
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
		{"database client", "backend:\n  database: {client: mysql}\n", nil, []string{"backend.database.client", `"mysql" is not supported; use bbolt (embedded, the default) or pg`}},
		{"pg without connection", "backend:\n  database: {client: pg}\n", nil, []string{"backend.database.connection: missing", "postgres://"}},
		{"pg bad url", "backend:\n  database: {client: pg, connection: \"mysql://u:secret@h/db\"}\n", nil, []string{"backend.database.connection", `"mysql://u:xxxxx@h/db" is not a postgres://`}},
		{"pg url with an unescaped password", "backend:\n  database: {client: pg, connection: \"postgres://u:${PW}@h/db\"}\n", map[string]string{"PW": "se/cr@t"}, []string{"backend.database.connection", `"postgres://u:xxxxx@h/db" is not a postgres://`}},
		{"pg mapping without host", "backend:\n  database:\n    client: pg\n    connection: {user: u, password: p}\n", nil, []string{"backend.database.connection.host: missing"}},
		{"pg mapping key", "backend:\n  database:\n    client: pg\n    connection: {hots: h}\n", nil, []string{"app-config.yaml:4", `"hots" is not known`, "host, password, port"}},
		{"bbolt with url", "backend:\n  database: {connection: \"postgres://h/db\"}\n", nil, []string{"backend.database.connection", "client is bbolt", "set client: pg"}},
		{"audit log size", "audit:\n  log: {maxSize: 1KiB}\n", nil, []string{"audit.log.maxSize", "below the 4KiB minimum"}},
		{"trusted key file", "security:\n  trustedKeys: [{file: nope.pub}]\n", nil, []string{"security.trustedKeys[0]", "nope.pub"}},
		{"catalog orphan strategy", "catalog:\n  orphanStrategy: shred\n", nil, []string{"catalog.orphanStrategy", `use "delete"`}},
		{"catalog kind schema", "catalog:\n  kinds:\n    - apiVersion: x.dev/v1\n      kind: Cluster\n      schema: {type: object, properties: {n: {minimum: big}}}\n", nil, []string{"app-config.yaml:5", "catalog.kinds[0].schema: is not a valid JSON Schema", "fix it against draft 2020-12"}},
		{"catalog kind built-in", "catalog:\n  kinds:\n    - {apiVersion: x.dev/v1, kind: API, schema: {type: object}}\n", nil, []string{"app-config.yaml:3", `catalog.kinds[0].kind: "API" is a built-in kind`}},
		{"catalog kind reference", "catalog:\n  kinds:\n    - apiVersion: x.dev/v1\n      kind: Env\n      schema: {type: object}\n      relations: [{field: spec.cluster, kind: Cluster, type: runsOn, reverse: hosts}]\n", nil, []string{"app-config.yaml:6", `catalog.kinds[0].relations[0].kind: "Cluster" is neither a built-in kind nor declared in catalog.kinds`}},
		{"permission admin ref", "permission:\n  rbac:\n    admin:\n      users: [{name: ada}]\n", nil, []string{"app-config.yaml:4", "permission.rbac.admin.users[0].name", `"ada" is not a full entity ref; write kind:namespace/name, e.g. user:default/name`}},
		{"permission plugin ids", "permission:\n  rbac: {pluginsWithPermission: [catalog, Scaffolder]}\n", nil, []string{"permission.rbac.pluginsWithPermission[1]", `"Scaffolder" is not a plugin id`}},
		{"permission max depth", "permission:\n  rbac: {maxDepth: 0}\n", nil, []string{"permission.rbac.maxDepth", "0 must be above 0"}},
		{"permission policy file", "permission:\n  rbac: {policies-csv-file: nope.csv}\n", nil, []string{"app-config.yaml:2", "permission.rbac.policies-csv-file", "nope.csv: file not found"}},
		{"permission key", "permission:\n  rbac: {policiesCsvFile: p.csv}\n", nil, []string{"permission.rbac.policiesCsvFile: unknown key", "policies-csv-file"}},
		{"reserved permission id", "plugins:\n  - id: permission\n    source: a.wasm\n", nil, []string{"plugins[0].id", `"permission" is reserved for the host's own /api/permission routes`}},
		{"reserved search id", "plugins:\n  - id: search\n    source: a.wasm\n", nil, []string{"plugins[0].id", `"search" is reserved for the host's own /api/search routes`}},
		{"reserved scorecards id", "plugins:\n  - id: scorecards\n    source: a.wasm\n", nil, []string{"plugins[0].id", `"scorecards" is reserved for the host's own /api/scorecards routes`}},
		{"scorecard rule does not compile", "scorecards:\n  definitions:\n    - id: ready\n      levels: [{name: Gold}]\n      rules:\n        - id: owned\n          level: Gold\n          expression: entity.spec.owner ==\n", nil,
			[]string{"app-config.yaml:8: scorecards.definitions[0].rules[0].expression", "scorecard ready, rule owned: the expression does not compile"}},
		{"scorecard rule level", "scorecards:\n  definitions:\n    - id: ready\n      levels: [{name: Gold}]\n      rules:\n        - {id: owned, level: Silver, expression: 'true'}\n", nil,
			[]string{"app-config.yaml:6: scorecards.definitions[0].rules[0].level", `level "Silver" is not one of the scorecard's levels (Gold)`}},
		{"proxy endpoint key", "proxy:\n  endpoints:\n    /x: {target: http://a, headerz: {}}\n", nil, []string{"headerz"}},
		{"guest in production", "auth:\n  environment: production\n  session: {secret: " + strings.Repeat("s", 32) + "}\n  providers:\n    guest: {}\n", nil,
			[]string{"app-config.yaml:5: auth.providers.guest: guest sign-in is for development only", "Remove auth.providers.guest"}},
		{"session secret in production", "auth:\n  environment: production\n", nil, []string{"auth.session.secret: required", "openssl rand"}},
		{"unknown provider", "auth:\n  providers:\n    google: {}\n", nil, []string{"app-config.yaml:3", "auth.providers.google: unknown key", "github, guest, oidc"}},
		{"unknown resolver", "auth:\n  providers:\n    github:\n      development:\n        clientId: a\n        clientSecret: b\n        signIn:\n          resolvers:\n            - resolver: emailMatchingAnything\n", nil,
			[]string{"app-config.yaml:9: auth.providers.github.development.signIn.resolvers[0].resolver", `unknown resolver "emailMatchingAnything"`, "usernameMatchingUserEntityName"}},
		{"token lifetime", "auth:\n  backstageTokenExpiration: {days: 2}\n", nil, []string{"auth.backstageTokenExpiration: 48h0m0s is outside 10m0s-24h0m0s"}},
		{"static token", "backend:\n  auth:\n    externalAccess:\n      - type: static\n        options: {token: short, subject: ci}\n", nil,
			[]string{"app-config.yaml:5: backend.auth.externalAccess[0].options.token", "at least 8 characters"}},
		{"legacy token", "backend:\n  auth:\n    externalAccess:\n      - type: legacy\n        options: {secret: abc}\n", nil,
			[]string{"backend.auth.externalAccess[0].options.secret: unknown key"}},
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

// TestOverlayPlugins: an overlay's plugins entries merge into the earlier entry with the
// same id, key by key; new ids are appended; enabled: false switches one off; other lists
// are replaced whole.
func TestOverlayPlugins(t *testing.T) {
	dir := t.TempDir()
	base := write(t, dir, "app-config.yaml", `
plugins:
  - id: a
    source: a.wasm
    config: {greeting: hello, punctuation: "!"}
    grants: {kv: {quota: 1MiB}, tasks: {}}
    limits: {memory: 32MiB, timeout: 2s}
  - id: b
    source: b.wasm
  - id: c
    source: c.wasm
catalog:
  locations:
    - {type: file, target: one.yaml}
    - {type: file, target: two.yaml}
`)
	over := write(t, dir, "local.yaml", `
plugins:
  - id: b
    enabled: false
  - id: a
    config: {greeting: hi}
    grants: {tasks: ~}
    limits: {timeout: 1s}
  - id: d
    source: d.wasm
catalog:
  locations:
    - {type: file, target: three.yaml}
`)
	c, err := Load([]string{base, over}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range c.Plugins {
		ids = append(ids, p.ID)
	}
	if strings.Join(ids, ",") != "a,b,c,d" {
		t.Fatalf("plugins %v, want a,b,c,d (base order, new ids appended)", ids)
	}
	a, b, d := c.Plugins[0], c.Plugins[1], c.Plugins[3]
	var cfg map[string]string
	if err := a.Config.Decode(&cfg); err != nil || cfg["greeting"] != "hi" || cfg["punctuation"] != "!" {
		t.Errorf("a.config = %v (%v), want greeting from the overlay and punctuation kept", cfg, err)
	}
	if a.Source != "a.wasm" || !a.Grants.Has("kv") || a.Grants.KV.Quota != 1<<20 || a.Grants.Has("tasks") {
		t.Errorf("a: source %q grants %v, want a.wasm with kv (1MiB) kept and tasks removed by ~", a.Source, a.Grants.Names())
	}
	if a.Limits.Memory != 32<<20 || a.Limits.Timeout.D() != time.Second {
		t.Errorf("a.limits = %+v, want memory kept and timeout from the overlay", a.Limits)
	}
	if b.IsEnabled() || b.Source != "b.wasm" || !c.Plugins[2].IsEnabled() {
		t.Errorf("b enabled=%v source=%q; c enabled=%v", b.IsEnabled(), b.Source, c.Plugins[2].IsEnabled())
	}
	if a.File != base || a.Line != 3 || d.File != over || d.Line != 9 || d.Path() != "plugins[3]" {
		t.Errorf("locations: a %s:%d, d %s:%d %s", a.File, a.Line, d.File, d.Line, d.Path())
	}
	if f, line := a.Locate("limits.timeout"); f != over || line != 8 {
		t.Errorf("a.limits.timeout located at %s:%d, want %s:8", f, line, over)
	}
	if f, line := a.Locate("limits.memory"); f != base || line != 7 {
		t.Errorf("a.limits.memory located at %s:%d, want %s:7", f, line, base)
	}
	if len(c.Catalog.Locations) != 1 || c.Catalog.Locations[0].Target != "three.yaml" {
		t.Errorf("catalog.locations = %+v, want the overlay's list only", c.Catalog.Locations)
	}
}

// TestOverlayPluginErrors: errors in what an overlay sets name the overlay's file and line.
func TestOverlayPluginErrors(t *testing.T) {
	baseBody := "plugins:\n  - id: a\n    source: a.wasm\n  - id: b\n    source: b.wasm\n"
	cases := []struct {
		name, overlay string
		want          []string
	}{
		{"bad limit", "plugins:\n  - id: b\n    limits:\n      instances: 0\n      memory: 1KiB\n",
			[]string{"local.yaml:5: plugins[1].limits.memory: 1KiB is outside 1MiB-4GiB"}},
		{"bad pin", "\nplugins:\n  - id: a\n    sha256: abc\n", []string{"local.yaml:4: plugins[0].sha256", "64 hex digits"}},
		{"new entry without source", "plugins:\n  - id: c\n    config: {}\n", []string{"local.yaml:2: plugins[2].source: missing"}},
		{"duplicate id in the overlay", "plugins:\n  - id: a\n    enabled: false\n  - id: a\n    source: x.wasm\n",
			[]string{"local.yaml:4: plugins[1].id", `duplicate plugin id "a" in this file, first used on line 2`}},
		{"type error", "plugins:\n  - id: a\n    limits: {instances: many}\n", []string{"local.yaml:3", "plugins[0].limits.instances"}},
		{"unknown key", "plugins:\n  - id: a\n    sorce: a2.wasm\n", []string{"local.yaml:3", "plugins[0].sorce: unknown key"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			base := write(t, dir, "app-config.yaml", baseBody)
			over := write(t, dir, "local.yaml", tc.overlay)
			_, err := Load([]string{base, over}, nil)
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

// TestOverlayRelativePaths: a relative path is resolved against the directory of the
// file that sets it; paths set in the first file's directory stay as written (the host
// resolves them against Config.Dir), fileRoots become absolute whichever file sets them.
func TestOverlayRelativePaths(t *testing.T) {
	root := t.TempDir()
	baseDir, overDir := filepath.Join(root, "base"), filepath.Join(root, "overlays")
	for _, d := range []string{baseDir, overDir, filepath.Join(baseDir, "catalog"), filepath.Join(overDir, "more")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, overDir, "release.pub", "")
	os.MkdirAll(filepath.Join(overDir, "rbac"), 0o755)
	write(t, filepath.Join(overDir, "rbac"), "p.csv", "p, role:default/r, catalog-entity, read, allow\n")
	write(t, filepath.Join(overDir, "rbac"), "c.yaml", "")
	// File roots must exist: the loader validates backend.reading as the host builds it.
	absRoot := t.TempDir()
	for _, d := range []string{filepath.Join(baseDir, "catalog"), filepath.Join(overDir, "more")} {
		os.MkdirAll(d, 0o755)
	}
	base := write(t, baseDir, "app-config.yaml", `
backend:
  reading: {fileRoots: [catalog]}
plugins:
  - {id: a, source: a.wasm}
  - {id: b, source: b.wasm}
  - {id: r, source: "https://example.com/r.wasm", sha256: `+strings.Repeat("a", 64)+`}
catalog:
  locations: [{type: file, target: ./catalog/all.yaml}]
`)
	sameDir := write(t, baseDir, "local.yaml", "plugins:\n  - {id: b, source: b2.wasm}\n")
	over := write(t, overDir, "prod.yaml", `
backend:
  database: {connection: state/g.db}
  reading: {fileRoots: [more, `+absRoot+`]}
runtime: {compilationCache: cache}
audit: {log: {file: logs/audit.log}}
permission: {rbac: {policies-csv-file: rbac/p.csv, conditionalPoliciesFile: ./rbac/c.yaml}}
plugins:
  - {id: a, source: a2.wasm}
  - {id: c, source: ../base/c.wasm}
catalog:
  locations: [{type: file, target: more/all.yaml}, {type: url, target: "https://example.com/x.yaml"}]
`)
	// Start elsewhere, so that nothing resolves against the working directory by chance.
	t.Chdir(t.TempDir())
	c, err := Load([]string{base, sameDir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{c.Plugins[0].Source, c.Plugins[1].Source, c.Catalog.Locations[0].Target, c.Backend.Reading.FileRoots[0]}; !slices.Equal(got, []string{"a.wasm", "b2.wasm", "./catalog/all.yaml", filepath.Join(baseDir, "catalog")}) {
		t.Errorf("first directory: %q", got)
	}
	c, err = Load([]string{base, over}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{
		"plugins[0].source":                       {c.Plugins[0].Source, filepath.Join(overDir, "a2.wasm")},
		"plugins[1].source":                       {c.Plugins[1].Source, "b.wasm"},
		"plugins[2].source":                       {c.Plugins[2].Source, "https://example.com/r.wasm"},
		"plugins[3].source":                       {c.Plugins[3].Source, filepath.Join(baseDir, "c.wasm")},
		"backend.database.connection":             {c.Backend.Database.Connection.Value, filepath.Join(overDir, "state/g.db")},
		"backend.reading.fileRoots[0]":            {c.Backend.Reading.FileRoots[0], filepath.Join(overDir, "more")},
		"backend.reading.fileRoots[1]":            {c.Backend.Reading.FileRoots[1], absRoot},
		"runtime.compilationCache":                {c.Runtime.CompilationCache, filepath.Join(overDir, "cache")},
		"audit.log.file":                          {c.Audit.Log.File, filepath.Join(overDir, "logs/audit.log")},
		"permission.rbac.policies-csv-file":       {c.Permission.RBAC.PoliciesCSVFile, filepath.Join(overDir, "rbac/p.csv")},
		"permission.rbac.conditionalPoliciesFile": {c.Permission.RBAC.ConditionalPoliciesFile, filepath.Join(overDir, "rbac/c.yaml")},
		"catalog.locations[0].target":             {c.Catalog.Locations[0].Target, filepath.Join(overDir, "more/all.yaml")},
		"catalog.locations[1].target":             {c.Catalog.Locations[1].Target, "https://example.com/x.yaml"},
	}
	for path, gw := range want {
		if gw[0] != gw[1] {
			t.Errorf("%s = %q, want %q", path, gw[0], gw[1])
		}
	}
	if c.Dir() != baseDir {
		t.Errorf("Dir() = %q", c.Dir())
	}

	// A key file named in an overlay is read from the overlay's directory.
	keys := write(t, overDir, "keys.yaml", "security:\n  trustedKeys: [{file: release.pub}]\n")
	_, err = Load([]string{base, keys}, nil)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(overDir, "release.pub")) {
		t.Fatalf("trusted key file: %v, want an error about %s (it is empty)", err, filepath.Join(overDir, "release.pub"))
	}
}

// TestWarningsBaseURLPort: a backend.baseUrl whose port (explicit, or its scheme's
// default) is not backend.listen.port is warned about, at the line that sets it.
func TestWarningsBaseURLPort(t *testing.T) {
	cases := []struct {
		name, body string
		want       string // "" for no warning
	}{
		{"Backstage's defaults", "backend:\n  baseUrl: http://localhost:7007\n  listen: {port: 7007}\n", ""},
		{"listen port defaulted", "backend:\n  baseUrl: http://localhost:7007\n", ""},
		{"baseUrl defaulted", "backend:\n  listen: {port: 8080}\n", ""},
		{"http default port", "backend:\n  baseUrl: http://portal.example.com\n  listen: {port: 80}\n", ""},
		{"https default port", "backend:\n  baseUrl: https://portal.example.com/\n  listen: {port: 443}\n", ""},
		{"free port (tests)", "backend:\n  baseUrl: http://localhost:7007\n  listen: {port: 0}\n", ""},
		{"explicit mismatch", "backend:\n  listen: {port: 7007}\n  baseUrl: http://localhost:7008\n",
			"app-config.yaml:3: backend.baseUrl: port 7008 of http://localhost:7008 differs from backend.listen.port 7007"},
		{"listen defaulted, mismatch", "backend:\n  baseUrl: http://127.0.0.1:3000\n",
			"app-config.yaml:2: backend.baseUrl: port 3000 of http://127.0.0.1:3000 differs from backend.listen.port 7007"},
		{"no port means 80", "backend:\n  baseUrl: http://localhost\n",
			"backend.baseUrl: port 80 (http://localhost has none, so its scheme's default) differs from backend.listen.port 7007"},
		{"no port means 443", "backend:\n  baseUrl: https://portal.example.com\n  listen: {port: 7007}\n",
			"port 443 (https://portal.example.com has none, so its scheme's default) differs from backend.listen.port 7007"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load([]string{write(t, t.TempDir(), "app-config.yaml", tc.body)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			ws := c.Warnings()
			switch {
			case tc.want == "" && len(ws) > 0:
				t.Fatalf("unexpected warnings: %v", ws)
			case tc.want != "" && (len(ws) != 1 || !strings.Contains(ws[0].Error(), tc.want)):
				t.Fatalf("warnings %v, want one containing %q", ws, tc.want)
			}
		})
	}
}

// TestUnitErrorsAreLocated: a bad size or duration in any section names the file, the
// line and the YAML path, whichever package's config holds it.
func TestUnitErrorsAreLocated(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ src, want string }{
		{"catalog:\n  processingInterval: soon\n", `bad.yaml:2: catalog.processingInterval: "soon" is not a duration`},
		{"catalog:\n  processingInterval: {fortnights: 1}\n", `bad.yaml:2: catalog.processingInterval.fortnights: unknown unit "fortnights"`},
		{"audit:\n  log:\n    maxSize: ten\n", `bad.yaml:3: audit.log.maxSize: "ten" is not a size like 64MiB`},
		{"backend:\n  shutdownTimeout: -5s\n", `bad.yaml:2: backend.shutdownTimeout: "-5s" is not a duration`},
		{"backend:\n  reading:\n    timeout: soon\n", `bad.yaml:3: backend.reading.timeout: "soon" is not a duration`},
		{"plugins:\n  - id: a\n    source: a.wasm\n    limits: {memory: lots}\n", `bad.yaml:4: plugins[0].limits.memory: "lots" is not a size like 64MiB`},
	} {
		f := write(t, dir, "bad.yaml", c.src)
		_, err := Load([]string{f}, env(nil))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v\nwant %q", c.src, err, c.want)
		}
	}
}

// TestEverySectionValidatedAtLoad: what the host would refuse at start is refused by
// Load, with every problem at once, each located, so that `greenroom audit`,
// `greenroom serve` and a reload give the same messages.
func TestEverySectionValidatedAtLoad(t *testing.T) {
	dir := t.TempDir()
	f := write(t, dir, "bad.yaml", `
proxy:
  endpoints:
    /ok: https://api.example.com
    /bad: ftp://files.example.com
    /creds:
      target: https://api.example.com
      credentials: sometimes
backend:
  reading:
    allow: [{host: "https://docs.example.com"}]
integrations:
  github: [{host: "https://github.com"}]
catalog:
  orphanStrategy: purge
  locations: [{type: file, target: ""}]
audit:
  api: {recent: -5}
plugins:
  - id: a
    source: a.wasm
    grants:
      url.read: {hosts: ["[x"]}
      proxy: {endpoints: [/ok, /nope]}
`)
	_, err := Load([]string{f}, env(nil))
	if err == nil {
		t.Fatal("loaded")
	}
	for _, want := range []string{
		`bad.yaml:5: proxy.endpoints./bad.target: "ftp://files.example.com" must be an absolute http:// or https:// URL`,
		`bad.yaml:8: proxy.endpoints./creds.credentials: "sometimes" is not one of require, forward`,
		`bad.yaml:11: backend.reading.allow[0].host: "https://docs.example.com" must be a host name only`,
		`bad.yaml:13: integrations.github[0].host: "https://github.com" must be a host name only`,
		`bad.yaml:15: catalog.orphanStrategy: "purge" is not supported`,
		`bad.yaml:16: catalog.locations[0].target: must not be empty`,
		`bad.yaml:18: audit.api.recent: -5 is outside 1-1000000`,
		`plugins[0].grants.url.read: hosts[0]: "[x" is not a valid host glob`,
		`plugins[0].grants.proxy.endpoints: "/nope" is not an endpoint of proxy.endpoints`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

// TestPermissionSection: the permission section loads with its policy files read
// relative to the config file, and a bad line of a policy file stops the load with the
// config key that names the file, the policy file's line and the fix.
func TestPermissionSection(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "rbac"), 0o755)
	csv := write(t, filepath.Join(dir, "rbac"), "rbac-policy.csv", "p, role:default/dev, catalog-entity, read, allow\ng, group:default/team-a, role:default/dev\n")
	f := write(t, dir, "app-config.yaml", `
permission:
  enabled: true
  rbac:
    admin:
      users: [{name: user:default/ada}]
      superUsers: [{name: user:default/linus}]
    policies-csv-file: rbac/rbac-policy.csv
    policyFileReload: true
    pluginsWithPermission: [catalog, scaffolder, permission]
    maxDepth: 1
`)
	t.Chdir(t.TempDir())
	c, err := Load([]string{f}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	p := c.Permission
	if !p.Enabled || p.RBAC.PoliciesCSVFile != "rbac/rbac-policy.csv" || !p.RBAC.PolicyFileReload || len(p.RBAC.Admin.Users) != 1 || *p.RBAC.MaxDepth != 1 {
		t.Errorf("section %+v", p)
	}
	write(t, filepath.Join(dir, "rbac"), "rbac-policy.csv", "p, role:default/dev, catalog-entity, read, allow\np, role:default/dev, catalog-entity, rad, allow\n")
	_, err = Load([]string{f}, env(nil))
	want := f + `:8: permission.rbac.policies-csv-file: ` + csv + `:2: unknown action "rad"; use create, read, update, delete or use`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}
