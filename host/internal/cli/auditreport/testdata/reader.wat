;; A plugin that reads the catalog-adjacent world: kv_get, url_read, and proxy_fetch
;; (optional in its manifest). It exports gr_http and gr_task. The report tests grant it
;; more, less and exactly what it needs.
(module
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "greenroom:host/v1" "mem_write" (func $mem_write (param i32 i32) (result i64)))
  (import "greenroom:host/v1" "kv_get" (func $kv_get (param i64) (result i64)))
  (import "greenroom:host/v1" "url_read" (func $url_read (param i64) (result i64)))
  (import "greenroom:host/v1" "proxy_fetch" (func $proxy_fetch (param i64) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{}")
  (func (export "gr_http") (result i32)
    (drop (call $kv_get (call $mem_write (i32.const 0) (i32.const 2))))
    (drop (call $url_read (call $mem_write (i32.const 0) (i32.const 2))))
    (drop (call $proxy_fetch (call $mem_write (i32.const 0) (i32.const 2))))
    (call $output_set (call $mem_write (i32.const 0) (i32.const 2)) (i64.const 2))
    (i32.const 0))
  (func (export "gr_task") (result i32)
    (i32.const 0)))
