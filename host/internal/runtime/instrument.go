package runtime

import (
	"bytes"
	"errors"
	"fmt"
)

// Deadlines without wazero's per-call cost.
//
// wazero stops a running guest only when the runtime is built WithCloseOnContextDone:
// every Call then starts a goroutine that watches ctx, and the compiler inserts at each
// loop header an exit from native code into Go that checks whether the module was closed
// (loop headers only: call-only work such as exponential recursion is never interrupted,
// and since native code cannot be preempted it stalls the Go garbage collector
// meanwhile). In bench/2026-11-21.txt that costs 0.7-1.2 µs and four allocations per call
// (BenchmarkNoopCloseOnContextDone against BenchmarkNoop) and makes a tight loop about 27
// times slower (BenchmarkLoop).
//
// instrument instead rewrites the module before compiling it. It adds two mutable i32
// globals, $fuel and $interrupt (the latter exported as "greenroom.interrupt"), and
// inserts at every function entry and at the top of every loop body:
//
//	$fuel = $fuel - 1
//	if $fuel == 0 {
//	  memory.grow 0      ;; a no-op that leaves native code for Go
//	  $fuel = fuelPeriod
//	  if $interrupt { unreachable }
//	}
//
// The common path is a handful of native instructions. Every fuelPeriod iterations the
// guest passes through Go (memory.grow is implemented in Go by wazero). That matters:
// native code cannot be preempted, so a guest that never left it would stall every
// stop-the-world phase of the Go garbage collector, and with it the watchdog that is
// meant to stop the guest. To interrupt a call, the engine's watchdog (or the caller's
// cancellation) sets $interrupt to 1; the guest traps at the next pass, at most
// fuelPeriod loop iterations or calls later, and the host reports the trap as the
// interruption it was (a timeout when the deadline passed) and discards the instance.
// The guest cannot change either global: the original code has no instruction that
// names them (their indices are past every index the module was validated with) and they
// are not imported.
//
// Host functions are not preempted; they get a ctx that carries the call's deadline.
//
// The rewrite also bounds what the guest can make the engine allocate outside linear
// memory (footprint.go). A third global, $free (i64, exported as "greenroom.free"),
// holds what is left of the instance's memory limit; the host sets it after
// instantiation and takes from it for linear memory and the arena. table.grow and
// ref.func take from it in the guest, with two scratch globals $d and $r:
//
//	table.grow x    =>  $d = delta
//	                    table.grow x (ref, $d*8 <= $free ? $d : -1)  ;; -1 always fails
//	                    $r = result; if $r != -1 { $free -= $d*8 }; push $r
//	ref.func x      =>  if $free < refFuncCost { unreachable }; $free -= refFuncCost
//	                    ref.func x
//
// The start section is removed and its function exported as "greenroom.start"
// (moveStart, applied to modules that are not instrumented too): the host calls it after
// instantiation, under the call's deadline, since nothing can stop a guest that wazero
// runs inside instantiation.
//
// A module without a memory gets an empty one for the memory.grow. A module the
// rewriter does not handle (a 64-bit memory, an opcode it does not know such as the GC
// proposal's, or one already exporting one of the names) is compiled with
// WithCloseOnContextDone: slower, equally safe. Its tables cannot grow and, if its code
// uses ref.func, it is refused (footprint.go).

// fuelPeriod is how many loop iterations or calls pass between two visits to Go.
const fuelPeriod = 1 << 14

const (
	secCustom  = 0
	secImport  = 2
	secTable   = 4
	secMemory  = 5
	secGlobal  = 6
	secExport  = 7
	secStart   = 8
	secElement = 9
	secCode    = 10
)

// startExport is the name under which a module's start function is exported once its
// start section is removed (moveStart).

const startExport = "greenroom.start"

// freeGlobal is the export name of the global that holds an instrumented instance's
// budget (budget.go), in bytes.
const freeGlobal = "greenroom.free"

// sectionRank is the order known sections must appear in (WebAssembly 2.0 plus tags).
var sectionRank = map[byte]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13}

type section struct {
	id      byte
	payload []byte
}

var errUnsupported = errors.New("unsupported construct")

func instrument(wasm []byte) ([]byte, error) {
	if len(wasm) < 8 || !bytes.Equal(wasm[:4], []byte("\x00asm")) {
		return nil, errors.New("not a WebAssembly binary")
	}
	if !bytes.Equal(wasm[4:8], []byte{1, 0, 0, 0}) {
		return nil, errors.New("not a core module of version 1")
	}
	secs, err := sections(wasm)
	if err != nil {
		return nil, err
	}
	if secs, err = moveStart(secs); err != nil {
		return nil, err
	}

	var importedGlobals, definedGlobals uint32
	memories := 0
	globalIdx, exportIdx, codeIdx := -1, -1, -1
	for i, s := range secs {
		switch s.id {
		case secImport:
			n, mems, err := countImports(s.payload)
			if err != nil {
				return nil, err
			}
			importedGlobals = n
			memories += mems
		case secMemory:
			sr := &reader{b: s.payload}
			n := sr.u32()
			if n > 0 {
				if flags := sr.byte(); flags&0x04 != 0 {
					return nil, errors.New("64-bit memories are not instrumented")
				}
			}
			memories += int(n)
		case secGlobal:
			sr := &reader{b: s.payload}
			definedGlobals = sr.u32()
			if sr.err != nil {
				return nil, sr.err
			}
			globalIdx = i
		case secExport:
			if err := checkExportName(s.payload); err != nil {
				return nil, err
			}
			exportIdx = i
		case secCode:
			codeIdx = i
		}
	}
	if codeIdx < 0 {
		return nil, errors.New("no code section")
	}
	fuel := importedGlobals + definedGlobals
	flag := fuel + 1
	free, d, res := fuel+2, fuel+3, fuel+4
	rw := &rewrites{
		check:    fuelCheck(fuel, flag),
		refFunc:  refFuncCharge(free),
		growPre:  tableGrowPre(free, d),
		growPost: tableGrowPost(free, d, res),
	}

	code, err := rewriteCode(secs[codeIdx].payload, rw)
	if err != nil {
		return nil, err
	}
	secs[codeIdx].payload = code

	newGlobals := appendI32Const([]byte{0x7F, 0x01}, fuelPeriod) // mut i32 $fuel
	newGlobals = append(newGlobals, 0x0B)
	newGlobals = append(newGlobals, 0x7F, 0x01, 0x41, 0x00, 0x0B) // mut i32 $interrupt = 0
	newGlobals = append(newGlobals, 0x7E, 0x01, 0x42, 0x00, 0x0B) // mut i64 $free = 0
	newGlobals = append(newGlobals, 0x7F, 0x01, 0x41, 0x00, 0x0B) // mut i32 $d = 0
	newGlobals = append(newGlobals, 0x7F, 0x01, 0x41, 0x00, 0x0B) // mut i32 $r = 0
	const added = 5
	if globalIdx >= 0 {
		sr := &reader{b: secs[globalIdx].payload}
		sr.u32()
		p := appendU32(nil, definedGlobals+added)
		p = append(p, sr.b[sr.pos:]...)
		secs[globalIdx].payload = append(p, newGlobals...)
	} else {
		secs = insertSection(secs, section{id: secGlobal, payload: append(appendU32(nil, added), newGlobals...)})
	}
	exp := appendName(nil, interruptGlobal)
	exp = append(exp, 0x03)
	exp = appendU32(exp, flag)
	exp = appendName(exp, freeGlobal)
	exp = append(exp, 0x03)
	exp = appendU32(exp, free)
	if exportIdx >= 0 {
		// Indices shifted by at most one insertion; find it again.
		for i := range secs {
			if secs[i].id == secExport {
				sr := &reader{b: secs[i].payload}
				n := sr.u32()
				p := appendU32(nil, n+2)
				p = append(p, sr.b[sr.pos:]...)
				secs[i].payload = append(p, exp...)
			}
		}
	} else {
		secs = insertSection(secs, section{id: secExport, payload: append(appendU32(nil, 2), exp...)})
	}

	if memories == 0 {
		// memory.grow needs a memory: give the module an empty, unexported one. Its
		// code cannot name a memory it does not have, so nothing else changes.
		secs = insertSection(secs, section{id: secMemory, payload: []byte{0x01, 0x00, 0x00}})
	}

	out := make([]byte, 0, len(wasm)+len(wasm)/8+64)
	out = append(out, wasm[:8]...)
	for _, s := range secs {
		if s.id == secCustom && isDebugSection(s.payload) {
			continue // DWARF code offsets no longer match the rewritten code
		}
		out = append(out, s.id)
		out = appendU32(out, uint32(len(s.payload)))
		out = append(out, s.payload...)
	}
	return out, nil
}

// moveStart removes the start section and exports the start function as startExport,
// so that the host calls it after instantiation, under the deadline and interruption
// of a call, rather than wazero inside instantiation, where nothing can stop it. It is
// applied to every module, instrumented or not.
func moveStart(secs []section) ([]section, error) {
	at := -1
	for i, s := range secs {
		if s.id == secStart {
			at = i
		}
		if s.id == secExport {
			r := &reader{b: s.payload}
			n := r.u32()
			for j := uint32(0); j < n && r.err == nil; j++ {
				if r.name() == startExport {
					return nil, fmt.Errorf("the module exports %q, a name the host reserves", startExport)
				}
				r.byte()
				r.u32()
			}
			if r.err != nil {
				return nil, r.err
			}
		}
	}
	if at < 0 {
		return secs, nil
	}
	r := &reader{b: secs[at].payload}
	fn := r.u32()
	if r.err != nil {
		return nil, fmt.Errorf("start section: %w", r.err)
	}
	secs = append(secs[:at:at], secs[at+1:]...)
	exp := appendName(nil, startExport)
	exp = append(exp, 0x00)
	exp = appendU32(exp, fn)
	for i := range secs {
		if secs[i].id == secExport {
			sr := &reader{b: secs[i].payload}
			n := sr.u32()
			p := appendU32(nil, n+1)
			p = append(p, sr.b[sr.pos:]...)
			secs[i].payload = append(p, exp...)
			return secs, nil
		}
	}
	return insertSection(secs, section{id: secExport, payload: append(appendU32(nil, 1), exp...)}), nil
}

// moveStartOf is moveStart for a whole module.
func moveStartOf(wasm []byte) ([]byte, error) {
	secs, err := sections(wasm)
	if err != nil {
		return nil, err
	}
	if secs, err = moveStart(secs); err != nil {
		return nil, err
	}
	out := append([]byte(nil), wasm[:8]...)
	for _, s := range secs {
		out = append(out, s.id)
		out = appendU32(out, uint32(len(s.payload)))
		out = append(out, s.payload...)
	}
	return out, nil
}

func isDebugSection(p []byte) bool {
	r := &reader{b: p}
	n := r.u32()
	if r.err != nil || uint64(r.pos)+uint64(n) > uint64(len(p)) {
		return false
	}
	return bytes.HasPrefix(p[r.pos:r.pos+int(n)], []byte(".debug"))
}

func insertSection(secs []section, s section) []section {
	rank := sectionRank[s.id]
	at := len(secs)
	for i, x := range secs {
		if x.id != secCustom && sectionRank[x.id] > rank {
			at = i
			break
		}
	}
	secs = append(secs, section{})
	copy(secs[at+1:], secs[at:])
	secs[at] = s
	return secs
}

// fuelCheck is the code inserted at function entries and loop tops.
func fuelCheck(fuel, flag uint32) []byte {
	b := appendU32([]byte{0x23}, fuel) // global.get $fuel
	b = append(b, 0x41, 0x01, 0x6B)    // i32.const 1; i32.sub
	b = appendU32(append(b, 0x24), fuel)
	b = appendU32(append(b, 0x23), fuel)
	b = append(b, 0x45, 0x04, 0x40)             // i32.eqz; if
	b = append(b, 0x41, 0x00, 0x40, 0x00, 0x1A) // memory.grow 0; drop
	b = appendI32Const(b, fuelPeriod)
	b = appendU32(append(b, 0x24), fuel)
	b = appendU32(append(b, 0x23), flag)
	b = append(b, 0x04, 0x40, 0x00, 0x0B) // if unreachable end
	return append(b, 0x0B)                // end
}

// refFuncCharge is inserted before every ref.func: it takes refFuncCost from $free, or
// traps when less is left.
func refFuncCharge(free uint32) []byte {
	b := appendU32([]byte{0x23}, free)          // global.get $free
	b = appendI64Const(b, refFuncCost)          // i64.const cost
	b = append(b, 0x54, 0x04, 0x40, 0x00, 0x0B) // i64.lt_u; if unreachable end
	b = appendU32(append(b, 0x23), free)        // global.get $free
	b = appendI64Const(b, refFuncCost)          // i64.const cost
	b = append(b, 0x7D)                         // i64.sub
	return appendU32(append(b, 0x24), free)     // global.set $free
}

// growBytes pushes $d * tableEntryCost as an i64.
func growBytes(b []byte, d uint32) []byte {
	b = appendU32(append(b, 0x23), d) // global.get $d
	b = append(b, 0xAD)               // i64.extend_i32_u
	b = appendI64Const(b, tableEntryCost)
	return append(b, 0x7E) // i64.mul
}

// tableGrowPre comes before table.grow (operands: ref, delta): it replaces delta by -1,
// which no table can grow by, when the budget cannot cover it.
func tableGrowPre(free, d uint32) []byte {
	b := appendU32([]byte{0x24}, d)      // global.set $d
	b = appendU32(append(b, 0x23), d)    // global.get $d
	b = append(b, 0x41, 0x7F)            // i32.const -1
	b = growBytes(b, d)                  // $d * cost
	b = appendU32(append(b, 0x23), free) // global.get $free
	return append(b, 0x58, 0x1B)         // i64.le_u; select
}

// tableGrowPost comes after table.grow: a growth that happened is taken from $free.
func tableGrowPost(free, d, r uint32) []byte {
	b := appendU32([]byte{0x24}, r)             // global.set $r
	b = appendU32(append(b, 0x23), r)           // global.get $r
	b = append(b, 0x41, 0x7F, 0x47, 0x04, 0x40) // i32.const -1; i32.ne; if
	b = appendU32(append(b, 0x23), free)        // global.get $free
	b = growBytes(b, d)                         // $d * cost
	b = append(b, 0x7D)                         // i64.sub
	b = appendU32(append(b, 0x24), free)        // global.set $free
	b = append(b, 0x0B)                         // end
	return appendU32(append(b, 0x23), r)        // global.get $r
}

func appendI64Const(b []byte, v int64) []byte {
	b = append(b, 0x42)
	for {
		c := byte(v & 0x7F)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendI32Const(b []byte, v int32) []byte {
	b = append(b, 0x41)
	for {
		c := byte(v & 0x7F)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func countImports(p []byte) (globals uint32, memories int, err error) {
	r := &reader{b: p}
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		r.name()
		r.name()
		switch r.byte() {
		case 0x00: // func
			r.u32()
		case 0x01: // table
			if !isSimpleRefType(r.byte()) {
				return 0, 0, fmt.Errorf("import table: %w", errUnsupported)
			}
			r.limits()
		case 0x02: // memory
			if r.pos < len(r.b) && r.b[r.pos]&0x04 != 0 {
				return 0, 0, errors.New("64-bit memories are not instrumented")
			}
			r.limits()
			memories++
		case 0x03: // global
			if !isSimpleValType(r.byte()) {
				return 0, 0, fmt.Errorf("import global: %w", errUnsupported)
			}
			r.byte()
			globals++
		case 0x04: // tag
			r.byte()
			r.u32()
		default:
			return 0, 0, fmt.Errorf("import kind: %w", errUnsupported)
		}
	}
	return globals, memories, r.err
}

func checkExportName(p []byte) error {
	r := &reader{b: p}
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		if name := r.name(); name == interruptGlobal || name == freeGlobal {
			return fmt.Errorf("the module already exports %q", name)
		}
		r.byte()
		r.u32()
	}
	return r.err
}

func isSimpleValType(b byte) bool {
	switch b {
	case 0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F:
		return true
	}
	return false
}

func isSimpleRefType(b byte) bool { return b == 0x70 || b == 0x6F }

// rewrites are the code snippets rewriteBody inserts.
type rewrites struct {
	check             []byte // at function entries and loop tops
	refFunc           []byte // before ref.func
	growPre, growPost []byte // around table.grow
}

func rewriteCode(p []byte, rw *rewrites) ([]byte, error) {
	r := &reader{b: p}
	n := r.u32()
	out := appendU32(make([]byte, 0, len(p)+len(p)/8), n)
	var body []byte
	for i := uint32(0); i < n; i++ {
		size := r.u32()
		if r.err != nil || uint64(r.pos)+uint64(size) > uint64(len(p)) {
			return nil, errors.New("truncated code section")
		}
		var err error
		body, err = rewriteBody(body[:0], p[r.pos:r.pos+int(size)], rw)
		if err != nil {
			return nil, fmt.Errorf("function body %d: %w", i, err)
		}
		r.pos += int(size)
		out = appendU32(out, uint32(len(body)))
		out = append(out, body...)
	}
	if r.err != nil {
		return nil, r.err
	}
	return out, nil
}

func rewriteBody(out, b []byte, rw *rewrites) ([]byte, error) {
	r := &reader{b: b}
	groups := r.u32()
	for i := uint32(0); i < groups && r.err == nil; i++ {
		r.u32()
		if !isSimpleValType(r.byte()) {
			return nil, fmt.Errorf("local type: %w", errUnsupported)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	out = append(out, b[:r.pos]...)
	out = append(out, rw.check...)
	for r.pos < len(b) {
		start := r.pos
		op := r.byte()
		if err := skipImmediates(op, r); err != nil {
			return nil, fmt.Errorf("opcode 0x%02x at offset %d: %w", op, start, err)
		}
		if r.err != nil {
			return nil, r.err
		}
		switch {
		case op == 0x03: // loop: check at the top of every iteration
			out = append(out, b[start:r.pos]...)
			out = append(out, rw.check...)
		case op == 0xD2: // ref.func
			out = append(out, rw.refFunc...)
			out = append(out, b[start:r.pos]...)
		case op == 0xFC && isTableGrow(b[start+1:]):
			out = append(out, rw.growPre...)
			out = append(out, b[start:r.pos]...)
			out = append(out, rw.growPost...)
		default:
			out = append(out, b[start:r.pos]...)
		}
	}
	return out, nil
}

// isTableGrow reports whether the 0xFC instruction whose sub-opcode starts b is
// table.grow.
func isTableGrow(b []byte) bool {
	r := &reader{b: b}
	return r.u32() == 15 && r.err == nil
}

func skipImmediates(op byte, r *reader) error {
	switch {
	case op == 0x00, op == 0x01, op == 0x05, op == 0x0B, op == 0x0F, op == 0x1A, op == 0x1B,
		op == 0x0A, op == 0x19, op == 0xD1, op == 0xD3, op == 0xD5:
	case op == 0x02, op == 0x03, op == 0x04, op == 0x06:
		return r.blockType()
	case op == 0x07, op == 0x08, op == 0x09, op == 0x18, op == 0x0C, op == 0x0D, op == 0xD4, op == 0xD6,
		op == 0x10, op == 0x12, op == 0x14, op == 0x15, op == 0xD2:
		r.u32()
	case op == 0x11, op == 0x13:
		r.u32()
		r.u32()
	case op == 0x0E:
		n := r.u32()
		for i := uint32(0); i <= n && r.err == nil; i++ {
			r.u32()
		}
	case op == 0x1C:
		n := r.u32()
		for i := uint32(0); i < n && r.err == nil; i++ {
			if !isSimpleValType(r.byte()) {
				return errUnsupported
			}
		}
	case op == 0x1F: // try_table
		if err := r.blockType(); err != nil {
			return err
		}
		n := r.u32()
		for i := uint32(0); i < n && r.err == nil; i++ {
			switch r.byte() {
			case 0, 1:
				r.u32()
				r.u32()
			case 2, 3:
				r.u32()
			default:
				return errUnsupported
			}
		}
	case op >= 0x20 && op <= 0x26:
		r.u32()
	case op >= 0x28 && op <= 0x3E:
		r.memarg()
	case op == 0x3F, op == 0x40:
		r.u32()
	case op == 0x41, op == 0x42:
		r.leb()
	case op == 0x43:
		r.skip(4)
	case op == 0x44:
		r.skip(8)
	case op >= 0x45 && op <= 0xC4:
	case op == 0xD0:
		r.leb() // heap type (s33)
	case op == 0xFC:
		switch sub := r.u32(); {
		case sub <= 7:
		case sub == 8, sub == 10, sub == 12, sub == 14:
			r.u32()
			r.u32()
		case sub == 9, sub == 11, sub == 13, sub == 15, sub == 16, sub == 17:
			r.u32()
		default:
			return errUnsupported
		}
	case op == 0xFD:
		switch sub := r.u32(); {
		case sub <= 11, sub == 92, sub == 93:
			r.memarg()
		case sub == 12, sub == 13:
			r.skip(16)
		case sub >= 21 && sub <= 34:
			r.skip(1)
		case sub >= 84 && sub <= 91:
			r.memarg()
			r.skip(1)
		case sub <= 0x113:
		default:
			return errUnsupported
		}
	case op == 0xFE:
		switch sub := r.u32(); {
		case sub == 3:
			r.skip(1)
		case sub <= 2, sub >= 0x10 && sub <= 0x4E:
			r.memarg()
		default:
			return errUnsupported
		}
	default:
		return errUnsupported
	}
	return nil
}

type reader struct {
	b   []byte
	pos int
	err error
}

var errTruncated = errors.New("truncated")

func (r *reader) byte() byte {
	if r.pos >= len(r.b) {
		r.err = errTruncated
		return 0
	}
	c := r.b[r.pos]
	r.pos++
	return c
}

func (r *reader) skip(n int) {
	if r.pos+n > len(r.b) {
		r.err = errTruncated
		r.pos = len(r.b)
		return
	}
	r.pos += n
}

func (r *reader) leb() uint64 {
	var v uint64
	for shift := uint(0); shift < 70; shift += 7 {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		if shift < 64 {
			v |= uint64(c&0x7F) << shift
		}
		if c&0x80 == 0 {
			return v
		}
	}
	r.err = errors.New("LEB128 too long")
	return 0
}

func (r *reader) u32() uint32 {
	v := r.leb()
	if v > 0xFFFFFFFF {
		r.err = errors.New("u32 out of range")
	}
	return uint32(v)
}

func (r *reader) name() string {
	n := r.u32()
	if r.err != nil || r.pos+int(n) > len(r.b) {
		r.err = errTruncated
		return ""
	}
	s := string(r.b[r.pos : r.pos+int(n)])
	r.pos += int(n)
	return s
}

func (r *reader) limits() {
	flags := r.byte()
	r.leb()
	if flags&1 != 0 {
		r.leb()
	}
}

func (r *reader) memarg() {
	align := r.u32()
	if align&0x40 != 0 {
		r.u32() // memory index (multi-memory)
	}
	r.leb()
}

func (r *reader) blockType() error {
	if r.pos >= len(r.b) {
		r.err = errTruncated
		return nil
	}
	c := r.b[r.pos]
	switch {
	case c == 0x40 || isSimpleValType(c):
		r.pos++
	case c == 0x63 || c == 0x64:
		return errUnsupported
	default:
		r.leb() // type index as s33
	}
	return nil
}

func appendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7F)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
		} else {
			return append(b, c)
		}
	}
}

func appendName(b []byte, s string) []byte {
	b = appendU32(b, uint32(len(s)))
	return append(b, s...)
}
