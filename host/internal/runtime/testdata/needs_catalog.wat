;; needs_catalog.wat: imports catalog_get, a capability the tests do not grant.
(module
  (import "greenroom:host/v1" "catalog_get" (func (param i64) (result i64)))
  (func (export "noop") (result i32) (i32.const 0)))
