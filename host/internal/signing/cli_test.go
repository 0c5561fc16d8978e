package signing

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"greenroom.dev/greenroom/host/internal/plugintest"
)

func run(f func([]string, *bytes.Buffer, *bytes.Buffer) error, args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	err := f(args, &out, &errOut)
	return out.String(), errOut.String(), err
}

func keygen(a []string, o, e *bytes.Buffer) error { return RunKeygen(a, o, e) }
func sign(a []string, o, e *bytes.Buffer) error   { return RunSign(a, o, e) }
func verify(a []string, o, e *bytes.Buffer) error { return RunVerify(a, o, e) }

// TestCLI runs keygen, sign and verify end to end on files, as an operator would.
func TestCLI(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "release")
	out, _, err := run(keygen, "-o", name)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := LoadPublicKey(name + ".pub")
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
	out, _, err = run(sign, "--key", name+".key", in, "-o", signedPath)
	if err != nil {
		t.Fatal(err)
	}
	signed, _ := os.ReadFile(signedPath)
	sum := sha256.Sum256(signed)
	if want := "signed " + in + " with key " + pub.ID + " into " + signedPath + " (sha256 " + hex.EncodeToString(sum[:]) + ")\n"; out != want {
		t.Fatalf("sign printed %q, want %q", out, want)
	}

	out, _, err = run(verify, "--pubkey", name+".pub", signedPath)
	if err != nil || out != signedPath+": signed-trusted by key "+pub.ID+"\n" {
		t.Fatalf("verify: %q, %v", out, err)
	}

	// Sign in place.
	if _, _, err := run(sign, "--key", name+".key", in, "-o", in); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(verify, "--pubkey", name+".pub", in); err != nil {
		t.Fatal(err)
	}

	// Tampered, unsigned and untrusted files fail verification, each with its reason.
	tampered := filepath.Join(dir, "tampered.wasm")
	os.WriteFile(tampered, flipCode(t, signed), 0o644)
	unsigned := plugintest.Copy(t, plugintest.WAT(t, "host/internal/signing/testdata/echo.wat", "host/internal/signing/testdata/echo.yaml"), filepath.Join(dir, "unsigned.wasm"))
	if _, _, err := run(keygen, "-o", filepath.Join(dir, "other")); err != nil {
		t.Fatal(err)
	}
	out, _, err = run(verify, "--pubkey", filepath.Join(dir, "other.pub"), signedPath, tampered, unsigned)
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
	var u *UsageError
	if err == nil || err.Error() != "plugin verify: 3 of 3 file(s) failed verification" || errors.As(err, &u) {
		t.Fatalf("verify error %v (a failed verification is not a usage error)", err)
	}
}

func TestCLIUsage(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := run(keygen, "-o", filepath.Join(dir, "k")); err != nil {
		t.Fatal(err)
	}
	in := plugintest.Copy(t, plugintest.WAT(t, "host/internal/signing/testdata/echo.wat", "host/internal/signing/testdata/echo.yaml"), filepath.Join(dir, "echo.wasm"))
	cases := []struct {
		name string
		f    func([]string, *bytes.Buffer, *bytes.Buffer) error
		args []string
		want string
	}{
		{"keygen no -o", keygen, nil, "plugin keygen needs -o NAME and no other arguments"},
		{"keygen exists", keygen, []string{"-o", filepath.Join(dir, "k")}, "keygen: " + filepath.Join(dir, "k") + ".key already exists; choose another name or remove it first"},
		{"keygen bad flag", keygen, []string{"--nope"}, "unknown flag: --nope"},
		{"sign no key", sign, []string{in, "-o", in}, "plugin sign needs --key, one input .wasm and -o"},
		{"sign missing input", sign, []string{"--key", filepath.Join(dir, "k.key"), filepath.Join(dir, "none.wasm"), "-o", in}, "plugin sign: open " + filepath.Join(dir, "none.wasm") + ": no such file or directory"},
		{"sign not wasm", sign, []string{"--key", filepath.Join(dir, "k.key"), filepath.Join(dir, "k.pub"), "-o", in}, "plugin sign: " + filepath.Join(dir, "k.pub") + ": not a WebAssembly module (missing the \\0asm version 1 header)"},
		{"sign public key", sign, []string{"--key", filepath.Join(dir, "k.pub"), in, "-o", in}, "plugin sign: private key " + filepath.Join(dir, "k.pub") + ": mode 0644 lets other users read it; run `chmod 600 " + filepath.Join(dir, "k.pub") + "`"},
		{"verify no pubkey", verify, []string{in}, "plugin verify needs at least one --pubkey and one .wasm file"},
		{"verify bad pubkey", verify, []string{"--pubkey", in, in}, "plugin verify: public key " + in + ": not PEM and not base64; give the .pub file written by `greenroom plugin keygen`, or the base64 key it prints"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := run(c.f, c.args...)
			var u *UsageError
			if !errors.As(err, &u) || err.Error() != c.want {
				t.Fatalf("got  %v\nwant %s", err, c.want)
			}
		})
	}
	if _, _, err := run(sign, "--help"); !errors.Is(err, pflag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
}
