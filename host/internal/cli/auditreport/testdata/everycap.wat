;; A module that imports one function of every capability of greenroom:host/v1, and
;; exports gr_http, gr_task and gr_action, so that its manifest may declare them all.
;; TestReportFileEveryCapability audits it unconfigured: nothing may be refused.
(module
  (import "greenroom:host/v1" "kv_get" (func (param i64) (result i64)))
  (import "greenroom:host/v1" "catalog_get" (func (param i64) (result i64)))
  (import "greenroom:host/v1" "catalog_apply" (func (param i64) (result i64)))
  (import "greenroom:host/v1" "url_read" (func (param i64) (result i64)))
  (import "greenroom:host/v1" "proxy_fetch" (func (param i64) (result i64)))
  (import "greenroom:host/v1" "permission_authorize" (func (param i64) (result i64)))
  (import "greenroom:host/v1" "files_read" (func (param i64) (result i64)))
  (import "greenroom:host/v1" "workspace_read" (func (param i64) (result i64)))
  (import "greenroom:host/v1" "search_replace" (func (param i64) (result i64)))
  (import "greenroom:host/v1" "facts_publish" (func (param i64) (result i64)))
  (memory (export "memory") 1)
  (func (export "gr_http") (result i32) (i32.const 0))
  (func (export "gr_task") (result i32) (i32.const 0))
  (func (export "gr_action") (result i32) (i32.const 0)))
