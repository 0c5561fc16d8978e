// Package repocheck holds tests that check the repository as a whole rather than one
// package: that every package of the root module has a package doc comment that go doc
// shows (TestPackageDocs), and that its imports go down the layers of
// docs/DEVELOPING.md's diagram, with each edge dependency (fiber, bbolt, wazero,
// go-github, pflag) in its one package (TestLayers). It has no code of its own.
package repocheck
