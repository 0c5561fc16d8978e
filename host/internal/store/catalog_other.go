//go:build !linux

package store

import bolt "go.etcd.io/bbolt"

// releaseMapped is a no-op where the resident set of a mapping is not worth managing.
func releaseMapped(*bolt.DB, int64) {}
