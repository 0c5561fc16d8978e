package auditreport

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/signing"
)

func noEnv(string) (string, bool) { return "", false }

// runAudit runs Audit with the command line's flags (--config F, --pubkey K, --json,
// and at most one .wasm file).
func runAudit(security func(*config.Config) (Options, error), args ...string) (string, error) {
	req := Request{Getenv: noEnv, Security: security}
	if security == nil {
		req.Security = func(*config.Config) (Options, error) { return Options{}, nil }
	}
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "--config":
			i++
			req.Files = append(req.Files, args[i])
		case "--pubkey":
			i++
			req.PubKeys = append(req.PubKeys, args[i])
		case "--json":
			req.JSON = true
		default:
			req.File = args[i]
		}
	}
	var out bytes.Buffer
	err := Audit(&out, req)
	return out.String(), err
}

func trustKey1(*config.Config) (Options, error) {
	return Options{Trusted: []signing.PublicKey{pub(key(1))}, RequireSigned: true}, nil
}

func TestAudit(t *testing.T) {
	f, _ := setup(t)
	cfgPath := filepath.Join(f.dir, "app-config.yaml")

	out, err := runAudit(trustKey1, "--config", cfgPath)
	var m *MismatchError
	if !errors.As(err, &m) || err.Error() != "audit: 5 of 6 plugin(s) have mismatches; see the problems in the report" {
		t.Fatalf("got %v", err)
	}
	if !strings.HasSuffix(out, "\n6 plugin(s), 5 with mismatches\n") {
		t.Fatalf("text output ends %q", out[max(0, len(out)-80):])
	}

	out, err = runAudit(trustKey1, "--config", cfgPath, "--json")
	if !errors.As(err, &m) {
		t.Fatal(err)
	}
	validate(t, []byte(out))

	// A clean config exits 0.
	clean := filepath.Join(f.dir, "clean.yaml")
	b, _ := os.ReadFile(cfgPath)
	os.WriteFile(clean, []byte(strings.Split(string(b), "  # Unsigned,")[0]), 0o644)
	if out, err := runAudit(trustKey1, "--config", clean); err != nil {
		t.Fatalf("clean: %v\n%s", err, out)
	}

	// One file, trusted through --pubkey.
	pubFile := filepath.Join(f.dir, "release.pub")
	der, _ := x509.MarshalPKIXPublicKey(key(1).Public().(ed25519.PublicKey))
	os.WriteFile(pubFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644)
	out, err = runAudit(nil, "--pubkey", pubFile, filepath.Join(f.dir, "plugins", "reader.signed.wasm"))
	if err != nil || !strings.Contains(out, "signature:    signed-trusted (key "+pub(key(1)).ID+")") {
		t.Fatalf("file: %v\n%s", err, out)
	}
	// One file, with the config's signature policy: unsigned is then a mismatch.
	if _, err := runAudit(trustKey1, "--config", cfgPath, filepath.Join(f.dir, "plugins", "reader.wasm")); !errors.As(err, &m) || m.Plugins != 1 {
		t.Fatalf("file with config policy: %v", err)
	}
	if _, err := runAudit(nil, filepath.Join(f.dir, "plugins", "reader.tampered.wasm")); !errors.As(err, &m) {
		t.Fatalf("tampered file: %v", err)
	}
}

func TestAuditBadInput(t *testing.T) {
	f, _ := setup(t)
	cfgPath := filepath.Join(f.dir, "app-config.yaml")
	bad := func(*config.Config) (Options, error) {
		return Options{}, errors.New("security.trustedKeys[0]: give publicKey or file, not both")
	}
	for _, c := range []struct {
		name     string
		security func(*config.Config) (Options, error)
		args     []string
		want     string
	}{
		{"missing config", nil, []string{"--config", filepath.Join(f.dir, "none.yaml")}, filepath.Join(f.dir, "none.yaml") + ": config file not found; check the --config path"},
		{"bad security", bad, []string{"--config", cfgPath}, "security.trustedKeys[0]: give publicKey or file, not both"},
		{"bad pubkey", nil, []string{"--pubkey", cfgPath, filepath.Join(f.dir, "plugins", "reader.wasm")}, "audit: public key " + cfgPath + ": not PEM and not base64; give the .pub file written by `greenroom plugin keygen`, or the base64 key it prints"},
		{"not wasm", nil, []string{cfgPath}, "audit: " + cfgPath + ": not a WebAssembly module (missing the \\0asm version 1 header)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := runAudit(c.security, c.args...)
			var m *MismatchError
			if err == nil || errors.As(err, &m) || err.Error() != c.want || out != "" {
				t.Fatalf("got  %v (output %q)\nwant %s and no output", err, out, c.want)
			}
		})
	}
}

func TestOptionsFrom(t *testing.T) {
	if o, err := OptionsFrom(nil, "."); err != nil || o.RequireSigned || o.Trusted != nil {
		t.Fatalf("%+v %v", o, err)
	}
	sec := &signing.Config{RequireSignedPlugins: true, TrustedKeys: []signing.TrustedKey{{PublicKey: pub(key(1)).Base64()}}}
	o, err := OptionsFrom(sec, ".")
	if err != nil || !o.RequireSigned || len(o.Trusted) != 1 || o.Trusted[0].ID != pub(key(1)).ID {
		t.Fatalf("%+v %v", o, err)
	}
	if _, err := OptionsFrom(&signing.Config{RequireSignedPlugins: true}, "."); err == nil {
		t.Fatal("required with no keys resolved")
	}
}
