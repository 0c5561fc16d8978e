//go:build !linux

package runtime

// reserve is Linux only; elsewhere linear memory is a Go slice that grows by copying.
func reserve(uint64) []byte { return nil }

func release([]byte) {}

func discard([]byte) {}
