;; Asks the host for an enormous block.
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (memory (export "memory") 1)
  (func (export "gr_http") (result i32)
    (drop (call $alloc (i64.const 0x10000000000)))
    (i32.const 0)))
