package wasmfile

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"greenroom.dev/greenroom/abi"
)

func wat(t *testing.T, name string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "m.wasm")
	cmd := exec.Command("wat2wasm", filepath.Join("testdata", name), "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm (install Debian's wabt): %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParse(t *testing.T) {
	m, err := Parse(wat(t, "imports.wat"))
	if err != nil {
		t.Fatal(err)
	}
	wantImports := []Import{
		{"extism:host/env", "input_length", KindFunc},
		{"greenroom:host/v1", "kv_get", KindFunc},
		{"env", "mem", KindMemory},
		{"env", "g", KindGlobal},
		{"env", "t", KindTable},
	}
	if !reflect.DeepEqual(m.Imports, wantImports) {
		t.Errorf("imports = %+v", m.Imports)
	}
	if !m.HasExport("gr_http") || m.HasExport("memory") || m.HasExport("nope") {
		t.Errorf("exports = %+v", m.Exports)
	}
	if _, err := m.Manifest(); !errors.Is(err, ErrNoManifest) {
		t.Errorf("manifest err = %v", err)
	}
}

func TestWithCustomRoundTrip(t *testing.T) {
	b := wat(t, "imports.wat")
	man := []byte(`{"abi":"v1","id":"x","version":"1"}`)
	out, err := WithCustom(b, abi.ManifestSection, man)
	if err != nil {
		t.Fatal(err)
	}
	// Packing twice replaces rather than duplicates.
	out, err = WithCustom(out, abi.ManifestSection, man)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range m.Sections {
		if s.Name == abi.ManifestSection {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d manifest sections", n)
	}
	if p, ok := m.Custom(abi.ManifestSection); !ok || !bytes.Equal(p, man) {
		t.Errorf("custom section = %q %v", p, ok)
	}
	mf, err := m.Manifest()
	if err != nil || mf.ID != "x" {
		t.Fatalf("manifest %+v %v", mf, err)
	}
	stripped, err := WithoutCustom(out, abi.ManifestSection)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stripped, b) {
		t.Fatal("stripping the manifest must give back the original module")
	}
}

func TestParseErrors(t *testing.T) {
	good := wat(t, "imports.wat")
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "not a WebAssembly module"},
		{"text", []byte("(module)"), "not a WebAssembly module"},
		{"version 2", append([]byte{0, 'a', 's', 'm', 2, 0, 0, 0}, good[8:]...), "not a WebAssembly module"},
		{"truncated", good[:len(good)-3], "runs past the end"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(header)
	f.Add(append(append([]byte{}, header...), 0, 3, 1, 'a', 'b'))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = Parse(b) // must not panic
	})
}

func TestDistinctImports(t *testing.T) {
	m, err := Parse(wat(t, "dupimports.wat"))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Imports) != 7 {
		t.Fatalf("Imports keeps every entry of the section: got %d, want 7", len(m.Imports))
	}
	want := []Import{
		{"wasi_snapshot_preview1", "fd_write", KindFunc},
		{"greenroom:host/v1", "kv_get", KindFunc},
		{"extism:host/env", "output_set", KindFunc},
		{"env", "g", KindGlobal},
		{"env", "g", KindFunc},
	}
	if got := m.DistinctImports(); !reflect.DeepEqual(got, want) {
		t.Errorf("DistinctImports = %+v, want %+v", got, want)
	}
}
