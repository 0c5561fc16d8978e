;; Imports functions more than once, as Go's wasip1 port does with
;; wasi_snapshot_preview1.fd_write: tools must list each import once.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (import "greenroom:host/v1" "kv_get" (func (param i64) (result i64)))
  (import "extism:host/env" "output_set" (func (param i64 i64)))
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (import "greenroom:host/v1" "kv_get" (func (param i64) (result i64)))
  (import "env" "g" (global i32))
  (import "env" "g" (func))
  (memory (export "memory") 1)
  (func (export "gr_http") (result i32) i32.const 0)
)
