// Command rustbuild builds the repository's Rust crates that use Debian's crates
// (pluginkit.RustBuild), as the Taskfile, plugins/techdocs/build.sh and the tests do:
//
//	go run ./host/internal/pluginkit/rustbuild techdocs [-o plugins/techdocs/techdocs.wasm] [-raw]
//
// techdocs is the TechDocs plugin, packed with plugins/techdocs/plugin.yaml (unpacked
// with -raw). Compiled crates and outputs are cached under
// os.UserCacheDir()/greenroom/rust. It exits 3 when rustc or a crate is not installed,
// naming the Debian packages to install, and 1 on other errors.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"greenroom.dev/greenroom/host/internal/pack"
	"greenroom.dev/greenroom/host/internal/pluginkit"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "rustbuild:", err)
		var missing *pluginkit.MissingToolError
		if errors.As(err, &missing) {
			os.Exit(3)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("rustbuild", flag.ContinueOnError)
	out := fs.String("o", "", "`FILE` to write (default for techdocs: plugins/techdocs/techdocs.wasm)")
	raw := fs.Bool("raw", false, "techdocs: write the module without its manifest")
	quiet := fs.Bool("q", false, "do not print the rustc commands")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return errors.New("usage: rustbuild techdocs [-o FILE] [-raw] [-q]")
	}
	what := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	log := os.Stderr
	if *quiet {
		log, _ = os.Open(os.DevNull)
	}
	var b pluginkit.RustBuild
	switch what {
	case "techdocs":
		b = pluginkit.TechDocs(root)
		if *out == "" {
			*out = filepath.Join(root, "plugins", "techdocs", "techdocs.wasm")
		}
	default:
		return fmt.Errorf("%q: the one build is techdocs", what)
	}
	built, err := b.Build(context.Background(), log)
	if err != nil {
		return err
	}
	content, err := os.ReadFile(built)
	if err != nil {
		return err
	}
	if !*raw {
		m, err := pack.ReadManifest(filepath.Join(root, pluginkit.TechDocsManifest))
		if err != nil {
			return err
		}
		if content, err = pack.Pack(content, m); err != nil {
			return err
		}
	}
	// Write beside and rename, so that a portal watching the file never loads half of it.
	tmp := *out + ".tmp"
	if err := os.WriteFile(tmp, content, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, *out); err != nil {
		return err
	}
	fmt.Fprintf(log, "built %s (%d bytes)\n", *out, len(content))
	return nil
}

// repoRoot is the directory of greenroom.dev/greenroom's go.mod, from the working
// directory up.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module greenroom.dev/greenroom\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run it inside the Greenroom repository (no go.mod of greenroom.dev/greenroom above the working directory)")
		}
		dir = parent
	}
}
