package plugin

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/capability"
	"greenroom.dev/greenroom/host/internal/pgtest"
	"greenroom.dev/greenroom/host/internal/store"
	"greenroom.dev/greenroom/host/internal/store/pgstore"
)

// countingKV is the test's store, counting kv_get calls: each run of taskcaller's
// task makes one.
type countingKV struct {
	store.KVStore
	gets atomic.Int64
}

func (c *countingKV) Get(plugin string, key []byte) ([]byte, error) {
	c.gets.Add(1)
	return c.KVStore.Get(plugin, key)
}

// TestTaskLeaseReplicas: two replicas on one PostgreSQL load the same plugin, whose
// task runs every second. Only one runs it (once per interval, not twice); when that
// replica stops, the other takes the task over within an interval.
func TestTaskLeaseReplicas(t *testing.T) {
	cluster := pgtest.Start(t)
	url := cluster.NewDatabase()
	e := newEnv(t)
	fixture(t, e.dir, "taskcaller", "taskcaller")
	cfg := e.config(t, "plugins:\n  - id: tc\n    source: taskcaller.wasm\n    grants: {kv: {}, tasks: {}}\n")
	var runs [2]*countingKV
	var managers [2]*Manager
	for i := range 2 {
		db, err := pgstore.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		runs[i] = &countingKV{KVStore: e.file.KV()}
		managers[i] = NewManager(Deps{Engine: e.engine, Host: capability.NewHost(capability.Services{KV: runs[i]}, nil), Leases: db,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		t.Cleanup(managers[i].Close)
		if err := managers[i].Apply(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
	}
	const window = 4500 * time.Millisecond
	time.Sleep(window)
	a, b := runs[0].gets.Load(), runs[1].gets.Load()
	t.Logf("runs in %s: %d and %d", window, a, b)
	leader, other := 0, 1
	if b > a {
		leader, other = 1, 0
	}
	if n := runs[other].gets.Load(); n != 0 {
		t.Fatalf("both replicas ran the task (%d and %d runs in %s); want one", a, b, window)
	}
	if n := runs[leader].gets.Load(); n < 2 || n > 5 {
		t.Fatalf("the task ran %d times in %s every 1s; want 2-5", n, window)
	}

	// The replica running the task stops; the other takes it over.
	managers[leader].Close()
	stopped := runs[leader].gets.Load()
	began := time.Now()
	for runs[other].gets.Load() == 0 {
		if time.Since(began) > 5*time.Second {
			t.Fatal("the other replica did not take the task over within 5s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	took := time.Since(began)
	t.Logf("the other replica ran the task %s after the first stopped", took)
	// It runs one interval after the takeover, which comes within a poll (a quarter
	// interval): 1.25s, given a second of slack for a loaded machine.
	if took > 2250*time.Millisecond {
		t.Errorf("took over after %s; want within an interval and a poll (1.25s), with slack", took)
	}
	if n := runs[leader].gets.Load(); n != stopped {
		t.Errorf("the stopped replica ran the task again (%d runs, %d when it stopped)", n, stopped)
	}
}
