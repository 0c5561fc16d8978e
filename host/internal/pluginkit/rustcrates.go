package pluginkit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
)

// CargoRegistry is where Debian's librust-*-dev packages put crate sources
// ($GREENROOM_CARGO_REGISTRY overrides it).
func CargoRegistry() string {
	if r := os.Getenv("GREENROOM_CARGO_REGISTRY"); r != "" {
		return r
	}
	return "/usr/share/cargo/registry"
}

// DebianCrate is a crate from Debian's librust-*-dev packages that a Rust build may use.
// pluginkit compiles it with rustc alone, as cargo would: its edition, the --cfg values
// of its features and of what its build.rs prints, and its dependencies.
type DebianCrate struct {
	Name    string   // as Rust code names it: pulldown_cmark
	Dir     string   // its directory under CargoRegistry(): pulldown-cmark-0.9.2
	Package string   // the Debian package that installs it
	Edition string   // its Cargo.toml's edition
	Cfgs    []string // --cfg values
	Deps    []string // the DebianCrates it depends on, by Name
}

// DebianCrates are the crates Rust builds may use (RustBuild.Crates), each after its
// dependencies. The versions are Debian bookworm's.
var DebianCrates = []DebianCrate{
	{Name: "bitflags", Dir: "bitflags-1.3.2", Package: "librust-bitflags-dev", Edition: "2018"},
	{Name: "memchr", Dir: "memchr-2.5.0", Package: "librust-memchr-dev", Edition: "2018", Cfgs: []string{`feature="std"`}},
	// unicase's build.rs sets these for any rustc since 1.36.
	{Name: "unicase", Dir: "unicase-2.6.0", Package: "librust-unicase-dev", Edition: "2015",
		Cfgs: []string{"__unicase__iter_cmp", "__unicase__default_hasher", "__unicase__const_fns", "__unicase__core_and_alloc"}},
	// Without its default feature getopts, which only its command-line program uses.
	{Name: "pulldown_cmark", Dir: "pulldown-cmark-0.9.2", Package: "librust-pulldown-cmark-dev", Edition: "2021", Deps: []string{"bitflags", "memchr", "unicase"}},
	{Name: "linked_hash_map", Dir: "linked-hash-map-0.5.6", Package: "librust-linked-hash-map-dev", Edition: "2015"},
	{Name: "yaml_rust", Dir: "yaml-rust-0.4.5", Package: "librust-yaml-rust-dev", Edition: "2018", Deps: []string{"linked_hash_map"}},
	{Name: "smallvec", Dir: "smallvec-1.9.0", Package: "librust-smallvec-dev", Edition: "2018"},
	{Name: "unicode_normalization", Dir: "unicode-normalization-0.1.22", Package: "librust-unicode-normalization-dev", Edition: "2018",
		Cfgs: []string{`feature="std"`}, Deps: []string{"smallvec"}},
}

// MissingToolError is a build that cannot start because a tool or a crate is not
// installed; the message names what to install.
type MissingToolError struct{ Msg string }

func (e *MissingToolError) Error() string { return e.Msg }

// RustTarget is what a RustBuild compiles for.
const (
	RustWasm   = "wasm32-unknown-unknown" // plugins (RustArgs' target)
	RustWASI   = "wasm32-wasi"            // programs run under a WASI runtime
	RustNative = ""                       // programs for this machine
)

// RustBuild is a Rust crate built with rustc alone (no cargo): a plugin (a cdylib for
// wasm32-unknown-unknown against the Greenroom SDK, as RustArgs builds one) or a program
// (a bin), either using Debian crates (DebianCrates). Paths are relative to Root.
type RustBuild struct {
	Name   string   // names the output in the cache
	Root   string   // the repository root, which the paths below are relative to
	Crate  string   // the crate root: src/lib.rs of a plugin, or a program's main file
	SDK    string   // the Greenroom SDK's crate root (sdk/rust/src/lib.rs), or "" for none
	Crates []string // the Debian crates the crate uses, by Name; their dependencies come along
	Target string   // RustWasm (a plugin, a cdylib), RustWASI or RustNative (a program)
	// Test builds the crate's test harness (rustc --test) instead, a program.
	Test bool
	// Sources are the directories whose files the output depends on (besides the crates):
	// the crate's src/ and the SDK's.
	Sources []string
}

// TechDocs is the TechDocs plugin (plugins/techdocs), in Rust: packed with
// TechDocsManifest, it is plugins/techdocs/techdocs.wasm.
func TechDocs(root string) RustBuild {
	return RustBuild{
		Name: "techdocs", Root: root, Crate: "plugins/techdocs/src/lib.rs", SDK: "sdk/rust/src/lib.rs",
		Crates: techDocsCrates, Target: RustWasm, Sources: []string{"plugins/techdocs/src", "sdk/rust/src"},
	}
}

// TechDocsManifest is the TechDocs plugin's manifest, relative to the repository root.
const TechDocsManifest = "plugins/techdocs/plugin.yaml"

// TechDocsTests is the TechDocs plugin's own tests (its #[cfg(test)] modules, and the
// site builder's), as a native test program (rustc --test) on the SDK's test host.
func TechDocsTests(root string) RustBuild {
	b := TechDocs(root)
	b.Name, b.Target, b.Test = "techdocs-tests", RustNative, true
	return b
}

var techDocsCrates = []string{"pulldown_cmark", "yaml_rust", "unicode_normalization"}

// rustCommon are the flags of every rustc a RustBuild runs for target.
func rustCommon(target string) []string {
	var a []string
	if target != RustNative {
		a = append(a, "--target", target)
	}
	a = append(a, "-C", "opt-level=3")
	if target == RustWasm {
		a = append(a, "-C", "target-feature=+bulk-memory")
	}
	return a
}

// RustCacheDir is where RustBuild keeps compiled crates and outputs:
// os.UserCacheDir()/greenroom/rust.
func RustCacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	d := filepath.Join(base, "greenroom", "rust")
	return d, os.MkdirAll(d, 0o755)
}

// crateClosure lists the named crates and their dependencies, dependencies first.
func crateClosure(names []string) ([]DebianCrate, error) {
	byName := map[string]DebianCrate{}
	for _, c := range DebianCrates {
		byName[c.Name] = c
	}
	want := map[string]bool{}
	var add func(string) error
	add = func(n string) error {
		c, ok := byName[n]
		if !ok {
			return fmt.Errorf("rust build: no Debian crate %q is known (pluginkit.DebianCrates)", n)
		}
		if want[n] {
			return nil
		}
		want[n] = true
		for _, d := range c.Deps {
			if err := add(d); err != nil {
				return err
			}
		}
		return nil
	}
	for _, n := range names {
		if err := add(n); err != nil {
			return nil, err
		}
	}
	var out []DebianCrate
	for _, c := range DebianCrates {
		if want[c.Name] {
			out = append(out, c)
		}
	}
	return out, nil
}

// checkCrates says which Debian packages to install when a crate's sources are missing:
// those of the named crates that need it (their packages depend on the others').
func checkCrates(names []string) error {
	var missing []string
	for _, n := range names {
		closure, err := crateClosure([]string{n})
		if err != nil {
			return err
		}
		for _, c := range closure {
			if _, err := os.Stat(filepath.Join(CargoRegistry(), c.Dir, "src", "lib.rs")); err != nil {
				missing = append(missing, closure[len(closure)-1].Package)
				break
			}
		}
	}
	if len(missing) > 0 {
		return &MissingToolError{fmt.Sprintf("rust build: the crate sources of %s are not in %s; Debian: apt-get install %s", strings.Join(missing, ", "), CargoRegistry(), strings.Join(missing, " "))}
	}
	return nil
}

// hashFiles writes every regular file under each path (a file or a directory) into h,
// with its path relative to base.
func hashFiles(h io.Writer, base string, paths ...string) error {
	for _, p := range paths {
		var files []string
		err := filepath.WalkDir(p, func(f string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.Type().IsRegular() {
				files = append(files, f)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("rust build: %w", err)
		}
		sort.Strings(files)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return fmt.Errorf("rust build: %w", err)
			}
			rel, _ := filepath.Rel(base, f)
			fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(rel), len(b))
			h.Write(b)
		}
	}
	return nil
}

// rustcVersions holds rustcVersion's answers by rustc path: a build asks for the
// crates' keys and for its own, and a test process builds many times.
var rustcVersions sync.Map

// rustcVersion is rustc -vV, which goes into every cache key.
func rustcVersion(ctx context.Context, rc string) (string, error) {
	if v, ok := rustcVersions.Load(rc); ok {
		return v.(string), nil
	}
	out, err := exec.CommandContext(ctx, rc, "-vV").Output()
	if err != nil {
		return "", &MissingToolError{fmt.Sprintf("rust build: %s -vV: %v; Debian: apt-get install rustc libstd-rust-dev-wasm32", rc, err)}
	}
	rustcVersions.Store(rc, string(out))
	return string(out), nil
}

// runRustc runs one rustc, logging the command.
func runRustc(ctx context.Context, rc string, args []string, log io.Writer) error {
	fmt.Fprintf(log, "$ %s %s\n", rc, strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, rc, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("rust build: %s %s: %w", filepath.Base(rc), strings.Join(args[:min(len(args), 6)], " "), err)
	}
	return nil
}

// publish renames the directory tmp to dir, unless another build got there first.
func publish(tmp, dir string) error {
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		if _, serr := os.Stat(dir); serr == nil {
			return nil
		}
		return fmt.Errorf("rust build: %w", err)
	}
	return nil
}

// RustCrates compiles the named Debian crates and their dependencies for target with
// rustc rc, each into its own directory of the cache, keyed by a hash of rustc's
// version, the flags and the crate's sources (and its dependencies' keys). It returns
// the rustc arguments that make them usable: --extern for each named crate, and -L
// dependency= for each crate, for their dependencies.
func RustCrates(ctx context.Context, rc, target string, names []string, log io.Writer) ([]string, error) {
	crates, err := crateClosure(names)
	if err != nil {
		return nil, err
	}
	if err := checkCrates(names); err != nil {
		return nil, err
	}
	version, err := rustcVersion(ctx, rc)
	if err != nil {
		return nil, err
	}
	cache, err := RustCacheDir()
	if err != nil {
		return nil, fmt.Errorf("rust build: %w", err)
	}
	keys := map[string]string{}
	libs := map[string]string{}
	var args []string
	for _, c := range crates {
		src := filepath.Join(CargoRegistry(), c.Dir)
		flags := append([]string{"--edition", c.Edition, "--crate-type", "rlib", "--crate-name", c.Name, "--cap-lints", "allow"}, rustCommon(target)...)
		for _, cfg := range c.Cfgs {
			flags = append(flags, "--cfg", cfg)
		}
		h := sha256.New()
		fmt.Fprintf(h, "%s\n%q\n", version, flags)
		for _, d := range c.Deps {
			fmt.Fprintf(h, "dep %s %s\n", d, keys[d])
		}
		if err := hashFiles(h, src, filepath.Join(src, "src")); err != nil {
			return nil, err
		}
		keys[c.Name] = hex.EncodeToString(h.Sum(nil))[:20]
		dir := filepath.Join(cache, "crates", c.Dir+"-"+targetName(target)+"-"+keys[c.Name])
		lib := filepath.Join(dir, "lib"+c.Name+".rlib")
		if _, err := os.Stat(lib); err != nil {
			if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
				return nil, fmt.Errorf("rust build: %w", err)
			}
			tmp, err := os.MkdirTemp(filepath.Dir(dir), ".tmp-")
			if err != nil {
				return nil, fmt.Errorf("rust build: %w", err)
			}
			a := append(slices.Clone(flags), filepath.Join(src, "src", "lib.rs"), "--out-dir", tmp)
			for _, d := range c.Deps {
				a = append(a, "--extern", d+"="+libs[d])
			}
			for _, d := range crates {
				if l, ok := libs[d.Name]; ok {
					a = append(a, "-L", "dependency="+filepath.Dir(l))
				}
			}
			if err := runRustc(ctx, rc, a, log); err != nil {
				os.RemoveAll(tmp)
				return nil, err
			}
			if err := publish(tmp, dir); err != nil {
				return nil, err
			}
		}
		libs[c.Name] = lib
		args = append(args, "-L", "dependency="+dir)
	}
	for _, n := range names {
		args = append(args, "--extern", n+"="+libs[n])
	}
	return args, nil
}

func targetName(t string) string {
	if t == RustNative {
		return "native"
	}
	return t
}

// Build compiles b (its crates first) unless the cache has it, and returns the path of
// the output in the cache: an unpacked plugin module for RustWasm, else a program. A
// missing rustc or crate is a *MissingToolError that names the Debian packages.
func (b RustBuild) Build(ctx context.Context, log io.Writer) (string, error) {
	var rc string
	var err error
	if b.Target == RustNative {
		rc, err = rustcNative()
	} else {
		rc, err = rustcFor(b.Target)
	}
	if err != nil {
		return "", err
	}
	crate := filepath.Join(b.Root, b.Crate)
	if _, err := os.Stat(crate); err != nil {
		return "", fmt.Errorf("rust build: %s: the crate root %s is missing; build from a Greenroom checkout (the root is %s)", b.Name, crate, b.Root)
	}
	externs, err := RustCrates(ctx, rc, b.Target, b.Crates, log)
	if err != nil {
		return "", err
	}
	version, err := rustcVersion(ctx, rc)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s %s %s %v %q\n", version, b.Crate, b.SDK, b.Target, b.Test, externs)
	for _, s := range b.Sources {
		if err := hashFiles(h, b.Root, filepath.Join(b.Root, s)); err != nil {
			return "", err
		}
	}
	cache, err := RustCacheDir()
	if err != nil {
		return "", fmt.Errorf("rust build: %w", err)
	}
	ext := ".bin"
	switch b.Target {
	case RustWasm, RustWASI:
		ext = ".wasm"
	}
	out := filepath.Join(cache, "out", b.Name+"-"+targetName(b.Target)+"-"+hex.EncodeToString(h.Sum(nil))[:20]+ext)
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", fmt.Errorf("rust build: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(out), ".tmp-")
	if err != nil {
		return "", fmt.Errorf("rust build: %w", err)
	}
	defer os.RemoveAll(tmp)
	raw := filepath.Join(tmp, "out"+ext)
	var steps [][]string
	if b.Target == RustWasm && !b.Test {
		steps = RustArgsExtern(filepath.Join(b.Root, b.SDK), crate, tmp, raw, externs)
	} else {
		kind := []string{"--crate-type", "bin"}
		if b.Test {
			kind = []string{"--test"}
		}
		a := append(append([]string{"--edition", "2021"}, kind...), "--crate-name", strings.ReplaceAll(b.Name, "-", "_"))
		a = append(a, rustCommon(b.Target)...)
		if b.SDK != "" {
			sdk := append([]string{"--edition", "2021", "--crate-type", "rlib", "--crate-name", "greenroom"}, rustCommon(b.Target)...)
			steps = append(steps, append(sdk, filepath.Join(b.Root, b.SDK), "--out-dir", tmp))
			a = append(a, "--extern", "greenroom="+filepath.Join(tmp, "libgreenroom.rlib"))
		}
		steps = append(steps, append(append(a, externs...), crate, "-o", raw))
	}
	for _, args := range steps {
		if err := runRustc(ctx, rc, args, log); err != nil {
			return "", fmt.Errorf("%s: %w", b.Name, err)
		}
	}
	if err := os.Rename(raw, out); err != nil {
		return "", fmt.Errorf("rust build: %w", err)
	}
	return out, nil
}

// rustcFor is Rustc for wasm32-unknown-unknown; for another wasm target, a rustc (as
// Rustc picks one) with that target's standard library.
func rustcFor(target string) (string, error) {
	rc, err := Rustc()
	if err != nil {
		return "", &MissingToolError{err.Error()}
	}
	if target == RustWasm {
		return rc, nil
	}
	out, err := exec.Command(rc, "--print", "sysroot").Output()
	if err == nil {
		if _, err = os.Stat(filepath.Join(strings.TrimSpace(string(out)), "lib", "rustlib", target)); err == nil {
			return rc, nil
		}
	}
	return "", &MissingToolError{fmt.Sprintf("rust build: %s has no %s standard library; Debian: apt-get install rustc libstd-rust-dev-wasm32", rc, target)}
}

// rustcNative is the rustc Rustc picks, for programs of this machine (Debian's rustc
// has the host's standard library).
func rustcNative() (string, error) {
	rc, err := Rustc()
	if err != nil {
		var e *MissingToolError
		if errors.As(err, &e) {
			return "", err
		}
		return "", &MissingToolError{err.Error()}
	}
	return rc, nil
}
