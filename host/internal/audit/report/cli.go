package report

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/signing"
)

// UsageError marks bad usage or a config that does not load (exit code 2).
type UsageError struct{ Err error }

func (u *UsageError) Error() string { return u.Err.Error() }
func (u *UsageError) Unwrap() error { return u.Err }

// MismatchError is what Run returns after printing a report with mismatches (exit
// code 1).
type MismatchError struct {
	Mismatched, Plugins int
}

func (m *MismatchError) Error() string {
	return fmt.Sprintf("audit: %d of %d plugin(s) have mismatches; see the problems in the report", m.Mismatched, m.Plugins)
}

// OptionsFrom resolves the signature policy of a security: section.
func OptionsFrom(sec *signing.Config, dir string) (Options, error) {
	if sec == nil {
		return Options{}, nil
	}
	keys, err := sec.Keys(dir)
	if err != nil {
		return Options{}, err
	}
	return Options{Trusted: keys, RequireSigned: sec.RequireSignedPlugins}, nil
}

// Run is `greenroom audit [--config F ...] [--json] [--pubkey K ...] [x.wasm]`.
//
// Without a file it audits every plugin of the config files (default app-config.yaml).
// With a file it audits that one module, with no grants or pins; --config then only
// supplies the signature policy (security:), and --pubkey adds trusted keys.
//
// security returns the config's signature policy; pass
// func(c *config.Config) (Options, error) { return OptionsFrom(&c.Security, c.Dir()) }.
// getenv is the ${VAR} lookup (nil: the process environment).
//
// It returns nil when there is no mismatch, a *MismatchError after printing a report that
// has mismatches, a *UsageError for bad usage or a config that does not load, and
// pflag.ErrHelp for --help.
func Run(args []string, stdout, stderr io.Writer, getenv config.Lookup, security func(*config.Config) (Options, error)) error {
	fs := pflag.NewFlagSet("audit", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: greenroom audit [--config app-config.yaml ...] [--json] [--pubkey NAME.pub ...] [x.wasm]")
		fs.PrintDefaults()
	}
	files := fs.StringArray("config", nil, "a config `FILE`; repeat for overlays (default app-config.yaml)")
	asJSON := fs.Bool("json", false, "print JSON (host/internal/audit/report.schema.json)")
	pubs := fs.StringArray("pubkey", nil, "trust this public key `FILE` too (repeatable); for auditing one .wasm file without config")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return err
		}
		return &UsageError{err}
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return &UsageError{errors.New("audit takes at most one .wasm file")}
	}

	var opts Options
	var cfg *config.Config
	if fs.NArg() == 0 || len(*files) > 0 {
		if len(*files) == 0 {
			*files = []string{"app-config.yaml"}
		}
		c, err := config.Load(*files, getenv)
		if err != nil {
			return &UsageError{err}
		}
		cfg = c
		if security != nil {
			if opts, err = security(cfg); err != nil {
				return &UsageError{err}
			}
		}
	}
	for _, p := range *pubs {
		k, err := signing.LoadPublicKey(p)
		if err != nil {
			return &UsageError{fmt.Errorf("audit: %w", err)}
		}
		opts.Trusted = append(opts.Trusted, k)
	}

	var r *Report
	var err error
	if fs.NArg() == 1 {
		r, err = BuildFile(fs.Arg(0), opts)
	} else {
		r, err = Build(cfg, opts)
	}
	if err != nil {
		return &UsageError{err}
	}
	if *asJSON {
		err = r.WriteJSON(stdout)
	} else {
		err = r.WriteText(stdout)
	}
	if err != nil {
		return err
	}
	if r.Mismatch {
		n := 0
		for _, p := range r.Plugins {
			if p.Mismatch {
				n++
			}
		}
		return &MismatchError{Mismatched: n, Plugins: len(r.Plugins)}
	}
	return nil
}
