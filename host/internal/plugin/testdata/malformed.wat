;; Answers with output that is not a response message.
(module
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "greenroom:host/v1" "mem_write" (func $mem_write (param i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "not json at all")
  (func (export "gr_http") (result i32)
    (call $output_set (call $mem_write (i32.const 0) (i32.const 15)) (i64.const 15))
    (i32.const 0)))
