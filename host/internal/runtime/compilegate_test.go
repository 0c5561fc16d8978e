package runtime

import (
	"context"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestCompileGate(t *testing.T) {
	a, b := sha256.Sum256([]byte("a")), sha256.Sum256([]byte("b"))
	g := newCompileGate()
	leave := g.enter(a)
	// Another module is not held up.
	done := make(chan struct{})
	go func() { g.enter(b)(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a different module waited for the first one's compile")
	}
	// The same module is, until the first compile is over.
	second := make(chan func(), 1)
	go func() { second <- g.enter(a) }()
	select {
	case <-second:
		t.Fatal("a second compile of the same module started while the first ran")
	case <-time.After(50 * time.Millisecond):
	}
	leave()
	(<-second)()
}

// TestConcurrentLoadsFromWarmCache loads copies of one module at once in fresh engines on
// a warm compilation cache, as a start-up with several plugins from one file does. When
// those compiles ran in parallel, wazero handed a module read back from the file cache to
// the other loads before its entry preambles were built, and they panicked in
// NewFunction (index out of range).
func TestConcurrentLoadsFromWarmCache(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and loads a Go plugin many times")
	}
	wasm := goPDK(t)
	dir := filepath.Join(t.TempDir(), "cache")
	newEngine := func() *Engine {
		e, err := NewEngine(context.Background(), EngineConfig{CacheDir: dir, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	warm := newEngine()
	p, err := warm.Load(context.Background(), wasm, Options{Name: "fill", Instances: 1})
	if err != nil {
		t.Fatal(err)
	}
	p.Close(context.Background())
	warm.Close(context.Background())
	for round := 0; round < 20; round++ {
		e := newEngine()
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := e.Load(context.Background(), wasm, Options{Name: fmt.Sprintf("copy-%d", i), Instances: 1})
				if err != nil {
					errs <- err
					return
				}
				p.Close(context.Background())
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("round %d: %v", round, err)
		}
		e.Close(context.Background())
	}
}
