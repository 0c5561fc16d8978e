;; Imports Extism's http_request, which Greenroom does not provide, and kv_get without
;; declaring kv in its manifest.
(module
  (import "extism:host/env" "http_request" (func $http (param i64 i64) (result i64)))
  (import "greenroom:host/v1" "kv_get" (func $kv_get (param i64) (result i64)))
  (memory (export "memory") 1)
  (func (export "gr_http") (result i32) (i32.const 0)))
