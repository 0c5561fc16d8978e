package runtime

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestGoPDK runs a guest built with the official Extism Go PDK (go-pdk v1.1.3,
// GOOS=wasip1 -buildmode=c-shared) unchanged.
func TestGoPDK(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	e := newTestEngine(t)
	p := load(t, e, goPDK(t), Options{Name: "gopdk", Instances: 1, Timeout: 300 * time.Millisecond,
		Config: map[string]string{"greeting": "hi"}, Logger: logger})
	if !p.instrumented {
		t.Fatal("the Go PDK module was not instrumented")
	}
	ctx := context.Background()
	cases := []struct{ export, in, want string }{
		{"echo", "", ""},
		{"echo", "round trip", "round trip"},
		{"echo", strings.Repeat("0123456789", 1000), strings.Repeat("0123456789", 1000)},
		{"greet", "Ada", "hi, Ada"},
		{"count", "", "1"},
		{"count", "", "2"},
		{"vowels", "Hello, World!", `{"count":3}`},
		{"logs", "", "logged"},
	}
	for _, c := range cases {
		out, err := p.Call(ctx, c.export, []byte(c.in))
		if err != nil || string(out) != c.want {
			t.Fatalf("%s(%.20q) = %.40q, %v; want %.40q", c.export, c.in, out, err, c.want)
		}
	}
	for _, want := range []string{`msg="info from go" plugin=gopdk`, `msg="warn from go"`, `msg="error from go"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs.String())
		}
	}
	if strings.Contains(logs.String(), "debug from go") {
		t.Error("a debug line passed an info-level logger")
	}
	_, err := p.Call(ctx, "fail", []byte("widget"))
	ce := callErr(t, err, KindGuest)
	if ce.Guest.Message != "no such thing: widget" {
		t.Fatalf("fail: %+v", ce.Guest)
	}
	start := time.Now()
	_, err = p.Call(ctx, "spin", nil)
	callErr(t, err, KindTimeout)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("spin stopped after %v, deadline 300ms", d)
	}
	start = time.Now()
	_, err = p.Call(ctx, "nap", nil)
	callErr(t, err, KindTimeout)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("a sleeping guest was stopped after %v, deadline 300ms", d)
	}
	// A fresh instance (vars lost) serves the next call.
	out, err := p.Call(ctx, "count", nil)
	if err != nil || string(out) != "1" {
		t.Fatalf("count after timeout = %q, %v", out, err)
	}
}
