;; exports_interrupt.wat: already exports the name the instrumenter would add, so it
;; runs with wazero's own interruption instead.
(module
  (memory 1)
  (global (export "greenroom.interrupt") (mut i32) (i32.const 0))
  (func (export "spin") (result i32) (loop $l (br $l)) (i32.const 0)))
