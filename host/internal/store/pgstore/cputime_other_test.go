//go:build !unix

package pgstore_test

func cpuTime() float64 { return 0 }
