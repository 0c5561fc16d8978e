;; init_loop.wat: an _initialize that never returns (TestStartUnderDeadline).
(module
  (memory 1)
  (func (export "_initialize") (loop $l (br $l)))
  (func (export "noop") (result i32) (i32.const 0))
)
