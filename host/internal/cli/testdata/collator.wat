;; A search collator: each request hands the index one document of type "collator"
;; through search_replace, and answers with {"json": <the result envelope>}.
(module
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "greenroom:host/v1" "mem_write" (func $mem_write (param i32 i32) (result i64)))
  (import "greenroom:host/v1" "mem_read" (func $mem_read (param i64 i32 i32)))
  (import "greenroom:host/v1" "search_replace" (func $search_replace (param i64) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"type\":\"collator\",\"title\":\"Decisions\",\"documents\":[{\"title\":\"Use queues for payments\",\"text\":\"We decided to use queues.\",\"location\":\"/adr/1\",\"fields\":{\"status\":\"accepted\"}}]}")
  (func (export "gr_http") (result i32)
    (local $res i64) (local $n i32) (local $out i64)
    (local.set $res (call $search_replace (call $mem_write (i32.const 0) (i32.const 175))))
    (local.set $n (i32.wrap_i64 (call $length (local.get $res))))
    (call $mem_read (local.get $res) (i32.const 512) (local.get $n))
    (i64.store (i32.const 504) (i64.const 0x3a226e6f736a227b)) ;; {"json":
    (i32.store8 (i32.add (i32.const 512) (local.get $n)) (i32.const 125)) ;; }
    (local.set $out (call $mem_write (i32.const 504) (i32.add (local.get $n) (i32.const 9))))
    (call $output_set (local.get $out) (i64.extend_i32_u (i32.add (local.get $n) (i32.const 9))))
    (i32.const 0)))
