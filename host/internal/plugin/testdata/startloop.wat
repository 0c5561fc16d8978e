;; A start function that never returns: the instance is never ready.
(module
  (memory (export "memory") 1)
  (func $forever (loop $l (br $l)))
  (start $forever)
  (func (export "gr_http") (result i32) (i32.const 0)))
