// Package cli implements the greenroom command: serve, plugin pack/inspect and friends.
// Exit codes: 0 ok, 2 bad usage or config, 1 runtime failure.
package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"greenroom.dev/greenroom/host/internal/audit/report"
	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/signing"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// usageError marks an error as bad usage or bad config (exit 2).
type usageError struct{ err error }

func (u *usageError) Error() string { return u.err.Error() }
func (u *usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// asUsage marks err as a usage/config error.
func asUsage(err error) error {
	if err == nil {
		return nil
	}
	return &usageError{err}
}

// Env is what a command runs with.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) (string, bool)
}

type command struct {
	name, summary string
	run           func(env *Env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the portal", runServe},
		{"plugin pack", "write a manifest into a .wasm file", runPack},
		{"plugin inspect", "print a plugin's manifest, imports and exports", runInspect},
		{"plugin keygen", "make an Ed25519 key pair for signing plugins", wrapUsage(signing.RunKeygen)},
		{"plugin sign", "sign a plugin (module plus manifest) with a private key", wrapUsage(signing.RunSign)},
		{"plugin verify", "check a plugin's signature against public keys", wrapUsage(signing.RunVerify)},
		{"audit", "report every plugin's pin, signature, capabilities and limits; non-zero on any mismatch", runAudit},
		{"catalog validate", "check catalog files against Backstage's entity rules", runCatalogValidate},
		{"version", "print the version", func(env *Env, _ []string) error {
			fmt.Fprintln(env.Stdout, "greenroom", Version)
			return nil
		}},
	}
}

// wrapUsage adapts a command that reports bad usage as *signing.UsageError.
func wrapUsage(f func(args []string, stdout, stderr io.Writer) error) func(*Env, []string) error {
	return func(env *Env, args []string) error {
		err := f(args, env.Stdout, env.Stderr)
		var u *signing.UsageError
		if errors.As(err, &u) {
			return asUsage(err)
		}
		return err
	}
}

func runAudit(env *Env, args []string) error {
	err := report.Run(args, env.Stdout, env.Stderr, env.Getenv, func(c *config.Config) (report.Options, error) {
		return report.OptionsFrom(&c.Security, c.Dir())
	})
	var u *report.UsageError
	if errors.As(err, &u) {
		return asUsage(err)
	}
	return err
}

func runCatalogValidate(env *Env, args []string) error {
	fs := newFlags(env, "catalog validate", "FILE...")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usagef("catalog validate needs at least one file")
	}
	if n := catalog.ValidateFiles(env.Stdout, fs.Args()...); n > 0 {
		return fmt.Errorf("catalog validate: %d invalid entit%s or unreadable file%s", n, plural(n, "y", "ies"), plural(n, "", "s"))
	}
	fmt.Fprintln(env.Stdout, "all entities are valid")
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Version is the build version.
var Version = "dev"

// Run runs the command line and returns the exit code.
func Run(env *Env, args []string) int {
	err := dispatch(env, args)
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, pflag.ErrHelp) {
		return ExitOK
	}
	fmt.Fprintln(env.Stderr, "greenroom:", err)
	var u *usageError
	if errors.As(err, &u) {
		return ExitUsage
	}
	return ExitFailure
}

func dispatch(env *Env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(env.Stdout)
		if len(args) == 0 {
			return usagef("no command given")
		}
		return nil
	}
	for _, c := range commands() {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			return c.run(env, args[len(words):])
		}
	}
	return usagef("unknown command %q; run `greenroom help` for the list", strings.Join(args, " "))
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: greenroom <command> [flags]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-16s %s\n", c.name, c.summary)
	}
}

func newFlags(env *Env, name, args string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "usage: greenroom %s %s\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

func parse(fs *pflag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return err
		}
		return asUsage(err)
	}
	return nil
}
