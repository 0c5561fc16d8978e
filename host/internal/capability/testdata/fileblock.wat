;; Writes one file through files_write with its bytes in an arena block (abi/SPEC.md
;; 3.3): mem_write copies the content into a block, the request names the block's handle
;; in decimal, and the output is files_write's result envelope.
(module
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "greenroom:host/v1" "mem_write" (func $mem_write (param i32 i32) (result i64)))
  (import "greenroom:host/v1" "files_write" (func $files_write (param i64) (result i64)))
  (memory (export "memory") 1)
  ;; The request is built at 1024: prefix, the handle's digits, suffix.
  (data (i32.const 0) "{\"files\":[{\"path\":\"site/big.html\",\"block\":")
  (data (i32.const 256) "}],\"replace\":\"site\"}")
  (data (i32.const 512) "<h1>From an arena block</h1>")
  ;; copy n bytes from src to dst.
  (func $copy (param $dst i32) (param $src i32) (param $n i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (i32.store8 (local.get $dst) (i32.load8_u (local.get $src)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
      (local.set $src (i32.add (local.get $src) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next))))
  ;; writes v in decimal at dst and returns the number of digits.
  (func $itoa (param $v i64) (param $dst i32) (result i32)
    (local $n i32) (local $t i64) (local $i i32)
    (local.set $t (local.get $v))
    (loop $count
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (local.set $t (i64.div_u (local.get $t) (i64.const 10)))
      (br_if $count (i64.ne (local.get $t) (i64.const 0))))
    (local.set $i (local.get $n))
    (loop $digit
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (i32.store8 (i32.add (local.get $dst) (local.get $i))
        (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $v) (i64.const 10)))))
      (local.set $v (i64.div_u (local.get $v) (i64.const 10)))
      (br_if $digit (i32.ne (local.get $i) (i32.const 0))))
    (local.get $n))
  (func (export "gr_http") (result i32)
    (local $h i64) (local $n i32) (local $r i64)
    (local.set $h (call $mem_write (i32.const 512) (i32.const 28)))
    (call $copy (i32.const 1024) (i32.const 0) (i32.const 42))
    (local.set $n (call $itoa (local.get $h) (i32.const 1066)))
    (call $copy (i32.add (i32.const 1066) (local.get $n)) (i32.const 256) (i32.const 20))
    (local.set $r (call $files_write (call $mem_write (i32.const 1024) (i32.add (i32.const 62) (local.get $n)))))
    (call $output_set (local.get $r) (call $length (local.get $r)))
    (i32.const 0)))
