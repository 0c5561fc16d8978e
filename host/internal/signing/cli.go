package signing

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"
)

// UsageError marks bad usage (a missing flag, an unreadable key or input file); the
// command line maps it to exit code 2. Other errors (a verification that fails) are
// failures, exit code 1.
type UsageError struct{ Err error }

func (u *UsageError) Error() string { return u.Err.Error() }
func (u *UsageError) Unwrap() error { return u.Err }

func usage(format string, args ...any) error {
	return &UsageError{fmt.Errorf(format, args...)}
}

func flags(name, args string, stderr io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: greenroom %s %s\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

func parse(fs *pflag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return err
		}
		return &UsageError{err}
	}
	return nil
}

// RunKeygen is `greenroom plugin keygen -o NAME`: it writes NAME.key (private, 0600) and
// NAME.pub (public), and prints the key id and the security.trustedKeys entry to add.
// It returns pflag.ErrHelp for --help.
func RunKeygen(args []string, stdout, stderr io.Writer) error {
	fs := flags("plugin keygen", "-o NAME", stderr)
	out := fs.StringP("output", "o", "", "write `NAME`.key (private) and NAME.pub (public)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return usage("plugin keygen needs -o NAME and no other arguments")
	}
	k, err := GenerateKey(*out+".key", *out+".pub")
	if err != nil {
		return &UsageError{err}
	}
	fmt.Fprintf(stdout, "wrote %s.key (private: keep it secret, never commit it) and %s.pub\n", *out, *out)
	fmt.Fprintf(stdout, "key id %s\n\ntrust it in app-config.yaml:\n\nsecurity:\n  trustedKeys:\n    - id: %s\n      publicKey: %s\n", k.ID, k.ID, k.Base64())
	return nil
}

// RunSign is `greenroom plugin sign --key NAME.key in.wasm -o out.wasm`. It prints the
// signed file's sha256, which is the pin (plugins[].sha256) to use for it.
func RunSign(args []string, stdout, stderr io.Writer) error {
	fs := flags("plugin sign", "--key NAME.key in.wasm -o out.wasm", stderr)
	keyPath := fs.String("key", "", "the private key `FILE` (NAME.key from greenroom plugin keygen)")
	out := fs.StringP("output", "o", "", "`FILE` to write the signed module to (may be in.wasm)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *keyPath == "" || *out == "" || fs.NArg() != 1 {
		fs.Usage()
		return usage("plugin sign needs --key, one input .wasm and -o")
	}
	in := fs.Arg(0)
	priv, err := LoadPrivateKey(*keyPath)
	if err != nil {
		return &UsageError{fmt.Errorf("plugin sign: %w", err)}
	}
	wasm, err := os.ReadFile(in)
	if err != nil {
		return &UsageError{fmt.Errorf("plugin sign: %w", err)}
	}
	signed, err := Sign(wasm, priv)
	if err != nil {
		return &UsageError{fmt.Errorf("plugin sign: %s: %w", in, err)}
	}
	if err := writeAtomic(*out, signed); err != nil {
		return fmt.Errorf("plugin sign: %w", err)
	}
	sum := sha256.Sum256(signed)
	fmt.Fprintf(stdout, "signed %s with key %s into %s (sha256 %s)\n", in, KeyID(priv.Public().(ed25519.PublicKey)), *out, hex.EncodeToString(sum[:]))
	return nil
}

// RunVerify is `greenroom plugin verify --pubkey NAME.pub [--pubkey ...] x.wasm...`. It
// prints one line per file and fails unless every file is signed by one of the keys and
// unchanged since.
func RunVerify(args []string, stdout, stderr io.Writer) error {
	fs := flags("plugin verify", "--pubkey NAME.pub [--pubkey ...] x.wasm...", stderr)
	pubs := fs.StringArray("pubkey", nil, "a trusted public key `FILE` (repeatable)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if len(*pubs) == 0 || fs.NArg() == 0 {
		fs.Usage()
		return usage("plugin verify needs at least one --pubkey and one .wasm file")
	}
	var trusted []PublicKey
	for _, p := range *pubs {
		k, err := LoadPublicKey(p)
		if err != nil {
			return &UsageError{fmt.Errorf("plugin verify: %w", err)}
		}
		trusted = append(trusted, k)
	}
	failed := 0
	for _, f := range fs.Args() {
		wasm, err := os.ReadFile(f)
		if err != nil {
			return &UsageError{fmt.Errorf("plugin verify: %w", err)}
		}
		res, err := Verify(wasm, trusted)
		switch {
		case err != nil:
			failed++
			fmt.Fprintf(stdout, "%s: %s: %v\n", f, statusOr(res.Status), err)
		case res.Status == Unsigned:
			failed++
			fmt.Fprintf(stdout, "%s: unsigned: %v; sign it with `greenroom plugin sign --key NAME.key %s -o %s`\n", f, ErrUnsigned, f, f)
		default:
			fmt.Fprintf(stdout, "%s: %s by key %s\n", f, res.Status, res.KeyID)
		}
	}
	if failed > 0 {
		return fmt.Errorf("plugin verify: %d of %d file(s) failed verification", failed, fs.NArg())
	}
	return nil
}

func statusOr(s Status) Status {
	if s == "" {
		return Invalid
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
