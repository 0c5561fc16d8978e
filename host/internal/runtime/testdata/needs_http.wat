;; needs_http.wat: imports Extism's http_request, which Greenroom never provides.
(module
  (import "extism:host/env" "http_request" (func (param i64 i64) (result i64)))
  (func (export "noop") (result i32) (i32.const 0)))
