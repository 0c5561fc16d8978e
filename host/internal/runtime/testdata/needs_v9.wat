;; needs_v9.wat: imports a function of an ABI version the host does not serve.
(module
  (import "greenroom:host/v9" "teleport" (func (param i64) (result i64)))
  (func (export "noop") (result i32) (i32.const 0)))
