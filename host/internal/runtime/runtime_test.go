package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	goruntime "runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"greenroom.dev/greenroom/abi"
)

func callErr(t *testing.T, err error, kind ErrKind) *CallError {
	t.Helper()
	var ce *CallError
	if !errors.As(err, &ce) {
		t.Fatalf("want *CallError of kind %v, got %T %v", kind, err, err)
	}
	if ce.Kind != kind {
		t.Fatalf("want kind %v, got %v: %v", kind, ce.Kind, err)
	}
	return ce
}

func TestEcho(t *testing.T) {
	e := newTestEngine(t)
	p := load(t, e, wat(t, "guest"), Options{Instances: 1})
	for _, export := range []string{"echo", "echo_bulk", "echo_handle"} {
		for _, n := range []int{0, 1, 7, 8, 9, 64, 4096, 60000} {
			in := bytes.Repeat([]byte("abcdefghijklmnopq"), n/17+1)[:n]
			out, err := p.Call(context.Background(), export, in)
			if err != nil {
				t.Fatalf("%s(%d bytes): %v", export, n, err)
			}
			if !bytes.Equal(out, in) {
				t.Fatalf("%s(%d bytes): output differs (%d bytes)", export, n, len(out))
			}
		}
	}
	// CallAppend appends.
	out, err := p.CallAppend(context.Background(), "echo_bulk", []byte("xyz"), []byte("ab"))
	if err != nil || string(out) != "abxyz" {
		t.Fatalf("CallAppend = %q, %v", out, err)
	}
}

func TestConfigGet(t *testing.T) {
	e := newTestEngine(t)
	p := load(t, e, wat(t, "guest"), Options{Config: map[string]string{"greeting": "good morning"}})
	out, err := p.Call(context.Background(), "greet", nil)
	if err != nil || string(out) != "good morning" {
		t.Fatalf("greet = %q, %v", out, err)
	}
	p2 := load(t, e, wat(t, "guest"), Options{})
	out, err = p2.Call(context.Background(), "greet", nil)
	if err != nil || string(out) != "hello" {
		t.Fatalf("greet without config = %q, %v", out, err)
	}
}

func TestVarsPersistPerInstance(t *testing.T) {
	e := newTestEngine(t)
	p := load(t, e, wat(t, "guest"), Options{Instances: 1})
	for want := byte(1); want <= 3; want++ {
		out, err := p.Call(context.Background(), "count", nil)
		if err != nil || len(out) != 1 || out[0] != want {
			t.Fatalf("count = %v, %v; want [%d]", out, err, want)
		}
	}
	if _, err := p.Call(context.Background(), "forget", nil); err != nil {
		t.Fatal(err)
	}
	out, _ := p.Call(context.Background(), "count", nil)
	if out[0] != 1 {
		t.Fatalf("after forget count = %d, want 1", out[0])
	}
	// A trap replaces the instance: vars are lost.
	p.Call(context.Background(), "count", nil)
	if _, err := p.Call(context.Background(), "trap", nil); err == nil {
		t.Fatal("trap did not fail")
	}
	out, err := p.Call(context.Background(), "count", nil)
	if err != nil || out[0] != 1 {
		t.Fatalf("count on a fresh instance = %v, %v; want [1]", out, err)
	}
}

func TestVarLimit(t *testing.T) {
	e := newTestEngine(t)
	p := load(t, e, wat(t, "guest"), Options{Instances: 1, MaxVarBytes: 4})
	_, err := p.Call(context.Background(), "count", nil)
	ce := callErr(t, err, KindTrap)
	if !strings.Contains(ce.Error(), "variable store is full") {
		t.Fatalf("error %q does not explain the var limit", ce)
	}
	off := load(t, e, wat(t, "guest"), Options{Instances: 1, MaxVarBytes: -1})
	_, err = off.Call(context.Background(), "count", nil)
	if ce := callErr(t, err, KindTrap); !strings.Contains(ce.Error(), "vars are disabled") {
		t.Fatalf("error %q does not say vars are disabled", ce)
	}
}

func TestGuestErrors(t *testing.T) {
	e := newTestEngine(t)
	p := load(t, e, wat(t, "guest"), Options{Name: "widgets", Instances: 1})
	cases := []struct {
		export string
		code   abi.Code
		msg    string
		status int
	}{
		{"fail_text", abi.CodeInternal, "plain failure", 500},
		{"fail_json", abi.CodeNotFound, "no widget", 404},
		{"fail_silent", abi.CodeInternal, "plugin returned 7 without an error message", 500},
	}
	for _, c := range cases {
		_, err := p.Call(context.Background(), c.export, nil)
		ce := callErr(t, err, KindGuest)
		if ce.Guest.Code != c.code || ce.Guest.Message != c.msg {
			t.Errorf("%s: guest error %+v, want %s %q", c.export, ce.Guest, c.code, c.msg)
		}
		if ce.Code().HTTPStatus() != c.status {
			t.Errorf("%s: code %s", c.export, ce.Code())
		}
		if !strings.Contains(ce.Error(), "plugin widgets: call "+c.export) || !errors.Is(err, ErrGuest) {
			t.Errorf("%s: error %q lacks subject or sentinel", c.export, ce)
		}
	}
	// A guest error does not discard the instance.
	if out, err := p.Call(context.Background(), "echo_bulk", []byte("still here")); err != nil || string(out) != "still here" {
		t.Fatalf("after guest errors: %q, %v", out, err)
	}
}

func TestLogging(t *testing.T) {
	var buf syncBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	e := newTestEngine(t)
	p := load(t, e, wat(t, "guest"), Options{Name: "chatty", Logger: logger})
	out, err := p.Call(context.Background(), "log", nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "2" {
		t.Fatalf("get_log_level = %q, want 2 (info)", out)
	}
	logs := buf.String()
	for _, want := range []string{`level=INFO msg="hello from wat" plugin=chatty`, `level=WARN msg="hello from wat" plugin=chatty`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}

	var buf2 syncBuffer
	warnOnly := slog.New(slog.NewTextHandler(&buf2, &slog.HandlerOptions{Level: slog.LevelWarn}))
	p2 := load(t, e, wat(t, "guest"), Options{Name: "quiet", Logger: warnOnly})
	out, _ = p2.Call(context.Background(), "log", nil)
	if string(out) != "3" || strings.Contains(buf2.String(), "INFO") {
		t.Fatalf("warn-level logger: level %q, logs %q", out, buf2.String())
	}
}

func TestArenaReuseThroughGuest(t *testing.T) {
	e := newTestEngine(t)
	p := load(t, e, wat(t, "guest"), Options{})
	out, err := p.Call(context.Background(), "reuse", nil)
	if err != nil || string(out) != "10" {
		t.Fatalf("reuse = %q, %v; want \"10\" (block reused, length of a non-block is 0)", out, err)
	}
}

func TestInitializeOncePerInstance(t *testing.T) {
	e := newTestEngine(t)
	p := load(t, e, wat(t, "init"), Options{Instances: 1})
	for i := 0; i < 3; i++ {
		out, err := p.Call(context.Background(), "inited", nil)
		if err != nil || string(out) != "1" {
			t.Fatalf("inited = %q, %v; want _initialize run exactly once", out, err)
		}
	}
	if got := p.Exports(); strings.Join(got, ",") != "_initialize,inited" {
		t.Fatalf("Exports() = %v", got)
	}
}

func TestNoExport(t *testing.T) {
	e := newTestEngine(t)
	p := load(t, e, wat(t, "guest"), Options{})
	_, err := p.Call(context.Background(), "nope", nil)
	ce := callErr(t, err, KindNoExport)
	if !strings.Contains(ce.Error(), "echo_bulk") || ce.Code() != abi.CodeNotFound {
		t.Fatalf("no-export error %q should list the exports", ce)
	}
}

func TestFailuresFailOnlyThatCall(t *testing.T) {
	e := newTestEngine(t)
	for _, mode := range []struct {
		name       string
		instrument bool
	}{{"instrumented", true}, {"closeOnContextDone", false}} {
		t.Run(mode.name, func(t *testing.T) {
			defer setInstrument(mode.instrument)()
			p := load(t, e, wat(t, "guest"), Options{Instances: 2, Timeout: 100 * time.Millisecond, MemoryLimitPages: 16})
			if p.instrumented != mode.instrument {
				t.Fatalf("instrumented = %v", p.instrumented)
			}
			cases := []struct {
				export string
				kind   ErrKind
				status int
				text   string
			}{
				{"spin", KindTimeout, 504, "deadline"},
				{"recurse", KindTimeout, 504, "deadline"},
				{"trap", KindTrap, 502, "unreachable"},
				{"grow", KindOutOfMemory, 502, "limit of 16 pages"},
				{"huge_alloc", KindOutOfMemory, 502, "memory limit"},
				{"bad_output", KindTrap, 502, "output_set"},
				{"bad_load", KindTrap, 502, "load_u64"},
				{"bad_mem_read", KindTrap, 502, "mem_read"},
			}
			for _, c := range cases {
				if c.export == "recurse" && !mode.instrument {
					// wazero's own checks sit at loop headers only: call-only work
					// (exponential recursion without a loop) is not interrupted, and
					// it stalls the Go GC meanwhile. Instrumented modules check at
					// function entries too; see instrument.go.
					continue
				}
				start := time.Now()
				_, err := p.Call(context.Background(), c.export, []byte("x"))
				ce := callErr(t, err, c.kind)
				if !strings.Contains(ce.Error(), c.text) {
					t.Errorf("%s: error %q, want %q (the HTTP status of each kind is the server's: TestPluginErrorStatus)", c.export, ce, c.text)
				}
				if d := time.Since(start); d > 3*time.Second {
					t.Errorf("%s took %v", c.export, d)
				}
				out, err := p.Call(context.Background(), "echo_bulk", []byte("ok after "+c.export))
				if err != nil || string(out) != "ok after "+c.export {
					t.Fatalf("call after %s: %q, %v", c.export, out, err)
				}
			}
			// Finite work inside the deadline is not interrupted.
			if _, err := p.Call(context.Background(), "busy", []byte{1, 12}); err != nil {
				t.Fatalf("busy: %v", err)
			}
		})
	}
}

// TestDeadlineUnderGC: native code cannot be preempted, so a guest that never left it
// would hold up every stop-the-world phase of the garbage collector, and with it the
// watchdog meant to stop the guest: the process would hang. The inserted fuel check
// leaves native code regularly; this test forces collections while guests spin.
func TestDeadlineUnderGC(t *testing.T) {
	e := newTestEngine(t)
	p := load(t, e, wat(t, "guest"), Options{Instances: 2, Timeout: 200 * time.Millisecond})
	stop := make(chan struct{})
	gcDone := make(chan struct{})
	go func() {
		defer close(gcDone)
		for {
			select {
			case <-stop:
				return
			default:
				goruntime.GC()
			}
		}
	}()
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func(export string) {
			defer wg.Done()
			_, err := p.Call(context.Background(), export, nil)
			if !errors.Is(err, ErrTimeout) {
				t.Errorf("%s under GC: %v", export, err)
			}
		}([]string{"spin", "recurse"}[i])
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(10 * time.Second):
		t.Fatal("spinning guests were not stopped while the GC ran")
	}
	close(stop)
	<-gcDone
}

func TestInputOverArena(t *testing.T) {
	e := newTestEngine(t)
	p := load(t, e, wat(t, "guest"), Options{MemoryLimitPages: 2})
	_, err := p.Call(context.Background(), "echo_bulk", make([]byte, 3*65536))
	ce := callErr(t, err, KindOutOfMemory)
	if !strings.Contains(ce.Error(), "raise the plugin's memory limit") {
		t.Fatalf("error %q has no fix", ce)
	}
}

func TestContextCancelStopsGuest(t *testing.T) {
	e := newTestEngine(t)
	p := load(t, e, wat(t, "guest"), Options{Timeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := p.Call(ctx, "spin", nil)
	ce := callErr(t, err, KindTimeout)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v should wrap context.Canceled", ce)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	_, err = p.Call(ctx2, "spin", nil)
	callErr(t, err, KindTimeout)
	if _, err := p.Call(context.Background(), "noop", nil); err != nil {
		t.Fatal(err)
	}
}

func TestExhausted(t *testing.T) {
	e := newTestEngine(t)
	p := load(t, e, wat(t, "guest"), Options{Instances: 1, Timeout: 500 * time.Millisecond, QueueTimeout: 30 * time.Millisecond})
	done := make(chan error)
	go func() {
		_, err := p.Call(context.Background(), "spin", nil)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	_, err := p.Call(context.Background(), "noop", nil)
	ce := callErr(t, err, KindExhausted)
	if ce.Code() != abi.CodeUnavailable || !errors.Is(err, ErrExhausted) {
		t.Fatalf("exhausted: %s %v", ce.Code(), err)
	}
	if d := time.Since(start); d < 25*time.Millisecond || d > time.Second {
		t.Fatalf("waited %v for a 30ms queue timeout", d)
	}
	callErr(t, <-done, KindTimeout)
	if _, err := p.Call(context.Background(), "noop", nil); err != nil {
		t.Fatal(err)
	}
}

func TestCloseWaitsForInFlightCalls(t *testing.T) {
	e := newTestEngine(t)
	p, err := e.Load(context.Background(), wat(t, "guest"), Options{Name: "closing", Instances: 2, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	done := make(chan error)
	go func() {
		close(started)
		_, err := p.Call(context.Background(), "busy", []byte{200, 20}) // ~200M iterations
		done <- err
	}()
	<-started
	time.Sleep(20 * time.Millisecond)
	if p.inflight.Load() != 1 {
		t.Fatal("the call is not in flight when Close starts")
	}
	closeStart := time.Now()
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p.inflight.Load() != closedBit {
		t.Fatal("Close returned while a call was still in flight")
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("in-flight call failed during Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the in-flight call did not return")
	}
	t.Logf("Close waited %v", time.Since(closeStart))
	_, err = p.Call(context.Background(), "noop", nil)
	callErr(t, err, KindClosed)
	if err := p.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestCloseDeadlineInterrupts(t *testing.T) {
	e := newTestEngine(t)
	p, err := e.Load(context.Background(), wat(t, "guest"), Options{Instances: 1, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() {
		_, err := p.Call(context.Background(), "spin", nil)
		done <- err
	}()
	time.Sleep(30 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := p.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close = %v, want the ctx deadline", err)
	}
	callErr(t, <-done, KindTimeout)
}

func TestHammer(t *testing.T) {
	e := newTestEngine(t)
	p := load(t, e, wat(t, "guest"), Options{Instances: 3, QueueTimeout: 10 * time.Second, Timeout: 5 * time.Second})
	const workers, calls = 8, 150
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < calls; i++ {
				if i%37 == 5 {
					if _, err := p.Call(context.Background(), "trap", nil); !errors.Is(err, ErrTrap) {
						errs <- fmt.Errorf("trap: %v", err)
						return
					}
					continue
				}
				in := []byte(fmt.Sprintf("worker %d call %d %s", w, i, strings.Repeat("z", i)))
				export := []string{"echo", "echo_bulk", "echo_handle"}[i%3]
				out, err := p.Call(context.Background(), export, in)
				if err != nil || !bytes.Equal(out, in) {
					errs <- fmt.Errorf("%s: got %q, %v; want %q", export, out, err, in)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := p.live.Load(); n > 3 {
		t.Fatalf("%d instances alive, pool size 3", n)
	}
}

func TestHostFunctions(t *testing.T) {
	type key struct{}
	e := newTestEngine(t)
	var mu sync.Mutex
	var seen []string
	kv := func(ctx context.Context, req []byte) ([]byte, error) {
		mu.Lock()
		seen = append(seen, fmt.Sprint(ctx.Value(key{})))
		mu.Unlock()
		if _, ok := ctx.Deadline(); !ok {
			return nil, errors.New("no deadline on the host function ctx")
		}
		switch string(req) {
		case `{"key":"a"}`:
			return []byte(`{"value":"QQ=="}`), nil
		case `{"key":"missing"}`:
			return nil, abi.Errorf(abi.CodeNotFound, "no key %q", "missing")
		case `{"key":"null"}`:
			return nil, nil
		case `{"key":"boom"}`:
			return nil, errors.New("disk on fire")
		case `{"key":"slow"}`:
			<-ctx.Done()
			return nil, ctx.Err()
		case `{"key":"late"}`:
			return nil, fmt.Errorf("upstream: %w", context.DeadlineExceeded)
		case `{"key":"panic"}`:
			panic("host bug")
		}
		return nil, abi.Errorf(abi.CodeInvalidArgument, "bad request %s", req)
	}
	p := load(t, e, wat(t, "hostcall"), Options{HostFuncs: map[string]HostFunc{"kv_get": kv}, Timeout: 100 * time.Millisecond})
	cases := map[string]string{
		`{"key":"a"}`:       `{"result":{"value":"QQ=="}}`,
		`{"key":"missing"}`: `{"error":{"code":"not_found","message":"no key \"missing\""}}`,
		`{"key":"null"}`:    `{"result":null}`,
		`{"key":"boom"}`:    `{"error":{"code":"internal","message":"disk on fire"}}`,
		`{"key":"late"}`:    `{"error":{"code":"timeout","message":"upstream: context deadline exceeded"}}`,
		`{"key":"panic"}`:   `{"error":{"code":"internal","message":"host function kv_get failed"}}`,
	}
	ctx := context.WithValue(context.Background(), key{}, "request-42")
	for req, want := range cases {
		out, err := p.Call(ctx, "call", []byte(req))
		if err != nil || string(out) != want {
			t.Errorf("kv_get(%s) = %s, %v; want %s", req, out, err, want)
		}
	}
	// The call's deadline reaches a blocked host function, and the call fails.
	start := time.Now()
	_, err := p.Call(ctx, "call", []byte(`{"key":"slow"}`))
	if !errors.Is(err, ErrTimeout) || time.Since(start) > 5*time.Second {
		t.Fatalf("host call past the deadline: %v after %v", err, time.Since(start))
	}
	// The caller giving up reaches a blocked host function, and the call ends.
	p2 := load(t, e, wat(t, "hostcall"), Options{HostFuncs: map[string]HostFunc{"kv_get": kv}, Timeout: time.Minute})
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(30*time.Millisecond, cancel)
	start = time.Now()
	_, err = p2.Call(cctx, "call", []byte(`{"key":"slow"}`))
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.Canceled) || time.Since(start) > 5*time.Second {
		t.Fatalf("cancelled host call: %v after %v", err, time.Since(start))
	}
	out, err := p.Call(ctx, "call_twice", []byte(`{"key":"a"}`))
	if err != nil || string(out) != `{"result":{"value":"QQ=="}}` {
		t.Errorf("call_twice = %s, %v", out, err)
	}
	for _, v := range seen {
		if v != "request-42" {
			t.Fatalf("host function saw ctx value %q, want the caller's", v)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	e := newTestEngine(t)
	cases := []struct {
		wasm  []byte
		opts  Options
		wants []string
	}{
		{wat(t, "needs_http"), Options{Name: "fetcher"}, []string{"plugin fetcher: load", "extism:host/env.http_request", "proxy capability"}},
		{wat(t, "needs_v9"), Options{Name: "future"}, []string{"greenroom:host/v9.teleport", "serves greenroom:host/v1 only"}},
		{wat(t, "needs_catalog"), Options{Name: "reader"}, []string{"greenroom:host/v1.catalog_get", `capability "catalog.read" is not granted`}},
		{[]byte("not wasm"), Options{Name: "junk"}, []string{"plugin junk: load: compile"}},
		{wat(t, "guest"), Options{Name: "bad", HostFuncs: map[string]HostFunc{"mem_read": func(context.Context, []byte) ([]byte, error) { return nil, nil }}}, []string{"mem_read is built in"}},
		{wat(t, "guest"), Options{Name: "huge", MemoryLimitPages: 70000}, []string{"65536 pages"}},
		{wat(t, "guest"), Options{Name: "tiny", MemoryLimitPages: 1}, []string{"plugin tiny: load"}},
		{wat(t, "guest"), Options{Name: "neg", Timeout: -time.Second}, []string{"timeout -1s is negative"}},
	}
	for _, c := range cases {
		_, err := e.Load(context.Background(), c.wasm, c.opts)
		if err == nil {
			t.Errorf("%s: Load succeeded", c.opts.Name)
			continue
		}
		for _, w := range c.wants {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", c.opts.Name, err, w)
			}
		}
	}
	// A host function with the wrong signature is named.
	_, err := e.Load(context.Background(), wat(t, "hostcall"), Options{Name: "sig", HostFuncs: map[string]HostFunc{"kv_get": nil}})
	if err == nil || !strings.Contains(err.Error(), "nil func") {
		t.Errorf("nil HostFunc: %v", err)
	}
}

func TestCompilationCacheDirIsPrivate(t *testing.T) {
	dir := t.TempDir() + "/cache"
	e, err := NewEngine(context.Background(), EngineConfig{CacheDir: dir, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(context.Background())
	p, err := e.Load(context.Background(), wat(t, "guest"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p.Close(context.Background())
	st, err := statMode(dir)
	if err != nil || st != 0o700 {
		t.Fatalf("cache dir mode %o, %v", st, err)
	}
	if n := countFiles(dir); n == 0 {
		t.Fatal("compilation cache directory is empty after a load")
	}
}

// TestGuestErrorMessagesAreExcerpts: a plugin's error message reaches clients and the
// log as a short excerpt, control characters escaped, whether it is plain text or the
// message of a JSON error; its code is kept.
func TestGuestErrorMessagesAreExcerpts(t *testing.T) {
	e := newTestEngine(t)
	p := load(t, e, wat(t, "errors"), Options{Name: "loud"})
	for _, c := range []struct {
		export string
		code   abi.Code
	}{{"fail_long", abi.CodeInternal}, {"fail_long_json", abi.CodeNotFound}} {
		_, err := p.Call(context.Background(), c.export, nil)
		ce := callErr(t, err, KindGuest)
		msg := ce.Guest.Message
		if ce.Guest.Code != c.code || len(msg) > 300 || strings.ContainsAny(msg, "\x1b\n") || !strings.HasPrefix(msg, `\x1b[2J\nforged`) {
			t.Errorf("%s: code %s, message %q (%d bytes); want code %s and an escaped excerpt of about 200 bytes", c.export, ce.Guest.Code, msg, len(msg), c.code)
		}
	}
}
