//go:build tinygo

// Package net is an empty stand-in for TinyGo's net package, which the TinyGo module on
// the Go proxy lacks (it is a git submodule). TinyGo needs the directory to exist; a
// plugin cannot open sockets anyway. See ../README.md.
package net
