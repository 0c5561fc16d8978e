package plugin

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/audit"
	"greenroom.dev/greenroom/host/internal/capability"
	"greenroom.dev/greenroom/host/internal/signing"
)

func TestSignaturesAtLoad(t *testing.T) {
	e := newEnv(t)
	keyDir := t.TempDir()
	pub, err := signing.GenerateKey(filepath.Join(keyDir, "k.key"), filepath.Join(keyDir, "k.pub"))
	if err != nil {
		t.Fatal(err)
	}
	priv, err := signing.LoadPrivateKey(filepath.Join(keyDir, "k.key"))
	if err != nil {
		t.Fatal(err)
	}
	okPath := fixture(t, e.dir, "ok", "ok")
	raw, _ := os.ReadFile(okPath)
	signed, err := signing.Sign(raw, priv)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(e.dir, "signed.wasm"), signed, 0o644)
	tampered := append([]byte{}, signed...)
	// Flip a byte inside the code of gr_http (the data segment text "ok").
	i := strings.Index(string(tampered), `"ok"`)
	tampered[i+1] = 'k'
	os.WriteFile(filepath.Join(e.dir, "tampered.wasm"), tampered, 0o644)

	c := e.config(t, `plugins:
  - {id: signed, source: signed.wasm}
  - {id: tampered, source: tampered.wasm}
  - {id: unsigned, source: ok.wasm}
`)
	load := func(i int, require bool) error {
		p, err := Load(context.Background(), Deps{Engine: e.engine, Trusted: []signing.PublicKey{pub}, RequireSigned: require}, c, &c.Plugins[i])
		if p != nil {
			p.Close(context.Background())
		}
		return err
	}
	if err := load(0, true); err != nil {
		t.Fatalf("signed by a trusted key: %v", err)
	}
	for _, require := range []bool{false, true} {
		err := load(1, require)
		if err == nil || !strings.Contains(err.Error(), "plugin tampered: load: signature: ") || !strings.Contains(err.Error(), "changed after signing") {
			t.Fatalf("tampered (require=%v): %v", require, err)
		}
	}
	if err := load(2, false); err != nil {
		t.Fatalf("unsigned, not required: %v", err)
	}
	if err := load(2, true); err == nil || !strings.Contains(err.Error(), "plugin unsigned: load: signature:") {
		t.Fatalf("unsigned, required: %v", err)
	}
}

func TestAuditLogRecordsCallsAndDenials(t *testing.T) {
	e := newEnv(t)
	fixture(t, e.dir, "kv", "kv")
	fixture(t, e.dir, "kv", "kvopt")
	log := audit.New(io.Discard, 100)
	defer log.Close()
	c := e.config(t, "plugins:\n  - {id: granted, source: kv.wasm, grants: {kv: {}}}\n  - {id: opt, source: kvopt.wasm}\n")
	for i := range c.Plugins {
		p, err := Load(context.Background(), Deps{Engine: e.engine, Host: capability.NewHost(capability.Services{KV: e.file.KV()}, log), Audit: log}, c, &c.Plugins[i])
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close(context.Background())
		if _, err := get(t, p, "/"); err != nil {
			t.Fatal(err)
		}
	}
	ok := log.Recent(audit.Filter{Plugin: "granted"})
	if len(ok) != 1 || ok[0].Capability != "kv" || ok[0].Function != "kv_get" || ok[0].Target != "k" || ok[0].Outcome != "ok" {
		t.Fatalf("granted call: %+v", ok)
	}
	denied := log.Recent(audit.Filter{Plugin: "opt"})
	if len(denied) != 1 || denied[0].Outcome != "denied" || !strings.Contains(denied[0].Error, "capability kv is not granted") {
		t.Fatalf("denied call: %+v", denied)
	}
}
