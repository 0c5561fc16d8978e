;; Traps in its start function, which runs when the module is instantiated: the
;; loader's checks (Check, CheckAll) never instantiate it.
(module
  (memory (export "memory") 1)
  (func $boom unreachable)
  (start $boom)
  (func (export "gr_http") (result i32)
    (i32.const 0)))
