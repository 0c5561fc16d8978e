;; hostcall.wat: calls greenroom:host/v1 kv_get with its input as the request and
;; returns the result envelope as its output.
(module
  (import "extism:host/env" "input_offset" (func $input_offset (result i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "greenroom:host/v1" "kv_get" (func $kv_get (param i64) (result i64)))
  (memory (export "memory") 1)
  (func (export "call") (result i32)
    (local $r i64)
    (local.set $r (call $kv_get (call $input_offset)))
    (call $output_set (local.get $r) (call $length (local.get $r)))
    (i32.const 0))
  (func (export "call_twice") (result i32) (local $r i64)
    (drop (call $kv_get (call $input_offset)))
    (local.set $r (call $kv_get (call $input_offset)))
    (call $output_set (local.get $r) (call $length (local.get $r)))
    (i32.const 0)))
