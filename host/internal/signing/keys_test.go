package signing

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenerateAndLoadKeys(t *testing.T) {
	dir := t.TempDir()
	priv, pub := filepath.Join(dir, "release.key"), filepath.Join(dir, "release.pub")
	k, err := GenerateKey(priv, pub)
	if err != nil {
		t.Fatal(err)
	}
	if len(k.ID) != 16 || k.ID != KeyID(k.Key) {
		t.Fatalf("key id %q", k.ID)
	}
	st, _ := os.Stat(priv)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode %o", st.Mode().Perm())
	}
	sk, err := LoadPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sk.Public().(ed25519.PublicKey), k.Key) {
		t.Fatal("the private key does not match the public key")
	}
	pk, err := LoadPublicKey(pub)
	if err != nil || pk.ID != k.ID {
		t.Fatalf("%+v, %v", pk, err)
	}
	// Never overwrites.
	if _, err := GenerateKey(priv, filepath.Join(dir, "other.pub")); err == nil || err.Error() != "keygen: "+priv+" already exists; choose another name or remove it first" {
		t.Fatalf("overwrite: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "other.pub")); !os.IsNotExist(err) {
		t.Fatal("a refused keygen wrote a file")
	}
}

func TestLoadPrivateKeyRefusals(t *testing.T) {
	dir := t.TempDir()
	priv := filepath.Join(dir, "k.key")
	if _, err := GenerateKey(priv, filepath.Join(dir, "k.pub")); err != nil {
		t.Fatal(err)
	}
	os.Chmod(priv, 0o644)
	if _, err := LoadPrivateKey(priv); err == nil || err.Error() != "private key "+priv+": mode 0644 lets other users read it; run `chmod 600 "+priv+"`" {
		t.Fatalf("readable: %v", err)
	}
	pubAsPriv := filepath.Join(dir, "pub-as-priv.key")
	b, _ := os.ReadFile(filepath.Join(dir, "k.pub"))
	os.WriteFile(pubAsPriv, b, 0o600)
	if _, err := LoadPrivateKey(pubAsPriv); err == nil || err.Error() != "private key "+pubAsPriv+": not a PEM \"PRIVATE KEY\" block; make one with `greenroom plugin keygen -o NAME`" {
		t.Fatalf("public as private: %v", err)
	}
	if _, err := LoadPrivateKey(filepath.Join(dir, "missing.key")); err == nil || err.Error() != "private key "+filepath.Join(dir, "missing.key")+" does not exist; make one with `greenroom plugin keygen -o NAME`" {
		t.Fatalf("missing: %v", err)
	}
}

func TestParsePublicKey(t *testing.T) {
	pub := seedKey(4).Public().(ed25519.PublicKey)
	der, _ := x509.MarshalPKIXPublicKey(pub)
	id := KeyID(pub)
	for name, in := range map[string]string{
		"pem":        string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
		"raw base64": "  " + base64.StdEncoding.EncodeToString(pub) + "\n",
		"der base64": base64.StdEncoding.EncodeToString(der),
	} {
		k, err := ParsePublicKey([]byte(in))
		if err != nil || k.ID != id {
			t.Errorf("%s: %+v, %v", name, k, err)
		}
	}
	for name, c := range map[string]struct{ in, want string }{
		"garbage":   {"hello world", "not PEM and not base64; give the .pub file written by `greenroom plugin keygen`, or the base64 key it prints"},
		"wrong pem": {string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}})), `a PEM "PRIVATE KEY" block, want "PUBLIC KEY"`},
		"short":     {base64.StdEncoding.EncodeToString([]byte{1, 2, 3}), "not an Ed25519 public key (32 raw bytes or PKIX): "},
	} {
		_, err := ParsePublicKey([]byte(c.in))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %s", name, err, c.want)
		}
	}
}

func TestConfigKeys(t *testing.T) {
	dir := t.TempDir()
	k, err := GenerateKey(filepath.Join(dir, "a.key"), filepath.Join(dir, "a.pub"))
	if err != nil {
		t.Fatal(err)
	}
	b := pubOf(seedKey(5))
	c := Config{RequireSignedPlugins: true, TrustedKeys: []TrustedKey{
		{File: "a.pub", ID: strings.ToUpper(k.ID)},
		{PublicKey: b.Base64()},
	}}
	keys, err := c.Keys(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].ID != k.ID || keys[1].ID != b.ID {
		t.Fatalf("%+v", keys)
	}

	bad := Config{TrustedKeys: []TrustedKey{
		{PublicKey: b.Base64(), File: "a.pub"},
		{},
		{PublicKey: b.Base64(), ID: "0123456789abcdef"},
		{File: "missing.pub"},
		{PublicKey: "!!"},
		{PublicKey: b.Base64()},
		{File: filepath.Join(dir, "a.pub")},
		{PublicKey: b.Base64()},
	}}
	_, err = bad.Keys(dir)
	want := []string{
		"security.trustedKeys[0]: give publicKey or file, not both",
		"security.trustedKeys[1]: give publicKey (base64) or file (a .pub file from `greenroom plugin keygen`)",
		`security.trustedKeys[2].id: "0123456789abcdef" does not match the key, whose id is ` + b.ID + "; check that this is the right key",
		"security.trustedKeys[3].file: public key: open " + filepath.Join(dir, "missing.pub") + ": no such file or directory",
		"security.trustedKeys[4].publicKey: not PEM and not base64; give the .pub file written by `greenroom plugin keygen`, or the base64 key it prints",
		"security.trustedKeys[7]: key " + b.ID + " is already listed at security.trustedKeys[5]",
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Fatalf("got:\n%v\nwant:\n%s", err, strings.Join(want, "\n"))
	}

	none := Config{RequireSignedPlugins: true}
	if _, err := none.Keys(dir); err == nil || err.Error() != "security.requireSignedPlugins is true but security.trustedKeys is empty, so no plugin could load; list the public keys of your signers" {
		t.Fatalf("required without keys: %v", err)
	}
	if keys, err := (&Config{}).Keys(dir); err != nil || keys != nil {
		t.Fatalf("empty: %v %v", keys, err)
	}
}
