;; tables.wat: a guest that grows a table, an allocation in the engine outside linear
;; memory (TestTableGrowthWithinMemoryLimit).
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory 1)
  (table $t 1 funcref) ;; no maximum
  (func $f)
  (elem (i32.const 0) $f)

  ;; $out8: output the 8 bytes of v.
  (func $out8 (param $v i64)
    (local $h i64)
    (local.set $h (call $alloc (i64.const 8)))
    (call $store_u64 (local.get $h) (local.get $v))
    (call $output_set (local.get $h) (i64.const 8)))

  ;; grow_loop: grows the table by 1Mi entries (8 MiB each time) up to 32 times,
  ;; stopping at the first refusal; outputs the table's size.
  (func (export "grow_loop") (result i32)
    (local $i i32)
    (block $refused
      (loop $more
        (br_if $refused (i32.eq (table.grow $t (ref.null func) (i32.const 1048576)) (i32.const -1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $more (i32.lt_u (local.get $i) (i32.const 32)))))
    (call $out8 (i64.extend_i32_u (table.size $t)))
    (i32.const 0))

  ;; grow_small: grows the table by 1,000 entries (well within any limit) and outputs
  ;; table.grow's result (the old size).
  (func (export "grow_small") (result i32)
    (call $out8 (i64.extend_i32_s (table.grow $t (ref.null func) (i32.const 1000))))
    (i32.const 0))

  ;; grow_huge: one table.grow by 2^31 - 1 entries (16 GiB); outputs its result.
  (func (export "grow_huge") (result i32)
    (call $out8 (i64.extend_i32_s (table.grow $t (ref.null func) (i32.const 0x7fffffff))))
    (i32.const 0))

  (func (export "noop") (result i32) (i32.const 0))
)
