;; start_loop.wat: a start function that never returns (TestStartUnderDeadline).
(module
  (memory 1)
  (func $forever (loop $l (br $l)))
  (start $forever)
  (func (export "noop") (result i32) (i32.const 0))
)
