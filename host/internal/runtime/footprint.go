package runtime

import (
	"errors"
	"fmt"
	"strings"
)

// What a guest can make the engine allocate outside linear memory, and how it is bounded
// by the instance's memory limit (the budget, budget.go):
//
//   - At instantiation, wazero allocates every table at its minimum size, every global,
//     and a function reference for every entry of an active or passive element segment.
//     footprint reads these from the module before it is compiled; their cost is taken
//     from each instance's budget, and a module whose cost and linear memory minimum
//     exceed the limit is refused at load.
//   - At run time, table.grow adds table entries and every ref.func the guest executes
//     makes wazero allocate a function reference that lives as long as the instance.
//     In instrumented modules (instrument.go) both are rewritten to take their cost from
//     the budget: table.grow returns -1 past it, ref.func traps (out of memory). A module
//     that cannot be instrumented has its tables capped at their minimum size (table.grow
//     returns -1) and is refused if its code uses ref.func.
//
// Data segments are not copied per instance (wazero keeps them in the module), and an
// export's call stack is prepared only when the export is first called.
//
// The costs are wazero v1.12's, measured on linux/amd64 with the module builders of
// limits_test.go (88 bytes a global, 42 an element entry), rounded up.
const (
	tableEntryCost = 8  // one table entry (a uintptr)
	globalCost     = 96 // one global instance and its slots
	elemEntryCost  = 48 // one function reference made for an element segment's entry
	refFuncCost    = 48 // one function reference made by ref.func at run time
)

// footprint is what a module makes the engine allocate for each instance before the
// guest runs.
type footprint struct {
	tableEntries uint64 // the tables' minimum sizes, summed
	globals      uint64
	elemEntries  uint64 // entries of active and passive element segments
	memoryPages  uint64 // linear memory's minimum
}

// engineBytes is what the footprint costs outside linear memory.
func (f footprint) engineBytes() uint64 {
	return f.tableEntries*tableEntryCost + f.globals*globalCost + f.elemEntries*elemEntryCost
}

// check refuses a footprint that does not fit limit bytes.
func (f footprint) check(limit uint64) error {
	need := f.engineBytes() + f.memoryPages*65536
	if need <= limit {
		return nil
	}
	var parts []string
	if f.tableEntries > 0 {
		parts = append(parts, fmt.Sprintf("tables of %d entries: %d bytes", f.tableEntries, f.tableEntries*tableEntryCost))
	}
	if f.globals > 0 {
		parts = append(parts, fmt.Sprintf("%d globals: %d bytes", f.globals, f.globals*globalCost))
	}
	if f.elemEntries > 0 {
		parts = append(parts, fmt.Sprintf("element segments of %d entries: %d bytes", f.elemEntries, f.elemEntries*elemEntryCost))
	}
	if f.memoryPages > 0 {
		parts = append(parts, fmt.Sprintf("linear memory of %d pages: %d bytes", f.memoryPages, f.memoryPages*65536))
	}
	return fmt.Errorf("the module needs %d bytes in each instance before it runs (%s), over the plugin's memory limit of %d bytes (limits.memory): raise limits.memory, or build the module with smaller tables, fewer globals or smaller element segments",
		need, strings.Join(parts, "; "), limit)
}

// readFootprint reads a module's footprint from its import, table, memory, global and
// element sections.
func readFootprint(wasm []byte) (footprint, error) {
	var f footprint
	secs, err := sections(wasm)
	if err != nil {
		return f, err
	}
	for _, s := range secs {
		r := &reader{b: s.payload}
		switch s.id {
		case secImport:
			n := r.u32()
			for i := uint32(0); i < n && r.err == nil; i++ {
				r.name()
				r.name()
				switch r.byte() {
				case 0x00:
					r.u32()
				case 0x01:
					r.byte()
					f.tableEntries += r.limitsMin()
				case 0x02:
					f.memoryPages += r.limitsMin()
				case 0x03:
					r.byte()
					r.byte()
					f.globals++
				case 0x04:
					r.byte()
					r.u32()
				default:
					return f, fmt.Errorf("import kind: %w", errUnsupported)
				}
			}
		case secTable:
			n := r.u32()
			for i := uint32(0); i < n && r.err == nil; i++ {
				init := false
				if r.pos < len(r.b) && r.b[r.pos] == 0x40 { // table with an initialiser
					r.skip(2)
					init = true
				}
				if !isSimpleRefType(r.byte()) {
					return f, fmt.Errorf("table %d: only funcref and externref tables are supported", i)
				}
				f.tableEntries += r.limitsMin()
				if init {
					if err := r.constExpr(); err != nil {
						return f, err
					}
				}
			}
		case secMemory:
			n := r.u32()
			for i := uint32(0); i < n && r.err == nil; i++ {
				f.memoryPages += r.limitsMin()
			}
		case secGlobal:
			f.globals += uint64(r.u32())
		case secElement:
			n := r.u32()
			for i := uint32(0); i < n && r.err == nil; i++ {
				entries, declarative, err := r.elemSegment()
				if err != nil {
					return f, fmt.Errorf("element segment %d: %w", i, err)
				}
				if !declarative {
					f.elemEntries += entries
				}
			}
		}
		if r.err != nil {
			return f, fmt.Errorf("section %d: %w", s.id, r.err)
		}
	}
	return f, nil
}

// sections splits a module into its sections.
func sections(wasm []byte) ([]section, error) {
	if len(wasm) < 8 || string(wasm[:4]) != "\x00asm" {
		return nil, errors.New("not a WebAssembly binary")
	}
	if string(wasm[4:8]) != "\x01\x00\x00\x00" {
		return nil, errors.New("not a core module of version 1")
	}
	r := &reader{b: wasm, pos: 8}
	var secs []section
	for r.pos < len(r.b) {
		id := r.byte()
		n := r.u32()
		if r.err != nil || uint64(r.pos)+uint64(n) > uint64(len(r.b)) {
			return nil, errors.New("truncated section")
		}
		secs = append(secs, section{id: id, payload: r.b[r.pos : r.pos+int(n)]})
		r.pos += int(n)
	}
	return secs, nil
}

// limitsMin reads limits and returns the minimum.
func (r *reader) limitsMin() uint64 {
	flags := r.byte()
	m := r.leb()
	if flags&1 != 0 {
		r.leb()
	}
	return m
}

// constExpr skips a constant expression up to and including its end.
func (r *reader) constExpr() error {
	for r.err == nil {
		op := r.byte()
		if op == 0x0B {
			return nil
		}
		if err := skipImmediates(op, r); err != nil {
			return fmt.Errorf("constant expression: opcode 0x%02x: %w", op, err)
		}
	}
	return r.err
}

// elemSegment reads one element segment and returns its number of entries and whether
// it is declarative (declarative segments are not instantiated).
func (r *reader) elemSegment() (entries uint64, declarative bool, err error) {
	flags := r.u32()
	if flags > 7 {
		return 0, false, fmt.Errorf("flags %d: %w", flags, errUnsupported)
	}
	passiveOrDeclarative := flags&1 != 0
	explicitTable := flags&2 != 0
	exprs := flags&4 != 0
	if !passiveOrDeclarative && explicitTable {
		r.u32() // table index
	}
	if !passiveOrDeclarative {
		if err := r.constExpr(); err != nil { // offset
			return 0, false, err
		}
	}
	if passiveOrDeclarative || explicitTable {
		r.byte() // element kind or reference type
	}
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		if exprs {
			if err := r.constExpr(); err != nil {
				return 0, false, err
			}
		} else {
			r.u32()
		}
	}
	return uint64(n), passiveOrDeclarative && explicitTable, r.err
}

// capTables rewrites a module so that every table's maximum is its minimum: for modules
// that are not instrumented, whose table.grow the budget cannot see.
func capTables(wasm []byte) ([]byte, error) {
	secs, err := sections(wasm)
	if err != nil {
		return nil, err
	}
	out := append([]byte(nil), wasm[:8]...)
	for _, s := range secs {
		p := s.payload
		if s.id == secTable {
			r := &reader{b: p}
			n := r.u32()
			np := appendU32(nil, n)
			for i := uint32(0); i < n && r.err == nil; i++ {
				start := r.pos
				init := false
				if r.pos < len(r.b) && r.b[r.pos] == 0x40 {
					r.skip(2)
					init = true
				}
				r.byte() // reference type
				np = append(np, p[start:r.pos]...)
				flags := r.byte()
				m := r.leb()
				if flags&1 != 0 {
					r.leb()
				}
				np = append(np, 0x01)
				np = appendU32(appendU32(np, uint32(m)), uint32(m))
				if init {
					start := r.pos
					if err := r.constExpr(); err != nil {
						return nil, err
					}
					np = append(np, p[start:r.pos]...)
				}
			}
			if r.err != nil {
				return nil, r.err
			}
			p = np
		}
		out = append(out, s.id)
		out = appendU32(out, uint32(len(p)))
		out = append(out, p...)
	}
	return out, nil
}

// usesRefFunc reports whether any function body of the module contains ref.func.
func usesRefFunc(wasm []byte) (bool, error) {
	secs, err := sections(wasm)
	if err != nil {
		return false, err
	}
	for _, s := range secs {
		if s.id != secCode {
			continue
		}
		r := &reader{b: s.payload}
		n := r.u32()
		for i := uint32(0); i < n && r.err == nil; i++ {
			size := r.u32()
			if r.err != nil || uint64(r.pos)+uint64(size) > uint64(len(r.b)) {
				return false, errors.New("truncated code section")
			}
			body := &reader{b: r.b[r.pos : r.pos+int(size)]}
			r.pos += int(size)
			groups := body.u32()
			for g := uint32(0); g < groups && body.err == nil; g++ {
				body.u32()
				body.byte()
			}
			for body.pos < len(body.b) && body.err == nil {
				op := body.byte()
				if op == 0xD2 {
					return true, nil
				}
				if err := skipImmediates(op, body); err != nil {
					return false, fmt.Errorf("function body %d: opcode 0x%02x: %w", i, op, err)
				}
			}
			if body.err != nil {
				return false, body.err
			}
		}
		return false, r.err
	}
	return false, nil
}
