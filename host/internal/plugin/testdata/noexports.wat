;; Exports nothing but its memory.
(module (memory (export "memory") 1))
