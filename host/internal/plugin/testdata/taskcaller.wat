;; A scheduled task that calls kv_get for key "k": the host call a task makes is made as
;; the plugin's own service identity.
(module
  (import "greenroom:host/v1" "mem_write" (func $mem_write (param i32 i32) (result i64)))
  (import "greenroom:host/v1" "kv_get" (func $kv_get (param i64) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"key\":\"k\"}")
  (func (export "gr_task") (result i32)
    (drop (call $kv_get (call $mem_write (i32.const 0) (i32.const 11))))
    (i32.const 0)))
