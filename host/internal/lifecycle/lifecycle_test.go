package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestGroupStartsInOrderAndStopsInReverse(t *testing.T) {
	var log []string
	part := func(name string, failStart bool) Part {
		return Funcs{
			StartFunc: func(context.Context) error {
				log = append(log, "start "+name)
				if failStart {
					return errors.New("boom")
				}
				return nil
			},
			StopFunc: func(context.Context) error { log = append(log, "stop "+name); return nil },
		}
	}
	var g Group
	g.Add("store", part("store", false))
	g.Add("engine", part("engine", false))
	g.Add("server", part("server", false))
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := g.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{"start store", "start engine", "start server", "stop server", "stop engine", "stop store"}
	if !reflect.DeepEqual(log, want) {
		t.Fatalf("%v", log)
	}

	// A partial start is undone: the parts that started stop, in reverse; not the one
	// that failed, nor those after it.
	log = nil
	g = Group{}
	g.Add("store", part("store", false))
	g.Add("engine", part("engine", false))
	g.Add("catalog", part("catalog", true))
	g.Add("server", part("server", false))
	err := g.Start(context.Background())
	if err == nil || err.Error() != "start catalog: boom" {
		t.Fatalf("%v", err)
	}
	want = []string{"start store", "start engine", "start catalog", "stop engine", "stop store"}
	if !reflect.DeepEqual(log, want) {
		t.Fatalf("%v", log)
	}
	if err := g.Stop(context.Background()); err != nil || len(log) != len(want) {
		t.Fatalf("second stop: %v %v", err, log)
	}
}

func TestGroupStopReportsEveryError(t *testing.T) {
	var g Group
	stopped := 0
	for _, name := range []string{"a", "b", "c"} {
		name := name
		g.Add(name, Funcs{StopFunc: func(context.Context) error {
			stopped++
			if name != "b" {
				return errors.New(name + " failed")
			}
			return nil
		}})
	}
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	err := g.Stop(context.Background())
	if stopped != 3 || err == nil || !strings.Contains(err.Error(), "stop c: c failed") || !strings.Contains(err.Error(), "stop a: a failed") {
		t.Fatalf("%d stopped, %v", stopped, err)
	}
}

func TestRunner(t *testing.T) {
	started := make(chan struct{})
	exited := false
	r := Runner(func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		time.Sleep(10 * time.Millisecond) // clean-up after the context ends
		exited = true
		return nil
	}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	cancel() // the start context ending does not stop the part
	<-started
	if err := r.Stop(context.Background()); err != nil || !exited {
		t.Fatalf("stop: %v, exited %v", err, exited)
	}

	// A run that ends on its own is reported; one that will not stop is a stop error.
	got := make(chan error, 1)
	r = Runner(func(ctx context.Context) error { return errors.New("bad store") }, func(err error) { got <- err })
	r.Start(context.Background())
	if err := <-got; err == nil || err.Error() != "bad store" {
		t.Fatalf("onExit %v", err)
	}
	stuck := Runner(func(ctx context.Context) error { select {} }, nil)
	stuck.Start(context.Background())
	sctx, scancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer scancel()
	if err := stuck.Stop(sctx); err == nil || !strings.Contains(err.Error(), "still running after") {
		t.Fatalf("stuck: %v", err)
	}
}

func TestFieldError(t *testing.T) {
	e := Under([]string{"catalog"}, Errorf([]string{"locations", Index(2), "target"}, "must not be empty"))
	if e.Error() != "catalog.locations[2].target: must not be empty" {
		t.Fatal(e)
	}
	if e := Under([]string{"proxy", "endpoints", "/github"}, errors.New("plain")); e.Error() != "proxy.endpoints./github: plain" {
		t.Fatal(e)
	}
}

func TestAsFieldError(t *testing.T) {
	for _, c := range []struct {
		msg  string
		path []string
		rest string
	}{
		{"integrations.github[0].host: missing; write the host", []string{"integrations", "github", "[0]", "host"}, "missing; write the host"},
		{`proxy.endpoints["/x.y"].target: "ftp://a" must be an absolute http:// URL`, []string{"proxy", "endpoints", "/x.y", "target"}, `"ftp://a" must be an absolute http:// URL`},
		{"backend.reading.fileRoots[2]: empty path", []string{"backend", "reading", "fileRoots", "[2]"}, "empty path"},
		{"plugin sign: open x: no such file", nil, ""},
		{"something failed", nil, ""},
		{"a[x]: no", nil, ""},
	} {
		fe, ok := AsFieldError(errors.New(c.msg))
		if c.path == nil {
			if ok {
				t.Errorf("%q: read a path %v", c.msg, fe.Path)
			}
			continue
		}
		if !ok || !reflect.DeepEqual(fe.Path, c.path) || fe.Msg != c.rest {
			t.Errorf("%q: %+v %v", c.msg, fe, ok)
		}
	}
	if fe, ok := AsFieldError(fmt.Errorf("wrapped: %w", Errorf([]string{"a", "b"}, "m"))); !ok || fe.Error() != "a.b: m" {
		t.Errorf("%v %v", fe, ok)
	}
}
