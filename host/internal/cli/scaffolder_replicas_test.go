package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/pgtest"
	"greenroom.dev/greenroom/host/internal/scaffolder"
	"greenroom.dev/greenroom/host/internal/store/pgstore"
)

// replicaCatalog holds one Template, svc, whose single step runs action.
type replicaCatalog struct{ tpl map[string]any }

func newReplicaCatalog(action string) replicaCatalog {
	var tpl map[string]any
	_ = json.Unmarshal([]byte(fmt.Sprintf(`{
	 "apiVersion": "scaffolder.backstage.io/v1beta3", "kind": "Template",
	 "metadata": {"name": "svc", "namespace": "default"},
	 "spec": {"parameters": [{"title": "N", "properties": {"n": {"type": "string"}}}],
	          "steps": [{"id": "run", "action": %q, "input": {}}]}}`, action)), &tpl)
	return replicaCatalog{tpl}
}

func (c replicaCatalog) Entity(_ context.Context, ref string) (map[string]any, error) {
	if ref == "template:default/svc" {
		return c.tpl, nil
	}
	return nil, nil
}

func (c replicaCatalog) Templates(context.Context) ([]json.RawMessage, error) {
	b, _ := json.Marshal(c.tpl)
	return []json.RawMessage{b}, nil
}

func (c replicaCatalog) Register(context.Context, string) ([]string, error) { return nil, nil }

func (c replicaCatalog) Matches(context.Context, string, scaffolder.TargetFilter) (bool, error) {
	return false, nil
}

// openReplica is one replica's scaffolder on the database url: a store of its own
// (its own replica id and presence session), workers workers, polling every 100ms,
// with the extra actions. It is stopped, and its store closed, when the test ends.
func openReplica(t *testing.T, url string, workers int, action string, actions ...*scaffolder.Action) (*scaffolder.Scaffolder, *pgstore.DB) {
	t.Helper()
	ctx := context.Background()
	db, err := pgstore.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	s, err := scaffolder.New(scaffolder.Options{
		Config: scaffolder.Config{ConcurrentTasksLimit: &workers}, Store: db.StateBucket("scaffolder"),
		Catalog: newReplicaCatalog(action), WorkDir: t.TempDir(), Actions: actions,
		Replicas: db, Poll: 100 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Stop(ctx)
		db.Close()
	})
	return s, db
}

// completions are the statuses of the task's completion events.
func completions(t *testing.T, s *scaffolder.Scaffolder, id string) []string {
	t.Helper()
	evs, err := s.Events(id, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		if e.Type == "completion" {
			out = append(out, e.Body.Status)
		}
	}
	return out
}

func taskStatus(t *testing.T, s *scaffolder.Scaffolder, id string) string {
	t.Helper()
	tk, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return tk.Status
}

// TestScaffolderReplicas: two or three replicas' scaffolders on one PostgreSQL.
func TestScaffolderReplicas(t *testing.T) {
	cluster := pgtest.Start(t)
	ctx := context.Background()

	// Tasks created on both replicas, each of which claims every task it sees: every
	// task runs exactly once, and the replica that did not create a task runs some.
	t.Run("each task runs once", func(t *testing.T) {
		url := cluster.NewDatabase()
		var mu sync.Mutex
		runs := map[string]int{}
		ranOn := map[string]int{}
		count := func(replica string) *scaffolder.Action {
			return &scaffolder.Action{ID: "test:count", Handler: func(ctx context.Context, ac *scaffolder.ActionContext) error {
				mu.Lock()
				runs[ac.TaskID]++
				ranOn[replica]++
				mu.Unlock()
				time.Sleep(30 * time.Millisecond)
				return nil
			}}
		}
		a, _ := openReplica(t, url, 2, "test:count", count("a"))
		b, _ := openReplica(t, url, 2, "test:count", count("b"))
		a.Start(ctx)
		b.Start(ctx)
		var ids []string
		for i := range 40 {
			on := a
			if i%4 == 3 {
				on = b
			}
			id, err := on.Create(ctx, "template:default/svc", map[string]any{"n": "x"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		for _, id := range ids {
			waitFor(t, 20*time.Second, "task "+id+" ends", func() bool {
				return taskStatus(t, b, id) != scaffolder.StatusOpen && taskStatus(t, b, id) != scaffolder.StatusProcessing
			})
			if st := taskStatus(t, a, id); st != scaffolder.StatusCompleted {
				t.Errorf("task %s: %s", id, st)
			}
			if c := completions(t, a, id); len(c) != 1 || c[0] != scaffolder.StatusCompleted {
				t.Errorf("task %s: completion events %v; want one, completed", id, c)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		for _, id := range ids {
			if runs[id] != 1 {
				t.Errorf("task %s ran %d times; want once", id, runs[id])
			}
		}
		t.Logf("runs per replica: %v", ranOn)
		if ranOn["a"] == 0 || ranOn["b"] == 0 {
			t.Errorf("runs per replica %v; want both replicas to run tasks", ranOn)
		}
	})

	// A replica that starts while another runs a task leaves the task running; it ends
	// as the running replica ends it.
	t.Run("a starting replica does not fail a running task", func(t *testing.T) {
		url := cluster.NewDatabase()
		release := make(chan struct{})
		block := &scaffolder.Action{ID: "test:block", Handler: func(ctx context.Context, ac *scaffolder.ActionContext) error {
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}}
		a, _ := openReplica(t, url, 1, "test:block", block)
		a.Start(ctx)
		id, err := a.Create(ctx, "template:default/svc", map[string]any{"n": "x"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "the task runs", func() bool { return taskStatus(t, a, id) == scaffolder.StatusProcessing })
		c, _ := openReplica(t, url, 1, "test:block", &scaffolder.Action{ID: "test:block", Handler: block.Handler})
		c.Start(ctx)
		time.Sleep(500 * time.Millisecond) // several of c's polls
		if st := taskStatus(t, c, id); st != scaffolder.StatusProcessing {
			t.Fatalf("after another replica started, the running task is %s; want processing (events %v)", st, completions(t, c, id))
		}
		close(release)
		waitFor(t, 10*time.Second, "the task completes", func() bool { return taskStatus(t, c, id) == scaffolder.StatusCompleted })
		if got := completions(t, c, id); len(got) != 1 {
			t.Errorf("completion events %v; want one", got)
		}
	})

	// A cancel through another replica than the one running the task stops it there
	// (at its next heartbeat): the task ends cancelled, once.
	t.Run("a cancel on another replica stops the task", func(t *testing.T) {
		url := cluster.NewDatabase()
		block := func() *scaffolder.Action {
			return &scaffolder.Action{ID: "test:block", Handler: func(ctx context.Context, ac *scaffolder.ActionContext) error {
				<-ctx.Done()
				return ctx.Err()
			}}
		}
		a, _ := openReplica(t, url, 1, "test:block", block())
		b, _ := openReplica(t, url, 0, "test:block", block())
		a.Start(ctx)
		b.Start(ctx)
		id, err := a.Create(ctx, "template:default/svc", map[string]any{"n": "x"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "the task runs", func() bool { return taskStatus(t, b, id) == scaffolder.StatusProcessing })
		if err := b.Cancel(ctx, id); err != nil {
			t.Fatal(err)
		}
		took := waitFor(t, 10*time.Second, "the task is cancelled", func() bool { return taskStatus(t, b, id) == scaffolder.StatusCancelled })
		t.Logf("cancelled %s after the request on the other replica", took)
		if got := completions(t, a, id); len(got) != 1 || got[0] != scaffolder.StatusCancelled {
			t.Errorf("completion events %v; want one, cancelled", got)
		}
	})

	// A replica killed (SIGKILL) while it runs a task: another replica finds it gone
	// and fails the task, as bbolt's next start does, within a few polls.
	t.Run("a killed replica's task is failed by another", func(t *testing.T) {
		url := cluster.NewDatabase()
		cmd := exec.Command(os.Args[0], "-test.run=^TestScaffolderReplicaProcess$", "-test.v")
		cmd.Env = append(os.Environ(), "GREENROOM_TEST_SCAFFOLDER_REPLICA="+url)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		killed := false
		t.Cleanup(func() {
			if !killed {
				cmd.Process.Kill()
			}
			cmd.Wait()
		})
		var id string
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "replica task "); ok {
				id = rest
				break
			}
		}
		if id == "" {
			t.Fatal("the replica process printed no task")
		}
		go io.Copy(io.Discard, out)
		b, _ := openReplica(t, url, 1, "test:block")
		b.Start(ctx)
		waitFor(t, 10*time.Second, "the task runs on the other process", func() bool { return taskStatus(t, b, id) == scaffolder.StatusProcessing })
		time.Sleep(300 * time.Millisecond)
		if st := taskStatus(t, b, id); st != scaffolder.StatusProcessing {
			t.Fatalf("while its replica lives the task is %s; want processing", st)
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		killed = true
		took := waitFor(t, 10*time.Second, "the killed replica's task is failed", func() bool { return taskStatus(t, b, id) == scaffolder.StatusFailed })
		t.Logf("the task was failed %s after its replica was killed", took)
		evs, _ := b.Events(id, 0)
		last := evs[len(evs)-1]
		if last.Type != "completion" || last.Body.Error == nil || !strings.Contains(last.Body.Error.Message, "cut short") {
			t.Errorf("last event %+v; want a completion that says the task was cut short", last)
		}
		if got := completions(t, b, id); len(got) != 1 {
			t.Errorf("completion events %v; want one", got)
		}
	})
}

// TestScaffolderReplicaProcess is the replica TestScaffolderReplicas kills: run as a
// process of its own, it starts a task that blocks and prints its id.
func TestScaffolderReplicaProcess(t *testing.T) {
	url := os.Getenv("GREENROOM_TEST_SCAFFOLDER_REPLICA")
	if url == "" {
		t.Skip("run by TestScaffolderReplicas")
	}
	block := &scaffolder.Action{ID: "test:block", Handler: func(ctx context.Context, ac *scaffolder.ActionContext) error {
		<-ctx.Done()
		return ctx.Err()
	}}
	s, _ := openReplica(t, url, 1, "test:block", block)
	s.Start(context.Background())
	id, err := s.Create(context.Background(), "template:default/svc", map[string]any{"n": "x"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the task runs", func() bool { return taskStatus(t, s, id) == scaffolder.StatusProcessing })
	fmt.Printf("replica task %s\n", id)
	time.Sleep(time.Minute)
}
