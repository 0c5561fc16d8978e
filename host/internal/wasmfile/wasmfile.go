// Package wasmfile reads and writes the parts of a WebAssembly binary that Greenroom needs
// without compiling or running it: the import and export lists and custom sections, in
// particular the plugin manifest (abi.ManifestSection).
package wasmfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"greenroom.dev/greenroom/abi"
)

var header = []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}

// ErrNotWasm is returned for input that is not a WebAssembly 1.0 binary module.
var ErrNotWasm = errors.New("not a WebAssembly module (missing the \\0asm version 1 header)")

// Kind is the kind of an import or export.
type Kind string

// Import and export kinds.
const (
	KindFunc   Kind = "func"
	KindTable  Kind = "table"
	KindMemory Kind = "memory"
	KindGlobal Kind = "global"
	KindTag    Kind = "tag"
)

var kinds = []Kind{KindFunc, KindTable, KindMemory, KindGlobal, KindTag}

// Import is one entry of the import section.
type Import struct {
	Module string `json:"module"`
	Name   string `json:"name"`
	Kind   Kind   `json:"kind"`
}

// Export is one entry of the export section.
type Export struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
}

// Section is a raw section.
type Section struct {
	ID   byte
	Name string // custom sections only
	// Start and End bound the whole section (id byte through payload) in the module.
	Start, End int
	// Payload is the section's content after its name (custom) or its size (others).
	Payload []byte
}

// Module is a parsed view of a binary module.
type Module struct {
	Sections []Section
	Imports  []Import
	Exports  []Export
}

// Parse reads the section structure, imports and exports of a binary module.
func Parse(b []byte) (*Module, error) {
	if len(b) < 8 || !bytes.Equal(b[:8], header) {
		return nil, ErrNotWasm
	}
	m := &Module{}
	r := &reader{b: b, off: 8}
	for r.off < len(b) {
		start := r.off
		id, err := r.byte()
		if err != nil {
			return nil, err
		}
		size, err := r.u32()
		if err != nil {
			return nil, fmt.Errorf("section at offset %d: %w", start, err)
		}
		if uint64(r.off)+uint64(size) > uint64(len(b)) {
			return nil, fmt.Errorf("section %d at offset %d: size %d runs past the end of the file", id, start, size)
		}
		payload := b[r.off : r.off+int(size)]
		s := Section{ID: id, Start: start, End: r.off + int(size), Payload: payload}
		r.off += int(size)
		sr := &reader{b: payload}
		switch id {
		case 0:
			name, err := sr.name()
			if err != nil {
				return nil, fmt.Errorf("custom section at offset %d: %w", start, err)
			}
			s.Name = name
			s.Payload = payload[sr.off:]
		case 2:
			if m.Imports, err = parseImports(sr); err != nil {
				return nil, fmt.Errorf("import section: %w", err)
			}
		case 7:
			if m.Exports, err = parseExports(sr); err != nil {
				return nil, fmt.Errorf("export section: %w", err)
			}
		}
		m.Sections = append(m.Sections, s)
	}
	return m, nil
}

func parseImports(r *reader) ([]Import, error) {
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	out := make([]Import, 0, min(n, 1024))
	for i := uint32(0); i < n; i++ {
		mod, err := r.name()
		if err != nil {
			return nil, err
		}
		name, err := r.name()
		if err != nil {
			return nil, err
		}
		k, err := r.byte()
		if err != nil {
			return nil, err
		}
		if int(k) >= len(kinds) {
			return nil, fmt.Errorf("import %s.%s: unknown kind %d", mod, name, k)
		}
		// Skip the description.
		switch kinds[k] {
		case KindFunc:
			_, err = r.u32()
		case KindTable:
			if _, err = r.byte(); err == nil {
				err = r.limits()
			}
		case KindMemory:
			err = r.limits()
		case KindGlobal:
			if _, err = r.byte(); err == nil {
				_, err = r.byte()
			}
		case KindTag:
			if _, err = r.byte(); err == nil {
				_, err = r.u32()
			}
		}
		if err != nil {
			return nil, err
		}
		out = append(out, Import{Module: mod, Name: name, Kind: kinds[k]})
	}
	return out, nil
}

func parseExports(r *reader) ([]Export, error) {
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	out := make([]Export, 0, min(n, 1024))
	for i := uint32(0); i < n; i++ {
		name, err := r.name()
		if err != nil {
			return nil, err
		}
		k, err := r.byte()
		if err != nil {
			return nil, err
		}
		if int(k) >= len(kinds) {
			return nil, fmt.Errorf("export %s: unknown kind %d", name, k)
		}
		if _, err := r.u32(); err != nil {
			return nil, err
		}
		out = append(out, Export{Name: name, Kind: kinds[k]})
	}
	return out, nil
}

// DistinctImports lists the imports once each (by module, name and kind), in the order
// they first appear. A module may import one function more than once, under different
// indices (Go's wasip1 port imports wasi_snapshot_preview1.fd_write twice); what it can
// reach is the same.
func (m *Module) DistinctImports() []Import {
	out := make([]Import, 0, len(m.Imports))
	seen := make(map[Import]bool, len(m.Imports))
	for _, im := range m.Imports {
		if !seen[im] {
			seen[im] = true
			out = append(out, im)
		}
	}
	return out
}

// Custom returns the payload of the first custom section with this name.
func (m *Module) Custom(name string) ([]byte, bool) {
	for _, s := range m.Sections {
		if s.ID == 0 && s.Name == name {
			return s.Payload, true
		}
	}
	return nil, false
}

// HasExport reports whether the module exports a function with this name.
func (m *Module) HasExport(name string) bool {
	for _, e := range m.Exports {
		if e.Name == name && e.Kind == KindFunc {
			return true
		}
	}
	return false
}

// ErrNoManifest is returned when a module has no greenroom.manifest section.
var ErrNoManifest = fmt.Errorf("no %s custom section; write one with `greenroom plugin pack --manifest plugin.yaml in.wasm -o out.wasm`", abi.ManifestSection)

// Manifest decodes and validates the module's manifest section.
func (m *Module) Manifest() (*abi.Manifest, error) {
	b, ok := m.Custom(abi.ManifestSection)
	if !ok {
		return nil, ErrNoManifest
	}
	return abi.DecodeManifest(b)
}

// WithCustom returns a copy of the module b with every custom section named name removed
// and one holding payload appended.
func WithCustom(b []byte, name string, payload []byte) ([]byte, error) {
	m, err := Parse(b)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(b)+len(payload)+len(name)+16)
	out = append(out, header...)
	for _, s := range m.Sections {
		if s.ID == 0 && s.Name == name {
			continue
		}
		out = append(out, b[s.Start:s.End]...)
	}
	var body []byte
	body = binary.AppendUvarint(body, uint64(len(name)))
	body = append(body, name...)
	body = append(body, payload...)
	out = append(out, 0)
	out = binary.AppendUvarint(out, uint64(len(body)))
	return append(out, body...), nil
}

// WithoutCustom returns a copy of b without the custom sections named name.
func WithoutCustom(b []byte, name string) ([]byte, error) {
	m, err := Parse(b)
	if err != nil {
		return nil, err
	}
	out := append([]byte{}, header...)
	for _, s := range m.Sections {
		if s.ID == 0 && s.Name == name {
			continue
		}
		out = append(out, b[s.Start:s.End]...)
	}
	return out, nil
}

type reader struct {
	b   []byte
	off int
}

var errTruncated = errors.New("truncated module")

func (r *reader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, errTruncated
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

func (r *reader) u32() (uint32, error) {
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 || n > 5 || v > 0xffffffff {
		return 0, errors.New("bad LEB128 integer")
	}
	r.off += n
	return uint32(v), nil
}

func (r *reader) name() (string, error) {
	n, err := r.u32()
	if err != nil {
		return "", err
	}
	if uint64(r.off)+uint64(n) > uint64(len(r.b)) {
		return "", errTruncated
	}
	s := string(r.b[r.off : r.off+int(n)])
	r.off += int(n)
	return s, nil
}

func (r *reader) limits() error {
	flag, err := r.byte()
	if err != nil {
		return err
	}
	if _, err := r.u32(); err != nil {
		return err
	}
	if flag&1 != 0 {
		if _, err := r.u32(); err != nil {
			return err
		}
	}
	return nil
}
