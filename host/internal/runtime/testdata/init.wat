;; init.wat: a reactor whose _initialize sets a global that "inited" reports.
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (global $calls (mut i32) (i32.const 0))
  (func (export "_initialize") (global.set $calls (i32.add (global.get $calls) (i32.const 1))))
  (func (export "inited") (result i32)
    (local $h i64)
    (local.set $h (call $alloc (i64.const 1)))
    (call $store_u8 (local.get $h) (i32.add (i32.const 48) (global.get $calls)))
    (call $output_set (local.get $h) (i64.const 1))
    (i32.const 0)))
