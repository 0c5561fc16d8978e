;; Calls kv_get for key "k", then proxy_fetch for GET /github/repos, and answers 200
;; with an empty body. The audit tests link wrapped host functions to it.
(module
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "greenroom:host/v1" "mem_write" (func $mem_write (param i32 i32) (result i64)))
  (import "greenroom:host/v1" "kv_get" (func $kv_get (param i64) (result i64)))
  (import "greenroom:host/v1" "proxy_fetch" (func $proxy_fetch (param i64) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"key\":\"k\"}")
  (data (i32.const 32) "{\"endpoint\":\"/github\",\"path\":\"/repos\"}")
  (data (i32.const 96) "{}")
  (func (export "gr_http") (result i32)
    (drop (call $kv_get (call $mem_write (i32.const 0) (i32.const 11))))
    (drop (call $proxy_fetch (call $mem_write (i32.const 32) (i32.const 38))))
    (call $output_set (call $mem_write (i32.const 96) (i32.const 2)) (i64.const 2))
    (i32.const 0)))
