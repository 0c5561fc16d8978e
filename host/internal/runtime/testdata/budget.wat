;; budget.wat: a guest that fills the arena and its linear memory, each to most of a
;; 16-page (1 MiB) memory limit, alone or together (TestMemoryLimitCoversArenaAndMemory).
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (memory 1)

  ;; $grow14: linear memory from 1 to 14 pages (917,504 bytes); traps if refused.
  (func $grow14
    (if (i32.eq (memory.grow (i32.const 13)) (i32.const -1)) (then unreachable)))

  ;; arena: 900,000 bytes in the arena.
  (func (export "arena") (result i32)
    (drop (call $alloc (i64.const 900000)))
    (i32.const 0))
  ;; grow: 14 pages of linear memory.
  (func (export "grow") (result i32)
    (call $grow14)
    (i32.const 0))
  ;; arena_then_grow / grow_then_arena: both, one after the other.
  (func (export "arena_then_grow") (result i32)
    (drop (call $alloc (i64.const 900000)))
    (call $grow14)
    (i32.const 0))
  (func (export "grow_then_arena") (result i32)
    (call $grow14)
    (drop (call $alloc (i64.const 900000)))
    (i32.const 0))
  (func (export "noop") (result i32) (i32.const 0))
)
