;; reffunc.wat: ref.func in a loop that never ends. Each one makes the engine allocate a
;; function reference that lives as long as the instance (TestRefFuncWithinMemoryLimit).
(module
  (memory 1)
  (func $f)
  (elem declare func $f)
  (func (export "ref_func") (result i32)
    (loop $forever
      (drop (ref.func $f))
      (br $forever))
    (i32.const 0))
  (func (export "noop") (result i32) (i32.const 0))
)
