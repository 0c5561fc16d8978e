// Package cli implements the greenroom command: serve (the portal, with reload on
// SIGHUP, config file changes and POST /api/admin/reload), config validate and schema,
// audit, plugin pack, inspect, keygen, sign and verify, catalog validate, techdocs build
// and serve, version, and
// help for each command and command group. host/cmd/greenroom only calls Run.
//
// Exit codes: 0 ok, 2 bad usage or config, 1 runtime failure.
package cli

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/pflag"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/config"
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
		{"config validate", "check config files as start-up does, starting nothing; print ok or every problem", runConfigValidate},
		{"config schema", "print the JSON Schema of app-config.yaml (for editors), with --config its plugins' too", runConfigSchema},
		{"plugin new", "write a new plugin project (Go, Rust, C or AssemblyScript) that builds with one command", runPluginNew},
		{"plugin build", "build the plugin project in a directory and pack its plugin.yaml into NAME.wasm", runPluginBuild},
		{"plugin test", "run the plugin project's tests, then plugin.test.yaml's requests against the built module", runPluginTest},
		{"plugin dev", "rebuild the plugin project whenever a source changes (a running portal reloads it)", runPluginDev},
		{"plugin pack", "write a manifest into a .wasm file", runPack},
		{"plugin inspect", "print a plugin's manifest, imports and exports", runInspect},
		{"plugin keygen", "make an Ed25519 key pair for signing plugins", runKeygen},
		{"plugin sign", "sign a plugin (module plus manifest) with a private key", runSign},
		{"plugin verify", "check a plugin's signature against public keys", runVerify},
		{"audit", "report every plugin's pin, signature, capabilities and limits; non-zero on any mismatch", runAudit},
		{"catalog validate", "check catalog files against Backstage's entity rules", runCatalogValidate},
		{"store migrate", "copy every record of one store into an empty other (bbolt to PostgreSQL), verified by counts and checksums", runStoreMigrate},
		{"techdocs build", "build a docs directory (mkdocs.yml) into a site, as the TechDocs plugin does", runTechDocsBuild},
		{"techdocs serve", "preview a docs directory, rebuilt when a file changes", runTechDocsServe},
		{"version", "print the version, VCS revision and Go toolchain", runVersion},
	}
}

func runCatalogValidate(env *Env, args []string) error {
	fs := newFlags(env, "catalog validate", "[--config app-config.yaml ...] FILE...")
	files := fs.StringArrayP("config", "c", nil, "check entities of the custom kinds (catalog.kinds) of this config `FILE` too (repeat for overlays)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usagef("catalog validate needs at least one file")
	}
	var kinds []catalog.KindConfig
	if len(*files) > 0 {
		cfg, err := config.Load(*files, env.Getenv)
		if err != nil {
			return asUsage(fmt.Errorf("catalog validate: %w", err))
		}
		kinds = cfg.Catalog.Kinds
	}
	if n := catalog.ValidateFilesWith(env.Stdout, kinds, fs.Args()...); n > 0 {
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

// Version is the build version and Revision the VCS revision it was built from; the task
// runner sets both with -ldflags "-X greenroom.dev/greenroom/host/internal/cli.Version=...".
// Without Revision, the revision the Go toolchain recorded (-buildvcs) is shown.
var Version, Revision = "dev", ""

func runVersion(env *Env, args []string) error {
	fs := newFlags(env, "version", "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return usagef("version takes no arguments")
	}
	printVersion(env.Stdout)
	return nil
}

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
	if len(args) == 0 {
		printUsage(env.Stderr, "")
		return usagef("no command given")
	}
	switch args[0] {
	case "-h", "--help", "help":
		// `greenroom help plugin sign` is `greenroom plugin sign --help`.
		if len(args) > 1 {
			return dispatch(env, append(append([]string(nil), args[1:]...), "--help"))
		}
		printUsage(env.Stdout, "")
		return nil
	case "--version", "-version":
		printVersion(env.Stdout)
		return nil
	}
	for _, c := range commands() {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			return c.run(env, args[len(words):])
		}
	}
	// A command group on its own (`greenroom plugin`), or with --help, lists its commands.
	if group := args[0]; isGroup(group) {
		if len(args) == 1 || args[1] == "-h" || args[1] == "--help" || args[1] == "help" {
			printUsage(env.Stdout, group)
			return nil
		}
		printUsage(env.Stderr, group)
		return usagef("unknown command %q; the %s commands are listed above", strings.Join(args, " "), group)
	}
	return usagef("unknown command %q; run `greenroom help` for the list", strings.Join(args, " "))
}

// isGroup reports whether name is the first word of commands with more than one word.
func isGroup(name string) bool {
	for _, c := range commands() {
		if words := strings.Fields(c.name); len(words) > 1 && words[0] == name {
			return true
		}
	}
	return false
}

// printUsage lists the commands, or only those of one group.
func printUsage(w io.Writer, group string) {
	if group == "" {
		fmt.Fprintln(w, "usage: greenroom <command> [flags]    (greenroom <command> --help for its flags)")
	} else {
		fmt.Fprintf(w, "usage: greenroom %s <command> [flags]    (greenroom %s <command> --help for its flags)\n", group, group)
	}
	fmt.Fprintln(w)
	for _, c := range commands() {
		if group == "" || strings.HasPrefix(c.name, group+" ") {
			fmt.Fprintf(w, "  %-18s %s\n", c.name, c.summary)
		}
	}
	if group == "" {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "  --version          print the version (the same as greenroom version)")
	}
}

// printVersion prints the version stamped at build time (the task runner stamps the git
// description), the VCS revision the Go toolchain records, and the toolchain.
func printVersion(w io.Writer) {
	fmt.Fprintf(w, "greenroom %s\n", versionString())
}

func versionString() string {
	s := Version
	rev, when := Revision, ""
	modified := false
	if info, ok := debug.ReadBuildInfo(); ok && rev == "" {
		for _, kv := range info.Settings {
			switch kv.Key {
			case "vcs.revision":
				rev = kv.Value
			case "vcs.time":
				when = kv.Value
			case "vcs.modified":
				modified = kv.Value == "true"
			}
		}
	}
	if rev != "" {
		s += " (revision " + rev
		if modified {
			s += ", modified"
		}
		if when != "" {
			s += ", " + when
		}
		s += ")"
	}
	return s + " " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
}

func newFlags(env *Env, name, args string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, strings.TrimSpace("usage: greenroom "+name+" "+args))
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
