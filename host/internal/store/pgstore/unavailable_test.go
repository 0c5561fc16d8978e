package pgstore_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"greenroom.dev/greenroom/host/internal/pgtest"
	"greenroom.dev/greenroom/host/internal/store"
	"greenroom.dev/greenroom/host/internal/store/pgstore"
)

// lockedBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestUnavailableMarked: with the database stopped, every plugin KV and files call
// fails with store.ErrUnavailable (which the host answers with 503), and the store
// logs the driver's error once, not once per call.
func TestUnavailableMarked(t *testing.T) {
	cluster := pgtest.Start(t)
	db, err := pgstore.Open(context.Background(), cluster.NewDatabase())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var logs lockedBuffer
	db.SetLogger(slog.New(slog.NewTextHandler(&logs, nil)))
	kv, files := db.KVStore(), db.FileStore()
	if err := kv.Put("p", []byte("k"), []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := files.Write("p", []store.FileWrite{{Path: "a.txt", Content: []byte("a")}}, "", store.FileLimits{}); err != nil {
		t.Fatal(err)
	}
	cluster.Stop()
	calls := map[string]func() error{
		"kv get":     func() error { _, err := kv.Get("p", []byte("k")); return err },
		"kv put":     func() error { return kv.Put("p", []byte("k"), []byte("w"), 0) },
		"files read": func() error { _, _, err := files.Read("p", "a.txt"); return err },
		"files write": func() error {
			_, err := files.Write("p", []store.FileWrite{{Path: "b.txt"}}, "", store.FileLimits{})
			return err
		},
		"files list": func() error { _, err := files.List("p", "", 0); return err },
		"files delete": func() error {
			_, err := files.Delete("p", "a.txt")
			return err
		},
		"files usage": func() error { _, err := files.Usage("p"); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s with the database stopped: %v; want store.ErrUnavailable", name, err)
		}
	}
	if n := strings.Count(logs.String(), "store pg: the database is unavailable"); n != 1 {
		t.Errorf("the store logged the outage %d times over %d failed calls; want once:\n%s", n, len(calls), logs.String())
	}
}
