;; Answers every request with its config's "reply", the whole response message (a file
;; response in the tests), and imports files_read, which a file response needs.
(module
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "config_get" (func $config_get (param i64) (result i64)))
  (import "greenroom:host/v1" "mem_write" (func $mem_write (param i32 i32) (result i64)))
  (import "greenroom:host/v1" "files_read" (func $files_read (param i64) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "reply")
  (func (export "gr_http") (result i32)
    (local $h i64)
    (local.set $h (call $config_get (call $mem_write (i32.const 0) (i32.const 5))))
    (call $output_set (local.get $h) (call $length (local.get $h)))
    (i32.const 0)))
