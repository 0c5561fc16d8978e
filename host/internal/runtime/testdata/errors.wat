;; errors.wat: error messages that try to forge log lines, drive a terminal and fill the
;; error a client sees (TestGuestErrorMessagesAreExcerpts). The text is 8 KiB from 0:
;; an escape sequence and a line break, then 'x's.
(module
  (import "extism:host/env" "error_set" (func $error_set (param i64)))
  (import "greenroom:host/v1" "mem_write" (func $mem_write (param i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\1b[2J\0aforged")
  (data (i32.const 16384) "{\"code\":\"not_found\",\"message\":\"\\u001b[2J\\nforged")
  (func (export "fail_long") (result i32)
    (memory.fill (i32.const 11) (i32.const 120) (i32.const 8181))
    (call $error_set (call $mem_write (i32.const 0) (i32.const 8192)))
    (i32.const 1))
  (func (export "fail_long_json") (result i32)
    ;; {"code":"not_found","message":"\u001b[2J\nforged" + 8000 'x' + "\"}"
    (memory.fill (i32.const 16432) (i32.const 120) (i32.const 8000))
    (i32.store16 (i32.const 24432) (i32.const 0x7d22)) ;; "}
    (call $error_set (call $mem_write (i32.const 16384) (i32.const 8050)))
    (i32.const 1))
)
