;; Echoes its input back. A small real module for the signing tests: the tests flip a
;; byte of its code section and change its manifest after signing.
(module
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_offset" (func $input_offset (result i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory (export "memory") 1)
  (func (export "gr_http") (result i32)
    (call $output_set (call $input_offset) (call $input_length))
    (i32.const 0)))
