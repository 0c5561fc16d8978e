package catalog

import (
	"bytes"
	"context"
	"log/slog"
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
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
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
