;; guest.wat: the runtime's main test guest. It uses only extism:host/env (and the
;; greenroom:host/v1 bulk copies in the *_bulk exports), so go-sdk can run the exports
;; that do not use greenroom:host/v1 as a differential reference.
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "free" (func $free (param i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "load_u8" (func $load_u8 (param i64) (result i32)))
  (import "extism:host/env" "load_u64" (func $load_u64 (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_offset" (func $input_offset (result i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "error_set" (func $error_set (param i64)))
  (import "extism:host/env" "config_get" (func $config_get (param i64) (result i64)))
  (import "extism:host/env" "var_get" (func $var_get (param i64) (result i64)))
  (import "extism:host/env" "var_set" (func $var_set (param i64 i64)))
  (import "extism:host/env" "log_info" (func $log_info (param i64)))
  (import "extism:host/env" "log_warn" (func $log_warn (param i64)))
  (import "extism:host/env" "get_log_level" (func $get_log_level (result i32)))
  (import "greenroom:host/v1" "mem_read" (func $mem_read (param i64 i32 i32)))
  (import "greenroom:host/v1" "mem_write" (func $mem_write (param i32 i32) (result i64)))
  (import "greenroom:host/v1" "input_read" (func $input_read (param i32 i32)))

  (memory (export "memory") 2)
  ;; static strings
  (data (i32.const 16) "greeting")          ;; 8 bytes at 16
  (data (i32.const 32) "count")             ;; 5 bytes at 32
  (data (i32.const 48) "plain failure")     ;; 13 bytes at 48
  (data (i32.const 64) "{\"code\":\"not_found\",\"message\":\"no widget\"}") ;; 42 bytes at 64
  (data (i32.const 128) "hello from wat")   ;; 14 bytes at 128

  ;; $to_arena copies n bytes of guest memory at p into a new arena block, 8 bytes at a
  ;; time as Extism PDKs do, and returns the handle.
  (func $to_arena (param $p i32) (param $n i32) (result i64)
    (local $h i64) (local $i i32)
    (local.set $h (call $alloc (i64.extend_i32_u (local.get $n))))
    (block $done
      (loop $words
        (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 8)) (local.get $n)))
        (call $store_u64 (i64.add (local.get $h) (i64.extend_i32_u (local.get $i)))
          (i64.load (i32.add (local.get $p) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $words)))
    (block $done
      (loop $bytes
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (call $store_u8 (i64.add (local.get $h) (i64.extend_i32_u (local.get $i)))
          (i32.load8_u (i32.add (local.get $p) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $bytes)))
    (local.get $h))

  ;; $input_to copies the input into guest memory at p, 8 bytes at a time; returns n.
  (func $input_to (param $p i32) (result i32)
    (local $n i32) (local $i i32)
    (local.set $n (i32.wrap_i64 (call $input_length)))
    (block $done
      (loop $words
        (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 8)) (local.get $n)))
        (i64.store (i32.add (local.get $p) (local.get $i)) (call $input_load_u64 (i64.extend_i32_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $words)))
    (block $done
      (loop $bytes
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8 (i32.add (local.get $p) (local.get $i)) (call $input_load_u8 (i64.extend_i32_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $bytes)))
    (local.get $n))

  ;; noop: does nothing.
  (func (export "noop") (result i32) (i32.const 0))

  ;; echo: input -> guest memory -> output, with Extism 8-byte copies.
  (func (export "echo") (result i32)
    (local $n i32)
    (local.set $n (call $input_to (i32.const 4096)))
    (call $output_set (call $to_arena (i32.const 4096) (local.get $n)) (i64.extend_i32_u (local.get $n)))
    (i32.const 0))

  ;; echo_bulk: the same through greenroom:host/v1 input_read and mem_write.
  (func (export "echo_bulk") (result i32)
    (local $n i32)
    (local.set $n (i32.wrap_i64 (call $input_length)))
    (call $input_read (i32.const 4096) (local.get $n))
    (call $output_set (call $mem_write (i32.const 4096) (local.get $n)) (i64.extend_i32_u (local.get $n)))
    (i32.const 0))

  ;; echo_handle: the output is the input block itself (no copy at all).
  (func (export "echo_handle") (result i32)
    (call $output_set (call $input_offset) (call $input_length))
    (i32.const 0))

  ;; greet: "<config greeting or hello>" as output (config_get, length, mem_read).
  (func (export "greet") (result i32)
    (local $h i64)
    (local.set $h (call $config_get (call $to_arena (i32.const 16) (i32.const 8))))
    (if (i64.eqz (local.get $h))
      (then (local.set $h (call $to_arena (i32.const 128) (i32.const 5)))))
    (call $output_set (local.get $h) (call $length (local.get $h)))
    (i32.const 0))

  ;; count: a per-instance counter in var "count" (one byte), output as that byte.
  (func (export "count") (result i32)
    (local $v i64) (local $c i32) (local $h i64)
    (local.set $v (call $var_get (call $to_arena (i32.const 32) (i32.const 5))))
    (if (i64.ne (local.get $v) (i64.const 0))
      (then (local.set $c (call $load_u8 (local.get $v)))))
    (local.set $c (i32.add (local.get $c) (i32.const 1)))
    (local.set $h (call $alloc (i64.const 1)))
    (call $store_u8 (local.get $h) (local.get $c))
    (call $var_set (call $to_arena (i32.const 32) (i32.const 5)) (local.get $h))
    (local.set $h (call $alloc (i64.const 1)))
    (call $store_u8 (local.get $h) (local.get $c))
    (call $output_set (local.get $h) (i64.const 1))
    (i32.const 0))

  ;; forget: deletes var "count".
  (func (export "forget") (result i32)
    (call $var_set (call $to_arena (i32.const 32) (i32.const 5)) (i64.const 0))
    (i32.const 0))

  ;; fail_text / fail_json: non-zero return with an error message.
  (func (export "fail_text") (result i32)
    (call $error_set (call $to_arena (i32.const 48) (i32.const 13)))
    (i32.const 1))
  (func (export "fail_json") (result i32)
    (call $error_set (call $to_arena (i32.const 64) (i32.const 42)))
    (i32.const 3))
  (func (export "fail_silent") (result i32) (i32.const 7))

  ;; log: one info and one warn line; output is get_log_level as a byte.
  (func (export "log") (result i32)
    (local $h i64)
    (call $log_info (call $to_arena (i32.const 128) (i32.const 14)))
    (call $log_warn (call $to_arena (i32.const 128) (i32.const 14)))
    (local.set $h (call $alloc (i64.const 1)))
    (call $store_u8 (local.get $h) (i32.add (i32.const 48) (call $get_log_level)))
    (call $output_set (local.get $h) (i64.const 1))
    (i32.const 0))

  ;; reuse: alloc 300, free it, alloc 10 -> same handle region reused (split); output
  ;; is 1 byte: 1 if the second handle lies inside the first block.
  (func (export "reuse") (result i32)
    (local $a i64) (local $b i64) (local $h i64) (local $in i32)
    (local.set $a (call $alloc (i64.const 300)))
    (call $free (local.get $a))
    (local.set $b (call $alloc (i64.const 10)))
    (local.set $in (i32.and
      (i64.ge_u (local.get $b) (local.get $a))
      (i64.lt_u (local.get $b) (i64.add (local.get $a) (i64.const 300)))))
    ;; length of a freed block start is 0 unless it was reused at the same start
    (local.set $h (call $alloc (i64.const 2)))
    (call $store_u8 (local.get $h) (i32.add (i32.const 48) (local.get $in)))
    (call $store_u8 (i64.add (local.get $h) (i64.const 1))
      (i32.add (i32.const 48) (i32.wrap_i64 (call $length (i64.const 12345)))))
    (call $output_set (local.get $h) (i64.const 2))
    (i32.const 0))

  ;; spin: an infinite loop.
  (func (export "spin") (result i32)
    (loop $forever (br $forever))
    (i32.const 0))

  ;; recurse: exponential recursion without any loop.
  (func $fib (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "recurse") (result i32)
    (drop (call $fib (i32.const 60)))
    (i32.const 0))

  ;; grow: grows memory until it fails, then traps.
  (func (export "grow") (result i32)
    (loop $more
      (br_if $more (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
    unreachable)

  ;; huge_alloc: asks the arena for 1 TiB.
  (func (export "huge_alloc") (result i32)
    (drop (call $alloc (i64.const 1099511627776)))
    (i32.const 0))

  ;; trap: unreachable.
  (func (export "trap") (result i32) unreachable)

  ;; bad_output: output_set pointing past the arena.
  (func (export "bad_output") (result i32)
    (call $output_set (i64.const 1000000000) (i64.const 8))
    (i32.const 0))

  ;; bad_load: load_u64 outside the arena.
  (func (export "bad_load") (result i32)
    (drop (call $load_u64 (i64.const 99999999)))
    (i32.const 0))

  ;; bad_mem_read: mem_read into guest memory out of bounds.
  (func (export "bad_mem_read") (result i32)
    (call $mem_read (call $input_offset) (i32.const -16) (i32.const 64))
    (i32.const 0))

  ;; busy: a loop of input[0] << input[1] iterations, then returns 0 (finite work).
  (func (export "busy") (result i32)
    (local $i i64) (local $n i64)
    (local.set $n (i64.shl (i64.extend_i32_u (call $input_load_u8 (i64.const 0)))
                          (i64.extend_i32_u (call $input_load_u8 (i64.const 1)))))
    (block $done
      (loop $l
        (br_if $done (i64.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $l)))
    (i32.const 0))
)
