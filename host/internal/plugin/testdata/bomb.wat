;; Grows its memory until the host refuses, then aborts as a real program would.
(module
  (memory (export "memory") 1)
  (func (export "gr_http") (result i32)
    (loop $l
      (br_if $l (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
    unreachable))
