package runtime

import (
	"context"
	"strings"
	"testing"
)

// TestMemoryLimitCoversArenaAndMemory: the memory limit is one budget for the arena and
// linear memory together. Each alone may take most of it; filling both would take
// nearly twice the limit and fails with KindOutOfMemory, whichever comes first.
func TestMemoryLimitCoversArenaAndMemory(t *testing.T) {
	e := newTestEngine(t)
	for _, mode := range []struct {
		name       string
		instrument bool
	}{{"instrumented", true}, {"closeOnContextDone", false}} {
		t.Run(mode.name, func(t *testing.T) {
			defer setInstrument(mode.instrument)()
			for _, c := range []struct {
				export string
				ok     bool
			}{
				{"arena", true},
				{"grow", true},
				{"arena_then_grow", false},
				{"grow_then_arena", false},
			} {
				p := load(t, e, wat(t, "budget"), Options{Name: "greedy", Instances: 1, MemoryLimitPages: 16})
				_, err := p.Call(context.Background(), c.export, nil)
				if c.ok {
					if err != nil {
						t.Fatalf("%s alone: %v", c.export, err)
					}
					continue
				}
				ce := callErr(t, err, KindOutOfMemory)
				if !strings.Contains(ce.Error(), "memory limit") {
					t.Errorf("%s: error %q does not name the memory limit", c.export, ce)
				}
				if _, err := p.Call(context.Background(), "noop", nil); err != nil {
					t.Fatalf("call after %s: %v", c.export, err)
				}
			}
		})
	}
}
