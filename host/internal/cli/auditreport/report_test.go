package auditreport

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/plugintest"
	"greenroom.dev/greenroom/host/internal/signing"
	"greenroom.dev/greenroom/host/internal/wasmfile"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func key(seed byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
}

func pub(k ed25519.PrivateKey) signing.PublicKey {
	return signing.NewPublicKey(k.Public().(ed25519.PublicKey))
}

// fixture is a config directory with the test plugins in plugins/.
type fixture struct {
	dir  string
	sums map[string]string // sha256 -> file name, for normalising
}

func (f *fixture) write(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(f.dir, "plugins", name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	f.sums[hex.EncodeToString(h[:])] = name
	return hex.EncodeToString(h[:])
}

func read(t *testing.T, wat, manifest string) []byte {
	t.Helper()
	b, err := os.ReadFile(plugintest.WAT(t, "host/internal/cli/auditreport/testdata/"+wat, "host/internal/cli/auditreport/testdata/"+manifest))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func flipCode(t *testing.T, wasm []byte) []byte {
	t.Helper()
	mod, err := wasmfile.Parse(wasm)
	if err != nil {
		t.Fatal(err)
	}
	out := append([]byte{}, wasm...)
	for _, s := range mod.Sections {
		if s.ID == 10 {
			out[s.End-2] ^= 1
			return out
		}
	}
	t.Fatal("no code section")
	return nil
}

// normalise replaces the temp dir and the digests of the fixture files, which depend on
// the installed wat2wasm, by stable names.
func (f *fixture) normalise(b []byte) []byte {
	s := strings.ReplaceAll(string(b), f.dir, "$DIR")
	sums := make([]string, 0, len(f.sums))
	for sum := range f.sums {
		sums = append(sums, sum)
	}
	sort.Strings(sums)
	for _, sum := range sums {
		s = strings.ReplaceAll(s, sum, "<sha256 of "+f.sums[sum]+">")
	}
	return []byte(s)
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (go test -update rewrites it):\n%s", path, got)
	}
}

func loadConfig(t *testing.T, dir, text string) *config.Config {
	t.Helper()
	p := filepath.Join(dir, "app-config.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load([]string{p}, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// setup writes every fixture: reader (signed by the trusted key, unsigned, signed by an
// untrusted key, tampered after signing) and egress (imports refused by the host).
func setup(t *testing.T) (*fixture, *config.Config) {
	f := &fixture{dir: t.TempDir(), sums: map[string]string{}}
	reader := read(t, "reader.wat", "reader.yaml")
	signed, err := signing.Sign(reader, key(1))
	if err != nil {
		t.Fatal(err)
	}
	untrusted, err := signing.Sign(reader, key(2))
	if err != nil {
		t.Fatal(err)
	}
	signedSum := f.write(t, "reader.signed.wasm", signed)
	f.write(t, "reader.wasm", reader)
	f.write(t, "reader.untrusted.wasm", untrusted)
	f.write(t, "reader.tampered.wasm", flipCode(t, signed))
	f.write(t, "egress.wasm", read(t, "egress.wat", "egress.yaml"))

	cfg := loadConfig(t, f.dir, `
proxy:
  endpoints:
    /chat: https://chat.example.com/api
plugins:
  # Exactly what it needs, pinned and signed: clean.
  - id: reader
    source: plugins/reader.signed.wasm
    sha256: `+signedSum+`
    grants:
      kv: {}
      url.read: {hosts: [github.com], paths: ["/acme/**"]}
      tasks: {}
    limits: {memory: 32MiB, timeout: 2s}
  # Unsigned, and granted more than it uses.
  - id: reader-wide
    source: plugins/reader.wasm
    grants:
      kv: {quota: 1MiB}
      url.read: {}
      proxy: {endpoints: [/chat]}
      catalog.write: {kinds: [Component], namespaces: [default]}
      tasks: {}
      files: {quota: 64MiB}
  # Signed by a key that is not trusted, the pin is stale and grants are missing.
  - id: reader-narrow
    source: plugins/reader.untrusted.wasm
    sha256: `+strings.Repeat("0", 64)+`
    grants:
      kv: {}
  # Changed after signing.
  - id: reader-tampered
    source: plugins/reader.tampered.wasm
    grants: {kv: {}, url.read: {hosts: ["*.example.com"]}, proxy: {}, tasks: {}}
  # Imports Extism's http_request, and kv without declaring it.
  - id: egress
    source: plugins/egress.wasm
    grants: {kv: {}}
  # Disabled, and its file is gone.
  - id: gone
    source: plugins/gone.wasm
    enabled: false
`)
	return f, cfg
}

func TestReportGolden(t *testing.T) {
	f, cfg := setup(t)
	r, err := Build(cfg, Options{Trusted: []signing.PublicKey{pub(key(1))}, RequireSigned: true})
	if err != nil {
		t.Fatal(err)
	}
	var js, text bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	validate(t, js.Bytes())
	golden(t, "report.golden.json", f.normalise(js.Bytes()))
	golden(t, "report.golden.txt", f.normalise(text.Bytes()))

	if r.ExitCode() != 1 || !r.Mismatch {
		t.Fatal("a report with mismatches exits 0")
	}
	want := map[string]bool{"reader": false, "reader-wide": true, "reader-narrow": true, "reader-tampered": true, "egress": true, "gone": true}
	for _, p := range r.Plugins {
		if p.Mismatch != want[p.ID] {
			t.Errorf("%s: mismatch %v, want %v: %v", p.ID, p.Mismatch, want[p.ID], p.Problems)
		}
	}
}

// TestReportProblems asserts each mismatch's message, whatever the golden file holds.
func TestReportProblems(t *testing.T) {
	f, cfg := setup(t)
	r, err := Build(cfg, Options{Trusted: []signing.PublicKey{pub(key(1))}, RequireSigned: true})
	if err != nil {
		t.Fatal(err)
	}
	problems := map[string][]string{}
	for _, p := range r.Plugins {
		for _, s := range p.Problems {
			problems[p.ID] = append(problems[p.ID], string(f.normalise([]byte(s))))
		}
	}
	k1, k2 := pub(key(1)).ID, pub(key(2)).ID
	want := map[string][]string{
		"reader-wide": {
			"over-granted: capability catalog.write is granted but the module never uses it; remove it from plugins[1].grants",
			"over-granted: capability files is granted but the module never uses it; remove it from plugins[1].grants",
			"unsigned while security.requireSignedPlugins is true; sign it with `greenroom plugin sign --key KEY plugins/reader.wasm -o plugins/reader.wasm` and update its sha256 pin",
		},
		"reader-narrow": {
			"sha256 mismatch: plugins[2] pins " + strings.Repeat("0", 64) + " but the file hashes to <sha256 of reader.untrusted.wasm>; if the new file is trusted, set plugins[2].sha256 to <sha256 of reader.untrusted.wasm>",
			"missing grant: url_read needs capability url.read and would be refused at load; grant it under plugins[2].grants, or mark it optional in the manifest",
			"missing grant: the manifest's tasks needs capability tasks and would be refused at load; grant it under plugins[2].grants",
			"signed by a key that is not trusted: key " + k2 + " is not one of the 1 trusted key(s) (" + k1 + "); if you trust it, add its public key under security.trustedKeys, and security.requireSignedPlugins is true",
		},
		"reader-tampered": {
			"invalid signature: key " + k1 + ": signature does not match the module: it was changed after signing; the module is refused at load",
		},
		"egress": {
			"refused at load: imports extism:host/env.http_request: Extism's HTTP egress is not available in Greenroom; use the proxy capability (proxy_fetch) or url.read (url_read) instead",
			"unsigned while security.requireSignedPlugins is true; sign it with `greenroom plugin sign --key KEY plugins/egress.wasm -o plugins/egress.wasm` and update its sha256 pin",
		},
		"gone": {
			"unreadable: source: file $DIR/plugins/gone.wasm does not exist; check plugins[5].source",
		},
	}
	for id, w := range want {
		if strings.Join(problems[id], "\n") != strings.Join(w, "\n") {
			t.Errorf("%s problems:\n got %s\nwant %s", id, strings.Join(problems[id], "\n     "), strings.Join(w, "\n     "))
		}
	}
	if len(problems["reader"]) != 0 {
		t.Errorf("reader: %v", problems["reader"])
	}
}

func TestReportClean(t *testing.T) {
	f, cfg := setup(t)
	cfg.Plugins = cfg.Plugins[:1]
	r, err := Build(cfg, Options{Trusted: []signing.PublicKey{pub(key(1))}, RequireSigned: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.ExitCode() != 0 {
		t.Fatalf("clean config: %+v", r.Plugins[0].Problems)
	}
	p := r.Plugins[0]
	if p.Pin.Status != PinnedOK || p.Signature.Status != signing.SignedTrusted || strings.Join(p.Capabilities.Stubbed, ",") != "proxy" {
		t.Fatalf("%+v", p)
	}
	// Without required signatures, an untrusted signer is a warning, not a mismatch.
	cfg2 := loadConfig(t, f.dir, "plugins:\n  - id: r\n    source: plugins/reader.untrusted.wasm\n    grants: {kv: {}, url.read: {}, tasks: {}}\n")
	r2, _ := Build(cfg2, Options{Trusted: []signing.PublicKey{pub(key(1))}})
	if w := r2.Plugins[0].Warnings; r2.Mismatch || len(w) != 3 || !strings.HasPrefix(w[2], "signed by a key that is not trusted") {
		t.Fatalf("%+v", r2.Plugins[0])
	}
}

func TestReportFile(t *testing.T) {
	f, _ := setup(t)
	r, err := BuildFile(filepath.Join(f.dir, "plugins", "reader.signed.wasm"), Options{Trusted: []signing.PublicKey{pub(key(1))}})
	if err != nil {
		t.Fatal(err)
	}
	var js bytes.Buffer
	r.WriteJSON(&js)
	validate(t, js.Bytes())
	golden(t, "file.golden.json", f.normalise(js.Bytes()))
	if r.ExitCode() != 0 {
		t.Fatalf("a well-formed file is a mismatch: %v", r.Plugins[0].Problems)
	}

	r, err = BuildFile(filepath.Join(f.dir, "plugins", "reader.tampered.wasm"), Options{})
	if err != nil || r.ExitCode() != 1 || r.Plugins[0].Signature.Status != signing.Invalid {
		t.Fatalf("tampered: %v %+v", err, r)
	}
	r, err = BuildFile(filepath.Join(f.dir, "plugins", "egress.wasm"), Options{})
	if err != nil || r.ExitCode() != 1 || !strings.HasPrefix(r.Plugins[0].Problems[0], "refused at load: imports extism:host/env.http_request") {
		t.Fatalf("egress: %v %+v", err, r)
	}
	raw := filepath.Join(f.dir, "raw.wasm")
	os.WriteFile(raw, []byte("\x00asm\x01\x00\x00\x00"), 0o644)
	r, err = BuildFile(raw, Options{})
	if err != nil || r.ExitCode() != 1 || !strings.HasPrefix(r.Plugins[0].Problems[0], "no greenroom.manifest custom section") {
		t.Fatalf("no manifest: %v %+v", err, r)
	}
	js.Reset()
	r.WriteJSON(&js)
	validate(t, js.Bytes())

	for path, want := range map[string]string{
		filepath.Join(f.dir, "none.wasm"):       "audit: open " + filepath.Join(f.dir, "none.wasm") + ": no such file or directory",
		filepath.Join(f.dir, "app-config.yaml"): "audit: " + filepath.Join(f.dir, "app-config.yaml") + ": " + wasmfile.ErrNotWasm.Error(),
	} {
		if _, err := BuildFile(path, Options{}); err == nil || err.Error() != want {
			t.Errorf("got %v, want %s", err, want)
		}
	}
}

// validate checks a report against report.schema.json.
func validate(t *testing.T, js []byte) {
	t.Helper()
	c := jsonschema.NewCompiler()
	sch, err := c.Compile("report.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(v); err != nil {
		t.Fatalf("the report does not match report.schema.json: %v", err)
	}
}

// TestReportImportsOnce: a function the module imports twice is reported once.
func TestReportImportsOnce(t *testing.T) {
	r, err := BuildFile(plugintest.WAT(t, "host/internal/wasmfile/testdata/dupimports.wat", "host/internal/plugin/testdata/kvopt.yaml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if im := r.Plugins[0].Imports; len(im) != 1 || im[0].Function != "kv_get" {
		t.Fatalf("imports = %+v, want kv_get once", im)
	}
}

// TestReportFileEveryCapability: a module file audited on its own is checked against a
// grant of every capability, so a plugin that imports one function of each, with a
// manifest that declares them all, is not reported as refused at load.
func TestReportFileEveryCapability(t *testing.T) {
	r, err := BuildFile(plugintest.WAT(t, "host/internal/cli/auditreport/testdata/everycap.wat", "host/internal/cli/auditreport/testdata/everycap.yaml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := r.Plugins[0]
	used := map[string]bool{}
	for _, im := range p.Imports {
		used[im.Capability] = true
	}
	for _, c := range abi.Capabilities {
		if c != abi.CapTasks && !used[c] {
			t.Errorf("testdata/everycap.wat imports no function of capability %s; add one", c)
		}
	}
	for _, s := range p.Problems {
		if strings.Contains(s, "refused") {
			t.Errorf("problem: %s", s)
		}
	}
}
