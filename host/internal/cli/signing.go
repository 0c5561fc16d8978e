package cli

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"greenroom.dev/greenroom/host/internal/signing"
)

// The plugin signing commands: keygen, sign and verify.

// runKeygen is `greenroom plugin keygen -o NAME`: it writes NAME.key (private, 0600) and
// NAME.pub (public), and prints the key id and the security.trustedKeys entry to add.
func runKeygen(env *Env, args []string) error {
	fs := newFlags(env, "plugin keygen", "-o NAME")
	out := fs.StringP("output", "o", "", "write `NAME`.key (private) and NAME.pub (public)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return usagef("plugin keygen needs -o NAME and no other arguments")
	}
	k, err := signing.GenerateKey(*out+".key", *out+".pub")
	if err != nil {
		return asUsage(err)
	}
	fmt.Fprintf(env.Stdout, "wrote %s.key (private: keep it secret, never commit it) and %s.pub\n", *out, *out)
	fmt.Fprintf(env.Stdout, "key id %s\n\ntrust it in app-config.yaml:\n\nsecurity:\n  trustedKeys:\n    - id: %s\n      publicKey: %s\n", k.ID, k.ID, k.Base64())
	return nil
}

// runSign is `greenroom plugin sign --key NAME.key in.wasm -o out.wasm`. It prints the
// signed file's sha256, which is the pin (plugins[].sha256) to use for it.
func runSign(env *Env, args []string) error {
	fs := newFlags(env, "plugin sign", "--key NAME.key in.wasm -o out.wasm")
	keyPath := fs.String("key", "", "the private key `FILE` (NAME.key from greenroom plugin keygen)")
	out := fs.StringP("output", "o", "", "`FILE` to write the signed module to (may be in.wasm)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *keyPath == "" || *out == "" || fs.NArg() != 1 {
		fs.Usage()
		return usagef("plugin sign needs --key, one input .wasm and -o")
	}
	in := fs.Arg(0)
	priv, err := signing.LoadPrivateKey(*keyPath)
	if err != nil {
		return asUsage(fmt.Errorf("plugin sign: %w", err))
	}
	wasm, err := os.ReadFile(in)
	if err != nil {
		return asUsage(fmt.Errorf("plugin sign: %w", err))
	}
	signed, err := signing.Sign(wasm, priv)
	if err != nil {
		return asUsage(fmt.Errorf("plugin sign: %s: %w", in, err))
	}
	if err := writeAtomic(*out, signed); err != nil {
		return fmt.Errorf("plugin sign: %w", err)
	}
	sum := sha256.Sum256(signed)
	fmt.Fprintf(env.Stdout, "signed %s with key %s into %s (sha256 %s)\n", in, signing.KeyID(priv.Public().(ed25519.PublicKey)), *out, hex.EncodeToString(sum[:]))
	return nil
}

// runVerify is `greenroom plugin verify --pubkey NAME.pub [--pubkey ...] x.wasm...`. It
// prints one line per file and fails unless every file is signed by one of the keys and
// unchanged since.
func runVerify(env *Env, args []string) error {
	fs := newFlags(env, "plugin verify", "--pubkey NAME.pub [--pubkey ...] x.wasm...")
	pubs := fs.StringArray("pubkey", nil, "a trusted public key `FILE` (repeatable)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if len(*pubs) == 0 || fs.NArg() == 0 {
		fs.Usage()
		return usagef("plugin verify needs at least one --pubkey and one .wasm file")
	}
	var trusted []signing.PublicKey
	for _, p := range *pubs {
		k, err := signing.LoadPublicKey(p)
		if err != nil {
			return asUsage(fmt.Errorf("plugin verify: %w", err))
		}
		trusted = append(trusted, k)
	}
	failed := 0
	for _, f := range fs.Args() {
		wasm, err := os.ReadFile(f)
		if err != nil {
			return asUsage(fmt.Errorf("plugin verify: %w", err))
		}
		res, err := signing.Verify(wasm, trusted)
		switch {
		case err != nil:
			failed++
			fmt.Fprintf(env.Stdout, "%s: %s: %v\n", f, statusOr(res.Status), err)
		case res.Status == signing.Unsigned:
			failed++
			fmt.Fprintf(env.Stdout, "%s: unsigned: %v; sign it with `greenroom plugin sign --key NAME.key %s -o %s`\n", f, signing.ErrUnsigned, f, f)
		default:
			fmt.Fprintf(env.Stdout, "%s: %s by key %s\n", f, res.Status, res.KeyID)
		}
	}
	if failed > 0 {
		return fmt.Errorf("plugin verify: %d of %d file(s) failed verification", failed, fs.NArg())
	}
	return nil
}

func statusOr(s signing.Status) signing.Status {
	if s == "" {
		return signing.Invalid
	}
	return s
}

func writeAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".greenroom-sign-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
