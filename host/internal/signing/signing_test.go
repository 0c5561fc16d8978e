package signing

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/pack"
	"greenroom.dev/greenroom/host/internal/plugintest"
	"greenroom.dev/greenroom/host/internal/wasmfile"
)

// echoModule is the packed echo plugin, assembled from testdata/echo.wat.
func echoModule(t *testing.T) []byte {
	t.Helper()
	p := plugintest.WAT(t, "host/internal/signing/testdata/echo.wat", "host/internal/signing/testdata/echo.yaml")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// helloC is the committed C example, compiled by clang: a module of realistic size.
func helloC(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(plugintest.Packed(t, "examples/hello-c/hello-c.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func seedKey(b byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
}

func pubOf(priv ed25519.PrivateKey) PublicKey {
	return NewPublicKey(priv.Public().(ed25519.PublicKey))
}

// flipCode flips one byte inside the module's code section.
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

// rawSection encodes a custom section by hand, to build malformed modules.
func rawSection(name string, payload []byte) []byte {
	var body []byte
	body = binary.AppendUvarint(body, uint64(len(name)))
	body = append(body, name...)
	body = append(body, payload...)
	out := []byte{0}
	out = binary.AppendUvarint(out, uint64(len(body)))
	return append(out, body...)
}

func TestSignVerify(t *testing.T) {
	key := seedKey(1)
	for name, wasm := range map[string][]byte{"echo": echoModule(t), "hello-c": helloC(t)} {
		t.Run(name, func(t *testing.T) {
			signed, err := Sign(wasm, key)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Verify(signed, []PublicKey{pubOf(seedKey(9)), pubOf(key)})
			if err != nil {
				t.Fatal(err)
			}
			want := Result{Signed: true, KeyID: pubOf(key).ID, Trusted: true, Status: SignedTrusted}
			if res != want {
				t.Fatalf("got %+v, want %+v", res, want)
			}
			// The signed module is still a plugin with the same manifest.
			mod, err := wasmfile.Parse(signed)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := mod.Manifest(); err != nil {
				t.Fatal(err)
			}
			// The unsigned module verifies as unsigned, with no error.
			res, err = Verify(wasm, []PublicKey{pubOf(key)})
			if err != nil || res != (Result{Status: Unsigned}) {
				t.Fatalf("unsigned: %+v, %v", res, err)
			}
		})
	}
}

func TestSignReplacesSignature(t *testing.T) {
	a, b := seedKey(1), seedKey(2)
	once, err := Sign(echoModule(t), a)
	if err != nil {
		t.Fatal(err)
	}
	twice, err := Sign(once, b)
	if err != nil {
		t.Fatal(err)
	}
	mod, _ := wasmfile.Parse(twice)
	n := 0
	for _, s := range mod.Sections {
		if s.Name == Section {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d signature sections, want 1", n)
	}
	res, err := Verify(twice, []PublicKey{pubOf(b)})
	if err != nil || res.KeyID != pubOf(b).ID {
		t.Fatalf("%+v, %v", res, err)
	}
	// Signing is deterministic (Ed25519), so re-signing with the same key is a no-op.
	again, _ := Sign(twice, b)
	if !bytes.Equal(again, twice) {
		t.Fatal("re-signing with the same key changed the module")
	}
}

// TestTampered is the test: a signed plugin changed after signing is refused,
// whether a code byte changed or the manifest did.
func TestTampered(t *testing.T) {
	key := seedKey(1)
	trusted := []PublicKey{pubOf(key)}
	signed, err := Sign(echoModule(t), key)
	if err != nil {
		t.Fatal(err)
	}

	// A manifest that grants itself more: add a capability request and a route.
	mod, _ := wasmfile.Parse(signed)
	man, err := mod.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	man.Capabilities = append(man.Capabilities, abi.Capability{Name: abi.CapProxy})
	man.Routes = append(man.Routes, abi.Route{Method: "GET", Path: "/admin"})
	repacked, err := pack.Pack(signed, man)
	if err != nil {
		t.Fatal(err)
	}

	for name, wasm := range map[string][]byte{
		"code byte": flipCode(t, signed),
		"manifest":  repacked,
	} {
		t.Run(name, func(t *testing.T) {
			for _, require := range []bool{true, false} {
				res, err := Check(wasm, trusted, require)
				if !errors.Is(err, ErrTampered) {
					t.Fatalf("require=%v: err %v, want ErrTampered", require, err)
				}
				want := "signature: key " + pubOf(key).ID + ": signature does not match the module: it was changed after signing"
				if err.Error() != want {
					t.Fatalf("message:\n got %s\nwant %s", err, want)
				}
				if res.Status != Invalid || res.Trusted || !res.Signed {
					t.Fatalf("result %+v", res)
				}
			}
			// Without the key being trusted, the embedded key still shows the tampering.
			if res, err := Verify(wasm, nil); !errors.Is(err, ErrTampered) || res.Status != Invalid {
				t.Fatalf("untrusted: %+v, %v", res, err)
			}
		})
	}
}

func TestUntrusted(t *testing.T) {
	signed, err := Sign(echoModule(t), seedKey(1))
	if err != nil {
		t.Fatal(err)
	}
	other := pubOf(seedKey(2))
	res, err := Verify(signed, []PublicKey{other})
	if !errors.Is(err, ErrUntrusted) || res.Status != SignedUntrusted || res.Trusted || res.KeyID != pubOf(seedKey(1)).ID {
		t.Fatalf("%+v, %v", res, err)
	}
	want := "signed by a key that is not trusted: key " + pubOf(seedKey(1)).ID + " is not one of the 1 trusted key(s) (" + other.ID + "); if you trust it, add its public key under security.trustedKeys"
	if err.Error() != want {
		t.Fatalf("message:\n got %s\nwant %s", err, want)
	}
	// Required: refused. Not required: loads.
	if _, err := Check(signed, []PublicKey{other}, true); err == nil || err.Error() != "signature: "+want+", and security.requireSignedPlugins is true" {
		t.Fatalf("required: %v", err)
	}
	if _, err := Check(signed, []PublicKey{other}, false); err != nil {
		t.Fatalf("not required: %v", err)
	}
}

func TestCheckUnsigned(t *testing.T) {
	wasm := echoModule(t)
	if _, err := Check(wasm, nil, false); err != nil {
		t.Fatal(err)
	}
	_, err := Check(wasm, []PublicKey{pubOf(seedKey(1))}, true)
	want := "signature: the module is not signed and security.requireSignedPlugins is true; sign it with `greenroom plugin sign --key KEY in.wasm -o out.wasm` using a key listed under security.trustedKeys"
	if !errors.Is(err, ErrUnsigned) || err.Error() != want {
		t.Fatalf("got %v", err)
	}
}

func TestMalformed(t *testing.T) {
	key := seedKey(1)
	wasm := echoModule(t)
	signed, err := Sign(wasm, key)
	if err != nil {
		t.Fatal(err)
	}
	pub := pubOf(key)
	good := func(f func(s *sectionJSON)) []byte {
		s := sectionJSON{Alg: Alg, KeyID: pub.ID, PublicKey: pub.Base64(), Sig: base64.StdEncoding.EncodeToString(make([]byte, 64))}
		f(&s)
		b, _ := json.Marshal(s)
		return b
	}
	with := func(payload []byte) []byte {
		out, err := wasmfile.WithCustom(wasm, Section, payload)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	cases := []struct {
		name string
		wasm []byte
		want string
	}{
		{"not json", with([]byte("nope")), "malformed greenroom.signature section: invalid character 'o' in literal null (expecting 'u')"},
		{"unknown field", with([]byte(`{"alg":"ed25519","extra":1}`)), `malformed greenroom.signature section: json: unknown field "extra"`},
		{"alg", with(good(func(s *sectionJSON) { s.Alg = "rsa" })), `malformed greenroom.signature section: alg "rsa" is not supported; want "ed25519"`},
		{"sig", with(good(func(s *sectionJSON) { s.Sig = "AAAA" })), "malformed greenroom.signature section: sig must be 64 bytes in standard base64"},
		{"public key", with(good(func(s *sectionJSON) { s.PublicKey = "%%%" })), "malformed greenroom.signature section: publicKey must be 32 bytes in standard base64"},
		{"key id", with(good(func(s *sectionJSON) { s.KeyID = "0000000000000000" })), `malformed greenroom.signature section: keyId "0000000000000000" is not the id of its publicKey (` + pub.ID + ")"},
		{"two sections", append(append([]byte{}, signed...), rawSection(Section, []byte("{}"))...), "malformed greenroom.signature section: the module has 2 of them; sign it again"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := Verify(c.wasm, []PublicKey{pub})
			if !errors.Is(err, ErrMalformed) || err.Error() != c.want {
				t.Fatalf("got  %v\nwant %s", err, c.want)
			}
			if res.Status != Invalid || res.Trusted {
				t.Fatalf("result %+v", res)
			}
			if _, err := Check(c.wasm, []PublicKey{pub}, false); err == nil {
				t.Fatal("a malformed signature loads when signatures are not required")
			}
		})
	}
	// A zero signature with a well-formed section is tampering, not malformation.
	if _, err := Verify(with(good(func(*sectionJSON) {})), []PublicKey{pub}); !errors.Is(err, ErrTampered) {
		t.Fatalf("zero signature: %v", err)
	}
}

func TestSignRefusals(t *testing.T) {
	if _, err := Sign([]byte("not wasm"), seedKey(1)); err == nil || err != wasmfile.ErrNotWasm {
		t.Fatalf("not wasm: %v", err)
	}
	raw := []byte("\x00asm\x01\x00\x00\x00")
	_, err := Sign(raw, seedKey(1))
	if err == nil || !strings.HasPrefix(err.Error(), "no greenroom.manifest custom section") || !strings.HasSuffix(err.Error(), "pack the manifest before signing, since a later pack would break the signature") {
		t.Fatalf("no manifest: %v", err)
	}
	if _, err := Sign(echoModule(t), ed25519.PrivateKey{1, 2}); err == nil || err.Error() != "the private key is 2 bytes, not an Ed25519 key" {
		t.Fatalf("short key: %v", err)
	}
	if _, err := Verify([]byte("nope"), nil); !errors.Is(err, wasmfile.ErrNotWasm) {
		t.Fatalf("verify not wasm: %v", err)
	}
	if _, err := Check([]byte("nope"), nil, false); err == nil || err.Error() != "signature: "+wasmfile.ErrNotWasm.Error() {
		t.Fatalf("check not wasm: %v", err)
	}
}

func TestDigestIgnoresOnlyTheSignature(t *testing.T) {
	wasm := echoModule(t)
	signed, _ := Sign(wasm, seedKey(3))
	a, _ := Digest(wasm)
	b, _ := Digest(signed)
	if a != b {
		t.Fatal("the digest of the signed module differs from the unsigned one")
	}
	other, _ := wasmfile.WithCustom(wasm, "producers", []byte("x"))
	c, _ := Digest(other)
	if a == c {
		t.Fatal("an added custom section does not change the digest")
	}
}
