// Package lifecycle is the one lifecycle every host part follows, in Caddy's spirit:
//
//  1. decode strictly: the config loader decodes app-config.yaml into each part's
//     config section, refusing unknown keys and bad values with the file, line and
//     YAML path;
//  2. provision: the section fills in its defaults (Provisioner);
//  3. validate: the section reports every problem at once, each as a *FieldError with
//     its YAML path (Validator), so that `greenroom audit`, `greenroom serve` and a
//     reload refuse the same config with the same messages;
//  4. start and stop: a running part (Part) starts in order after the parts it needs,
//     and stops in reverse; a Group undoes a partial start.
//
// It is a leaf package: every part's config imports it, and it imports nothing of the
// host.
package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Provisioner is a config section that fills in its defaults after decoding.
type Provisioner interface {
	Provision()
}

// Validator is a config section that checks itself after provisioning. It reports
// every problem, not only the first; a *FieldError names where.
type Validator interface {
	Validate() []error
}

// FieldError is a problem with one value of the config, at a YAML path given as its
// keys and list indexes ("proxy", "endpoints", "/github", "target"; "catalog",
// "locations", "[0]", "target"). The config loader adds the file and line.
type FieldError struct {
	Path []string
	Msg  string
}

// Errorf makes a *FieldError at path.
func Errorf(path []string, format string, args ...any) *FieldError {
	return &FieldError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// Index is the path element of a list entry.
func Index(i int) string { return "[" + strconv.Itoa(i) + "]" }

// Under returns err with prefix put before its path: a section validates its own paths,
// and the loader places them under the section's key. An error that is not a
// *FieldError becomes one at prefix.
func Under(prefix []string, err error) *FieldError {
	var fe *FieldError
	if errors.As(err, &fe) {
		return &FieldError{Path: append(append([]string(nil), prefix...), fe.Path...), Msg: fe.Msg}
	}
	return &FieldError{Path: append([]string(nil), prefix...), Msg: err.Error()}
}

// PathString writes a path as the loader's messages show it: proxy.endpoints./github,
// catalog.locations[0].target.
func PathString(path []string) string {
	var b strings.Builder
	for i, p := range path {
		if i > 0 && !strings.HasPrefix(p, "[") {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

func (e *FieldError) Error() string {
	if len(e.Path) == 0 {
		return e.Msg
	}
	return PathString(e.Path) + ": " + e.Msg
}

// Part is a host part that runs between Start and Stop: the store, the Wasm engine,
// the catalog, the plugins, the HTTP server. Start returns once the part serves (a part
// with background work starts it and returns); Stop releases everything Start took.
type Part interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

// Funcs makes a Part of two functions; either may be nil.
type Funcs struct {
	StartFunc, StopFunc func(ctx context.Context) error
}

// Start implements Part.
func (f Funcs) Start(ctx context.Context) error {
	if f.StartFunc == nil {
		return nil
	}
	return f.StartFunc(ctx)
}

// Stop implements Part.
func (f Funcs) Stop(ctx context.Context) error {
	if f.StopFunc == nil {
		return nil
	}
	return f.StopFunc(ctx)
}

// Group starts its parts in the order they were added and stops them in reverse.
type Group struct {
	parts   []named
	started int
}

type named struct {
	name string
	part Part
}

// Add registers a part; name appears in errors ("start catalog: ...").
func (g *Group) Add(name string, p Part) { g.parts = append(g.parts, named{name, p}) }

// Start starts every part in order. If one fails, the parts already started are
// stopped in reverse, and the error names the part that failed.
func (g *Group) Start(ctx context.Context) error {
	for g.started < len(g.parts) {
		p := g.parts[g.started]
		if err := p.part.Start(ctx); err != nil {
			err = fmt.Errorf("start %s: %w", p.name, err)
			if serr := g.Stop(context.WithoutCancel(ctx)); serr != nil {
				err = errors.Join(err, serr)
			}
			return err
		}
		g.started++
	}
	return nil
}

// Stop stops the started parts in reverse order, each even when an earlier one failed,
// and returns every error. Stopping a group twice, or one that never started, is safe.
func (g *Group) Stop(ctx context.Context) error {
	var errs []error
	for g.started > 0 {
		g.started--
		p := g.parts[g.started]
		if err := p.part.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop %s: %w", p.name, err))
		}
	}
	return errors.Join(errs...)
}

// Runner makes a Part of a part that runs until its context ends (Run(ctx) error, as
// the catalog's processing loop): Start runs it in a goroutine, Stop cancels it and
// waits until Run has returned.
func Runner(run func(ctx context.Context) error, onExit func(error)) Part {
	return &runner{run: run, onExit: onExit}
}

type runner struct {
	run    func(ctx context.Context) error
	onExit func(error)
	cancel context.CancelFunc
	done   chan struct{}
}

func (r *runner) Start(ctx context.Context) error {
	// The part outlives the start call: it runs until Stop.
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r.cancel, r.done = cancel, make(chan struct{})
	go func() {
		defer close(r.done)
		err := r.run(rctx)
		if r.onExit != nil && rctx.Err() == nil {
			r.onExit(err)
		}
	}()
	return nil
}

func (r *runner) Stop(ctx context.Context) error {
	if r.cancel == nil {
		return nil
	}
	r.cancel()
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("still running after %w", ctx.Err())
	}
}

// AsFieldError reads a *FieldError out of err: err itself when it is one, or a message
// that starts with a YAML path and a colon ("integrations.github[0].host: missing",
// `proxy.endpoints["/x"].target: ...`), the form every part's own errors take. ok is
// false when err names no path.
func AsFieldError(err error) (fe *FieldError, ok bool) {
	if errors.As(err, &fe) {
		return fe, true
	}
	msg := err.Error()
	var path []string
	i := 0
	key := func() bool {
		j := i
		for j < len(msg) && (msg[j] == '_' || msg[j] == '-' || msg[j] >= 'a' && msg[j] <= 'z' || msg[j] >= 'A' && msg[j] <= 'Z' || msg[j] >= '0' && msg[j] <= '9') {
			j++
		}
		if j == i {
			return false
		}
		path, i = append(path, msg[i:j]), j
		return true
	}
	if !key() {
		return nil, false
	}
	for i < len(msg) {
		switch {
		case strings.HasPrefix(msg[i:], ": "):
			return &FieldError{Path: path, Msg: msg[i+2:]}, len(path) > 1
		case msg[i] == '.':
			i++
			if !key() {
				return nil, false
			}
		case strings.HasPrefix(msg[i:], `["`):
			s, err := strconv.QuotedPrefix(msg[i+1:])
			if err != nil || !strings.HasPrefix(msg[i+1+len(s):], "]") {
				return nil, false
			}
			k, _ := strconv.Unquote(s)
			path, i = append(path, k), i+1+len(s)+1
		case msg[i] == '[':
			j := strings.IndexByte(msg[i:], ']')
			if j < 0 {
				return nil, false
			}
			if _, err := strconv.Atoi(msg[i+1 : i+j]); err != nil {
				return nil, false
			}
			path, i = append(path, msg[i:i+j+1]), i+j+1
		default:
			return nil, false
		}
	}
	return nil, false
}
