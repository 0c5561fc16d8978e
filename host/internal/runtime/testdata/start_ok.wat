;; start_ok.wat: a start function that returns; "started" fails unless it ran, once, in
;; this instance (TestStartUnderDeadline).
(module
  (memory 1)
  (global $runs (mut i32) (i32.const 0))
  (func $start (global.set $runs (i32.add (global.get $runs) (i32.const 1))))
  (start $start)
  (func (export "started") (result i32)
    (i32.ne (global.get $runs) (i32.const 1)))
)
