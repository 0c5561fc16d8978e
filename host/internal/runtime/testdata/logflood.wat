;; logflood.wat: logs as much as it is asked to (TestLogLimits), with log_info (flood) or
;; WASI stdout (flood_stdout). The input is two little-endian u64: how many lines, and
;; how long each (at most 65536 bytes).
(module
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))
  (import "extism:host/env" "log_info" (func $log_info (param i64)))
  (import "greenroom:host/v1" "mem_write" (func $mem_write (param i32 i32) (result i64)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "flood") (result i32)
    (local $n i64) (local $len i32) (local $i i64)
    (local.set $n (call $input_load_u64 (i64.const 0)))
    (local.set $len (i32.wrap_i64 (call $input_load_u64 (i64.const 8))))
    (memory.fill (i32.const 0) (i32.const 120) (local.get $len)) ;; 'x'
    (block $done
      (loop $more
        (br_if $done (i64.ge_u (local.get $i) (local.get $n)))
        (call $log_info (call $mem_write (i32.const 0) (local.get $len)))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $more)))
    (i32.const 0))

  (func (export "flood_stdout") (result i32)
    (local $n i64) (local $i i64)
    (local.set $n (call $input_load_u64 (i64.const 0)))
    ;; one iovec at 65536: the first len bytes of memory
    (i32.store (i32.const 65536) (i32.const 0))
    (i32.store (i32.const 65540) (i32.wrap_i64 (call $input_load_u64 (i64.const 8))))
    (memory.fill (i32.const 0) (i32.const 120) (i32.load (i32.const 65540)))
    (block $done
      (loop $more
        (br_if $done (i64.ge_u (local.get $i) (local.get $n)))
        (drop (call $fd_write (i32.const 1) (i32.const 65536) (i32.const 1) (i32.const 65544)))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $more)))
    (i32.const 0))
)
