package auditreport

import (
	"fmt"
	"io"

	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/signing"
)

// MismatchError is what Audit returns after printing a report with mismatches (exit
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

// Request is what `greenroom audit` was asked: the config files (and overlays), or one
// .wasm File (audited with no grants or pins; the config files then only supply the
// signature policy), extra trusted public key files, and JSON or text output.
type Request struct {
	Files   []string
	File    string
	PubKeys []string
	JSON    bool
	// Getenv is the ${VAR} lookup (nil: the process environment).
	Getenv config.Lookup
	// Security returns the config's signature policy; nil means
	// OptionsFrom(&c.Security, c.Dir()).
	Security func(*config.Config) (Options, error)
}

// Audit builds the report that req asks for and writes it to w. It returns a
// *MismatchError after writing a report that has mismatches; any other error is bad
// input (a config that does not load, an unreadable key or module), with nothing written.
func Audit(w io.Writer, req Request) error {
	var opts Options
	var cfg *config.Config
	if req.File == "" || len(req.Files) > 0 {
		files := req.Files
		if len(files) == 0 {
			files = []string{"app-config.yaml"}
		}
		c, err := config.Load(files, req.Getenv)
		if err != nil {
			return err
		}
		cfg = c
		security := req.Security
		if security == nil {
			security = func(c *config.Config) (Options, error) { return OptionsFrom(&c.Security, c.Dir()) }
		}
		if opts, err = security(cfg); err != nil {
			return err
		}
	}
	for _, p := range req.PubKeys {
		k, err := signing.LoadPublicKey(p)
		if err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		opts.Trusted = append(opts.Trusted, k)
	}

	var r *Report
	var err error
	if req.File != "" {
		r, err = BuildFile(req.File, opts)
	} else {
		r, err = Build(cfg, opts)
	}
	if err != nil {
		return err
	}
	if req.JSON {
		err = r.WriteJSON(w)
	} else {
		err = r.WriteText(w)
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
