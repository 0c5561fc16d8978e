package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/plugintest"
)

// validateFixture writes the plugins the config validate tests use into dir: the
// committed hello-c example (whose config schema wants a string greeting) and a module
// that imports the kv functions.
func validateFixture(t *testing.T, dir string) {
	t.Helper()
	plugintest.Copy(t, plugintest.Packed(t, "examples/hello-c/hello-c.wasm"), filepath.Join(dir, "hello-c.wasm"))
	plugintest.Copy(t, plugintest.WAT(t, "host/internal/plugin/testdata/kv.wat", "host/internal/plugin/testdata/kv.yaml"), filepath.Join(dir, "kv.wasm"))
}

// TestConfigValidateSameErrors: `greenroom config validate` refuses what `greenroom
// serve` refuses before it serves, printing each problem with the message serve gives
// (each naming its file and line), and exits 2; it prints ok for a config that serve
// starts.
func TestConfigValidateSameErrors(t *testing.T) {
	dir := t.TempDir()
	validateFixture(t, dir)
	helloC, _ := os.ReadFile(filepath.Join(dir, "hello-c.wasm"))
	base := fmt.Sprintf("backend:\n  listen: {host: 127.0.0.1, port: 0}\nruntime: {compilationCache: %s}\n", filepath.Join(os.TempDir(), "greenroom-test-wasm-cache"))
	cases := []struct {
		name    string
		yaml    string
		overlay string
		want    []string // in validate's output, besides serve's messages
	}{
		{name: "config value", yaml: base + "proxy:\n  endpoints:\n    /ci:\n      target: https://ci.example.com\n      allowedMethods: [GET, 'BAD METHOD']\n",
			want: []string{`app-config.yaml:8: proxy.endpoints./ci.allowedMethods[1]: "BAD METHOD" is not an HTTP method`}},
		{name: "several config problems", yaml: base + "app: {baseUrl: nope}\naudit:\n  log: {maxSize: 1KiB}\n",
			want: []string{`app-config.yaml:4: app.baseUrl: "nope" is not an http(s) URL`, "app-config.yaml:6: audit.log.maxSize: 1KiB is below the 4KiB minimum"}},
		{name: "unknown key", yaml: base + "plugins:\n  - id: a\n    source: a.wasm\n    grantz: {}\n",
			want: []string{"app-config.yaml:7: plugins[0].grantz: unknown key"}},
		{name: "missing plugin file", yaml: base + "plugins:\n  - {id: a, source: nope.wasm}\n",
			want: []string{"plugin a: load: source: file ", "nope.wasm does not exist", "app-config.yaml:5)"}},
		{name: "pin", yaml: base + "plugins:\n  - {id: hello-c, source: hello-c.wasm, sha256: " + strings.Repeat("ab", 32) + "}\n",
			want: []string{"plugin hello-c: load: sha256 mismatch", fmt.Sprintf("file hashes to %x", sha256.Sum256(helloC))}},
		{name: "grant", yaml: base + "plugins:\n  - {id: kv, source: kv.wasm}\n",
			want: []string{"plugin kv: load: imports greenroom:host/v1.kv_get, which needs capability kv; grant it with `kv: {}` under plugins[0].grants"}},
		{name: "plugin config", yaml: base + "plugins:\n  - id: hello-c\n    source: hello-c.wasm\n    config: {greeting: 5}\n",
			want: []string{"plugin hello-c: load: config does not match the plugin's schema: plugins[0].config.greeting: got number, want string"}},
		{name: "every plugin", yaml: base + "plugins:\n  - {id: a, source: nope.wasm}\n  - {id: hello-c, source: hello-c.wasm, config: {greting: hi}}\n  - {id: b, source: nope.wasm, enabled: false}\n",
			want: []string{"plugin a: load", "plugin hello-c: load: config does not match", "greting"}},
		{name: "overlay", yaml: base + "plugins:\n  - {id: hello-c, source: hello-c.wasm}\n", overlay: "plugins:\n  - id: hello-c\n    limits: {timeout: soon}\n",
			want: []string{`overlay.yaml:3: plugins[0].limits.timeout: "soon" is not a duration`}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sub := filepath.Join(dir, fmt.Sprint(i))
			os.MkdirAll(sub, 0o755)
			for _, f := range []string{"hello-c.wasm", "kv.wasm"} {
				plugintest.Copy(t, filepath.Join(dir, f), filepath.Join(sub, f))
			}
			files := []string{write(t, sub, "app-config.yaml", tc.yaml)}
			if tc.overlay != "" {
				files = append(files, write(t, sub, "overlay.yaml", tc.overlay))
			}
			code, out, stderr := run(t, append([]string{"config", "validate"}, files...)...)
			if code != ExitUsage || !strings.Contains(stderr, "config validate: ") {
				t.Errorf("validate: exit %d, stderr %q; want %d", code, stderr, ExitUsage)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("validate printed\n%s\nwant %s", out, w)
				}
			}
			var serveArgs []string
			for _, f := range files {
				serveArgs = append(serveArgs, "--config", f)
			}
			serveCode, _, serveErr := run(t, append([]string{"serve"}, serveArgs...)...)
			if serveCode != ExitUsage {
				t.Errorf("serve: exit %d, want %d: %s", serveCode, ExitUsage, serveErr)
			}
			problems := strings.Split(strings.TrimSpace(out), "\n")
			for _, p := range problems {
				if !strings.Contains(serveErr, p) {
					t.Errorf("validate's problem\n  %s\nis not what serve says:\n  %s", p, serveErr)
				}
			}
		})
	}

	// A config that serve starts is ok.
	good := write(t, dir, "good.yaml", base+"plugins:\n  - {id: hello-c, source: hello-c.wasm, config: {greeting: hi}}\n  - {id: kv, source: kv.wasm, grants: {kv: {}}}\n")
	if code, out, stderr := run(t, "config", "validate", good); code != 0 || out != "ok\n" {
		t.Errorf("validate a good config: exit %d, %q %q", code, out, stderr)
	}
	cfg, err := config.Load([]string{good}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := start(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		t.Fatalf("serve refuses what validate passes: %v", err)
	}
	h.stop(context.Background())

	// Usage.
	if code, _, stderr := run(t, "config", "validate"); code != ExitUsage || !strings.Contains(stderr, "needs at least one config file") {
		t.Errorf("no files: exit %d, %q", code, stderr)
	}
	if code, _, stderr := run(t, "config", "validate", filepath.Join(dir, "nope.yaml")); code != ExitUsage || !strings.Contains(stderr, "1 problem") {
		t.Errorf("missing file: exit %d, %q", code, stderr)
	}
}

// TestConfigValidateWarns: what start-up warns about is printed as a warning, and the
// config is still ok.
func TestConfigValidateWarns(t *testing.T) {
	f := write(t, t.TempDir(), "app-config.yaml", "backend:\n  baseUrl: http://localhost:8000\n")
	code, out, _ := run(t, "config", "validate", f)
	if code != 0 || !strings.HasPrefix(out, "warning: "+f+":2: backend.baseUrl: port 8000") || !strings.HasSuffix(out, "\nok\n") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// TestConfigSchema: `greenroom config schema` prints docs/app-config.schema.json; with
// --config it adds each configured plugin's config schema for its entries, warning
// about a plugin it cannot read.
func TestConfigSchema(t *testing.T) {
	code, out, stderr := run(t, "config", "schema")
	committed, err := os.ReadFile(filepath.Join(plugintest.Root(t), "docs", "app-config.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 || out != string(committed) {
		t.Errorf("config schema: exit %d (%s); the output is not docs/app-config.schema.json", code, stderr)
	}

	dir := t.TempDir()
	validateFixture(t, dir)
	cfgFile := write(t, dir, "app-config.yaml", "plugins:\n  - {id: hello-c, source: hello-c.wasm, config: {greeting: hi}}\n  - {id: kv, source: kv.wasm, grants: {kv: {}}}\n  - {id: gone, source: gone.wasm, enabled: false}\n")
	code, out, stderr = run(t, "config", "schema", "--config", cfgFile)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "plugin gone (plugins[2] at "+cfgFile+":4)") || !strings.Contains(stderr, "gone.wasm does not exist") || strings.Contains(stderr, "hello-c") {
		t.Errorf("warnings: %s", stderr)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		yaml string
		ok   bool
	}{
		{"plugins: [{id: hello-c, config: {greeting: hi}}]", true},
		{"plugins: [{id: hello-c, config: {greeting: 5}}]", false},
		{"plugins: [{id: hello-c, config: {greting: hi}}]", false},
		{"plugins: [{id: kv, config: {anything: 5}}]", true},
	} {
		var v any
		if err := yaml.Unmarshal([]byte(tc.yaml), &v); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(v)
		inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err := sch.Validate(inst); (err == nil) != tc.ok {
			t.Errorf("%s: valid = %v, want %v (%v)", tc.yaml, err == nil, tc.ok, err)
		}
	}
	cfgYAML, _ := os.ReadFile(cfgFile)
	var v any
	yaml.Unmarshal(cfgYAML, &v)
	b, _ := json.Marshal(v)
	inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err := sch.Validate(inst); err != nil {
		t.Errorf("the config itself: %v", err)
	}

	bad := write(t, dir, "bad.yaml", "bakend: {}\n")
	if code, _, stderr := run(t, "config", "schema", "--config", bad); code != ExitUsage || !strings.Contains(stderr, "bad.yaml:1: bakend: unknown key") {
		t.Errorf("a bad config: exit %d, %q", code, stderr)
	}
	if code, _, stderr := run(t, "config", "schema", cfgFile); code != ExitUsage || !strings.Contains(stderr, "give config files with --config") {
		t.Errorf("an argument: exit %d, %q", code, stderr)
	}
}

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
