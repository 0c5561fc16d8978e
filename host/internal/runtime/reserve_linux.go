package runtime

import "syscall"

// reserve maps n bytes of address space for a linear memory: readable and writable,
// zero, and backed by the system only as the guest touches pages (MAP_NORESERVE: no
// commit charge for the untouched rest). It returns nil if the system refuses (a
// zero size, an address-space limit), and the memory is then a Go slice.
func reserve(n uint64) []byte {
	b, err := syscall.Mmap(-1, 0, int(n), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_NORESERVE)
	if err != nil {
		return nil
	}
	return b
}

// release unmaps a reservation. Nothing may read it afterwards: no call runs on the
// instance (allocator) and the host copies what it keeps out of guest memory.
func release(b []byte) { _ = syscall.Munmap(b) }

// discard gives the pages of part of a reservation back to the system; they read as
// zero when touched again.
func discard(b []byte) { _ = syscall.Madvise(b, syscall.MADV_DONTNEED) }
