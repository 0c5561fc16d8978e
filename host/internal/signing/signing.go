// Package signing signs and verifies plugin modules with Ed25519.
//
// A signature covers the whole module, manifest included, except the signature section
// itself: the signed message is
//
//	"greenroom.signature.v1\x00" || sha256(module with every greenroom.signature section removed)
//
// and the signature is stored in a custom section named greenroom.signature holding UTF-8
// JSON:
//
//	{"alg": "ed25519", "keyId": "3f2a9c0d5e7b1a24", "publicKey": "<base64, 32 bytes>", "sig": "<base64, 64 bytes>"}
//
// A changed code byte, a changed manifest or any other changed section breaks the
// signature. The embedded public key lets Verify tell a tampered module from one signed
// by a key it does not trust; trust is decided only by the key id being one of the
// trusted keys, and a trusted signature is checked with the trusted key's bytes.
package signing

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/wasmfile"
)

// Section is the name of the custom section that holds the signature.
const Section = "greenroom.signature"

// Alg is the only signature algorithm.
const Alg = "ed25519"

// domain separates Greenroom module signatures from any other use of the same key.
const domain = "greenroom.signature.v1\x00"

// Status is a module's signature status, as the audit report prints it.
type Status string

// Signature statuses.
const (
	// Unsigned: the module has no greenroom.signature section.
	Unsigned Status = "unsigned"
	// SignedTrusted: signed by a trusted key, and the module is unchanged since.
	SignedTrusted Status = "signed-trusted"
	// SignedUntrusted: signed, unchanged since, but by a key that is not trusted.
	SignedUntrusted Status = "signed-untrusted"
	// Invalid: the signature section is malformed or does not match the module.
	Invalid Status = "invalid"
)

// Errors that Verify wraps; match them with errors.Is.
var (
	// ErrTampered: the signature does not match the module.
	ErrTampered = errors.New("signature does not match the module: it was changed after signing")
	// ErrUntrusted: the signature is valid, but its key is not trusted.
	ErrUntrusted = errors.New("signed by a key that is not trusted")
	// ErrMalformed: the signature section cannot be read.
	ErrMalformed = errors.New("malformed " + Section + " section")
	// ErrUnsigned: Check found no signature where one is required.
	ErrUnsigned = errors.New("the module is not signed")
)

// Result is what Verify found.
type Result struct {
	// Signed is true when the module has a signature section.
	Signed bool `json:"signed"`
	// KeyID is the id of the key the section names ("" when unsigned or unreadable).
	KeyID string `json:"keyId,omitempty"`
	// Trusted is true only when the signature is valid and its key is trusted.
	Trusted bool `json:"trusted"`
	// Status sums the above up, with Invalid for a malformed or non-matching signature.
	Status Status `json:"status"`
}

// sectionJSON is the content of the greenroom.signature section.
type sectionJSON struct {
	Alg       string `json:"alg"`
	KeyID     string `json:"keyId"`
	PublicKey string `json:"publicKey"`
	Sig       string `json:"sig"`
}

// Digest returns the sha256 that a signature covers: of the module with every
// greenroom.signature section removed.
func Digest(wasm []byte) ([32]byte, error) {
	stripped, err := wasmfile.WithoutCustom(wasm, Section)
	if err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(stripped), nil
}

func message(digest [32]byte) []byte {
	return append([]byte(domain), digest[:]...)
}

// Sign returns a copy of wasm with a signature by priv in its greenroom.signature
// section, replacing any earlier signature. The module must carry a manifest (pack it
// first), since the signature is meant to vouch for what the manifest says.
func Sign(wasm []byte, priv ed25519.PrivateKey) ([]byte, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("the private key is %d bytes, not an Ed25519 key", len(priv))
	}
	mod, err := wasmfile.Parse(wasm)
	if err != nil {
		return nil, err
	}
	if _, ok := mod.Custom(abi.ManifestSection); !ok {
		return nil, fmt.Errorf("%w; pack the manifest before signing, since a later pack would break the signature", wasmfile.ErrNoManifest)
	}
	digest, err := Digest(wasm)
	if err != nil {
		return nil, err
	}
	pub := NewPublicKey(priv.Public().(ed25519.PublicKey))
	payload, err := json.Marshal(sectionJSON{
		Alg:       Alg,
		KeyID:     pub.ID,
		PublicKey: base64.StdEncoding.EncodeToString(pub.Key),
		Sig:       base64.StdEncoding.EncodeToString(ed25519.Sign(priv, message(digest))),
	})
	if err != nil {
		return nil, err
	}
	return wasmfile.WithCustom(wasm, Section, payload)
}

// Verify checks the module's signature against the trusted keys.
//
//   - No signature section: Result{Status: Unsigned}, nil error.
//   - Valid, by a trusted key: Result{Signed, KeyID, Trusted, Status: SignedTrusted}, nil.
//   - Valid, by another key: Status SignedUntrusted and an error wrapping ErrUntrusted.
//   - Not matching the module: Status Invalid and an error wrapping ErrTampered.
//   - Unreadable section: Status Invalid and an error wrapping ErrMalformed.
//
// A module that is not WebAssembly at all is an error with an empty Result.
func Verify(wasm []byte, trusted []PublicKey) (Result, error) {
	mod, err := wasmfile.Parse(wasm)
	if err != nil {
		return Result{}, err
	}
	var sections [][]byte
	for _, s := range mod.Sections {
		if s.ID == 0 && s.Name == Section {
			sections = append(sections, s.Payload)
		}
	}
	if len(sections) == 0 {
		return Result{Status: Unsigned}, nil
	}
	res := Result{Signed: true, Status: Invalid}
	if len(sections) > 1 {
		return res, fmt.Errorf("%w: the module has %d of them; sign it again", ErrMalformed, len(sections))
	}
	var s sectionJSON
	dec := json.NewDecoder(bytes.NewReader(sections[0]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return res, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	res.KeyID = s.KeyID
	if s.Alg != Alg {
		return res, fmt.Errorf("%w: alg %q is not supported; want %q", ErrMalformed, s.Alg, Alg)
	}
	sig, err := base64.StdEncoding.DecodeString(s.Sig)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return res, fmt.Errorf("%w: sig must be %d bytes in standard base64", ErrMalformed, ed25519.SignatureSize)
	}
	raw, err := base64.StdEncoding.DecodeString(s.PublicKey)
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return res, fmt.Errorf("%w: publicKey must be %d bytes in standard base64", ErrMalformed, ed25519.PublicKeySize)
	}
	embedded := NewPublicKey(raw)
	if embedded.ID != s.KeyID {
		return res, fmt.Errorf("%w: keyId %q is not the id of its publicKey (%s)", ErrMalformed, s.KeyID, embedded.ID)
	}
	digest, err := Digest(wasm)
	if err != nil {
		return res, err
	}
	key, isTrusted := embedded, false
	for _, k := range trusted {
		if k.ID == s.KeyID {
			key, isTrusted = k, true
			break
		}
	}
	if !ed25519.Verify(key.Key, message(digest), sig) {
		return res, fmt.Errorf("key %s: %w", s.KeyID, ErrTampered)
	}
	if !isTrusted {
		res.Status = SignedUntrusted
		return res, fmt.Errorf("%w: key %s is not one of the %d trusted key(s)%s; if you trust it, add its public key under security.trustedKeys", ErrUntrusted, s.KeyID, len(trusted), trustedList(trusted))
	}
	res.Trusted, res.Status = true, SignedTrusted
	return res, nil
}

func trustedList(keys []PublicKey) string {
	if len(keys) == 0 {
		return ""
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	return " (" + strings.Join(ids, ", ") + ")"
}

// Check applies the load-time policy and returns nil when the module may load:
//
//   - a malformed or tampered signature is always refused, whether or not signatures
//     are required: a module that was changed after signing is not what its signer vouched for;
//   - with require set, an unsigned module or one signed by an untrusted key is refused;
//   - without require, unsigned and untrusted modules load (the audit report shows them).
//
// Errors name the fix; the caller adds the plugin and the file.
func Check(wasm []byte, trusted []PublicKey, require bool) (Result, error) {
	res, err := Verify(wasm, trusted)
	switch {
	case res.Status == Invalid || (err != nil && res.Status == ""):
		return res, fmt.Errorf("signature: %w", err)
	case !require:
		return res, nil
	case res.Status == Unsigned:
		return res, fmt.Errorf("signature: %w and security.requireSignedPlugins is true; sign it with `greenroom plugin sign --key KEY in.wasm -o out.wasm` using a key listed under security.trustedKeys", ErrUnsigned)
	case res.Status == SignedUntrusted:
		return res, fmt.Errorf("signature: %w, and security.requireSignedPlugins is true", err)
	}
	return res, nil
}
