//go:build unix

package pgstore_test

import "syscall"

// cpuTime is the CPU time this process has used (user and system), to tell a phase's
// own cost from the time it waited for the shared machine; 0 where unknown.
func cpuTime() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
