// Package pluginkit is what `greenroom plugin new`, `plugin build` and `plugin dev` do: it
// writes a plugin project for one of the SDK languages (Go, Rust, C, AssemblyScript) and
// one plugin kind (a backend route, an entity card, a page), with the SDK copied into the
// project so that it builds with nothing but the language's toolchain, and it runs the
// language's build. Packing the manifest into the module is the caller's (package pack).
//
// The SDK copies come from _sdk, which TestEmbeddedSDKsCurrent keeps equal to sdk/ (run
// it with -update after changing an SDK).
package pluginkit

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"text/template"
	"time"
)

//go:embed templates _sdk
var files embed.FS

// Languages and kinds that New writes.
var (
	Languages = []string{"go", "rust", "c", "assemblyscript"}
	Kinds     = []string{"backend", "card", "page"}
)

// idPattern is the manifest's id rule (abi/SPEC.md section 5).
var idPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$`)

// Options choose what New writes.
type Options struct {
	Name string // the plugin id and directory name
	Lang string // one of Languages
	Kind string // one of Kinds; "" is backend
}

type data struct {
	Name, Lang, LangTitle, Kind, KindText, Title, Description, GoModule, TestCommand, Notes string
}

var langTitles = map[string]string{"go": "Go", "rust": "Rust", "c": "C", "assemblyscript": "AssemblyScript"}

var kindTexts = map[string]string{
	"backend": "a backend plugin with one HTTP route",
	"card":    "a frontend plugin with an entity page card",
	"page":    "a frontend plugin with a page",
}

var testCommands = map[string]string{
	"go":             "greenroom plugin test       # go test ./..., then plugin.test.yaml's requests to the built module",
	"rust":           "greenroom plugin test       # src/lib.rs's tests natively, then plugin.test.yaml's requests",
	"c":              "greenroom plugin test       # plugin.test.yaml's requests to the built module in a portal",
	"assemblyscript": "greenroom plugin test       # plugin.test.yaml's requests to the built module in a portal",
}

var notes = map[string]string{
	"go":             "\nThe Go SDK is vendored in `vendor/greenroom.dev/greenroom/sdk/go` (a copy of Greenroom's\n`sdk/go`), so `go build` needs no `replace` line and no network. To take a newer SDK,\nrun `greenroom plugin new` again elsewhere and copy its `vendor/` over.\n",
	"rust":           "\nThe Rust SDK is copied in `vendor/greenroom` (Greenroom's `sdk/rust`, no crates). The\nbuild uses a rustc with the wasm32-unknown-unknown standard library (Debian: `rustc\nlibstd-rust-dev-wasm32`); set `RUSTC` to choose one.\n",
	"c":              "\n`greenroom.h` is Greenroom's C SDK (one header). The build runs clang with wasi-libc\n(Debian: `clang lld wasi-libc`); set `CC` to choose the compiler.\n",
	"assemblyscript": "\n`assembly/greenroom.ts` is Greenroom's AssemblyScript layer over `@extism/as-pdk`. The\nbuild runs `npm install` once, then `asc`.\n",
}

// New writes a project into dir, which must not exist or be empty.
func New(dir string, o Options) error {
	if o.Kind == "" {
		o.Kind = "backend"
	}
	if !idPattern.MatchString(o.Name) {
		return fmt.Errorf("plugin new: name %q is not a plugin id: use lower-case letters, digits and dashes (for example my-plugin)", o.Name)
	}
	if langTitles[o.Lang] == "" {
		return fmt.Errorf("plugin new: --lang %q: choose one of %s", o.Lang, strings.Join(Languages, ", "))
	}
	if kindTexts[o.Kind] == "" {
		return fmt.Errorf("plugin new: --kind %q: choose one of %s", o.Kind, strings.Join(Kinds, ", "))
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("plugin new: %s already exists and is not empty; choose another name or directory", dir)
	}
	d := data{
		Name: o.Name, Lang: o.Lang, LangTitle: langTitles[o.Lang], Kind: o.Kind, KindText: kindTexts[o.Kind],
		Title: titleCase(o.Name), GoModule: "example.com/" + o.Name, TestCommand: testCommands[o.Lang], Notes: notes[o.Lang],
	}
	d.Description = fmt.Sprintf("%s, in %s.", strings.ToUpper(d.KindText[:1])+d.KindText[1:], d.LangTitle)

	out := map[string][]byte{}
	for _, t := range []string{"templates/plugin.yaml.tmpl", "templates/README.md.tmpl", "templates/plugin.test.yaml.tmpl"} {
		b, err := render(t, d)
		if err != nil {
			return err
		}
		out[strings.TrimSuffix(path.Base(t), ".tmpl")] = b
	}
	root := "templates/" + o.Lang
	err := fs.WalkDir(files, root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := render(p, d)
		if err != nil {
			return err
		}
		out[strings.TrimSuffix(strings.TrimPrefix(p, root+"/"), ".tmpl")] = b
		return nil
	})
	if err != nil {
		return err
	}
	if err := addSDK(out, o.Lang); err != nil {
		return err
	}
	out[".gitignore"] = []byte(gitignores[o.Lang])
	names := make([]string, 0, len(out))
	for n := range out {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("plugin new: %w", err)
		}
		if err := os.WriteFile(p, out[n], 0o644); err != nil {
			return fmt.Errorf("plugin new: %w", err)
		}
	}
	return nil
}

var gitignores = map[string]string{
	"go":             "/target/\n/*.wasm\n",
	"rust":           "/target/\n/*.wasm\n/Cargo.lock\n",
	"c":              "/target/\n/*.wasm\n",
	"assemblyscript": "/target/\n/*.wasm\n/node_modules/\n",
}

func titleCase(name string) string {
	parts := strings.Split(name, "-")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, " ")
}

func render(name string, d data) ([]byte, error) {
	src, err := files.ReadFile(name)
	if err != nil {
		return nil, err
	}
	t, err := template.New(name).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("plugin new: template %s: %w", name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("plugin new: template %s: %w", name, err)
	}
	return b.Bytes(), nil
}

// goSDKPackages are the packages of the vendored Go SDK, for vendor/modules.txt.
var goSDKPackages = []string{"greenroom.dev/greenroom/sdk/go", "greenroom.dev/greenroom/sdk/go/internal/jsonw", "greenroom.dev/greenroom/sdk/go/ui"}

// addSDK adds the language's SDK copy to a project's files.
func addSDK(out map[string][]byte, lang string) error {
	var from, to string
	switch lang {
	case "go":
		from, to = "_sdk/go", "vendor/greenroom.dev/greenroom/sdk/go"
		out["vendor/modules.txt"] = []byte("# greenroom.dev/greenroom/sdk/go v0.0.0\n## explicit; go 1.24\n" + strings.Join(goSDKPackages, "\n") + "\n")
	case "rust":
		from, to = "_sdk/rust", "vendor/greenroom"
	case "c":
		from, to = "_sdk/c", "."
	case "assemblyscript":
		b, err := files.ReadFile("_sdk/assemblyscript/assembly/index.ts")
		if err != nil {
			return err
		}
		out["assembly/greenroom.ts"] = b
		return nil
	}
	return fs.WalkDir(files, from, func(p string, e fs.DirEntry, err error) error {
		if err == nil && e.IsDir() && p == "_sdk/go/tinygo" {
			return fs.SkipDir // the TinyGo target: Build writes it into target/ when asked
		}
		if err != nil || e.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		out[path.Join(to, strings.TrimPrefix(p, from+"/"))] = b
		return nil
	})
}

// Detect says which language the project in dir is written in.
func Detect(dir string) (string, error) {
	has := func(name string) bool { _, err := os.Stat(filepath.Join(dir, name)); return err == nil }
	switch {
	case !has("plugin.yaml"):
		return "", fmt.Errorf("plugin build: %s has no plugin.yaml; run it in a directory that \"greenroom plugin new\" wrote, or write the manifest (abi/SPEC.md section 5)", dir)
	case has("go.mod"):
		return "go", nil
	case has("Cargo.toml"), has("src/lib.rs"):
		return "rust", nil
	case has("package.json"):
		return "assemblyscript", nil
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.c")); len(m) > 0 {
		return "c", nil
	}
	return "", fmt.Errorf("plugin build: %s: cannot tell the language: want go.mod (Go), Cargo.toml or src/lib.rs (Rust), package.json (AssemblyScript) or *.c (C)", dir)
}

// step is one command of a build.
type step struct {
	dir  string
	env  []string
	args []string
}

// Compilers are the compilers a Go project can be built with (BuildOptions.Compiler).
var Compilers = []string{"go", "tinygo"}

// BuildOptions choose how Build builds.
type BuildOptions struct {
	// Compiler is the compiler of a Go project: "go" (the default) is the standard
	// toolchain's wasip1 build; "tinygo" is TinyGo (see TinyGo), a smaller module with a
	// faster request path. Other languages have one compiler and refuse this option.
	Compiler string
}

// OptionError is a BuildOptions that the project cannot be built with.
type OptionError struct{ msg string }

func (e *OptionError) Error() string { return e.msg }

// Build runs the language's build in dir and returns the path of the unpacked module
// (under dir/target). The commands and their output go to log.
func Build(ctx context.Context, dir string, o BuildOptions, log io.Writer) (string, error) {
	lang, err := Detect(dir)
	if err != nil {
		return "", err
	}
	switch {
	case o.Compiler != "" && !slices.Contains(Compilers, o.Compiler):
		return "", &OptionError{fmt.Sprintf("plugin build: --compiler %q: choose one of %s", o.Compiler, strings.Join(Compilers, ", "))}
	case o.Compiler == "tinygo" && lang != "go":
		return "", &OptionError{fmt.Sprintf("plugin build: %s is a %s project; --compiler tinygo builds Go projects only, so leave it out", dir, langTitles[lang])}
	}
	target := filepath.Join(dir, "target")
	if err := os.MkdirAll(target, 0o755); err != nil {
		return "", fmt.Errorf("plugin build: %w", err)
	}
	raw := filepath.Join(target, "plugin.raw.wasm")
	var steps []step
	switch lang {
	case "go":
		if o.Compiler == "tinygo" {
			tg, err := TinyGo()
			if err != nil {
				return "", fmt.Errorf("plugin build: %s: %w", dir, err)
			}
			spec := filepath.Join(target, "tinygo-target.json")
			if err := os.WriteFile(spec, tinyGoTarget(), 0o644); err != nil {
				return "", fmt.Errorf("plugin build: %w", err)
			}
			steps = []step{{dir: dir, args: append([]string{tg}, TinyGoArgs(spec, raw)...)}}
			break
		}
		steps = []step{{dir: dir, env: []string{"GOOS=wasip1", "GOARCH=wasm"},
			args: []string{"go", "build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", raw, "."}}}
	case "rust":
		rc, err := Rustc()
		if err != nil {
			return "", err
		}
		for _, args := range RustArgs(filepath.Join(dir, "vendor", "greenroom", "src", "lib.rs"), filepath.Join(dir, "src", "lib.rs"), target, raw) {
			steps = append(steps, step{dir: dir, args: append([]string{rc}, args...)})
		}
	case "c":
		cc := os.Getenv("CC")
		if cc == "" {
			cc = "clang"
		}
		srcs, _ := filepath.Glob(filepath.Join(dir, "*.c"))
		args := append([]string{cc, "--target=wasm32-wasi", "-O2", "-mexec-model=reactor", "-Wall", "-Wl,--strip-all", "-o", raw}, srcs...)
		steps = []step{{dir: dir, args: args}}
	case "assemblyscript":
		if _, err := os.Stat(filepath.Join(dir, "node_modules", ".bin", "asc")); err != nil {
			steps = append(steps, step{dir: dir, args: []string{"npm", "install", "--no-audit", "--no-fund"}})
		}
		steps = append(steps, step{dir: dir, args: []string{"node", filepath.Join("node_modules", "assemblyscript", "bin", "asc.js"), filepath.Join("assembly", "index.ts"),
			"--outFile", raw, "--use", "abort=assembly/index/myAbort", "-O3"}})
	}
	for _, s := range steps {
		fmt.Fprintf(log, "$ %s\n", strings.Join(s.args, " "))
		cmd := exec.CommandContext(ctx, s.args[0], s.args[1:]...)
		cmd.Dir, cmd.Stdout, cmd.Stderr = s.dir, log, log
		cmd.Env = append(os.Environ(), s.env...)
		if err := cmd.Run(); err != nil {
			var notFound *exec.Error
			if errors.As(err, &notFound) {
				return "", fmt.Errorf("plugin build: %s: %s is not installed (%s)", dir, s.args[0], toolHints[lang])
			}
			return "", fmt.Errorf("plugin build: %s: %s: %w", dir, strings.Join(s.args[:min(len(s.args), 3)], " "), err)
		}
	}
	return raw, nil
}

var toolHints = map[string]string{
	"go":             "Go 1.24 or later from go.dev",
	"rust":           "Debian: apt-get install rustc libstd-rust-dev-wasm32",
	"c":              "Debian: apt-get install clang lld wasi-libc",
	"assemblyscript": "Node.js and npm; Debian: apt-get install nodejs npm",
}

// TinyGoVersion is the TinyGo release that sdk/go/tinygo's target is made for, and
// that `go tool task tinygo` builds.
const TinyGoVersion = "0.41.0"

// TinyGoInstalled is where `go tool task tinygo` builds TinyGoVersion (outside the
// checkout): os.UserCacheDir()/greenroom/tinygo/v<version>/build/tinygo.
func TinyGoInstalled() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "greenroom", "tinygo", "v"+TinyGoVersion, "build", "tinygo")
}

// TinyGo returns the tinygo to build Go plugins with: $TINYGO, else the one `go tool task
// tinygo` installs (TinyGoInstalled), else tinygo on PATH. It must be TinyGoVersion with
// sdk/go/tinygo's net stub in its tree, as the task builds it.
func TinyGo() (string, error) {
	tg := os.Getenv("TINYGO")
	if tg == "" {
		tg = "tinygo"
		if p := TinyGoInstalled(); p != "" {
			if _, err := os.Stat(p); err == nil {
				tg = p
			}
		}
	}
	out, err := exec.Command(tg, "version").Output()
	if err != nil {
		return "", fmt.Errorf("--compiler tinygo: no TinyGo to run (tried $TINYGO, %s and PATH: %v); in a Greenroom checkout, `go tool task tinygo` builds TinyGo %s there (sdk/go/tinygo/README.md), or set TINYGO to a tinygo built that way", TinyGoInstalled(), err, TinyGoVersion)
	}
	if !strings.HasPrefix(string(out), "tinygo version "+TinyGoVersion+" ") {
		return "", fmt.Errorf("--compiler tinygo: %s is %s, and plugins build with TinyGo %s (go tool task tinygo)", tg, strings.TrimSpace(string(out)), TinyGoVersion)
	}
	return tg, nil
}

// TinyGoArgs are the arguments of the tinygo command that builds the Go package in the
// working directory into out, with the target file spec (sdk/go/tinygo/wasip1-debian.json).
// -opt=2 because it is faster per request than TinyGo's default -opt=z.
func TinyGoArgs(spec, out string) []string {
	return []string{"build", "-target", spec, "-buildmode=c-shared", "-opt=2", "-no-debug", "-o", out, "."}
}

// tinyGoTarget is sdk/go/tinygo/wasip1-debian.json, as embedded.
func tinyGoTarget() []byte {
	b, err := files.ReadFile("_sdk/go/tinygo/wasip1-debian.json")
	if err != nil {
		panic(err) // TestEmbeddedSDKsCurrent keeps it there
	}
	return b
}

// RustArgs are the two rustc commands' arguments that build a Rust plugin without cargo:
// the SDK (its crate root sdk) into an rlib in tmp, then the plugin (crate root lib)
// against it into out. opt-level=3 and bulk-memory: RATIONALE.md, "The Rust SDK has no
// crates and its own allocator".
func RustArgs(sdk, lib, tmp, out string) [][]string {
	return RustArgsExtern(sdk, lib, tmp, out, nil)
}

// RustArgsExtern is RustArgs for a plugin that uses other crates too: externs are the
// plugin's extra rustc arguments (--extern and -L dependency=, as RustCrates returns
// them).
func RustArgsExtern(sdk, lib, tmp, out string, externs []string) [][]string {
	common := append([]string{"--edition", "2021"}, rustCommon(RustWasm)...)
	plugin := append(slices.Clone(common), "--crate-type", "cdylib", "-C", "strip=symbols",
		"--extern", "greenroom="+filepath.Join(tmp, "libgreenroom.rlib"), "-L", tmp)
	return [][]string{
		append(slices.Clone(common), "--crate-type", "rlib", "--crate-name", "greenroom", sdk, "--out-dir", tmp),
		append(append(plugin, externs...), lib, "-o", out),
	}
}

// Rustc returns a rustc that has the wasm32-unknown-unknown standard library: $RUSTC,
// else /usr/bin/rustc (Debian's), else the one on PATH.
func Rustc() (string, error) {
	var candidates []string
	if r := os.Getenv("RUSTC"); r != "" {
		candidates = append(candidates, r)
	}
	candidates = append(candidates, "/usr/bin/rustc")
	if p, err := exec.LookPath("rustc"); err == nil {
		candidates = append(candidates, p)
	}
	for _, c := range candidates {
		out, err := exec.Command(c, "--print", "sysroot").Output()
		if err != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(strings.TrimSpace(string(out)), "lib", "rustlib", "wasm32-unknown-unknown")); err == nil {
			return c, nil
		}
	}
	return "", errors.New("plugin build: no rustc with the wasm32-unknown-unknown standard library (tried $RUSTC, /usr/bin/rustc and PATH); Debian: apt-get install rustc libstd-rust-dev-wasm32")
}

// Snapshot is the modification times and sizes of a project's sources, for Changed.
type Snapshot map[string]string

// Sources lists what a rebuild depends on: every file under dir but target/,
// node_modules/, .git/ and the built .wasm files.
func Sources(dir string) (Snapshot, error) {
	s := Snapshot{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := e.Name()
		if e.IsDir() {
			if p != dir && (name == "target" || name == "node_modules" || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, ".wasm") || strings.HasPrefix(name, ".") {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		s[p] = fmt.Sprintf("%d %s", info.Size(), info.ModTime().Format(time.RFC3339Nano))
		return nil
	})
	return s, err
}

// Equal reports whether two snapshots list the same files, unchanged.
func (s Snapshot) Equal(o Snapshot) bool {
	if len(s) != len(o) {
		return false
	}
	for k, v := range s {
		if o[k] != v {
			return false
		}
	}
	return true
}

// NativeTest runs the project's own tests on the development machine, where the
// language has a native test runner: go test for Go, rustc --test for Rust (against the
// SDK's native test host). It reports false for C and AssemblyScript, whose plugins are
// tested through TestFile's requests only.
func NativeTest(ctx context.Context, dir string, log io.Writer) (bool, error) {
	lang, err := Detect(dir)
	if err != nil {
		return false, err
	}
	native := filepath.Join(dir, "target", "native")
	var steps []step
	switch lang {
	case "go":
		steps = []step{{dir: dir, args: []string{"go", "test", "./..."}}}
	case "rust":
		rc, err := Rustc()
		if err != nil {
			return false, err
		}
		if err := os.MkdirAll(native, 0o755); err != nil {
			return false, fmt.Errorf("plugin test: %w", err)
		}
		bin := filepath.Join(native, "tests")
		steps = []step{
			{dir: dir, args: []string{rc, "--edition", "2021", "--crate-type", "rlib", "--crate-name", "greenroom", filepath.Join(dir, "vendor", "greenroom", "src", "lib.rs"), "--out-dir", native}},
			{dir: dir, args: []string{rc, "--edition", "2021", "--test", "--extern", "greenroom=" + filepath.Join(native, "libgreenroom.rlib"), filepath.Join(dir, "src", "lib.rs"), "-o", bin}},
			{dir: dir, args: []string{bin}},
		}
	default:
		return false, nil
	}
	for _, s := range steps {
		fmt.Fprintf(log, "$ %s\n", strings.Join(s.args, " "))
		cmd := exec.CommandContext(ctx, s.args[0], s.args[1:]...)
		cmd.Dir, cmd.Stdout, cmd.Stderr = s.dir, log, log
		if err := cmd.Run(); err != nil {
			return true, fmt.Errorf("plugin test: %s: %s: %w", dir, strings.Join(s.args[:min(len(s.args), 3)], " "), err)
		}
	}
	return true, nil
}

// TestFile is the name of a project's request tests (see TestSpec).
const TestFile = "plugin.test.yaml"
