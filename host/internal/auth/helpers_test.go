package auth

import (
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/store"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// clock is a settable clock for the Service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// openStore opens a real bbolt file in dir and returns its auth bucket.
func openStore(t testing.TB, dir string) (*store.File, *store.Bucket) {
	t.Helper()
	f, err := store.OpenFile(filepath.Join(dir, "greenroom.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, f.Bucket("auth")
}

// newService makes a Service over a fresh store with opts' config (defaults applied).
func newService(t testing.TB, o Options) *Service {
	t.Helper()
	if o.Store == nil {
		_, o.Store = openStore(t, t.TempDir())
	}
	if o.BaseURL == "" {
		o.BaseURL = "http://localhost:7007"
	}
	if o.Logger == nil {
		o.Logger = quiet
	}
	o.Config.ApplyDefaults()
	if errs := o.Config.Validate(); len(errs) > 0 {
		t.Fatalf("config: %v", errs)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
