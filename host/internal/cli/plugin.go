package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/capability"
	"greenroom.dev/greenroom/host/internal/pack"
	"greenroom.dev/greenroom/host/internal/wasmfile"
)

func runPack(env *Env, args []string) error {
	fs := newFlags(env, "plugin pack", "--manifest plugin.yaml in.wasm -o out.wasm")
	manifest := fs.String("manifest", "", "the plugin.yaml manifest `FILE` to write into the module")
	out := fs.StringP("output", "o", "", "`FILE` to write the packed module to (may be in.wasm)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *manifest == "" || *out == "" || fs.NArg() != 1 {
		fs.Usage()
		return usagef("plugin pack needs --manifest, one input .wasm and -o")
	}
	in := fs.Arg(0)
	man, err := pack.ReadManifest(*manifest)
	if err != nil {
		return asUsage(err)
	}
	wasm, err := os.ReadFile(in)
	if err != nil {
		return asUsage(fmt.Errorf("plugin pack: %w", err))
	}
	packed, err := pack.Pack(wasm, man)
	if err != nil {
		return asUsage(fmt.Errorf("plugin pack: %s: %w", in, err))
	}
	if err := os.WriteFile(*out, packed, 0o644); err != nil {
		return fmt.Errorf("plugin pack: %w", err)
	}
	sum := sha256.Sum256(packed)
	fmt.Fprintf(env.Stdout, "packed %s %s@%s into %s (sha256 %s)\n", *manifest, man.ID, man.Version, *out, hex.EncodeToString(sum[:]))
	return nil
}

// InspectReport is the JSON output of `greenroom plugin inspect --json`.
type InspectReport struct {
	File     string            `json:"file"`
	SHA256   string            `json:"sha256"`
	Size     int               `json:"size"`
	Manifest *abi.Manifest     `json:"manifest"`
	Imports  []InspectImport   `json:"imports"` // each once, in the module's order
	Exports  []wasmfile.Export `json:"exports"`
	Problems []string          `json:"problems,omitempty"`
}

// InspectImport is an import with the capability it needs.
type InspectImport struct {
	wasmfile.Import
	Capability string `json:"capability,omitempty"`
}

func inspect(path string) (*InspectReport, error) {
	wasm, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	mod, err := wasmfile.Parse(wasm)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sum := sha256.Sum256(wasm)
	r := &InspectReport{File: path, SHA256: hex.EncodeToString(sum[:]), Size: len(wasm), Exports: mod.Exports}
	r.Manifest, err = mod.Manifest()
	if err != nil {
		r.Problems = append(r.Problems, err.Error())
	}
	for _, im := range mod.DistinctImports() {
		ii := InspectImport{Import: im}
		if im.Module == abi.Namespace {
			ii.Capability, _ = capability.Of(im.Name)
		}
		r.Imports = append(r.Imports, ii)
	}
	return r, nil
}

func runInspect(env *Env, args []string) error {
	fs := newFlags(env, "plugin inspect", "[--json] x.wasm")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usagef("plugin inspect needs one .wasm file")
	}
	r, err := inspect(fs.Arg(0))
	if err != nil {
		return asUsage(err)
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "file:    %s (%d bytes)\nsha256:  %s\n", r.File, r.Size, r.SHA256)
	if m := r.Manifest; m != nil {
		fmt.Fprintf(&b, "plugin:  %s %s (abi %s)\n", m.ID, m.Version, m.ABI)
		if m.Description != "" {
			fmt.Fprintf(&b, "about:   %s\n", m.Description)
		}
		for _, rt := range m.Routes {
			anon := ""
			if rt.Allow != "" {
				anon = " (allow: " + rt.Allow + ")"
			}
			fmt.Fprintf(&b, "route:   %s /api/%s%s%s\n", rt.Method, m.ID, rt.Path, anon)
		}
		for _, p := range m.Permissions {
			fmt.Fprintf(&b, "permission: %s %s %s\n", p.Name, p.Attributes.Action, p.ResourceType)
		}
		for _, t := range m.Tasks {
			fmt.Fprintf(&b, "task:    %s every %s\n", t.Name, t.Every)
		}
		for _, c := range m.Capabilities {
			opt := ""
			if c.Optional {
				opt = " (optional)"
			}
			fmt.Fprintf(&b, "request: %s%s\n", c.Name, opt)
		}
		if len(m.ConfigSchema) > 0 {
			fmt.Fprintf(&b, "config:  %s\n", compactJSON(m.ConfigSchema))
		}
	}
	byModule := map[string][]string{}
	for _, im := range r.Imports {
		s := im.Name
		if im.Kind != wasmfile.KindFunc {
			s += " (" + string(im.Kind) + ")"
		}
		if im.Capability != "" {
			s += " [" + im.Capability + "]"
		}
		byModule[im.Module] = append(byModule[im.Module], s)
	}
	mods := make([]string, 0, len(byModule))
	for m := range byModule {
		mods = append(mods, m)
	}
	sort.Strings(mods)
	for _, m := range mods {
		fmt.Fprintf(&b, "imports: %s: %s\n", m, strings.Join(byModule[m], ", "))
	}
	var ex []string
	for _, e := range r.Exports {
		ex = append(ex, e.Name+" ("+string(e.Kind)+")")
	}
	fmt.Fprintf(&b, "exports: %s\n", strings.Join(ex, ", "))
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "problem: %s\n", p)
	}
	_, err = env.Stdout.Write(b.Bytes())
	if len(r.Problems) > 0 {
		return asUsage(fmt.Errorf("%s: %s", r.File, strings.Join(r.Problems, "; ")))
	}
	return err
}

func compactJSON(b []byte) string {
	var out bytes.Buffer
	if json.Compact(&out, b) != nil {
		return string(b)
	}
	return out.String()
}
