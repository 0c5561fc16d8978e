package signing

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// PublicKey is a public key with its id.
type PublicKey struct {
	// ID is the first 16 hex digits of the sha256 of the 32 raw key bytes.
	ID  string
	Key ed25519.PublicKey
}

// KeyID returns the id of a public key: the first 16 hex digits of sha256(raw key).
func KeyID(pub ed25519.PublicKey) string {
	h := sha256.Sum256(pub)
	return hex.EncodeToString(h[:8])
}

// NewPublicKey wraps a raw Ed25519 public key with its id.
func NewPublicKey(pub ed25519.PublicKey) PublicKey {
	return PublicKey{ID: KeyID(pub), Key: pub}
}

// Base64 is the raw 32 key bytes in standard base64, the form security.trustedKeys takes.
func (k PublicKey) Base64() string { return base64.StdEncoding.EncodeToString(k.Key) }

const (
	pemPrivate = "PRIVATE KEY"
	pemPublic  = "PUBLIC KEY"
)

// GenerateKey makes a new key pair and writes the private key to privPath (PKCS#8 PEM,
// mode 0600) and the public key to pubPath (PKIX PEM, mode 0644). It never overwrites
// an existing file.
func GenerateKey(privPath, pubPath string) (PublicKey, error) {
	return generateKey(rand.Reader, privPath, pubPath)
}

func generateKey(r io.Reader, privPath, pubPath string) (PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(r)
	if err != nil {
		return PublicKey{}, err
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return PublicKey{}, err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return PublicKey{}, err
	}
	for _, p := range []string{privPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return PublicKey{}, fmt.Errorf("keygen: %s already exists; choose another name or remove it first", p)
		}
	}
	if err := writeNew(privPath, pem.EncodeToMemory(&pem.Block{Type: pemPrivate, Bytes: privDER}), 0o600); err != nil {
		return PublicKey{}, err
	}
	if err := writeNew(pubPath, pem.EncodeToMemory(&pem.Block{Type: pemPublic, Bytes: pubDER}), 0o644); err != nil {
		os.Remove(privPath)
		return PublicKey{}, err
	}
	return NewPublicKey(pub), nil
}

func writeNew(path string, b []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("keygen: %s already exists; choose another name or remove it first", path)
		}
		return fmt.Errorf("keygen: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("keygen: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("keygen: %w", err)
	}
	return nil
}

// LoadPrivateKey reads a private key file written by GenerateKey (or `openssl genpkey
// -algorithm ed25519`). A file that group or others can read is refused, as ssh does.
func LoadPrivateKey(path string) (ed25519.PrivateKey, error) {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("private key %s does not exist; make one with `greenroom plugin keygen -o NAME`", path)
	}
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("private key %s: mode %04o lets other users read it; run `chmod 600 %s`", path, st.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != pemPrivate {
		return nil, fmt.Errorf("private key %s: not a PEM %q block; make one with `greenroom plugin keygen -o NAME`", path, pemPrivate)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("private key %s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("private key %s: a %T, not an Ed25519 key", path, k)
	}
	return priv, nil
}

// LoadPublicKey reads a public key file: PEM (as GenerateKey writes), or the base64 text
// that ParsePublicKey takes.
func LoadPublicKey(path string) (PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return PublicKey{}, fmt.Errorf("public key: %w", err)
	}
	k, err := ParsePublicKey(b)
	if err != nil {
		return PublicKey{}, fmt.Errorf("public key %s: %w", path, err)
	}
	return k, nil
}

// ParsePublicKey reads a public key given as PEM ("PUBLIC KEY"), as standard base64 of
// the 32 raw key bytes, or as base64 of the PKIX DER encoding.
func ParsePublicKey(b []byte) (PublicKey, error) {
	b = bytes.TrimSpace(b)
	if blk, _ := pem.Decode(b); blk != nil {
		if blk.Type != pemPublic {
			return PublicKey{}, fmt.Errorf("a PEM %q block, want %q", blk.Type, pemPublic)
		}
		return parseDER(blk.Bytes)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return PublicKey{}, errors.New("not PEM and not base64; give the .pub file written by `greenroom plugin keygen`, or the base64 key it prints")
	}
	if len(raw) == ed25519.PublicKeySize {
		return NewPublicKey(raw), nil
	}
	return parseDER(raw)
}

func parseDER(der []byte) (PublicKey, error) {
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return PublicKey{}, fmt.Errorf("not an Ed25519 public key (%d raw bytes or PKIX): %w", ed25519.PublicKeySize, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return PublicKey{}, fmt.Errorf("a %T, not an Ed25519 public key", k)
	}
	return NewPublicKey(pub), nil
}
