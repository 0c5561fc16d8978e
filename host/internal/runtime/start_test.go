package runtime

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// loadWithin loads wasm and fails the test if Load has not returned within limit.
func loadWithin(t *testing.T, e *Engine, ctx context.Context, wasm []byte, opts Options, limit time.Duration) (*Plugin, error) {
	t.Helper()
	type result struct {
		p   *Plugin
		err error
	}
	done := make(chan result, 1)
	go func() {
		p, err := e.Load(ctx, wasm, opts)
		done <- result{p, err}
	}()
	select {
	case r := <-done:
		if r.p != nil {
			t.Cleanup(func() { _ = r.p.Close(context.Background()) })
		}
		return r.p, r.err
	case <-time.After(limit):
		t.Fatalf("Load of plugin %s did not return within %v", opts.Name, limit)
		return nil, nil
	}
}

// TestStartUnderDeadline: whatever a module runs before its first call (its start
// function, _initialize) runs under the plugin's timeout and the caller's cancellation,
// as a call does. A module that overruns is refused with an error that names the
// plugin, what overran and the fix; a start function that returns still runs once per
// instance before any call.
func TestStartUnderDeadline(t *testing.T) {
	e := newTestEngine(t)
	for _, mode := range []struct {
		name       string
		instrument bool
	}{{"instrumented", true}, {"closeOnContextDone", false}} {
		t.Run(mode.name, func(t *testing.T) {
			defer setInstrument(mode.instrument)()
			for _, c := range []struct{ module, what string }{
				{"start_loop", "start function"},
				{"init_loop", "_initialize"},
			} {
				began := time.Now()
				_, err := loadWithin(t, e, context.Background(), wat(t, c.module), Options{Name: "stuck", Timeout: 200 * time.Millisecond}, 10*time.Second)
				if err == nil {
					t.Fatalf("%s: loaded", c.module)
				}
				for _, want := range []string{"plugin stuck: load", c.what, "did not return within the plugin's timeout of 200ms", "raise limits.timeout"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("%s: error %q lacks %q", c.module, err, want)
					}
				}
				if !errors.Is(err, ErrTimeout) {
					t.Errorf("%s: error %v is not ErrTimeout", c.module, err)
				}
				t.Logf("%s: refused after %v: %v", c.module, time.Since(began).Round(time.Millisecond), err)
			}

			// The caller's cancellation (SIGTERM while starting) stops it too.
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(100*time.Millisecond, cancel)
			_, err := loadWithin(t, e, ctx, wat(t, "start_loop"), Options{Name: "stuck", Timeout: time.Hour}, 10*time.Second)
			if err == nil || !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled load: %v, want context.Canceled", err)
			}

			p, err := loadWithin(t, e, context.Background(), wat(t, "start_ok"), Options{Name: "ok", Instances: 2}, 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for i := 0; i < 4; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := p.Call(context.Background(), "started", nil); err != nil {
						t.Errorf("started: %v (the start function must run exactly once per instance)", err)
					}
				}()
			}
			wg.Wait()
			if got := strings.Join(p.Exports(), ","); got != "started" {
				t.Errorf("Exports() = %s", got)
			}
		})
	}
}
