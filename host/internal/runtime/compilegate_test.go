package runtime

import (
	"crypto/sha256"
	"testing"
	"time"
)

// enterWithin calls g.enter in a goroutine and reports whether it returned within d.
func enterWithin(g *compileGate, key [32]byte, d time.Duration) (func(bool), bool) {
	got := make(chan func(bool), 1)
	go func() { got <- g.enter(key) }()
	select {
	case leave := <-got:
		return leave, true
	case <-time.After(d):
		return <-got, false
	}
}

func TestCompileGate(t *testing.T) {
	a, b := sha256.Sum256([]byte("a")), sha256.Sum256([]byte("b"))
	t.Run("first compile of a module waits in line", func(t *testing.T) {
		g := newCompileGate("")
		leave := g.enter(a)
		// Another module is not held up.
		leaveB, ok := enterWithin(g, b, 10*time.Second)
		if !ok {
			t.Fatal("a different module waited for the first one's compile")
		}
		leaveB(true)
		// The same module is, until the first compile is over.
		second := make(chan func(bool), 1)
		go func() { second <- g.enter(a) }()
		select {
		case <-second:
			t.Fatal("a second compile of the same module started while the first ran")
		case <-time.After(50 * time.Millisecond):
		}
		leave(true)
		(<-second)(true)
	})
	t.Run("failed compile leaves the next one in line", func(t *testing.T) {
		g := newCompileGate("")
		g.enter(a)(false)
		leave := g.enter(a) // must hold the lock again
		second := make(chan func(bool), 1)
		go func() { second <- g.enter(a) }()
		select {
		case <-second:
			t.Fatal("a failed compile counted as done")
		case <-time.After(50 * time.Millisecond):
		}
		leave(true)
		(<-second)(true)
	})
	t.Run("compiled modules no longer wait, across engines through the cache directory", func(t *testing.T) {
		dir := t.TempDir()
		g := newCompileGate(dir)
		g.enter(a)(true)
		held := g.enter(a) // would deadlock the next enter if it still locked
		if _, ok := enterWithin(g, a, 10*time.Second); !ok {
			t.Fatal("a compiled module still waits in line")
		}
		held(true)
		fresh := newCompileGate(dir)
		first := fresh.enter(a)
		if _, ok := enterWithin(fresh, a, 10*time.Second); !ok {
			t.Fatal("a module compiled by an earlier engine on this cache waits in line")
		}
		first(true)
		// Without a marker, a fresh gate serialises again.
		other := newCompileGate(t.TempDir())
		hold := other.enter(a)
		second := make(chan func(bool), 1)
		go func() { second <- other.enter(a) }()
		select {
		case <-second:
			t.Fatal("a gate on an empty cache directory let a second compile run alongside")
		case <-time.After(50 * time.Millisecond):
		}
		hold(true)
		(<-second)(true)
	})
}
