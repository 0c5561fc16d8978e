// Package store is the host's embedded storage: one bbolt file (File, opened with
// OpenFile) that every part of the host that keeps data shares, since bbolt locks a file
// per open and a second process gets a clear error instead of waiting. It is the only
// package that imports bbolt.
//
// The file holds:
//   - the plugins' key-value store (KV): one bucket per plugin id under "plugin-kv", with
//     a byte quota per plugin that counts keys and values;
//   - the plugins' own files (Files): one bucket per plugin id under "plugin-files",
//     keyed by path, each Write one transaction (a directory replaced whole), with a
//     byte quota per plugin that counts paths and contents;
//   - the catalog's durable copy (File.Catalog, a catalog.Store): the buckets named in
//     host/internal/catalog (catalog.entities, catalog.sources, catalog.locations),
//     each Apply one bbolt transaction, so a crash leaves all of a batch or none of it;
//   - the host's own state (File.Bucket): one bucket per namespace under "host-state"
//     ("auth": the user-token keys' public halves and the sign-in sessions), string keys
//     and byte values, each call one transaction.
//
// The file is mapped with 1 GiB of address space from the start (initialMmapSize), so
// that a first large ingest does not make bbolt remap, and copy the batch into the heap,
// each time the file outgrows its mapping. After a load scan the catalog store releases
// the mapped pages it faulted in (MADV_DONTNEED on Linux), since the catalog keeps its
// own copy of what it needs. RATIONALE.md at the repository root has the measurements.
package store
