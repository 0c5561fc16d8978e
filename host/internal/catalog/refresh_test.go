package catalog

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog/gen"
	"greenroom.dev/greenroom/host/internal/units"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runCatalog starts c.Run and waits until the catalog is Ready; stop cancels Run and
// returns what it returned.
func runCatalog(t *testing.T, c *Catalog) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	stop = func() error {
		cancel()
		return <-done
	}
	for deadline := time.Now().Add(30 * time.Second); !c.Ready(); time.Sleep(5 * time.Millisecond) {
		select {
		case err := <-done:
			t.Fatalf("Run returned before the catalog was ready: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready after 30 s; Run returned %v", stop())
		}
	}
	return stop
}

func TestBackgroundRefreshAndProgressLog(t *testing.T) {
	dir := t.TempDir()
	root, err := gen.Generate(filepath.Join(dir, "gen"), 1500, 7)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "one.yaml"), comp("live", "  system: v1\n"))
	var logs syncBuffer
	rules := allKinds
	c, err := New(context.Background(), Options{
		Config: Config{Rules: &rules, ProcessingInterval: ptr(units.Duration(50 * time.Millisecond)), Locations: []LocationConfig{
			{Type: "file", Target: root}, {Type: "file", Target: filepath.Join(dir, "one.yaml")},
		}},
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	stop := runCatalog(t, c)
	defer stop()
	out := logs.String()
	if !strings.Contains(out, "catalog: read location") || !strings.Contains(out, "entities=15") || !strings.Contains(out, "catalog: initial processing done") {
		t.Fatalf("no progress log:\n%s", out)
	}
	time.Sleep(20 * time.Millisecond)
	writeFile(t, filepath.Join(dir, "one.yaml"), comp("live", "  system: v2\n"))
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(string(c.ByRef("component:live")), `"system":"v2"`) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("background refresh did not pick up the change")
}

func ptr[T any](v T) *T { return &v }

// TestRunStopsOnCancel: once ctx is done Run returns context.Canceled, and no pass runs
// after it has returned.
func TestRunStopsOnCancel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "one.yaml")
	writeFile(t, path, comp("live", "  system: v1\n"))
	c := newTestCatalog(t, Config{ProcessingInterval: ptr(units.Duration(10 * time.Millisecond)), Locations: []LocationConfig{{Type: "file", Target: path}}}, nil)
	if c.Ready() {
		t.Fatal("ready before Run")
	}
	stop := runCatalog(t, c)
	if c.ByRef("component:live") == nil {
		t.Fatal("ready before the first pass applied its entities")
	}
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
	writeFile(t, path, comp("live", "  system: v2\n"))
	time.Sleep(100 * time.Millisecond) // ten intervals
	if strings.Contains(string(c.ByRef("component:live")), `"system":"v2"`) {
		t.Fatal("a pass ran after Run returned")
	}
	if err := c.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "Run called twice") {
		t.Fatalf("second Run: %v", err)
	}
}

// TestRunCancelledDuringFirstPass: cancelling Run while its first pass waits for a
// location (a URL that does not answer) ends the pass and Run, the catalog never
// becomes ready, and the cancelled read is not recorded as the location's error.
func TestRunCancelledDuringFirstPass(t *testing.T) {
	asked := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case asked <- struct{}{}:
		default:
		}
		<-r.Context().Done()
	}))
	defer srv.Close()
	c := newTestCatalog(t, Config{Locations: []LocationConfig{{Type: "url", Target: srv.URL + "/catalog-info.yaml"}}}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	select {
	case <-asked:
	case err := <-done:
		t.Fatalf("Run returned before reading the location: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the location was never read")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
	if c.Ready() {
		t.Fatal("ready although the first pass was cancelled")
	}
	if _, locations := c.ProcessingErrors(); locations != 0 {
		c.mu.RLock()
		for k, s := range c.sources {
			t.Logf("source %s: %v", k, s.Errors)
		}
		c.mu.RUnlock()
		t.Fatalf("the cancelled pass recorded errors for %d locations", locations)
	}
}
