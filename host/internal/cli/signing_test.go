package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/plugintest"
	"greenroom.dev/greenroom/host/internal/signing"
	"greenroom.dev/greenroom/host/internal/wasmfile"
)

// signRun runs a greenroom command line; a non-zero exit is an error "exit N: <stderr>".
func signRun(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	code, stdout, stderr := run(t, args...)
	if code != 0 {
		return stdout, stderr, fmt.Errorf("exit %d: %s", code, strings.TrimSpace(stderr))
	}
	return stdout, stderr, nil
}

// flipCode changes one byte of the module's code section.
func flipCode(t *testing.T, wasm []byte) []byte {
	t.Helper()
	mod, err := wasmfile.Parse(wasm)
	if err != nil {
		t.Fatal(err)
	}
	out := append([]byte{}, wasm...)
	for _, s := range mod.Sections {
		if s.ID == 10 {
			out[s.End-2] ^= 0x01
			return out
		}
	}
	t.Fatal("no code section")
	return nil
}

// TestCLI runs keygen, sign and verify end to end on files, as an operator would.
func TestSigningCommands(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "release")
	out, _, err := signRun(t, "plugin", "keygen", "-o", name)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := signing.LoadPublicKey(name + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	wantOut := "wrote " + name + ".key (private: keep it secret, never commit it) and " + name + ".pub\nkey id " + pub.ID +
		"\n\ntrust it in app-config.yaml:\n\nsecurity:\n  trustedKeys:\n    - id: " + pub.ID + "\n      publicKey: " + pub.Base64() + "\n"
	if out != wantOut {
		t.Fatalf("keygen printed:\n%s\nwant:\n%s", out, wantOut)
	}

	in := plugintest.Copy(t, plugintest.WAT(t, "host/internal/signing/testdata/echo.wat", "host/internal/signing/testdata/echo.yaml"), filepath.Join(dir, "echo.wasm"))
	signedPath := filepath.Join(dir, "echo.signed.wasm")
	out, _, err = signRun(t, "plugin", "sign", "--key", name+".key", in, "-o", signedPath)
	if err != nil {
		t.Fatal(err)
	}
	signed, _ := os.ReadFile(signedPath)
	sum := sha256.Sum256(signed)
	if want := "signed " + in + " with key " + pub.ID + " into " + signedPath + " (sha256 " + hex.EncodeToString(sum[:]) + ")\n"; out != want {
		t.Fatalf("sign printed %q, want %q", out, want)
	}

	out, _, err = signRun(t, "plugin", "verify", "--pubkey", name+".pub", signedPath)
	if err != nil || out != signedPath+": signed-trusted by key "+pub.ID+"\n" {
		t.Fatalf("verify: %q, %v", out, err)
	}

	// Sign in place.
	if _, _, err := signRun(t, "plugin", "sign", "--key", name+".key", in, "-o", in); err != nil {
		t.Fatal(err)
	}
	if _, _, err := signRun(t, "plugin", "verify", "--pubkey", name+".pub", in); err != nil {
		t.Fatal(err)
	}

	// Tampered, unsigned and untrusted files fail verification, each with its reason.
	tampered := filepath.Join(dir, "tampered.wasm")
	os.WriteFile(tampered, flipCode(t, signed), 0o644)
	unsigned := plugintest.Copy(t, plugintest.WAT(t, "host/internal/signing/testdata/echo.wat", "host/internal/signing/testdata/echo.yaml"), filepath.Join(dir, "unsigned.wasm"))
	if _, _, err := signRun(t, "plugin", "keygen", "-o", filepath.Join(dir, "other")); err != nil {
		t.Fatal(err)
	}
	out, _, err = signRun(t, "plugin", "verify", "--pubkey", filepath.Join(dir, "other.pub"), signedPath, tampered, unsigned)
	wantLines := []string{
		signedPath + ": signed-untrusted: signed by a key that is not trusted: key " + pub.ID + " is not one of the 1 trusted key(s)",
		tampered + ": invalid: key " + pub.ID + ": signature does not match the module: it was changed after signing",
		unsigned + ": unsigned: the module is not signed; sign it with `greenroom plugin sign --key NAME.key " + unsigned + " -o " + unsigned + "`",
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("verify printed:\n%s", out)
	}
	for i, w := range wantLines {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d:\n got %s\nwant %s", i, lines[i], w)
		}
	}
	if err == nil || err.Error() != "exit 1: greenroom: plugin verify: 3 of 3 file(s) failed verification" {
		t.Fatalf("verify error %v (a failed verification is a failure, exit 1, not a usage error)", err)
	}
}

func TestSigningCommandsUsage(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := signRun(t, "plugin", "keygen", "-o", filepath.Join(dir, "k")); err != nil {
		t.Fatal(err)
	}
	in := plugintest.Copy(t, plugintest.WAT(t, "host/internal/signing/testdata/echo.wat", "host/internal/signing/testdata/echo.yaml"), filepath.Join(dir, "echo.wasm"))
	cases := []struct {
		name string
		cmd  string
		args []string
		want string
	}{
		{"keygen no -o", "keygen", nil, "plugin keygen needs -o NAME and no other arguments"},
		{"keygen exists", "keygen", []string{"-o", filepath.Join(dir, "k")}, "keygen: " + filepath.Join(dir, "k") + ".key already exists; choose another name or remove it first"},
		{"keygen bad flag", "keygen", []string{"--nope"}, "unknown flag: --nope"},
		{"sign no key", "sign", []string{in, "-o", in}, "plugin sign needs --key, one input .wasm and -o"},
		{"sign missing input", "sign", []string{"--key", filepath.Join(dir, "k.key"), filepath.Join(dir, "none.wasm"), "-o", in}, "plugin sign: open " + filepath.Join(dir, "none.wasm") + ": no such file or directory"},
		{"sign not wasm", "sign", []string{"--key", filepath.Join(dir, "k.key"), filepath.Join(dir, "k.pub"), "-o", in}, "plugin sign: " + filepath.Join(dir, "k.pub") + ": not a WebAssembly module (missing the \\0asm version 1 header)"},
		{"sign public key", "sign", []string{"--key", filepath.Join(dir, "k.pub"), in, "-o", in}, "plugin sign: private key " + filepath.Join(dir, "k.pub") + ": mode 0644 lets other users read it; run `chmod 600 " + filepath.Join(dir, "k.pub") + "`"},
		{"verify no pubkey", "verify", []string{in}, "plugin verify needs at least one --pubkey and one .wasm file"},
		{"verify bad pubkey", "verify", []string{"--pubkey", in, in}, "plugin verify: public key " + in + ": not PEM and not base64; give the .pub file written by `greenroom plugin keygen`, or the base64 key it prints"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := signRun(t, append([]string{"plugin", c.cmd}, c.args...)...)
			// The usage may come first; the error is the last line.
			if err == nil || !strings.HasPrefix(err.Error(), "exit 2: ") || !strings.HasSuffix(err.Error(), "greenroom: "+c.want) {
				t.Fatalf("got  %v\nwant exit 2 ending greenroom: %s", err, c.want)
			}
		})
	}
	if _, stderr, err := signRun(t, "plugin", "sign", "--help"); err != nil || !strings.Contains(stderr, "usage: greenroom plugin sign") {
		t.Fatalf("--help: %v %s", err, stderr)
	}
}
