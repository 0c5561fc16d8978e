;; Calls kv_get for key "k" and answers with {"json": <the result envelope>}.
(module
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "load_u8" (func $load_u8 (param i64) (result i32)))
  (import "greenroom:host/v1" "mem_write" (func $mem_write (param i32 i32) (result i64)))
  (import "greenroom:host/v1" "mem_read" (func $mem_read (param i64 i32 i32)))
  (import "greenroom:host/v1" "kv_get" (func $kv_get (param i64) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"key\":\"k\"}")
  (func (export "gr_http") (result i32)
    (local $res i64) (local $n i32) (local $out i64)
    ;; result envelope JSON at offset 128
    (local.set $res (call $kv_get (call $mem_write (i32.const 0) (i32.const 11))))
    (local.set $n (i32.wrap_i64 (call $length (local.get $res))))
    (call $mem_read (local.get $res) (i32.const 128) (local.get $n))
    ;; wrap it as {"json":ENVELOPE}: the 8-byte prefix at 120, the closing brace after
    (i64.store (i32.const 120) (i64.const 0x3a226e6f736a227b)) ;; {"json":
    (i32.store8 (i32.add (i32.const 128) (local.get $n)) (i32.const 125)) ;; }
    (local.set $out (call $mem_write (i32.const 120) (i32.add (local.get $n) (i32.const 9))))
    (call $output_set (local.get $out) (i64.extend_i32_u (i32.add (local.get $n) (i32.const 9))))
    (i32.const 0)))
