package store

import (
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// releaseMapped drops the pages of the store's read-only shared file mapping from the
// process's resident set (MADV_DONTNEED). The bytes do not change: a later read faults
// them in again from the page cache. Callers hold a read transaction, which keeps bbolt
// from remapping the file meanwhile; size is that transaction's Size.
func releaseMapped(db *bolt.DB, size int64) {
	if size <= 0 {
		return
	}
	_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, db.Info().Data, uintptr(size), syscall.MADV_DONTNEED)
}
