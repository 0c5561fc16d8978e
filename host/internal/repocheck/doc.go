// Package repocheck holds tests that check the repository as a whole rather than one
// package: that every package of the root module has a package doc comment that go doc
// shows (TestPackageDocs). It has no code of its own.
package repocheck
